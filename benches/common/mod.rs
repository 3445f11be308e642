//! What the benchmarks share: percentiles, the bot on a production-sized pool
//! against a fresh emulator, following thousands of chats at once, counting
//! SQL statements and round trips, and the baseline bot.
//!
//! Included by each bench with `#[path = "common/mod.rs"] mod common;`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use propdesk::app::{self, AppOptions, RunningApp};
use propdesk::clock::{SharedClock, SystemClock};
use propdesk::config::Settings;
use propdesk::delivery::limits::SendLimits;
use propdesk::domain::Trade;
use propdesk::i18n::Locale;
use propdesk::sandbox::emulator::{BotActivity, ChatMessage, EmuUser, Emulator};
use propdesk::store::{self, testdb::TestDb, users::Seen};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use teloxide::Bot;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub const TOKEN: &str = "4242:BENCH";
/// How long one answer may take before the bench gives up.
pub const WAIT: Duration = Duration::from_secs(120);

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median of some figures (the lower middle one of an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[(sorted.len() - 1) / 2]
}

/// A `kB` field of `/proc/PID/status` (`"VmRSS:"`, `"VmHWM:"`), 0 when unreadable.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Which PostgreSQL the benches run on: `DATABASE_URL`, else the embedded cluster.
pub fn database_server() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => format!("DATABASE_URL {url}"),
        _ => "the embedded cluster (fsync off; set DATABASE_URL for a real server)".to_owned(),
    }
}

/// Flood limits that never hold the bot back: the benches that use them
/// measure the bot, not Telegram's limits (the emulator's are off too).
pub fn unlimited() -> SendLimits {
    SendLimits { overall_per_sec: 1_000_000, per_chat_per_sec: 1000, per_chat_burst: 1000, per_chat_per_min: 60_000 }
}

/// The bot as `propdesk run` runs it: a pool of 10 connections (as
/// `store::connect` makes), long polling, the sender and the scheduler, on a
/// fresh database and against a fresh emulator.
pub struct BenchApp {
    pub emu: Emulator,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    running: RunningApp,
    _db: TestDb,
}

impl BenchApp {
    pub async fn spawn(send_limits: SendLimits) -> BenchApp {
        let db = store::testdb::fresh_database().await.expect("a fresh database");
        let pool = PgPoolOptions::new()
            .max_connections(10)
            // Each acquire from the idle set pings the server first (sqlx's
            // `test_before_acquire`, on by default): a round trip no statement
            // log shows. Announced here so `RoundTrips` can count it.
            .before_acquire(|_, _| {
                Box::pin(async {
                    tracing::debug!(target: "bench::acquire", "acquired");
                    Ok(true)
                })
            })
            .connect(&db.url)
            .await
            .expect("the bench pool connects");
        let emu = Emulator::new(TOKEN, "propdesk_bench_bot");
        let url = emu.spawn(0).await.expect("the emulator starts");
        let bot = Bot::new(TOKEN).set_api_url(url);
        let settings = Arc::new(Settings::for_local());
        let clock: SharedClock = Arc::new(SystemClock);
        let options = AppOptions {
            send_limits,
            register_commands: true,
            tick: Duration::from_secs(1),
            listen: None,
            webhook: None,
        };
        let running = app::start(settings.clone(), pool.clone(), bot, clock, options).await.expect("the bot starts");
        BenchApp { emu, pool, settings, running, _db: db }
    }

    /// `count` verified owners (ids from `first`) in the community "测试小区", each
    /// bound to their own unit `B<n/500>-1-<10000+n>`, known to the emulator.
    pub async fn seed_owners(&self, first: i64, count: i64) {
        let mut conn = self.pool.acquire().await.unwrap();
        let community = store::roster::community_id_by_name_or_create(&mut conn, "测试小区").await.unwrap();
        store::testdb::seed_owners(&mut conn, community, first, count).await.unwrap();
        for id in first..first + count {
            self.emu.register_user(EmuUser::new(id, &format!("业主{}", id - first)).with_language("zh-hans"));
        }
    }

    /// Active staff of `trade` the bot may write to (seeded, not onboarded).
    pub async fn seed_staff(&self, first: i64, count: i64, trade: Trade) {
        let mut conn = self.pool.acquire().await.unwrap();
        for id in first..first + count {
            let seen = Seen {
                telegram_id: id,
                first_name: "师傅",
                last_name: None,
                username: None,
                guessed_locale: Locale::ZhCn,
            };
            store::users::record_seen(&mut conn, seen).await.unwrap();
            store::staff::enlist(&mut conn, id, &format!("师傅{}", id - first), trade, false, None).await.unwrap();
        }
        self.emu.register_started_users((first..first + count).map(|id| EmuUser::new(id, "师傅")));
    }

