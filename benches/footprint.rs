//! `cargo bench --bench footprint`: what the service costs the machine it runs on, against the
//! baseline (`examples/baseline_bot.rs`, a teloxide bot that answers every message and stores
//! nothing), at three sizes of data.
//!
//! - Binary size: the release `propdesk` and `baseline_bot` as built, and `strip`ped.
//! - For each size (no tickets; 10,000 owners with 100,000 tickets; 100,000 owners with 1,000,000
//!   tickets), a fresh database is seeded in bulk (`store::testdb::seed_owners`, `seed_staff`,
//!   `seed_tickets`: two years of tickets and their events) and the real binary runs as an
//!   operator runs it, `propdesk run` (long polling), against the emulator started here:
//!   - start-up, 5 times: spawn → `/readyz` answers 200, and spawn → the first `getUpdates`;
//!   - resident memory (VmRSS, and the peak VmHWM, from /proc) idle 3 s after start-up;
//!   - after a load of work: 200 owners each /start, open 📋 My requests and the first ticket's
//!     card, while a supervisor asks /stats for this month, exports it as CSV and asks
//!     /stats satisfaction (each timed from the message to the answer); the sender and the
//!     scheduler run throughout;
//!   - after the heaviest thing a supervisor can ask: /stats for a custom year and its CSV export.
//! - The baseline the same way: start-up to its first `getUpdates`, memory idle and after
//!   answering 200 messages.
//!
//! `PostgreSQL`'s memory is not the service's and is not counted; the database's size is printed.
//! The database server is `DATABASE_URL`'s, else a private embedded cluster (`store::testdb`).
//! `-- quick` runs the two smaller sizes only.

#[allow(dead_code)]
#[path = "../tests/it/support.rs"]
mod support;

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use propdesk::i18n::{Locale, Text};
use propdesk::sandbox::emulator::{ChatMessage, EmuUser, Emulator};
use propdesk::store;
use support::Person;

const TOKEN: &str = "4242:TEST";
const ADMIN: i64 = 900_001;
const SUPERVISOR: i64 = 800_001;
const FIRST_STAFF: i64 = 700_000;
const STAFF_PER_TRADE: i64 = 15;
const FIRST_OWNER: i64 = 5_000_000;
/// Owners who act in the load.
const ACTIVE_OWNERS: i64 = 200;
const STARTS: usize = 5;
/// Tickets are filed over this many days before now.
const DAYS: i64 = 730;
const WAIT: Duration = Duration::from_secs(120);
/// Between a supervisor's steps: Telegram's per-chat limit lets one message a second through.
const PACE: Duration = Duration::from_millis(1500);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[derive(Clone, Copy, Default)]
struct Memory {
    rss: u64,
    hwm: u64,
}

impl Memory {
    fn of(pid: u32) -> Memory {
        Memory { rss: common::status_kib(pid, "VmRSS:"), hwm: common::status_kib(pid, "VmHWM:") }
    }

    fn show(self) -> String {
        format!("RSS {:6.1} MiB, peak {:6.1} MiB", mib(self.rss), mib(self.hwm))
    }
}

/// A child process stopped with SIGTERM when dropped.
struct Running {
    child: Child,
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Where the release binaries are: next to `propdesk`.
fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_propdesk")).parent().unwrap().join("examples").join("baseline_bot")
}

/// `cargo build --release --example baseline_bot`, unless it is there already.
fn ensure_baseline() -> PathBuf {
    let path = baseline_path();
    if !path.exists() {
        eprintln!("footprint: building the baseline (cargo build --release --example baseline_bot)");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target = path.parent().and_then(Path::parent).and_then(Path::parent).unwrap();
        let status = Command::new(cargo)
            .args(["build", "--release", "--example", "baseline_bot"])
            .env("CARGO_TARGET_DIR", target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the baseline failed");
    }
    path
}

/// Size of the file as built, and after `strip` (on a copy).
fn file_sizes(path: &Path) -> (u64, Option<u64>) {
    let built = std::fs::metadata(path).unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("stripped");
    std::fs::copy(path, &copy).unwrap();
    let stripped = Command::new("strip")
        .arg(&copy)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&copy).ok())
        .map(|m| m.len());
    (built, stripped)
}

/// The process environment an operator would give it, and nothing from ours.
fn command(program: &Path, api_url: &str, log: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", api_url)
        // No .env from the developer's checkout.
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap());
    cmd
}

