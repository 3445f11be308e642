//! `cargo bench --bench broadcast [-- 30|1000]`: a community notice to 10,000
//! owners through the emulator with Telegram's limits on (the allowed rate
//! overall, 1 message a second per chat), at 30 and at 1,000 messages a
//! second, while owners confirm repairs and the assignees' cards go out.
//!
//! - The 10,000 owners are seeded in the database (users, units, residents)
//!   and registered with the emulator as having written to the bot; nothing
//!   else is faked: the notice is created by the admin through
//!   `services::notices::create` (the Send button's use case), which writes
//!   the outbox rows the real sender delivers to the emulator.
//! - Rate: broadcast messages the emulator accepted between the first and the
//!   last (first send → last send), and the same without the first and the
//!   last second (the steady state), ÷ the allowed rate.
//! - 429s: every refusal the emulator's flood limits answered, in all, and
//!   after the first second of the broadcast.
//! - Duplicates and losses: the notice's text counted in each recipient's
//!   chat in the emulator (> 1, 0).
//! - Repair latency: 60 owners (in another community, so the notice does not
//!   reach them) each bring a repair to its summary before the broadcast; while
//!   it runs one of them presses Confirm every interval, timed until the
//!   assignee's card (one of 10 plumbers, outbox → sender) is in their chat.

#[allow(dead_code)]
#[path = "../tests/it/support.rs"]
mod support;

#[path = "common/mod.rs"]
mod common;

#[allow(dead_code)]
#[path = "common/repair_samples.rs"]
mod repair_samples;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{ms, percentile};
use propdesk::delivery::limits::SendLimits;
use repair_samples::{FIRST_RECIPIENT as FIRST_OWNER, NOTICE, RECIPIENTS as OWNERS};
use support::TestApp;

/// Owners who confirm a repair while the broadcast runs (one sample each).
const SAMPLES: usize = 60;
const PLUMBERS: i64 = 10;

struct Figures {
    rate: u32,
    delivered: usize,
    span: Duration,
    overall_rate: f64,
    steady_rate: f64,
    all_sends_rate: f64,
    refused: usize,
    refused_after_first_second: usize,
    refused_broadcast: usize,
    duplicates: usize,
    losses: usize,
    outbox: String,
    latencies: Vec<Duration>,
    interval: Duration,
    setup: Duration,
}

