//! The scheduler: once a period (a second by default) it asks the clock for
//! the time and does what has fallen due (`services::sla_watch`): acceptance
//! timeouts, on-site reminders, breach escalations, auto-close, abandoned
//! repair drafts. Its effects are events and outbox rows; the sender
//! delivers them.
//!
//! One replica runs it (the `SCHEDULER` lease), but correctness does not
//! depend on that: every effect is taken under a row lock with its condition
//! checked again, so a repeated tick, or a second scheduler during a lease
//! hand-over, changes nothing twice.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::bot::fallback::home_markup;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::delivery::lease;
use crate::metrics::Metrics;
use crate::services::sla_watch::{self, Sweep};

pub struct Scheduler {
    pool: PgPool,
    clock: SharedClock,
    settings: Arc<Settings>,
    period: Duration,
    metrics: Arc<Metrics>,
    /// Housekeeping runs at most hourly…
    housekeeping: Every,
    /// …and the look for abandoned drafts (a day's rule, which reads every
    /// chat's dialogue) at most once a minute.
    drafts: Every,
}

/// Rows housekeeping deletes per statement.
const PRUNE_BATCH: i64 = 5_000;

/// At most once per `period` of the app's clock (a clock a test moves
/// forward counts as time passed).
struct Every {
    period: chrono::Duration,
    last: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
}

impl Every {
    fn new(period: chrono::Duration) -> Every {
        Every { period, last: std::sync::Mutex::new(None) }
    }

    /// Whether it is due at `now`; if so, it counts as done now.
    fn due(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|at| now - at < self.period) {
            return false;
        }
        *last = Some(now);
        true
    }
}

impl Scheduler {
    pub fn new(pool: PgPool, clock: SharedClock, settings: Arc<Settings>, period: Duration) -> Self {
        Scheduler {
            pool,
            clock,
            settings,
            period,
            metrics: Arc::new(Metrics::new()),
            housekeeping: Every::new(chrono::Duration::hours(1)),
            drafts: Every::new(chrono::Duration::minutes(1)),
        }
    }

    /// Counts the lease into `metrics` (otherwise into a private set nobody reads).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Runs until `shutdown`: ticks every period while this replica holds
    /// the scheduler lease (and asks for it again if it is lost). A tick in
    /// progress when shutdown comes finishes (its transactions are short);
    /// the wait between ticks ends at once.
    pub async fn run(self, shutdown: CancellationToken) {
        let this = &self;
        lease::run_while_held(&self.pool, lease::SCHEDULER, &self.metrics, &shutdown, |stop| this.ticks(stop)).await;
        tracing::info!("scheduler stopped");
    }

    async fn ticks(&self, stop: CancellationToken) {
        // Ticks keep their rhythm; a slow one is not followed by a burst.
        let mut ticks = tokio::time::interval(self.period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.cancelled() => break,
            }
            self.tick().await;
        }
    }

    /// One pass over everything due now. Public so operators and tests can
    /// run one on demand; it is safe alongside the running loop.
    pub async fn tick(&self) -> Sweep {
        let now = self.clock.now();
        let sweep = sla_watch::sweep(&self.pool, &self.settings, now, home_markup, self.drafts.due(now)).await;
        if !sweep.is_empty() {
            tracing::info!(?sweep, %now, "scheduled work done");
        }
        self.keep_house(now).await;
        sweep
    }

    /// At most hourly: deletes updates handled more than `INBOX_KEEP_DAYS`
    /// ago, and the settled direct replies written as long ago, a batch per
    /// statement so no transaction grows long. Returns how many updates it
    /// deleted (0 when not due).
    pub async fn keep_house(&self, now: chrono::DateTime<chrono::Utc>) -> u64 {
        if !self.housekeeping.due(now) {
            return 0;
        }
        let before = now - chrono::Duration::days(self.settings.inbox_keep_days);
        let pruned = in_batches("the inbox", || crate::store::inbox::prune(&self.pool, before, PRUNE_BATCH)).await;
        if pruned > 0 {
            tracing::info!(updates = pruned, %before, "old handled updates deleted from the inbox");
        }
        // The replies to those updates, once settled, go with them.
        let replies =
            in_batches("old replies", || crate::store::outbox::prune_replies(&self.pool, before, PRUNE_BATCH)).await;
        if replies > 0 {
            tracing::info!(replies, %before, "old direct replies deleted from the outbox");
        }
        pruned
    }
}

/// Runs `prune`, a batch a statement, until a batch comes back short;
/// returns how many rows went. A failure waits for the next hour.
async fn in_batches<F, Fut>(what: &str, mut prune: F) -> u64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<u64>>,
{
    let mut done = 0;
    loop {
        match prune().await {
            Ok(n) => {
                done += n;
                if n < PRUNE_BATCH as u64 {
                    return done;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, what, "pruning failed; next hour again");
                return done;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Every;
    use crate::bot::State;
    use crate::bot::repair_filing::{Draft, Step};
    use crate::store::schedule::{FILING_TAG, IDLE_STATE};

    fn draft(started_at: chrono::DateTime<chrono::Utc>) -> Draft {
        Draft {
            step: Step::Description,
            editing: false,
            patrol: false,
            category: None,
            unit_id: Some(1),
            common_area: None,
            location: None,
            description: None,
            photos: Vec::new(),
            urgency: None,
            window: None,
            started_at,
            categories: Vec::new(),
        }
    }

    /// `store::schedule` finds drafts by `state->>'state'` and
    /// `state->>'started_at'`: the draft's fields sit beside the tag.
    #[test]
    fn a_saved_filing_draft_has_its_tag_and_start_at_the_top_level() {
        let started = chrono::DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap();
        let saved = serde_json::to_value(State::Filing(draft(started))).unwrap();
        assert_eq!(saved["state"], FILING_TAG);
        let at: chrono::DateTime<chrono::Utc> = saved["started_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(at, started);
    }

    #[test]
    fn the_reset_dialogue_reads_as_idle() {
        let idle: serde_json::Value = serde_json::from_str(IDLE_STATE).unwrap();
        assert_eq!(State::from_saved(Some(idle.clone())), State::Idle);
        assert_eq!(serde_json::to_value(State::Idle).unwrap(), idle);
    }

    #[test]
    fn every_is_due_once_per_period_of_the_apps_clock() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let every = Every::new(chrono::Duration::minutes(1));
        assert!(every.due(t0), "the first time");
        assert!(!every.due(t0 + chrono::Duration::seconds(59)));
        assert!(every.due(t0 + chrono::Duration::seconds(60)));
        assert!(every.due(t0 + chrono::Duration::days(1)), "a clock moved forward counts");
    }
}
