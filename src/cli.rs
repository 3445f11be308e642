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
use crate::domain::survey::SurveySpec;
use crate::services::options::{self, OptionList};
use crate::services::people::Asker;
use crate::services::survey_file;
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
    /// The real bot against Telegram (TELOXIDE_TOKEN): long polling, or a
    /// webhook with --webhook-url (WEBHOOK_SECRET required). Serves /healthz,
    /// /readyz and /metrics on --listen in both modes.
    Run {
        /// Webhook mode: the public https URL Telegram posts updates to
        /// (default: WEBHOOK_URL; unset means long polling).
        #[arg(long)]
        webhook_url: Option<url::Url>,
        /// Address for the webhook and the health, readiness and metrics
        /// endpoints (default: WEBHOOK_LISTEN, else 127.0.0.1:8443 with long
        /// polling and 0.0.0.0:8443 with a webhook).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
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
    /// Satisfaction surveys: import a survey file, list surveys, export answers.
    Survey {
        #[command(subcommand)]
        what: Survey,
    },
}

#[derive(Debug, Subcommand)]
pub enum Survey {
    /// Import a survey file (YAML or TOML; see examples/survey.yaml) as a
    /// draft. An admin launches it in chat (/surveys). A file with errors is
    /// refused whole, each error printed as FILE:LINE: reason.
    Import {
        file: PathBuf,
        /// The community (小区); may be left out when there is only one.
        #[arg(long)]
        community: Option<String>,
    },
    /// Every survey: id, phase, invited, answered, community, title.
    List,
    /// Every submitted answer of a survey, one row per response, UTF-8 with
    /// a byte-order mark for Excel; times in TIME_ZONE.
    Export {
        /// The survey's id (see `propdesk survey list`).
        id: i64,
        #[arg(long, value_enum, default_value_t = SurveyFormat::Csv)]
        format: SurveyFormat,
        /// Where to write the file; standard output when not given.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SurveyFormat {
    Csv,
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
        Command::Run { webhook_url, listen } => run(settings, webhook_url, listen).await,
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
        Command::Survey { what: Survey::Import { file, community } } => {
            // The file is checked before the database starts: errors cost nothing.
            let spec = read_survey_file(&file, &settings)?;
            let (pool, pg) = open_database(&settings).await?;
            let result = import_survey(&pool, community.as_deref(), &spec).await;
            close(pool, pg).await;
            result
        }
        Command::Survey { what: Survey::List } => {
            let (pool, pg) = open_database(&settings).await?;
            let result = list_surveys(&pool).await;
            close(pool, pg).await;
            result
        }
        Command::Survey { what: Survey::Export { id, format: SurveyFormat::Csv, output } } => {
            let (pool, pg) = open_database(&settings).await?;
            let result = export_survey(&pool, &settings, id, output.as_deref()).await;
            close(pool, pg).await;
            result
        }
    }
}

/// Parses a survey file; on errors prints each as FILE:LINE: reason (in
/// DEFAULT_LOCALE) and fails.
fn read_survey_file(file: &std::path::Path, settings: &Settings) -> anyhow::Result<SurveySpec> {
    use std::io::Read as _;
    let shown = file.display().to_string();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut bytes = Vec::new();
    // One byte more than allowed is enough to be refused as too large.
    std::fs::File::open(file)
        .and_then(|f| f.take(survey_file::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {shown}"))?;
    match survey_file::parse(&name, &bytes, chrono::Utc::now(), settings.time_zone) {
        Ok(spec) => Ok(spec),
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", e.render(&shown, settings.default_locale));
            }
            anyhow::bail!("{shown}: not imported ({} problem(s))", errors.len())
        }
    }
}

/// The community `--community` names, or the only one there is.
async fn community_id(pool: &PgPool, name: Option<&str>) -> anyhow::Result<(i64, String)> {
    let mut conn = pool.acquire().await.context("connecting to PostgreSQL")?;
    let all = crate::store::communities::all(&mut conn).await?;
    let names = || all.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
    match name {
        Some(name) => all
            .iter()
            .find(|(_, n)| n == name)
            .cloned()
            .with_context(|| format!("no community named {name:?}; there are: {}", names())),
        None => match all.as_slice() {
            [only] => Ok(only.clone()),
            [] => anyhow::bail!("there is no community yet: import the owner roster first (propdesk import-roster)"),
            _ => anyhow::bail!("there are several communities, choose one with --community: {}", names()),
        },
    }
}

