//! Fault drills at small scale (the full scale is `cargo bench --bench
//! drills`): the real binary killed with SIGKILL mid-dialogue and
//! mid-broadcast; PostgreSQL restarted under load; Telegram failing requests
//! with 5xx and 429 bursts. The drills themselves are in `drill_kit.rs`.

use std::time::Duration;

use propdesk::sandbox::emulator::Chaos;
use propdesk::store::testdb;

use crate::drill_kit::{KillDrill, PgRestartDrill};

/// 50 owners mid-dialogue and a notice to 300, the bot SIGKILLed 3 times at
/// seeded-random moments and started again: no update lost or acted twice,
/// every dialogue resumes at its step, every message delivered once but for
/// the design's in-doubt sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_dialogue_and_broadcast_loses_nothing_and_repeats_nothing() {
    propdesk::telemetry::init_for_tests();
    let db = testdb::fresh_database().await.expect("a fresh database");
    let drill = KillDrill {
        owners: 300,
        dialogues: 50,
        kills: 3,
        seed: 6,
        rate_per_sec: 100,
        wait: Duration::from_secs(60),
        chaos: None,
    };
    let figures = drill.run(db.pool.clone(), &db.url).await;
    for line in &figures.lines {
        eprintln!("{line}");
    }
    figures.check(3);
}

/// Telegram fails 10% of the requests to the notification and broadcast
/// recipients with 502 and answers bursts of 429 (every 40th send starts 4)
/// while 20 owners file repairs and a notice goes to 120: everything is
/// delivered exactly once, no message meets more failures than the design
/// allows, and once all is delivered nothing is sent again. The 5xx carry
/// their status in the body (HTTP 200): teloxide would otherwise sleep 10 s
/// on each before returning the same error (the bench measures that).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_failing_one_request_in_ten_and_bursts_of_429_delays_but_never_loses_or_repeats() {
    propdesk::telemetry::init_for_tests();
    let db = testdb::fresh_database().await.expect("a fresh database");
    let chaos = Chaos::new(10, 40, 4, 1).status_in_body();
    let drill = KillDrill {
        owners: 120,
        dialogues: 20,
        kills: 0,
        seed: 0,
        rate_per_sec: 100,
        wait: Duration::from_secs(30),
        chaos: Some(chaos),
    };
    let figures = drill.run(db.pool.clone(), &db.url).await;
    for line in &figures.lines {
        eprintln!("{line}");
    }
    figures.check(0);
    figures.chaos.as_ref().expect("chaos figures").check(&figures.lines.join("\n"));
}

/// PostgreSQL stopped for 3 s while 30 owners are mid-dialogue and a notice
/// goes to 100, then started again on the same port: the bot stays up, loses
/// nothing, and its log says what happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_under_load_is_survived_and_logged() {
    propdesk::telemetry::init_for_tests();
    let drill = PgRestartDrill {
        owners: 100,
        dialogues: 30,
        outage: Duration::from_secs(3),
        rate_per_sec: 100,
        wait: Duration::from_secs(60),
    };
    let figures = drill.run().await;
    for line in &figures.lines {
        eprintln!("{line}");
    }
    assert!(figures.stayed_up, "the bot stayed up");
    let said = |needle: &str| figures.log.iter().filter(|l| l.contains(needle)).count();
    let all = figures.lines.join("\n");
    assert_eq!(said("PostgreSQL is unreachable"), 1, "one error for the outage:\n{all}");
    assert_eq!(said("PostgreSQL is reachable again"), 1, "and one line when it is over:\n{all}");
    let down = figures.log.iter().position(|l| l.contains("PostgreSQL is unreachable"));
    let back = figures.log.iter().position(|l| l.contains("PostgreSQL is reachable again"));
    assert!(down < back, "{all}");
    figures.delivery.check(0);
}
