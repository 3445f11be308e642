//! `cargo bench --bench dispatch [-- SAMPLES]`: the repair loop's speed through
//! the emulator (the real bot, real PostgreSQL): from an owner's Confirm to the
//! assignee's card, with nothing else going on and with a notice to 10,000
//! owners being sent, against the baseline bot's message → answer.
//!
//! - One app with Telegram's limits (30 messages a second overall, 1 a second
//!   per chat: `SendLimits::telegram(30)`), 10 plumbers, 10,000 seeded owners
//!   and 2 × SAMPLES (default 60) sample owners in another community, each
//!   at the summary of a repair (see `common/repair_samples.rs`).
//! - Quiet: SAMPLES owners press Confirm, one every 500 ms; each is timed from
//!   the press (the emulator queues the callback) until the card is in a
//!   plumber's chat (the runner writes the outbox row, the sender delivers it).
//! - Broadcast: the admin sends a notice to the 10,000 (the emulator's limits
//!   on: 30/s, 1/s per chat; it takes ~6 minutes), and the other SAMPLES owners
//!   press Confirm the same way while it runs.
//! - Baseline: `examples/baseline_bot.rs` in this process on a fresh emulator;
//!   SAMPLES people each send one message, one every 50 ms, timed until "ok".
//!
//! SQL statements and round trips per dialogue step: `cargo bench --bench
//! dialogue -- cost`.

#[allow(dead_code)]
#[path = "../tests/it/support.rs"]
mod support;

#[path = "common/mod.rs"]
mod common;

#[path = "common/repair_samples.rs"]
mod repair_samples;

use std::time::{Duration, Instant};

use common::{Chats, ms, percentile};
use propdesk::delivery::limits::SendLimits;
use propdesk::sandbox::emulator::{EmuUser, Emulator};
use support::TestApp;

const RATE: u32 = 30;
const PLUMBERS: i64 = 10;
const INTERVAL: Duration = Duration::from_millis(500);

fn figures(name: &str, latencies: &[Duration]) -> (f64, f64) {
    let (p50, p99) = (ms(percentile(latencies, 0.5)), ms(percentile(latencies, 0.99)));
    println!(
        "dispatch: {name:<58} p50 {p50:>7.1} ms, p99 {p99:>7.1} ms, max {:>7.1} ms ({} samples)",
        ms(*latencies.last().unwrap()),
        latencies.len()
    );
    (p50, p99)
}

/// The baseline bot's message → answer, `count` people one after another.
async fn baseline(count: usize) -> Vec<Duration> {
    let emu = Emulator::new(common::TOKEN, "baseline_bench_bot");
    let url = emu.spawn(0).await.expect("the emulator starts");
    let bot = common::spawn_baseline(url);
    let chats = Chats::follow(&emu);
    let mut latencies = Vec::with_capacity(count);
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    for i in 0..count as i64 {
        tick.tick().await;
        emu.register_user(EmuUser::new(1_000 + i, "业主"));
        let mut chat = chats.chat(1_000 + i);
        let before = emu.seq();
        let sent = Instant::now();
        emu.send_text(chat.id, "你好");
        let (_, answered) = chat.wait(before, "ok", |m| m.text.as_deref() == Some("ok")).await;
        latencies.push(answered - sent);
    }
    bot.abort();
    latencies.sort();
    latencies
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let samples: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(60);
    println!("dispatch: PostgreSQL: {}", common::database_server());
    let started = Instant::now();
    let app = TestApp::spawn_with_limits(SendLimits::telegram(RATE)).await;
    let admin = app.admin().await;
    repair_samples::notice_community_first(&app).await;
    let plumbers = repair_samples::plumbers(&app, PLUMBERS).await;
    let mut owners = repair_samples::sample_owners(&app, 2 * samples).await;
    let under_broadcast = owners.split_off(samples);
    repair_samples::seed_recipients(&app).await;
    eprintln!("dispatch: set up in {:.1} s", started.elapsed().as_secs_f64());

    let quiet = repair_samples::sample_every(&app.pool, INTERVAL, 0, owners, &plumbers).await;

    let notice_id = repair_samples::send_notice(&app, RATE).await;
    let sending = Instant::now();
    let busy = repair_samples::sample_every(&app.pool, INTERVAL, samples, under_broadcast, &plumbers).await;
    let sampled_for = sending.elapsed();
    let sent: i64 =
        app.count(&format!("SELECT count(*) FROM outbox WHERE notice_id = {notice_id} AND state = 'sent'")).await;
    drop(admin);
    app.stop().await;

    let base = baseline(samples).await;

    let interval = INTERVAL.as_millis();
    let (q50, q99) = figures(&format!("Confirm → assignee's card, quiet, one every {interval} ms"), &quiet);
    let (b50, b99) = figures(
        &format!("Confirm → card, during the {} -recipient broadcast at {RATE}/s", repair_samples::RECIPIENTS),
        &busy,
    );
    println!(
        "dispatch: broadcast progress while sampling: {sent} of {} notice messages sent in {:.1} s",
        repair_samples::RECIPIENTS,
        sampled_for.as_secs_f64()
    );
    let (base50, base99) = figures("baseline bot: message → answer, one every 50 ms", &base);
    println!(
        "dispatch: ratio to baseline: quiet p50 {:.1}×, p99 {:.1}×; broadcast p50 {:.1}×, p99 {:.1}×",
        q50 / base50,
        q99 / base99,
        b50 / base50,
        b99 / base99
    );
}