struct Started {
    process: Running,
    to_ready: Option<Duration>,
    to_polling: Duration,
}

/// Spawns and waits for the first `getUpdates` (and for `/readyz` 200 when `ready_url`).
async fn start(mut cmd: Command, emu: &Emulator, ready_url: Option<&str>, http: &reqwest::Client) -> Started {
    let polls_before = emu.request_count("getUpdates");
    let spawned = Instant::now();
    let process = Running { child: cmd.spawn().expect("the binary starts") };
    let (mut to_ready, mut to_polling) = (None, None);
    loop {
        if to_polling.is_none() && emu.request_count("getUpdates") > polls_before {
            to_polling = Some(spawned.elapsed());
        }
        if let Some(url) = ready_url
            && to_ready.is_none()
            && http.get(url).send().await.is_ok_and(|r| r.status().is_success())
        {
            to_ready = Some(spawned.elapsed());
        }
        if let Some(polling) = to_polling
            && (ready_url.is_none() || to_ready.is_some())
        {
            return Started { process, to_ready, to_polling: polling };
        }
        assert!(spawned.elapsed() < Duration::from_secs(60), "the process did not start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn person(emu: &Emulator, id: i64) -> Person {
    Person { emu: emu.clone(), id, locale: Locale::ZhCn }
}

/// The first bot message after `after` in the chat that `pred` accepts, or None after `WAIT`.
async fn next(p: &Person, after: u64, pred: impl Fn(&ChatMessage) -> bool) -> Option<ChatMessage> {
    p.emu.wait_for_bot_message(p.id, after, pred, WAIT).await.ok()
}

fn has_button(m: &ChatMessage, label: &str) -> bool {
    m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == label))
}

fn press(p: &Person, m: &ChatMessage, label: &str) {
    let data = m
        .inline_keyboard
        .iter()
        .flatten()
        .flatten()
        .find(|b| b.text == label)
        .and_then(|b| b.callback_data.clone())
        .unwrap_or_else(|| panic!("no button {label:?} in {m:?}"));
    p.emu.press_inline(p.id, m.message_id, &data);
}

/// An owner: /start, 📋 My requests, the first ticket's card. Returns how many answers came.
async fn owner_session(p: Person) -> usize {
    let before = p.seq();
    p.emu.send_text(p.id, "/start");
    let Some(_) = next(&p, before, |m| m.reply_keyboard.is_some()).await else { return 0 };
    let before = p.seq();
    p.emu.press_reply(p.id, &p.t(Text::new("menu-my-requests"))).expect("the owner's menu");
    let (title, empty) = (p.t(Text::new("list-mine-title")), p.t(Text::new("list-mine-empty")));
    let Some(list) = next(&p, before, |m| m.text.as_deref().is_some_and(|t| t.starts_with(&title) || t == empty)).await
    else {
        return 1;
    };
    let Some(first) = list.inline_keyboard.as_ref().and_then(|k| k.first()).and_then(|row| row.first()) else {
        return 2;
    };
    let before = p.seq();
    p.emu.press_inline(p.id, list.message_id, first.callback_data.as_deref().unwrap_or_default());
    match next(&p, before, |m| m.text.is_some()).await {
        Some(_) => 3,
        None => 2,
    }
}

struct Report {
    /// Send → the figures with their export button.
    figures: Option<Duration>,
    /// Press → the CSV in the chat, and its size (None: refused as larger than Telegram takes).
    export: Option<(Duration, Option<usize>)>,
}

