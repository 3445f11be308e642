//! `cargo bench --bench dialogue [-- 100|1000|10000|cost] [runs=N] [think=MS]`: many owners
//! filing a repair at once through the emulator, against the baseline bot; and
//! what one dialogue step costs in SQL statements and round trips.
//!
//! Throughput and latency (the default: 100, 1,000 and 10,000 owners): N
//! verified owners (seeded) each file a complete repair concurrently, ten
//! updates each: /menu → 报修 → category → unit → description → one photo →
//! photos done → urgency → visit window → Confirm. Each owner waits for the
//! step's answer before the next step, as a person does. Latency: from the
//! update entering the emulator (the bench queues it) to the emulator taking
//! the answer the next step needs (its own timestamp, through
//! `Emulator::subscribe_bot_activity`). Throughput: updates ÷ (first update →
//! last answer). The emulator's flood limits are off and the bot's own limiter
//! is set out of reach: this measures the bot, not Telegram's limits. Then
//! the baseline bot (`examples/baseline_bot.rs`: one sendMessage per message,
//! nothing stored) in this process against a fresh emulator, with the same N
//! owners each sending ten messages, each after the previous answer.
//!
//! Database cost (`cost`): 20 owners one after the other, one step at a time;
//! sqlx's statement log counted per step by where it ran: inside the runner's
//! `update` span (the unit of work, BEGIN and COMMIT included), the listener's
//! inbox insert, the runner's inbox read, anything else (sender, scheduler).
//! Round trips = statements + one ping per pool acquisition.

#[path = "common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{BenchApp, Chat, Chats, Counts, StatementLog, median, ms, percentile};
use propdesk::domain::{Category, Trade, Urgency};
use propdesk::i18n::{Locale, Text};
use propdesk::sandbox::emulator::{ChatMessage, EmuUser, Emulator};

const FIRST_OWNER: i64 = 7_000_000;
const FIRST_PLUMBER: i64 = 6_000_000;
const PLUMBERS: i64 = 10;
const LOCALE: Locale = Locale::ZhCn;
const STEPS: usize = 10;

enum Act {
    Say(String),
    Photo,
    Press(Text),
}

enum Answer {
    Is(Text),
    Contains(Text),
    StartsWith(String),
}

struct Step {
    name: &'static str,
    act: Act,
    answer: Answer,
}

impl Answer {
    fn matches(&self, m: &ChatMessage) -> bool {
        let Some(text) = m.text.as_deref() else { return false };
        match self {
            Answer::Is(t) => text == t.render(LOCALE),
            Answer::Contains(t) => text.contains(&t.render(LOCALE)),
            Answer::StartsWith(prefix) => text.starts_with(prefix),
        }
    }
}

/// The ten steps of owner `n` (seeded: unit B<n/500>-1-<10000+n>).
fn steps(n: i64) -> Vec<Step> {
    let unit = Text::new("unit-address")
        .arg("building", format!("B{}", n / 500))
        .arg("entrance", "1")
        .arg("room", (10_000 + n).to_string());
    let filed = Text::new("repair-filed").arg("number", "").arg("due", "").arg("who", "").render(LOCALE);
    let filed = filed.lines().next().unwrap_or_default().to_owned();
    let step = |name, act, answer| Step { name, act, answer };
    vec![
        step("/menu", Act::Say("/menu".into()), Answer::Is(Text::new("menu-home"))),
        step(
            "menu: repair",
            Act::Say(Text::new("menu-repair").render(LOCALE)),
            Answer::Is(Text::new("repair-ask-category")),
        ),
        step("category", Act::Press(Category::Plumbing.label()), Answer::Contains(Text::new("repair-ask-place"))),
        step("unit", Act::Press(unit), Answer::Contains(Text::new("repair-ask-description"))),
        step(
            "description",
            Act::Say("卫生间地漏返水".into()),
            Answer::Is(Text::new("repair-ask-photos").arg("max", 5usize)),
        ),
        step(
            "photo",
            Act::Photo,
            Answer::Contains(Text::new("repair-photo-received").arg("count", 1usize).arg("max", 5usize)),
        ),
        step(
            "photos done",
            Act::Press(Text::new("btn-photos-done").arg("count", 1usize)),
            Answer::Contains(Text::new("repair-ask-urgency")),
        ),
        step("urgency", Act::Press(Urgency::Routine.label()), Answer::Contains(Text::new("repair-ask-window"))),
        step("window", Act::Press(Text::new("window-any")), Answer::Contains(Text::new("repair-field-category"))),
        step("Confirm", Act::Press(Text::new("btn-confirm")), Answer::StartsWith(filed)),
    ]
}