    /// Gathers the planner's statistics of the seeded tables, as after a
    /// company imports its roster and autovacuum has looked at it. The
    /// others stay as in a new deployment, never analyzed (analyzed while
    /// empty, PostgreSQL would plan scans of tables that then fill up).
    pub async fn analyze(&self) {
        sqlx::query("ANALYZE communities, users, units, unit_residents, staff")
            .execute(&self.pool)
            .await
            .expect("ANALYZE");
    }

    pub fn metrics(&self) -> &propdesk::metrics::Metrics {
        &self.running.metrics
    }

    pub async fn stop(self) {
        self.running.shutdown().await;
    }
}

/// Follows every chat of an emulator through one subscription: each chat's
/// `Chat` gets only its own activity, with the instant the emulator took it.
pub struct Chats {
    emu: Emulator,
    routes: Arc<Mutex<HashMap<i64, UnboundedSender<BotActivity>>>>,
}

impl Chats {
    pub fn follow(emu: &Emulator) -> Chats {
        let routes: Arc<Mutex<HashMap<i64, UnboundedSender<BotActivity>>>> = Arc::default();
        let mut feed = emu.subscribe_bot_activity();
        let table = routes.clone();
        tokio::spawn(async move {
            while let Some(activity) = feed.recv().await {
                if let Some(chat) = table.lock().unwrap().get(&activity.chat_id) {
                    let _ = chat.send(activity);
                }
            }
        });
        Chats { emu: emu.clone(), routes }
    }

    pub fn chat(&self, id: i64) -> Chat {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.routes.lock().unwrap().insert(id, tx);
        Chat { emu: self.emu.clone(), id, feed: rx, arrivals: HashMap::new() }
    }
}

/// One chat followed by `Chats`.
pub struct Chat {
    pub emu: Emulator,
    pub id: i64,
    feed: UnboundedReceiver<BotActivity>,
    /// When the emulator took each change, by event number.
    arrivals: HashMap<u64, Instant>,
}

impl Chat {
    fn drain(&mut self) {
        while let Ok(activity) = self.feed.try_recv() {
            self.arrivals.insert(activity.seq, activity.at);
        }
    }

    /// The first bot message after `after` (new or edited) that satisfies
    /// `pred`, and when the emulator took it. Panics after `WAIT`.
    pub async fn wait(
        &mut self,
        after: u64,
        what: &str,
        pred: impl Fn(&ChatMessage) -> bool,
    ) -> (ChatMessage, Instant) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            self.drain();
            if self.arrivals.keys().any(|seq| *seq > after) {
                let found = self
                    .emu
                    .bot_messages(self.id)
                    .into_iter()
                    .filter(|m| !m.deleted && m.seq > after && pred(m))
                    .min_by_key(|m| m.seq);
                if let Some(message) = found {
                    // Its activity is on its way through the router, if not here yet.
                    while !self.arrivals.contains_key(&message.seq) {
                        let activity = self.feed.recv().await.expect("the router runs");
                        self.arrivals.insert(activity.seq, activity.at);
                    }
                    let at = self.arrivals[&message.seq];
                    return (message, at);
                }
            }
            match tokio::time::timeout_at(deadline, self.feed.recv()).await {
                Ok(Some(activity)) => {
                    self.arrivals.insert(activity.seq, activity.at);
                }
                _ => panic!("chat {} waited {WAIT:?} for {what}: {:?}", self.id, self.emu.last_bot_message(self.id)),
            }
        }
    }

    /// The callback data of the inline button labelled `label` on the bot's latest message that has it.
    pub fn button(&self, label: &str) -> (i32, String) {
        self.emu
            .bot_messages(self.id)
            .iter()
            .rev()
            .find_map(|m| m.callback_data_of(label).map(|data| (m.message_id, data.to_owned())))
            .unwrap_or_else(|| panic!("no button {label:?} in chat {}", self.id))
    }
}

/// Where a statement ran: in the unit of work of an update (inside the
/// runner's `update` span), the listener storing a batch, the runner reading
/// the inbox, or anything else (the sender, the scheduler, the bench).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Updates handled (the runner's `update` spans).
    pub updates: u64,
    /// Statements in the runner's unit of work (BEGIN and COMMIT included).
    pub update_statements: u64,
    /// Pool acquisitions there: each pings the server first.
    pub update_acquires: u64,
    /// The listener's `INSERT INTO inbox`.
    pub listener_inserts: u64,
    /// The runner's `SELECT … FROM inbox WHERE handled_at IS NULL`.
    pub inbox_reads: u64,
    /// Acquisitions outside updates (each of the above, the sender, the scheduler).
    pub other_acquires: u64,
    pub other_statements: u64,
}