/// /stats → a period (a button, or Custom and the typed `range`) → the figures, then ⬇️ Export.
async fn stats(sup: &Person, period: Option<&'static str>, range: Option<&str>) -> Report {
    let before = sup.seq();
    sup.emu.send_text(sup.id, "/stats");
    let custom = sup.t(Text::new("btn-custom-period"));
    let choose = next(sup, before, |m| has_button(m, &custom)).await.expect("the periods");
    tokio::time::sleep(PACE).await;
    let export_label = sup.t(Text::new("btn-export-csv"));
    let mut asked = Instant::now();
    let before = sup.seq();
    match (period, range) {
        (Some(label), _) => press(sup, &choose, &sup.t(Text::new(label))),
        (None, Some(range)) => {
            press(sup, &choose, &custom);
            next(sup, before, |m| m.text.is_some()).await.expect("the range question");
            tokio::time::sleep(PACE).await;
            asked = Instant::now();
            sup.emu.send_text(sup.id, range);
        }
        (None, None) => unreachable!(),
    }
    let Some(figures) = next(sup, before, |m| has_button(m, &export_label)).await else {
        return Report { figures: None, export: None };
    };
    let figures_took = asked.elapsed();
    tokio::time::sleep(PACE).await;
    let before = sup.seq();
    let pressed = Instant::now();
    press(sup, &figures, &export_label);
    // The CSV, or the message that it is larger than Telegram takes.
    let refusal = |m: &ChatMessage| m.text.as_deref().is_some_and(|t| t.contains("propdesk export tickets"));
    let answer = next(sup, before, |m| m.kind == "document" || refusal(m)).await;
    let export = answer.map(|m| {
        let took = pressed.elapsed();
        let size = m.document_file_id.as_deref().and_then(|id| sup.emu.file_bytes(id)).map(|b| b.len());
        (took, size)
    });
    Report { figures: Some(figures_took), export }
}

async fn satisfaction(sup: &Person) -> Option<Duration> {
    let before = sup.seq();
    let asked = Instant::now();
    sup.emu.send_text(sup.id, "/stats satisfaction");
    let title = sup.t(Text::new("satisfaction-title").arg("from", "").arg("to", ""));
    let title: String = title.chars().take_while(|c| *c != '·').collect();
    next(sup, before, |m| m.text.as_deref().is_some_and(|t| t.starts_with(&title))).await.map(|_| asked.elapsed())
}

/// The supervisor's questions asked of the database directly (the same use cases the bot
/// calls), so their time is the queries' alone: median of 3, the export once; JIT off as in
/// the service.
struct Queries {
    month: Duration,
    year: Duration,
    satisfaction: Duration,
    export_year: Duration,
    export_rows: usize,
    year_with_jit: Duration,
}

async fn time_queries(pool: &sqlx::PgPool) -> Queries {
    use propdesk::domain::period::Period;
    let tz = chrono_tz::Asia::Shanghai;
    let now = chrono::Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let (month_from, month_to) = Period::ThisMonth.utc_range(today, tz);
    let year = Period::custom(today - chrono::Days::new(365), today).expect("a year is allowed");
    let (year_from, year_to) = year.utc_range(today, tz);
    let mut conn = pool.acquire().await.unwrap();
    // As the service's connections are (`store::connect_and_migrate`); the year once with
    // PostgreSQL's default, to show what that costs.
    sqlx::query("SET jit = on").execute(&mut *conn).await.unwrap();
    let t = Instant::now();
    propdesk::services::stats::figures_at(
        &mut conn,
        propdesk::services::people::Asker::Operator,
        year_from,
        year_to,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let year_with_jit = t.elapsed();
    sqlx::query("SET jit = off").execute(&mut *conn).await.unwrap();
    let (mut month, mut year, mut satisfaction) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let t = Instant::now();
        propdesk::services::stats::figures_at(
            &mut conn,
            propdesk::services::people::Asker::Operator,
            month_from,
            month_to,
            now,
        )
        .await
        .unwrap()
        .unwrap();
        month.push(t.elapsed());
        let t = Instant::now();
        propdesk::services::stats::figures_at(
            &mut conn,
            propdesk::services::people::Asker::Operator,
            year_from,
            year_to,
            now,
        )
        .await
        .unwrap()
        .unwrap();
        year.push(t.elapsed());
        let t = Instant::now();
        propdesk::services::satisfaction::satisfaction(
            &mut conn,
            propdesk::services::people::Asker::Operator,
            today,
            tz,
            90,
        )
        .await
        .unwrap()
        .unwrap();
        satisfaction.push(t.elapsed());
    }
    let t = Instant::now();
    let export_rows = propdesk::services::export::tickets_csv(
        &mut conn,
        propdesk::services::people::Asker::Operator,
        year_from,
        year_to,
        tz,
        std::io::sink(),
    )
    .await
    .unwrap()
    .unwrap();
    Queries {
        month: median(month),
        year: median(year),
        satisfaction: median(satisfaction),
        export_year: t.elapsed(),
        export_rows,
        year_with_jit,
    }
}

struct Size {
    label: &'static str,
    owners: i64,
    tickets: i64,
}

