//! `cargo bench --bench dispatch`: the repair loop's speed through the
//! emulator (the real bot, real PostgreSQL).
//!
//! - latency from the owner's Confirm to the assignee's card arriving
//!   (median and p99 over many requests, one at a time);
//! - SQL statements one dialogue step costs (typing the description: the
//!   listener's insert, the runner's unit of work, its reply), counted from
//!   sqlx's own statement log.

#[allow(dead_code)]
#[path = "../tests/it/support.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use propdesk::domain::{Category, Trade, Urgency};
use propdesk::i18n::Text;
use support::{Person, TestApp, unit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const REQUESTS: usize = 100;

/// Counts the statements sqlx runs.
struct Statements(Arc<AtomicU64>);

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Drives the filing dialogue to the summary; returns the statements the
/// description step cost.
async fn to_summary(owner: &Person, statements: &AtomicU64) -> u64 {
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    owner.press_and_get(Category::Plumbing.label(), Text::new("repair-ask-place")).await;
    owner.press_and_get(unit("3", "2", "1201"), Text::new("repair-ask-description")).await;
    let counted = statements.load(Ordering::SeqCst);
    owner.says_and_gets("卫生间地漏返水", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    let step = statements.load(Ordering::SeqCst) - counted;
    owner.press_and_get(Text::new("btn-skip-photos"), Text::new("repair-ask-urgency")).await;
    owner.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    owner.press_and_get(Text::new("window-any"), Text::new("repair-field-category")).await;
    step
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let statements = Arc::new(AtomicU64::new(0));
    tracing_subscriber::registry()
        .with(
            Statements(statements.clone()).with_filter(
                tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::DEBUG),
            ),
        )
        .init();

    let app = TestApp::spawn().await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut step_statements = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let owner = app.owner(10_000 + i as i64, "业主", "3-2-1201", &format!("86138{:08}", i)).await;
        step_statements.push(to_summary(&owner, &statements).await);
        let before = plumber.seq();
        let confirmed = Instant::now();
        owner.press(Text::new("btn-confirm"));
        plumber.wait(before, "the card", |m| m.text.as_deref().is_some_and(|t| t.starts_with("🔧"))).await;
        latencies.push(confirmed.elapsed());
        if (i + 1) % 20 == 0 {
            eprintln!("dispatch: {} requests", i + 1);
        }
    }
    latencies.sort();
    step_statements.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("dispatch: requests                                  {REQUESTS:>8}");
    println!("dispatch: Confirm → assignee's card, median          {:>8.1} ms", ms(percentile(&latencies, 0.5)));
    println!("dispatch: Confirm → assignee's card, p99             {:>8.1} ms", ms(percentile(&latencies, 0.99)));
    println!("dispatch: Confirm → assignee's card, max             {:>8.1} ms", ms(*latencies.last().unwrap()));
    println!(
        "dispatch: SQL statements for one dialogue step, median {:>6} (min {}, max {})",
        step_statements[step_statements.len() / 2],
        step_statements[0],
        step_statements[step_statements.len() - 1]
    );
    app.stop().await;
}
