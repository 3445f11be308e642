//! Everything local: a private PostgreSQL, the demo community, the Bot API
//! emulator, the real bot pointed at it, and the web chat page, all on one
//! port (http://127.0.0.1:8080 by default).

pub mod emulator;
pub mod seed;
pub mod web;

use std::sync::Arc;

use anyhow::Context as _;
use teloxide::Bot;
use url::Url;

use crate::app::{self, AppOptions, RunningApp};
use crate::clock::SystemClock;
use crate::config::Settings;
use crate::store::embedded::{EmbeddedOptions, EmbeddedPg};
use emulator::{EmuUser, Emulator};

const TOKEN: &str = "1000:SANDBOX";
pub const BOT_USERNAME: &str = "propdesk_sandbox_bot";

pub struct Sandbox {
    /// The web chat page (and the Bot API the bot talks to).
    pub url: Url,
    pub emulator: Emulator,
    running: RunningApp,
    pg: Option<EmbeddedPg>,
}

pub struct SandboxOptions {
    /// 0 picks a free port.
    pub port: u16,
    /// A database to use instead of a private embedded cluster.
    pub database_url: Option<String>,
}

impl Sandbox {
    pub async fn start(settings: Settings, options: SandboxOptions) -> anyhow::Result<Sandbox> {
        let (url, pg) = match options.database_url {
            Some(url) => (url, None),
            None => {
                let pg = EmbeddedPg::start(EmbeddedOptions { data_dir: None, fast: true }).await?;
                (pg.url().to_owned(), Some(pg))
            }
        };
        let pool = crate::store::connect_and_migrate(&url).await?;
        seed::seed(&pool).await.context("seeding the demo community")?;

        let emulator = Emulator::new(TOKEN, BOT_USERNAME);
        for persona in seed::personas() {
            emulator.register_user(EmuUser {
                id: persona.id,
                first_name: persona.first_name.to_owned(),
                last_name: persona.last_name.map(str::to_owned),
                username: None,
                language_code: Some(persona.language.to_owned()),
                phone: Some(persona.phone.to_owned()),
            });
        }
        let router = emulator.router().merge(web::router());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| format!("port {} is taken; choose another with --port or SANDBOX_PORT", options.port))?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::error!(error = %err, "the sandbox web server stopped");
            }
        });
        let url = Url::parse(&format!("http://{addr}/"))?;

        let mut settings = settings;
        if !settings.admin_ids.contains(&seed::ADMIN_ID) {
            settings.admin_ids.push(seed::ADMIN_ID);
        }
        let settings = Arc::new(settings);
        let bot = Bot::new(TOKEN).set_api_url(url.clone());
        // No operator endpoints in the sandbox: one port (the chat page) is enough.
        let options = AppOptions { listen: None, ..AppOptions::production(&settings, None) };
        let running = app::start(settings.clone(), pool, bot, Arc::new(SystemClock), options).await?;
        // The demo staff have opened the bot before, as real staff would
        // have: Telegram lets a bot write only to people who wrote to it.
        for persona in seed::personas().iter().filter(|p| p.role == "staff" || p.role == "admin") {
            emulator.send_text(persona.id, "/start");
        }
        Ok(Sandbox { url, emulator, running, pg })
    }

    pub async fn stop(self) {
        let pool = self.running.pool.clone();
        self.running.shutdown().await;
        crate::cli::close(pool, self.pg).await;
    }
}

/// `propdesk sandbox`: runs until Ctrl-C or SIGTERM.
pub async fn run(settings: Settings, port: Option<u16>) -> anyhow::Result<()> {
    let stop = app::StopSignal::install()?;
    let port = port.unwrap_or(settings.sandbox_port);
    let sandbox = Sandbox::start(settings, SandboxOptions { port, database_url: None }).await?;
    println!("propdesk sandbox is running: open {} (Ctrl-C stops it)", sandbox.url);
    stop.wait().await;
    sandbox.stop().await;
    println!("propdesk sandbox stopped");
    Ok(())
}