struct Figures {
    label: &'static str,
    seeding: Duration,
    db_bytes: i64,
    to_ready: Vec<Duration>,
    to_polling: Vec<Duration>,
    idle: Memory,
    load: Duration,
    answered: usize,
    after_load: Memory,
    month: Report,
    satisfaction: Option<Duration>,
    year: Report,
    after_year: Memory,
    queries: Queries,
}

async fn seed(size: &Size) -> (store::testdb::TestDb, Duration) {
    let db = store::testdb::fresh_database().await.expect("a fresh database");
    let started = Instant::now();
    let mut conn = db.pool.acquire().await.unwrap();
    let community = store::roster::community_id_by_name_or_create(&mut conn, "阳光花园").await.unwrap();
    store::testdb::seed_owners(&mut conn, community, FIRST_OWNER, size.owners).await.unwrap();
    store::testdb::seed_staff(&mut conn, FIRST_STAFF, STAFF_PER_TRADE).await.unwrap();
    sqlx::query("INSERT INTO users (telegram_id, first_name, locale) VALUES ($1, '主管', 'zh-CN')")
        .bind(SUPERVISOR)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO staff (telegram_id, name, trade, is_supervisor) VALUES ($1, '主管', 'customer_service', TRUE)",
    )
    .bind(SUPERVISOR)
    .execute(&mut *conn)
    .await
    .unwrap();
    let now = chrono::Utc::now();
    store::testdb::seed_tickets(
        &mut conn,
        community,
        FIRST_OWNER,
        size.owners,
        size.tickets,
        DAYS,
        now,
        "Asia/Shanghai",
    )
    .await
    .unwrap();
    // As a database that has been running a while: statistics and the visibility map up to date.
    sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await.unwrap();
    (db, started.elapsed())
}

async fn measure(
    size: &Size,
    exe: &Path,
    emu: &Emulator,
    api_url: &str,
    log: &Path,
    http: &reqwest::Client,
) -> Figures {
    let (db, seeding) = seed(size).await;
    let db_bytes: i64 =
        sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&db.pool).await.unwrap();
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets").fetch_one(&db.pool).await.unwrap();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM ticket_events").fetch_one(&db.pool).await.unwrap();
    eprintln!(
        "footprint {}: seeded {} owners, {tickets} tickets, {events} events in {:.1} s; database {:.0} MiB",
        size.label,
        size.owners,
        seeding.as_secs_f64(),
        db_bytes as f64 / 1048576.0
    );

    let step = (size.owners / ACTIVE_OWNERS).max(1);
    let active: Vec<i64> = (0..ACTIVE_OWNERS.min(size.owners)).map(|i| FIRST_OWNER + i * step).collect();
    emu.register_started_users(active.iter().map(|id| EmuUser::new(*id, &format!("业主{}", id - FIRST_OWNER))));
    emu.register_started_users([EmuUser::new(SUPERVISOR, "主管"), EmuUser::new(ADMIN, "管理员")]);
    emu.register_started_users(
        (FIRST_STAFF..FIRST_STAFF + 4 * STAFF_PER_TRADE).map(|id| EmuUser::new(id, &format!("员工{id}"))),
    );

    let port = free_port();
    let service = |log: &Path| {
        let mut cmd = command(exe, api_url, log);
        cmd.args(["run", "--listen", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &db.url)
            .env("ADMIN_TELEGRAM_IDS", ADMIN.to_string())
            .env("LOG_LEVEL", "warn");
        cmd
    };
    let ready = format!("http://127.0.0.1:{port}/readyz");
    let (mut to_ready, mut to_polling) = (Vec::new(), Vec::new());
    let mut kept = None;
    for run in 0..STARTS {
        let started = start(service(log), emu, Some(&ready), http).await;
        to_ready.push(started.to_ready.unwrap());
        to_polling.push(started.to_polling);
        if run + 1 == STARTS {
            kept = Some(started.process);
        } else {
            started.process.stop();
        }
    }
    let service = kept.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = Memory::of(service.pid());

    let sup = person(emu, SUPERVISOR);
    let loaded = Instant::now();
    let answers = futures::future::join_all(active.iter().map(|id| owner_session(person(emu, *id)))).await;
    let load = loaded.elapsed();
    let answered = answers.iter().sum();
    // The supervisor after the owners, each step once Telegram's per-chat limit (1 a second) has
    // let the previous answers through, so the times are the service's and not the queue's.
    let month = stats(&sup, Some("btn-this-month"), None).await;
    tokio::time::sleep(PACE).await;
    let satisfaction = satisfaction(&sup).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_load = Memory::of(service.pid());

    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let year_ago = today - chrono::Days::new(365);
    let year = stats(&sup, None, Some(&format!("{year_ago} {today}"))).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_year = Memory::of(service.pid());
    service.stop();
    let queries = time_queries(&db.pool).await;
    Figures {
        label: size.label,
        seeding,
        db_bytes,
        to_ready,
        to_polling,
        idle,
        load,
        answered,
        after_load,
        month,
        satisfaction,
        year,
        after_year,
        queries,
    }
}