/// One step: queue the update, wait for its answer; (sent, answered).
async fn take_step(chat: &mut Chat, step: &Step) -> (Instant, Instant) {
    let emu = chat.emu.clone();
    let before = emu.seq();
    let sent = Instant::now();
    match &step.act {
        Act::Say(text) => {
            emu.send_text(chat.id, text);
        }
        Act::Photo => {
            emu.send_photo(chat.id, vec![0xFF, 0xD8, 0xFF, 0xE0, (chat.id % 251) as u8], None);
        }
        Act::Press(label) => {
            let (message_id, data) = chat.button(&label.render(LOCALE));
            emu.press_inline(chat.id, message_id, &data);
        }
    }
    let (_, answered) = chat.wait(before, step.name, |m| step.answer.matches(m)).await;
    (sent, answered)
}

/// Each step's latency, and when the last answer came.
struct Owner {
    latencies: [Duration; STEPS],
    first_sent: Instant,
    last_answer: Instant,
}

async fn file_repair(mut chat: Chat, n: i64, think: Duration) -> Owner {
    let mut latencies = [Duration::ZERO; STEPS];
    let mut first_sent = None;
    let mut last_answer = Instant::now();
    for (i, step) in steps(n).iter().enumerate() {
        if !think.is_zero() {
            // A person reading and typing: 0 to 2 × `think`, evenly.
            tokio::time::sleep(think.mul_f64(2.0 * rand::random::<f64>())).await;
        }
        let (sent, answered) = take_step(&mut chat, step).await;
        first_sent.get_or_insert(sent);
        latencies[i] = answered - sent;
        last_answer = answered;
    }
    Owner { latencies, first_sent: first_sent.unwrap(), last_answer }
}

/// The baseline: ten messages, each after the previous "ok".
async fn chat_with_baseline(mut chat: Chat) -> Owner {
    let mut latencies = [Duration::ZERO; STEPS];
    let mut first_sent = None;
    let mut last_answer = Instant::now();
    for (i, latency) in latencies.iter_mut().enumerate() {
        let before = chat.emu.seq();
        let sent = Instant::now();
        chat.emu.send_text(chat.id, &format!("message {i}"));
        let (_, answered) = chat.wait(before, "ok", |m| m.text.as_deref() == Some("ok")).await;
        first_sent.get_or_insert(sent);
        *latency = answered - sent;
        last_answer = answered;
    }
    Owner { latencies, first_sent: first_sent.unwrap(), last_answer }
}

/// CPU seconds all `postgres` processes on this machine have used (user + system), from /proc:
/// the server's share of a run (other databases' work included, if any).
fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
        .filter(|stat| stat.contains("(postgres)"))
        .map(|stat| stat_cpu(&stat))
        .sum()
}