async fn import_survey(pool: &PgPool, community: Option<&str>, spec: &SurveySpec) -> anyhow::Result<()> {
    let (community_id, community) = community_id(pool, community).await?;
    let mut tx = pool.begin().await.context("connecting to PostgreSQL")?;
    let unknown = survey_file::unknown_buildings(&mut tx, community_id, spec).await?;
    anyhow::ensure!(
        unknown.is_empty(),
        "{community} has no building {}: the survey would reach nobody there (check `buildings`)",
        unknown.join(", ")
    );
    let id = survey_file::import(&mut tx, community_id, spec, None, chrono::Utc::now()).await?;
    tx.commit().await.context("saving the survey")?;
    let kinds: Vec<String> = crate::domain::survey::QuestionKind::ALL
        .iter()
        .map(|k| (k, spec.questions.iter().filter(|q| q.kind == *k).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect();
    println!("survey {id} imported as a draft in {community}: {}", spec.title.trim());
    println!("  {} questions ({})", spec.questions.len(), kinds.join(", "));
    println!("  buildings: {}", spec.buildings.as_ref().map_or_else(|| "all".to_owned(), |b| b.join(", ")));
    println!("launch it in chat: /surveys");
    Ok(())
}

async fn list_surveys(pool: &PgPool) -> anyhow::Result<()> {
    use crate::store::surveys::Phase;
    let mut conn = pool.acquire().await.context("connecting to PostgreSQL")?;
    let counts = crate::store::survey_results::counts_by_survey(&mut conn).await?;
    let now = chrono::Utc::now();
    println!("{:>6}  {:<9}  {:>7}  {:>8}  {:<12}  title", "id", "phase", "invited", "answered", "community");
    for c in counts {
        let Some(survey) = crate::store::surveys::get(&mut conn, c.id).await? else { continue };
        let phase = match survey.phase(now) {
            Phase::Draft => "draft",
            Phase::Scheduled => "scheduled",
            Phase::Open => "open",
            Phase::Closed => "closed",
        };
        println!(
            "{:>6}  {:<9}  {:>7}  {:>8}  {:<12}  {}",
            c.id, phase, c.invited, c.submitted, c.community, survey.title
        );
    }
    Ok(())
}

async fn export_survey(
    pool: &PgPool,
    settings: &Settings,
    id: i64,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.context("connecting to PostgreSQL")?;
    let asker = crate::services::people::Asker::Operator;
    let bytes = crate::services::survey_results::csv(&mut conn, asker, id, settings.time_zone)
        .await?
        .ok()
        .with_context(|| format!("there is no survey {id} (see propdesk survey list)"))?;
    match output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            println!("survey {id} written to {}", path.display());
        }
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout();
            stdout.write_all(&bytes).and_then(|_| stdout.flush()).context("writing the export")?;
        }
    }
    Ok(())
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
                Asker::Operator,
                start,
                end,
                settings.time_zone,
                std::io::BufWriter::new(file),
            )
            .await;
            match written {
                Ok(Ok(n)) => println!("{n} tickets from {from} to {to} written to {}", path.display()),
                Ok(Err(refusal)) => anyhow::bail!("the export was refused: {refusal:?}"),
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
            let n = crate::services::export::tickets_csv(
                &mut conn,
                Asker::Operator,
                start,
                end,
                settings.time_zone,
                stdout,
            )
            .await?
            .map_err(|refusal| anyhow::anyhow!("the export was refused: {refusal:?}"))?;
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

async fn run(
    mut settings: Settings,
    webhook_url: Option<url::Url>,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    if let Some(listen) = listen {
        settings.listen = Some(listen);
    }
    // Checked before the database starts; no secret is ever made up.
    let webhook = match webhook_url.or_else(|| settings.webhook_url.clone()) {
        None => None,
        Some(url) => {
            let secret = settings.webhook_secret.clone().context(
                "webhook mode needs WEBHOOK_SECRET (1-256 characters of A-Z, a-z, 0-9, _ and -; \
                 e.g. from `openssl rand -hex 32`): set it in the environment or .env",
            )?;
            anyhow::ensure!(
                !matches!(url.path(), "/healthz" | "/readyz" | "/metrics"),
                "--webhook-url's path {} is taken by an operator endpoint; choose another",
                url.path()
            );
            Some(crate::bot::webhook::WebhookConfig { url, secret })
        }
    };
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
    let options = AppOptions::production(&settings, webhook);
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
