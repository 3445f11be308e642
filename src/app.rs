//! Wiring: the listener (long polling) or the webhook route, the update
//! runner, the outbox sender, the scheduler and the operators' HTTP endpoints
//! around one pool, started and stopped together. `main` (run,
//! sandbox) and the test harness both start the bot through here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::Me;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::bot::webhook::{self, WebhookConfig};
use crate::bot::{commands, listener, runner::Runner};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::delivery::limits::{RateLimits, SendLimits};
use crate::delivery::scheduler::Scheduler;
use crate::delivery::sender::Sender;
use crate::metrics::Metrics;

pub struct AppOptions {
    /// Telegram's limits, for direct replies and the outbox together.
    pub send_limits: SendLimits,
    /// Register the localized command menus at start-up.
    pub register_commands: bool,
    /// How often the scheduler looks for deadlines that have passed.
    pub tick: Duration,
    /// Where to serve /healthz, /readyz, /metrics (and the webhook); None
    /// serves nothing (the sandbox). Port 0 picks a free one.
    pub listen: Option<SocketAddr>,
    /// Webhook mode (needs `listen`); None: long polling.
    pub webhook: Option<WebhookConfig>,
}

impl AppOptions {
    /// `propdesk run`: long polling, or a webhook with `webhook`; the
    /// endpoints on `settings.listen_address` for that mode.
    pub fn production(settings: &Settings, webhook: Option<WebhookConfig>) -> Self {
        AppOptions {
            send_limits: SendLimits::telegram(settings.send_rate_per_sec),
            register_commands: true,
            tick: Duration::from_secs(1),
            listen: Some(settings.listen_address(webhook.is_some())),
            webhook,
        }
    }
}

pub struct RunningApp {
    pub me: Me,
    pub pool: PgPool,
    /// The address the HTTP endpoints are served on, once bound.
    pub http_addr: Option<SocketAddr>,
    pub metrics: Arc<Metrics>,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts the bot. `bot` already points at Telegram or at the emulator.
pub async fn start(
    settings: Arc<Settings>,
    pool: PgPool,
    bot: Bot,
    clock: SharedClock,
    options: AppOptions,
) -> anyhow::Result<RunningApp> {
    let me = bot.get_me().await.context("asking Telegram who the bot is (getMe); is the token right?")?;
    if me.user.username.is_none() {
        anyhow::bail!("the bot has no username (getMe); propdesk needs one for command parsing and invite links");
    }
    if options.webhook.is_some() && options.listen.is_none() {
        anyhow::bail!("webhook mode needs an address to listen on");
    }
    if options.webhook.is_none() {
        // Long polling and a webhook exclude each other: a webhook left from an
        // earlier deployment would make every getUpdates fail with 409.
        bot.delete_webhook().await.context("removing any webhook before long polling (deleteWebhook)")?;
    }
    if options.register_commands {
        commands::register_menus(&bot, settings.default_locale, &settings.admin_ids)
            .await
            .context("registering the command menus (setMyCommands)")?;
    }
    let shutdown = CancellationToken::new();
    let mut limits = RateLimits::new(options.send_limits);
    if options.webhook.is_some() {
        // Webhook mode is how several replicas run: they share the overall rate.
        crate::store::send_window::prepare(&pool, options.send_limits.overall_per_sec)
            .await
            .context("preparing the shared send window")?;
        limits = limits.shared_with_replicas(pool.clone());
    }
    let limits = Arc::new(limits);
    // Chats' turns hold a connection from before an update is handled until
    // its replies are out (rate limits included), so they get a pool of their
    // own: they never starve the handling, the webhook or the send window
    // (which would deadlock). Its size bounds the chats handled at once.
    let turns = match options.webhook.is_some() {
        true => Some(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(8)
                .connect_lazy_with((*pool.connect_options()).clone()),
        ),
        false => None,
    };
    let metrics = Arc::new(Metrics::new());
    let runner = Arc::new(Runner::new(
        pool.clone(),
        bot.clone(),
        limits.clone(),
        settings.clone(),
        clock.clone(),
        me.clone(),
        metrics.clone(),
        turns,
    ));
    let scheduler =
        Scheduler::new(pool.clone(), clock.clone(), settings.clone(), options.tick).with_metrics(metrics.clone());
    let sender = Sender::new(pool.clone(), bot.clone(), clock.clone(), settings.default_locale, limits)
        .with_metrics(metrics.clone());
    let mut tasks = Vec::new();
    let mut http_addr = None;
    if let Some(listen) = options.listen {
        let mut routes = crate::ops::router(pool.clone(), clock.clone(), metrics.clone());
        if let Some(config) = &options.webhook {
            routes = routes.merge(webhook::router(config, pool.clone(), runner.clone(), metrics.clone()));
        }
        let socket = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen} (--listen / WEBHOOK_LISTEN)"))?;
        let addr = socket.local_addr().context("reading the bound address")?;
        http_addr = Some(addr);
        let stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let served = axum::serve(socket, routes).with_graceful_shutdown(stop.cancelled_owned()).await;
            if let Err(err) = served {
                tracing::error!(error = %err, "the HTTP endpoints stopped");
            }
        }));
        tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    }
    match &options.webhook {
        Some(config) => {
            // Registered once the route is served: Telegram may call at once.
            if let Err(err) = webhook::register(&bot, config).await {
                shutdown.cancel();
                return Err(anyhow::Error::new(err).context("registering the webhook (setWebhook)"));
            }
            tracing::info!(path = config.path(), "webhook registered");
        }
        None => tasks.push(tokio::spawn(listener::poll(bot, pool.clone(), runner.clone(), shutdown.clone()))),
    }
    tasks.push(tokio::spawn(runner.run(shutdown.clone())));
    tasks.push(tokio::spawn(sender.run(shutdown.clone())));
    tasks.push(tokio::spawn(scheduler.run(shutdown.clone())));
    tasks.push(tokio::spawn(crate::store::reachability::watch(pool.clone(), shutdown.clone())));
    tracing::info!(bot = me.username(), webhook = options.webhook.is_some(), "propdesk is running");
    Ok(RunningApp { me, pool, http_addr, metrics, shutdown, tasks })
}

impl RunningApp {
    /// Ends every task where it stands, with nothing flushed: what SIGKILL
    /// leaves behind (rows claimed and not marked, leases dropped with their
    /// connections), for crash tests.
    pub fn kill(self) {
        for task in &self.tasks {
            task.abort();
        }
    }

    /// Stops taking updates, lets the ones in hand finish, then returns.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            if let Err(err) = task.await {
                tracing::error!(error = %err, "a task ended badly");
            }
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM, caught from the moment `install` returns:
/// a signal that comes while the service is still starting is not lost and
/// does not kill the process mid-start.
pub struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    pub fn install() -> std::io::Result<StopSignal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignal { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        Ok(StopSignal {})
    }

    /// Resolves on the first SIGINT or SIGTERM.
    pub async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => tracing::info!("SIGINT: stopping"),
            _ = self.terminate.recv() => tracing::info!("SIGTERM: stopping"),
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