impl Counts {
    /// Round trips of the unit of work: every statement sqlx logs is one
    /// flight (a cached prepared statement is sent as Bind/Execute/Sync; the
    /// runner's `BEGIN; SELECT begin_update(…)` and `…; COMMIT` are one simple
    /// query each), plus the ping of each pool acquisition (the runner's own
    /// connections are not a pool and are not pinged).
    pub fn update_round_trips(&self) -> u64 {
        self.update_statements + self.update_acquires
    }

    pub fn minus(&self, earlier: &Counts) -> Counts {
        Counts {
            updates: self.updates - earlier.updates,
            update_statements: self.update_statements - earlier.update_statements,
            update_acquires: self.update_acquires - earlier.update_acquires,
            listener_inserts: self.listener_inserts - earlier.listener_inserts,
            inbox_reads: self.inbox_reads - earlier.inbox_reads,
            other_acquires: self.other_acquires - earlier.other_acquires,
            other_statements: self.other_statements - earlier.other_statements,
        }
    }
}

/// Counts sqlx's statement log (target `sqlx::query`) and the pool's
/// acquisitions, attributed by span and statement text, while switched on.
/// Off, sqlx does not even format its log line (it asks `enabled!` per
/// statement), so throughput runs pay nothing.
#[derive(Default)]
pub struct StatementLog {
    on: AtomicBool,
    updates: AtomicU64,
    update_statements: AtomicU64,
    update_acquires: AtomicU64,
    listener_inserts: AtomicU64,
    inbox_reads: AtomicU64,
    other_acquires: AtomicU64,
    other_statements: AtomicU64,
    /// The unit of work's statements, in order, while `recording`.
    recording: AtomicBool,
    recorded: Mutex<Vec<String>>,
}

impl StatementLog {
    /// Installs the log as the process's tracing subscriber.
    pub fn install() -> Arc<StatementLog> {
        let log = Arc::new(StatementLog::default());
        let switch = log.clone();
        // Dynamic: asked at every statement, not cached per call site.
        let filter = tracing_subscriber::filter::dynamic_filter_fn(move |meta, _| {
            if meta.is_span() {
                return meta.name() == "update";
            }
            switch.on.load(Ordering::Relaxed) && matches!(meta.target(), "sqlx::query" | "bench::acquire")
        });
        tracing_subscriber::registry().with(Counter(log.clone()).with_filter(filter)).init();
        log
    }

    pub fn set_on(&self, on: bool) {
        self.on.store(on, Ordering::SeqCst);
    }

    pub fn counts(&self) -> Counts {
        let get = |n: &AtomicU64| n.load(Ordering::SeqCst);
        Counts {
            updates: get(&self.updates),
            update_statements: get(&self.update_statements),
            update_acquires: get(&self.update_acquires),
            listener_inserts: get(&self.listener_inserts),
            inbox_reads: get(&self.inbox_reads),
            other_acquires: get(&self.other_acquires),
            other_statements: get(&self.other_statements),
        }
    }

    /// Starts recording the unit of work's statements (their first words).
    pub fn record(&self) {
        self.recorded.lock().unwrap().clear();
        self.recording.store(true, Ordering::SeqCst);
    }

    pub fn take_recorded(&self) -> Vec<String> {
        self.recording.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.recorded.lock().unwrap())
    }
}

struct Counter(Arc<StatementLog>);

#[derive(Default)]
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}").trim_matches('"').to_owned();
        }
    }
}

impl<S> Layer<S> for Counter
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let log = &self.0;
        if attrs.metadata().name() == "update" && log.on.load(Ordering::Relaxed) {
            log.updates.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let log = &self.0;
        let in_update = ctx.event_scope(event).is_some_and(|mut scope| scope.any(|span| span.name() == "update"));
        let bump = |n: &AtomicU64| n.fetch_add(1, Ordering::SeqCst);
        if event.metadata().target() == "bench::acquire" {
            bump(if in_update { &log.update_acquires } else { &log.other_acquires });
            if in_update && log.recording.load(Ordering::SeqCst) {
                log.recorded.lock().unwrap().push("(ping: pool acquire)".to_owned());
            }
            return;
        }
        let mut summary = Summary::default();
        event.record(&mut summary);
        let text = summary.0.to_lowercase();
        if in_update {
            bump(&log.update_statements);
            if log.recording.load(Ordering::SeqCst) {
                log.recorded.lock().unwrap().push(summary.0);
            }
        } else if text.starts_with("insert into inbox") {
            bump(&log.listener_inserts);
        } else if text.starts_with("select update_id, chat_id, payload") {
            bump(&log.inbox_reads);
        } else {
            bump(&log.other_statements);
        }
    }
}

/// The baseline bot (`examples/baseline_bot.rs`) in this process, long
/// polling `emu`; abort the handle to stop it.
pub fn spawn_baseline(url: url::Url) -> tokio::task::JoinHandle<()> {
    tokio::spawn(baseline::run(Bot::new(TOKEN).set_api_url(url)))
}

#[path = "../../examples/baseline_bot.rs"]
mod baseline;