struct Baseline {
    to_polling: Vec<Duration>,
    idle: Memory,
    load: Duration,
    answered: usize,
    after_load: Memory,
}

async fn baseline(program: &Path, emu: &Emulator, api_url: &str, log: &Path, http: &reqwest::Client) -> Baseline {
    let mut to_polling = Vec::new();
    let mut kept = None;
    for run in 0..STARTS {
        let started = start(command(program, api_url, log), emu, None, http).await;
        to_polling.push(started.to_polling);
        if run + 1 == STARTS {
            kept = Some(started.process);
        } else {
            started.process.stop();
        }
    }
    let bot = kept.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = Memory::of(bot.pid());
    let people: Vec<Person> = (0..ACTIVE_OWNERS).map(|i| person(emu, 9_000_000 + i)).collect();
    for p in &people {
        emu.register_user(EmuUser::new(p.id, "用户"));
    }
    let loaded = Instant::now();
    let answers = futures::future::join_all(people.iter().map(|p| async move {
        let before = p.seq();
        p.emu.send_text(p.id, "你好");
        usize::from(next(p, before, |m| m.text.as_deref() == Some("ok")).await.is_some())
    }))
    .await;
    let load = loaded.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_load = Memory::of(bot.pid());
    bot.stop();
    Baseline { to_polling, idle, load, answered: answers.iter().sum(), after_load }
}

fn report_line(what: &str, value: String) {
    println!("footprint: {what:<62} {value}");
}

