//! The command line: one binary, a subcommand per job.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use sqlx::PgPool;
use teloxide::Bot;

use crate::app::{self, AppOptions};
use crate::clock::SystemClock;
use crate::config::Settings;
use crate::services::options::{self, OptionList};
use crate::store::embedded::{EmbeddedOptions, EmbeddedPg};

#[derive(Debug, Parser)]
#[command(name = "propdesk", version, about = "A Telegram front desk for residential property companies")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Everything local, no token: a demo community, a Telegram emulator and a
    /// web chat page to try the bot in a browser.
    Sandbox {
        /// Port of the web chat page (default: SANDBOX_PORT, 8080).
        #[arg(long)]
        port: Option<u16>,
    },
    /// The real bot against Telegram (TELOXIDE_TOKEN), long polling.
    Run,
    /// Apply database migrations and exit.
    Migrate,
    /// The repair categories a community offers owners, in order. Without
    /// --set, shows them. Codes: plumbing, electrical, doors_windows, lift,
    /// gas, common_facilities, other.
    Categories {
        #[arg(long, default_value = "默认小区")]
        community: String,
        /// Comma-separated category codes, e.g. plumbing,electrical,other
        #[arg(long, value_delimiter = ',')]
        set: Option<Vec<String>>,
    },
    /// The complaint subjects a community offers owners, in order. Without
    /// --set, shows them. Codes: noise, hygiene, security, staff_conduct,
    /// parking, fees, other.
    Subjects {
        #[arg(long, default_value = "默认小区")]
        community: String,
        /// Comma-separated subject codes, e.g. noise,parking,other
        #[arg(long, value_delimiter = ',')]
        set: Option<Vec<String>>,
    },
    /// Import the owner roster from a CSV file (building, entrance, room,
    /// owner name, phone, relation). Safe to run again with the same file.
    ImportRoster {
        file: PathBuf,
        /// The community (小区) the units belong to.
        #[arg(long, default_value = "默认小区")]
        community: String,
    },
    /// Export data for spreadsheets.
    Export {
        #[command(subcommand)]
        what: Export,
    },
}

#[derive(Debug, Subcommand)]
pub enum Export {
    /// Repair tickets filed between two dates (both included, in TIME_ZONE)
    /// as CSV: one row per ticket, UTF-8 with a byte-order mark for Excel.
    Tickets {
        /// The first day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The last day, YYYY-MM-DD (included).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Where to write the file; standard output when not given.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub async fn execute(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Sandbox { port } => crate::sandbox::run(settings, port).await,
        Command::Run => run(settings).await,
        Command::Migrate => {
            let (pool, pg) = open_database(&settings).await?;
            println!("migrations applied");
            close(pool, pg).await;
            Ok(())
        }
        Command::Categories { community, set } => {
            let known: Vec<&str> = crate::domain::Category::ALL.iter().map(|c| c.as_str()).collect();
            let (pool, pg) = open_database(&settings).await?;
            let result = choose_list(&pool, &community, OptionList::RepairCategories, set, &known).await;
            close(pool, pg).await;
            result
        }
        Command::Subjects { community, set } => {
            let known: Vec<&str> = crate::domain::Subject::ALL.iter().map(|c| c.as_str()).collect();
            let (pool, pg) = open_database(&settings).await?;
            let result = choose_list(&pool, &community, OptionList::ComplaintSubjects, set, &known).await;
            close(pool, pg).await;
            result
        }
        Command::ImportRoster { file, community } => {
            let (pool, pg) = open_database(&settings).await?;
            let result = import_roster(&pool, &community, &file).await;
            close(pool, pg).await;
            result
        }
        Command::Export { what: Export::Tickets { from, to, output } } => {
            // Checked before the database starts: a typo should not cost a cluster start-up.
            // No upper bound on the length, unlike the bot: a yearly audit may span years.
            anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
            let (pool, pg) = open_database(&settings).await?;
            let result = export_tickets(&pool, &settings, from, to, output.as_deref()).await;
            close(pool, pg).await;
            result
        }
    }
}