fn stat_cpu(stat: &str) -> f64 {
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the ")": state is field 0, utime 11, stime 12 (clock ticks, 100/s).
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds this process has used (user + system), from /proc.
fn cpu_seconds() -> f64 {
    stat_cpu(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

struct Run {
    owners: usize,
    updates: usize,
    wall: Duration,
    /// Every step of every owner, sorted.
    latencies: Vec<Duration>,
    /// By step, sorted.
    by_step: Vec<Vec<Duration>>,
    /// CPU seconds of this process (the bot, the emulator and the owners) and of PostgreSQL's.
    cpu: f64,
    pg_cpu: f64,
    /// Bot API requests the emulator answered meanwhile (getUpdates included).
    requests: usize,
}

impl Run {
    fn throughput(&self) -> f64 {
        self.updates as f64 / self.wall.as_secs_f64()
    }

    fn p(&self, q: f64) -> Duration {
        percentile(&self.latencies, q)
    }
}

fn gather(owners: Vec<Owner>, cpu: f64, pg_cpu: f64, requests: usize) -> Run {
    let first = owners.iter().map(|o| o.first_sent).min().unwrap();
    let last = owners.iter().map(|o| o.last_answer).max().unwrap();
    let mut by_step: Vec<Vec<Duration>> = (0..STEPS).map(|_| Vec::with_capacity(owners.len())).collect();
    let mut latencies = Vec::with_capacity(owners.len() * STEPS);
    for owner in &owners {
        for (i, l) in owner.latencies.iter().enumerate() {
            by_step[i].push(*l);
            latencies.push(*l);
        }
    }
    latencies.sort();
    by_step.iter_mut().for_each(|s| s.sort());
    Run {
        owners: owners.len(),
        updates: latencies.len(),
        wall: last - first,
        latencies,
        by_step,
        cpu,
        pg_cpu,
        requests,
    }
}

async fn run_propdesk(n: i64, think: Duration) -> Run {
    let app = BenchApp::spawn(common::unlimited()).await;
    app.seed_staff(FIRST_PLUMBER, PLUMBERS, Trade::Plumbing).await;
    app.seed_owners(FIRST_OWNER, n).await;
    app.analyze().await;
    let chats = Chats::follow(&app.emu);
    let owners: Vec<Chat> = (0..n).map(|i| chats.chat(FIRST_OWNER + i)).collect();
    let pg = postgres_cpu_seconds();
    let cpu = cpu_seconds();
    let requests = app.emu.request_total();
    let tasks: Vec<_> =
        owners.into_iter().zip(0..).map(|(chat, i)| tokio::spawn(file_repair(chat, i, think))).collect();
    let mut done = Vec::with_capacity(tasks.len());
    for task in tasks {
        done.push(task.await.expect("an owner finished"));
    }
    let cpu = cpu_seconds() - cpu;
    // Before the app stops: its connections' server processes end with it.
    let pg = postgres_cpu_seconds() - pg;
    let requests = app.emu.request_total() - requests;
    let handled = &app.metrics().handler_seconds;
    eprintln!(
        "dialogue {n}: handling one update (the unit of work and sending its replies) took {:.1} ms on average ({} updates)",
        handled.get_sample_sum() * 1000.0 / handled.get_sample_count().max(1) as f64,
        handled.get_sample_count()
    );
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!(tickets, n, "every owner filed one ticket");
    app.stop().await;
    gather(done, cpu, pg, requests)
}

async fn run_baseline(n: i64) -> Run {
    let emu = Emulator::new(common::TOKEN, "baseline_bench_bot");
    let url = emu.spawn(0).await.expect("the emulator starts");
    let bot = common::spawn_baseline(url);
    for id in FIRST_OWNER..FIRST_OWNER + n {
        emu.register_user(EmuUser::new(id, "业主").with_language("zh-hans"));
    }
    let chats = Chats::follow(&emu);
    let owners: Vec<Chat> = (0..n).map(|i| chats.chat(FIRST_OWNER + i)).collect();
    let cpu = cpu_seconds();
    let requests = emu.request_total();
    let tasks: Vec<_> = owners.into_iter().map(|chat| tokio::spawn(chat_with_baseline(chat))).collect();
    let mut done = Vec::with_capacity(tasks.len());
    for task in tasks {
        done.push(task.await.expect("an owner finished"));
    }
    let cpu = cpu_seconds() - cpu;
    let requests = emu.request_total() - requests;
    bot.abort();
    gather(done, cpu, 0.0, requests)
}

fn line(who: &str, r: &Run) {
    println!(
        "dialogue {:>5} owners {who:<9} {:>6} updates in {:>7.2} s: {:>7.1} updates/s, p50 {:>7.1} ms, p99 {:>7.1} ms, max {:>7.1} ms, process CPU {:>5.1} s ({:.0}% of 2 cores), PostgreSQL CPU {:>5.1} s; CPU per update: process {:.2} ms, PostgreSQL {:.2} ms; Bot API requests per update {:.2}",
        r.owners,
        r.updates,
        r.wall.as_secs_f64(),
        r.throughput(),
        ms(r.p(0.5)),
        ms(r.p(0.99)),
        ms(*r.latencies.last().unwrap()),
        r.cpu,
        100.0 * r.cpu / r.wall.as_secs_f64() / 2.0,
        r.pg_cpu,
        1000.0 * r.cpu / r.updates as f64,
        1000.0 * r.pg_cpu / r.updates as f64,
        r.requests as f64 / r.updates as f64,
    );
}

async fn throughput(n: i64, runs: usize, think: Duration) {
    let mut ours = Vec::new();
    let mut base = Vec::new();
    for run in 1..=runs {
        let started = Instant::now();
        let p = run_propdesk(n, think).await;
        line("propdesk", &p);
        let b = run_baseline(n).await;
        line("baseline", &b);
        eprintln!("dialogue {n}: run {run}/{runs} took {:.1} s with set-up", started.elapsed().as_secs_f64());
        ours.push(p);
        base.push(b);
    }
    let last = ours.last().unwrap();
    for (i, step) in steps(0).iter().enumerate() {
        let s = &last.by_step[i];
        println!(
            "dialogue {n:>5} owners propdesk  step {:<12} p50 {:>7.1} ms, p99 {:>7.1} ms (last run)",
            step.name,
            ms(percentile(s, 0.5)),
            ms(percentile(s, 0.99))
        );
    }
    let med = |runs: &[Run], f: &dyn Fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let (tp, tb) = (med(&ours, &|r| r.throughput()), med(&base, &|r| r.throughput()));
    let (p50p, p50b) = (med(&ours, &|r| ms(r.p(0.5))), med(&base, &|r| ms(r.p(0.5))));
    let (p99p, p99b) = (med(&ours, &|r| ms(r.p(0.99))), med(&base, &|r| ms(r.p(0.99))));
    println!(
        "dialogue {n:>5} owners MEDIAN of {runs}: propdesk {tp:.1} updates/s, p50 {p50p:.1} ms, p99 {p99p:.1} ms | baseline {tb:.1} updates/s, p50 {p50b:.1} ms, p99 {p99b:.1} ms | ratio throughput {:.3}, p50 {:.2}, p99 {:.2}",
        tp / tb,
        p50p / p50b,
        p99p / p99b
    );
}

/// Statements and round trips per step, 20 owners one step at a time.
async fn cost(log: &StatementLog) {
    const OWNERS: i64 = 20;
    let app = BenchApp::spawn(common::unlimited()).await;
    app.seed_staff(FIRST_PLUMBER, PLUMBERS, Trade::Plumbing).await;
    app.seed_owners(FIRST_OWNER, OWNERS).await;
    let chats = Chats::follow(&app.emu);
    log.set_on(true);
    let mut per_step: Vec<Vec<Counts>> = vec![Vec::new(); STEPS];
    let mut per_ticket: Vec<Counts> = Vec::new();
    let mut listing: Vec<Vec<String>> = Vec::new();
    for n in 0..OWNERS {
        let mut chat = chats.chat(FIRST_OWNER + n);
        let ticket_start = log.counts();
        for (i, step) in steps(n).iter().enumerate() {
            let start = log.counts();
            if n == OWNERS - 1 {
                log.record();
            }
            take_step(&mut chat, step).await;
            // Let the runner finish its round (it reads the inbox once more).
            tokio::time::sleep(Duration::from_millis(30)).await;
            per_step[i].push(log.counts().minus(&start));
            if n == OWNERS - 1 {
                listing.push(log.take_recorded());
            }
        }
        per_ticket.push(log.counts().minus(&ticket_start));
    }
    log.set_on(false);
    app.stop().await;

    let med = |counts: &[Counts], f: fn(&Counts) -> u64| {
        let mut v: Vec<u64> = counts.iter().map(f).collect();
        v.sort();
        (v[(v.len() - 1) / 2], v[0], v[v.len() - 1])
    };
    println!(
        "cost: per step, median over {OWNERS} owners (min–max): statements in the unit of work | round trips of the unit of work (statements + pings) | listener inserts | runner inbox reads | other (sender, scheduler)"
    );
    let mut unit_total = 0;
    let mut all_total = 0;
    for (i, step) in steps(0).iter().enumerate() {
        let c = &per_step[i];
        let s = med(c, |c| c.update_statements);
        let r = med(c, |c| c.update_round_trips());
        let l = med(c, |c| c.listener_inserts);
        let q = med(c, |c| c.inbox_reads);
        let o = med(c, |c| c.other_statements);
        unit_total += r.0;
        // Each of those acquires a connection too: a ping each.
        all_total += r.0 + 2 * (l.0 + q.0);
        println!(
            "cost: step {:<12} statements {:>2} ({}–{}) | round trips {:>2} ({}–{}) | listener {} | inbox reads {} | other {} ({}–{})",
            step.name, s.0, s.1, s.2, r.0, r.1, r.2, l.0, q.0, o.0, o.1, o.2
        );
    }
    let t = med(&per_ticket, |c| c.update_statements);
    let tr = med(&per_ticket, |c| c.update_round_trips());
    let tl = med(&per_ticket, |c| c.listener_inserts);
    let tq = med(&per_ticket, |c| c.inbox_reads);
    let to = med(&per_ticket, |c| c.other_statements);
    let ta = med(&per_ticket, |c| c.other_acquires);
    println!(
        "cost: per ticket (10 steps), median: unit of work {} statements, {} round trips; listener inserts {}, inbox reads {}, other statements {} (sender's card and polls, scheduler), acquisitions outside updates {}",
        t.0, tr.0, tl.0, tq.0, to.0, ta.0
    );
    println!(
        "cost: sum of the step medians: unit of work {unit_total} round trips; with the listener's inserts and the runner's inbox reads (+ a ping each) {all_total}"
    );
    for (i, step) in steps(0).iter().enumerate() {
        println!("cost: owner {} step {:<12} {}", OWNERS - 1, step.name, listing[i].join(" · "));
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let log: Arc<StatementLog> = StatementLog::install();
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let runs: Option<usize> = args.iter().find_map(|a| a.strip_prefix("runs=")?.parse().ok());
    println!("dialogue: PostgreSQL: {}", common::database_server());
    if args.iter().any(|a| a == "cost") {
        cost(&log).await;
        return;
    }
    let think: u64 = args.iter().find_map(|a| a.strip_prefix("think=")?.parse().ok()).unwrap_or(0);
    let think = Duration::from_millis(think);
    if !think.is_zero() {
        println!(
            "dialogue: propdesk owners think 0–{} ms before each step (the baseline's do not)",
            2 * think.as_millis()
        );
    }
    let sizes: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100, 1000, 10_000] } else { sizes };
    for n in sizes {
        let runs = runs.unwrap_or(if n >= 10_000 { 1 } else { 3 });
        throughput(n, runs, think).await;
    }
}