fn show_report(what: &str, r: &Report) {
    report_line(&format!("{what}: figures"), r.figures.map_or("no answer".into(), |d| format!("{:.0} ms", ms(d))));
    report_line(
        &format!("{what}: CSV export"),
        match r.export {
            Some((d, Some(bytes))) => format!("{:.0} ms, {:.1} MiB", ms(d), bytes as f64 / 1048576.0),
            Some((d, None)) => format!("{:.0} ms: refused, over Telegram's 50 MB", ms(d)),
            None if r.figures.is_some() => "no document arrived".into(),
            None => "-".into(),
        },
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    propdesk::telemetry::init_for_tests();
    let quick = std::env::args().any(|a| a == "quick");
    let sizes = [
        Size { label: "empty (200 owners, 0 tickets)", owners: ACTIVE_OWNERS, tickets: 0 },
        Size { label: "10,000 owners, 100,000 tickets", owners: 10_000, tickets: 100_000 },
        Size { label: "100,000 owners, 1,000,000 tickets", owners: 100_000, tickets: 1_000_000 },
    ];
    let sizes = if quick { &sizes[..2] } else { &sizes[..] };
    let logs = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();

    // Copies, run from here: the shared target directory may be rebuilt while this runs.
    let service_exe = logs.path().join("propdesk");
    std::fs::copy(env!("CARGO_BIN_EXE_propdesk"), &service_exe).unwrap();
    let program = logs.path().join("baseline_bot");
    std::fs::copy(ensure_baseline(), &program).unwrap();
    let (propdesk_built, propdesk_stripped) = file_sizes(&service_exe);
    let (baseline_built, baseline_stripped) = file_sizes(&program);

    let emu = Emulator::new(TOKEN, "propdesk_bench_bot");
    let api_url = emu.spawn(0).await.unwrap().to_string();
    let base = baseline(&program, &emu, &api_url, &logs.path().join("baseline.log"), &http).await;

    let mut all = Vec::new();
    for size in sizes {
        // A fresh emulator per size: chats and counts start empty.
        let emu = Emulator::new(TOKEN, "propdesk_bench_bot");
        let api_url = emu.spawn(0).await.unwrap().to_string();
        let log = logs.path().join("propdesk.log");
        all.push(measure(size, &service_exe, &emu, &api_url, &log, &http).await);
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        if !lines.is_empty() {
            eprintln!("footprint {}: the service logged {} line(s); the last:", size.label, lines.len());
            for line in lines.iter().rev().take(5).rev() {
                eprintln!("  {}", line.chars().take(300).collect::<String>());
            }
        }
        let _ = std::fs::remove_file(&log);
    }

    let m = |b: u64| b as f64 / 1048576.0;
    let stripped = |s: Option<u64>| s.map_or("(strip failed)".into(), |s| format!("{:.1} MiB", m(s)));
    report_line(
        "binary, propdesk: as built / stripped",
        format!("{:.1} MiB / {}", m(propdesk_built), stripped(propdesk_stripped)),
    );
    report_line(
        "binary, baseline_bot: as built / stripped",
        format!("{:.1} MiB / {}", m(baseline_built), stripped(baseline_stripped)),
    );
    report_line(
        "binary, ratio to baseline: as built / stripped",
        format!(
            "{:.2} / {}",
            propdesk_built as f64 / baseline_built as f64,
            match (propdesk_stripped, baseline_stripped) {
                (Some(p), Some(b)) => format!("{:.2}", p as f64 / b as f64),
                _ => "-".into(),
            }
        ),
    );
    let base_start = median(base.to_polling.clone());
    report_line("baseline: start-up → first getUpdates, median of 5", format!("{:.1} ms", ms(base_start)));
    report_line("baseline: idle 3 s after start-up", base.idle.show());
    report_line(
        &format!("baseline: after answering {} messages ({:.0} ms)", base.answered, ms(base.load)),
        base.after_load.show(),
    );
    for f in &all {
        println!();
        let l = f.label;
        report_line(
            &format!("{l}: seeding / database size"),
            format!("{:.1} s / {:.0} MiB", f.seeding.as_secs_f64(), f.db_bytes as f64 / 1048576.0),
        );
        let ready = median(f.to_ready.clone());
        let polling = median(f.to_polling.clone());
        report_line(
            &format!("{l}: start-up → /readyz 200, median of 5 (min, max)"),
            format!(
                "{:.1} ms ({:.1}, {:.1})",
                ms(ready),
                ms(*f.to_ready.iter().min().unwrap()),
                ms(*f.to_ready.iter().max().unwrap())
            ),
        );
        report_line(
            &format!("{l}: start-up → first getUpdates, median of 5 (÷ baseline)"),
            format!("{:.1} ms ({:.1}×)", ms(polling), polling.as_secs_f64() / base_start.as_secs_f64()),
        );
        report_line(
            &format!("{l}: idle 3 s after start-up (÷ baseline RSS)"),
            format!("{} ({:.1}×)", f.idle.show(), f.idle.rss as f64 / base.idle.rss as f64),
        );
        report_line(
            &format!("{l}: load, {} answers in {:.1} s (÷ baseline RSS)", f.answered, f.load.as_secs_f64()),
            format!("{} ({:.1}×)", f.after_load.show(), f.after_load.rss as f64 / base.after_load.rss as f64),
        );
        show_report(&format!("{l}: /stats this month"), &f.month);
        report_line(
            &format!("{l}: /stats satisfaction"),
            f.satisfaction.map_or("no answer".into(), |d| format!("{:.0} ms", ms(d))),
        );
        show_report(&format!("{l}: /stats a custom year"), &f.year);
        report_line(&format!("{l}: after the year's figures and export"), f.after_year.show());
        let q = &f.queries;
        report_line(
            &format!("{l}: queries alone: figures month / year, satisfaction"),
            format!("{:.0} / {:.0} / {:.0} ms", ms(q.month), ms(q.year), ms(q.satisfaction)),
        );
        report_line(
            &format!("{l}: queries alone: figures year with PostgreSQL's JIT (once)"),
            format!("{:.0} ms", ms(q.year_with_jit)),
        );
        report_line(
            &format!("{l}: queries alone: CSV of the year ({} rows)", q.export_rows),
            format!("{:.0} ms", ms(q.export_year)),
        );
        // 100 MB = 100,000,000 bytes (95.4 MiB).
        let met = |kib: u64| if kib * 1024 <= 100_000_000 { "met" } else { "NOT met" };
        report_line(
            &format!("{l}: target ≤ 100 MB: idle RSS / RSS after load / peak incl. the year"),
            format!("{} / {} / {}", met(f.idle.rss), met(f.after_load.rss), met(f.after_year.hwm)),
        );
    }
}
