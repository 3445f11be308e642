//! Recording how the runner's replies went (`store::outbox::settle_replies`),
//! off the chat's path: a chat's next update does not wait for it, and the
//! outcomes of many updates go in one statement. Until an outcome is written
//! the row stays claimed by this runner, which the sender leaves alone while
//! the runner lives; a crash before the write sends those replies again, so
//! the batch is kept short (what arrives while the previous one is written).
//! A reply handed to the sender is recorded at once instead, by the caller:
//! the chat's next update must see it waiting (`begin_update`); and so is
//! everything with several replicas, where a chat's turn (and with it the
//! claim on its replies) passes to another runner as soon as the replies are out.
//!
//! The same task beats the runner's heartbeat (`store::outbox::heartbeat`).

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::clock::SharedClock;
use crate::store::{self, outbox::ReplyOutcome};

/// Outcomes written in one statement at most.
const BATCH: usize = 1_000;

pub(super) type Outcomes = Vec<(i64, ReplyOutcome)>;

/// Writes `outcomes` for `runner`, trying again while the database is away.
pub(super) async fn write(pool: &PgPool, runner: &str, clock: &SharedClock, outcomes: &[(i64, ReplyOutcome)]) {
    if outcomes.is_empty() {
        return;
    }
    let mut wait = Duration::from_millis(100);
    for _ in 0..8 {
        match store::outbox::settle_replies(pool, runner, outcomes, clock.now()).await {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(error = %err, ?wait, "recording how direct replies went failed; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
    tracing::error!(replies = outcomes.len(), "could not record how direct replies went");
}

/// How often the runner says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(2);

/// Says the runner is alive every `HEARTBEAT`, and writes what arrives on
/// `outcomes` in batches, until every sender of the channel is gone and it is
/// empty.
pub(super) async fn run(
    pool: PgPool,
    runner: String,
    clock: SharedClock,
    mut outcomes: mpsc::UnboundedReceiver<Outcomes>,
) {
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = beat.tick() => {
                if let Err(err) = store::outbox::heartbeat(&pool, &runner).await {
                    tracing::debug!(error = %err, "the runner's heartbeat failed");
                }
            }
            first = outcomes.recv() => {
                let Some(mut batch) = first else { return };
                while batch.len() < BATCH {
                    match outcomes.try_recv() {
                        Ok(more) => batch.extend(more),
                        Err(_) => break,
                    }
                }
                write(&pool, &runner, &clock, &batch).await;
            }
        }
    }
}
