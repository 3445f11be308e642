//! `cargo bench --bench drills [-- kill|chaos|pg]`: the fault drills of
//! `tests/it/drills.rs` at full scale, with the same code
//! (`tests/it/drill_kit.rs`); each prints its figures and checks its targets.
//!
//! - kill: 1,000 owners mid-dialogue (filing a repair) and a notice to
//!   2,000, the bot (`propdesk run`, a child process) SIGKILLed 5 times at
//!   seeded-random moments and started again.
//! - chaos: 100 owners filing repairs and a notice to 1,000 while Telegram
//!   answers 10% of the requests to the recipients with HTTP 502 and every
//!   40th send starts a burst of 4 429s. Real HTTP 5xx here: teloxide sleeps
//!   10 s after each before returning the error, and the run shows what that
//!   costs.
//! - pg: PostgreSQL (a private cluster) stopped for 5 s while 300 owners are
//!   mid-dialogue and a notice goes to 2,000, then started on the same port.

#[allow(dead_code)]
#[path = "../tests/it/drill_kit.rs"]
mod drill_kit;

use std::time::Duration;

use drill_kit::{KillDrill, PgRestartDrill};
use propdesk::sandbox::emulator::Chaos;
use propdesk::store::testdb;

const RATE: u32 = 300;
const WAIT: Duration = Duration::from_secs(300);

fn print(lines: &[String]) {
    for line in lines {
        println!("{line}");
    }
}

async fn kill() {
    let db = testdb::fresh_database().await.expect("a fresh database");
    let drill = KillDrill {
        owners: 2_000,
        dialogues: 1_000,
        kills: 5,
        seed: 2026,
        rate_per_sec: RATE,
        wait: WAIT,
        chaos: None,
    };
    let figures = drill.run(db.pool.clone(), &db.url).await;
    print(&figures.lines);
    figures.check(5);
}

async fn chaos() {
    let db = testdb::fresh_database().await.expect("a fresh database");
    let drill = KillDrill {
        owners: 1_000,
        dialogues: 100,
        kills: 0,
        seed: 0,
        rate_per_sec: RATE,
        wait: WAIT,
        chaos: Some(Chaos::new(10, 40, 4, 1)),
    };
    let figures = drill.run(db.pool.clone(), &db.url).await;
    print(&figures.lines);
    figures.check(0);
    figures.chaos.as_ref().expect("chaos figures").check(&figures.lines.join("\n"));
}

async fn pg() {
    let drill = PgRestartDrill {
        owners: 2_000,
        dialogues: 300,
        outage: Duration::from_secs(5),
        rate_per_sec: RATE,
        wait: WAIT,
    };
    let figures = drill.run().await;
    print(&figures.lines);
    assert!(figures.stayed_up, "the bot stayed up");
    figures.delivery.check(0);
}

fn main() {
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        if wanted("kill") {
            kill().await;
        }
        if wanted("chaos") {
            chaos().await;
        }
        if wanted("pg") {
            pg().await;
        }
    });
}