async fn export_tickets(
    pool: &PgPool,
    settings: &Settings,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let period = crate::domain::period::Period::Custom { from, to };
    // "Today" only matters for the named periods (this week, this month).
    let (start, end) = period.utc_range(from, settings.time_zone);
    let mut conn = pool.acquire().await.context("connecting to PostgreSQL")?;
    match output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            let written = crate::services::export::tickets_csv(
                &mut conn,
                start,
                end,
                settings.time_zone,
                std::io::BufWriter::new(file),
            )
            .await;
            match written {
                Ok(n) => println!("{n} tickets from {from} to {to} written to {}", path.display()),
                Err(err) => {
                    // No half-written file left behind to be mistaken for the export.
                    let _ = std::fs::remove_file(path);
                    return Err(err);
                }
            }
        }
        None => {
            // Not `stdout().lock()`: the lock would be held across awaits while
            // other threads may want to log.
            let stdout = std::io::BufWriter::new(std::io::stdout());
            let n = crate::services::export::tickets_csv(&mut conn, start, end, settings.time_zone, stdout).await?;
            eprintln!("{n} tickets from {from} to {to}");
        }
    }
    Ok(())
}

/// Shows, or with `set` first replaces, what a community offers from one of
/// the fixed lists.
async fn choose_list(
    pool: &PgPool,
    community: &str,
    list: OptionList,
    set: Option<Vec<String>>,
    known: &[&str],
) -> anyhow::Result<()> {
    if let Some(codes) = set {
        let mut chosen: Vec<&str> = Vec::new();
        for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let code = known
                .iter()
                .find(|k| **k == code)
                .with_context(|| format!("unknown code {code:?}; known: {}", known.join(", ")))?;
            if !chosen.contains(code) {
                chosen.push(code);
            }
        }
        anyhow::ensure!(!chosen.is_empty(), "--set needs at least one code");
        options::choose(pool, community, list, &chosen).await?;
    }
    println!("{community}: {}", options::codes(pool, community, list, known).await?.join(", "));
    Ok(())
}

async fn import_roster(pool: &PgPool, community: &str, file: &PathBuf) -> anyhow::Result<()> {
    let reader = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let report = crate::services::roster::import_roster(pool, community, reader).await?;
    println!("{report}");
    Ok(())
}

/// DATABASE_URL, or the embedded cluster in DATA_DIR (kept between runs).
pub async fn open_database(settings: &Settings) -> anyhow::Result<(PgPool, Option<EmbeddedPg>)> {
    let (url, pg) = match &settings.database_url {
        Some(url) => (url.expose_secret().to_owned(), None),
        None => {
            let data_dir = settings.data_dir.join("pgdata");
            tracing::info!(dir = %data_dir.display(), "DATABASE_URL is unset: starting the embedded PostgreSQL");
            let pg = EmbeddedPg::start(EmbeddedOptions { data_dir: Some(data_dir), fast: false }).await?;
            (pg.url().to_owned(), Some(pg))
        }
    };
    let pool = crate::store::connect_and_migrate(&url).await?;
    Ok((pool, pg))
}

pub async fn close(pool: PgPool, pg: Option<EmbeddedPg>) {
    pool.close().await;
    if let Some(pg) = pg
        && let Err(err) = pg.stop().await
    {
        tracing::warn!(error = %err, "stopping the embedded PostgreSQL failed");
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let token = settings
        .telegram_token
        .as_ref()
        .context("TELOXIDE_TOKEN is not set: get a token from @BotFather and put it in .env (see .env.example)")?
        .expose_secret()
        .to_owned();
    let stop = app::StopSignal::install()?;
    let mut bot = Bot::new(token);
    if let Some(url) = &settings.telegram_api_url {
        bot = bot.set_api_url(url.clone());
    }
    let (pool, pg) = open_database(&settings).await?;
    let settings = Arc::new(settings);
    let options = AppOptions::production(&settings);
    let running = app::start(settings, pool.clone(), bot, Arc::new(SystemClock), options).await;
    let running = match running {
        Ok(r) => r,
        Err(err) => {
            close(pool, pg).await;
            return Err(err);
        }
    };
    stop.wait().await;
    running.shutdown().await;
    close(pool, pg).await;
    Ok(())
}
