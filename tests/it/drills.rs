//! Fault drills at small scale (the full scale is `cargo bench --bench
//! drills`): the real binary killed with SIGKILL mid-dialogue and
//! mid-broadcast; PostgreSQL restarted under load; Telegram failing requests
//! with 5xx and 429 bursts. The drills themselves are in `drill_kit.rs`.

use std::time::Duration;

use propdesk::store::testdb;

use crate::drill_kit::KillDrill;

/// 50 owners mid-dialogue and a notice to 300, the bot SIGKILLed 3 times at
/// seeded-random moments and started again: no update lost or acted twice,
/// every dialogue resumes at its step, every message delivered once but for
/// the design's in-doubt sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_dialogue_and_broadcast_loses_nothing_and_repeats_nothing() {
    propdesk::telemetry::init_for_tests();
    let db = testdb::fresh_database().await.expect("a fresh database");
    let drill =
        KillDrill { owners: 300, dialogues: 50, kills: 3, seed: 6, rate_per_sec: 100, wait: Duration::from_secs(60) };
    let figures = drill.run(db.pool.clone(), &db.url).await;
    for line in &figures.lines {
        eprintln!("{line}");
    }
    figures.check(3);
}