async fn run(rate: u32) -> Figures {
    let started = Instant::now();
    let app = TestApp::spawn_with_limits(SendLimits::telegram(rate)).await;
    let admin = app.admin().await;
    // The notice's community comes first (the admin's, as the first one).
    repair_samples::notice_community_first(&app).await;
    let plumbers = repair_samples::plumbers(&app, PLUMBERS).await;
    let owners = repair_samples::sample_owners(&app, SAMPLES).await;
    repair_samples::seed_recipients(&app).await;
    let setup = started.elapsed();
    eprintln!("broadcast {rate}/s: set up in {:.1} s; sending", setup.as_secs_f64());
    let notice_id = repair_samples::send_notice(&app, rate).await;

    // Samples while it runs: the whole broadcast lasts OWNERS / rate seconds.
    let expected = Duration::from_secs_f64(OWNERS as f64 / f64::from(rate));
    let interval = Duration::from_millis(500).min(expected.mul_f64(0.8) / SAMPLES as u32);
    let latencies = repair_samples::sample_every(&app.pool, interval, 0, owners, &plumbers).await;

    let deadline = Instant::now() + expected * 2 + Duration::from_secs(60);
    let unsettled =
        format!("SELECT count(*) FROM outbox WHERE notice_id = {notice_id} AND state IN ('pending', 'sending')");
    while app.count(&unsettled).await > 0 {
        assert!(Instant::now() < deadline, "the broadcast did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let outbox: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT state, count(*) FROM outbox WHERE notice_id = {notice_id} AND kind = 'notice' GROUP BY state ORDER BY state"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let outbox = outbox.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ");

    let is_recipient = |chat: i64| (FIRST_OWNER..FIRST_OWNER + OWNERS).contains(&chat);
    let log = app.emu.send_log();
    let accepted: Vec<Instant> = log.iter().filter(|r| !r.refused && is_recipient(r.chat_id)).map(|r| r.at).collect();
    let first = *accepted.iter().min().expect("something was sent");
    let last = *accepted.iter().max().unwrap();
    let span = last - first;
    let secs = span.as_secs_f64().max(1e-9);
    let overall_rate = (accepted.len() - 1) as f64 / secs;
    let inner = (first + Duration::from_secs(1), last - Duration::from_secs(1));
    let steady = accepted.iter().filter(|t| **t >= inner.0 && **t <= inner.1).count();
    let steady_rate = steady as f64 / (secs - 2.0).max(1e-9);
    let all_sends = log.iter().filter(|r| !r.refused && r.at >= first && r.at <= last).count();
    let refused: Vec<_> = log.iter().filter(|r| r.refused).collect();
    let refused_after_first_second = refused.iter().filter(|r| r.at > first + Duration::from_secs(1)).count();
    let refused_broadcast = refused.iter().filter(|r| is_recipient(r.chat_id)).count();

    let mut per_recipient: HashMap<i64, usize> = HashMap::new();
    for id in FIRST_OWNER..FIRST_OWNER + OWNERS {
        let n = app.emu.bot_messages(id).iter().filter(|m| m.text.as_deref() == Some(NOTICE)).count();
        per_recipient.insert(id, n);
    }
    let duplicates = per_recipient.values().filter(|n| **n > 1).count();
    let losses = per_recipient.values().filter(|n| **n == 0).count();
    drop(admin);
    app.stop().await;
    Figures {
        rate,
        delivered: accepted.len(),
        span,
        overall_rate,
        steady_rate,
        all_sends_rate: all_sends as f64 / secs,
        refused: refused.len(),
        refused_after_first_second,
        refused_broadcast,
        duplicates,
        losses,
        outbox,
        latencies,
        interval,
        setup,
    }
}

fn report(f: &Figures) {
    let r = f64::from(f.rate);
    let l = &f.latencies;
    let p = |name: &str, value: String| println!("broadcast {:>4}/s: {name:<52} {value}", f.rate);
    p("recipients (seeded owners) / set-up time", format!("{OWNERS} / {:.1} s", f.setup.as_secs_f64()));
    p("broadcast messages accepted by the emulator", f.delivered.to_string());
    p("first send → last send", format!("{:.2} s", f.span.as_secs_f64()));
    p("rate, first → last send (÷ allowed)", format!("{:.1}/s ({:.3})", f.overall_rate, f.overall_rate / r));
    p(
        "rate, steady state: without 1st and last s (÷ allowed)",
        format!("{:.1}/s ({:.3})", f.steady_rate, f.steady_rate / r),
    );
    p(
        "all sends in that window incl. repairs (÷ allowed)",
        format!("{:.1}/s ({:.3})", f.all_sends_rate, f.all_sends_rate / r),
    );
    p(
        "429s: all / after the first second / to recipients",
        format!("{} / {} / {}", f.refused, f.refused_after_first_second, f.refused_broadcast),
    );
    p("duplicates (recipients with > 1)", f.duplicates.to_string());
    p("losses (recipients with 0)", f.losses.to_string());
    p("outbox rows of the notice", f.outbox.clone());
    p(
        &format!("repair Confirm → card, {} samples every {} ms", l.len(), f.interval.as_millis()),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(percentile(l, 0.5)),
            ms(percentile(l, 0.99)),
            ms(*l.last().unwrap())
        ),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // RUST_LOG=propdesk=debug and the like: the app's log on stderr.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    }
    let rates: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rates = if rates.is_empty() { vec![30, 1000] } else { rates };
    let mut all = Vec::new();
    for rate in rates {
        let figures = run(rate).await;
        report(&figures);
        all.push(figures);
    }
    if all.len() > 1 {
        println!();
        for f in &all {
            report(f);
        }
    }
}
