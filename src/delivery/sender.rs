//! The outbox sender: claims due rows most urgent first and delivers them
//! within Telegram's limits.
//!
//! - 429: wait `retry_after` (not counted as an attempt).
//! - 5xx or network: exponential backoff with jitter, dead after
//!   `MAX_ATTEMPTS`.
//! - 403 (blocked, deactivated, can't initiate) or 400 "chat not found": dead
//!   at once, and the recipient is marked unreachable until they write again.
//! - any other 400: dead at once (sending it again will not help).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use teloxide::prelude::*;
use teloxide::{ApiError, RequestError};
use tokio_util::sync::CancellationToken;

use crate::bot::render;
use crate::clock::SharedClock;
use crate::delivery::lease;
use crate::delivery::limits::RateLimits;
use crate::domain::Delivery;
use crate::i18n::Locale;
use crate::metrics::Metrics;
use crate::store::outbox::{OutboxRow, Priority};
use crate::store::{self};

/// Attempts before a message that keeps failing is given up.
pub const MAX_ATTEMPTS: i32 = 5;
/// Notifications claimed per round.
const CLAIM: i64 = 100;
/// Broadcast rows are claimed a quarter second's worth at a time (at the
/// overall rate): a notification that arrives while a broadcast runs waits
/// for at most that batch, then goes first.
const BROADCAST_BATCH_SECS: f64 = 0.25;
/// Chats delivered to at once (lanes); each chat's messages stay in order.
/// Also the bound on messages in doubt when the process dies: sent, and not
/// yet marked sent.
pub const LANES: usize = 8;
/// How often the sender looks for direct replies whose runner is gone.
const ORPHANS_EVERY: Duration = Duration::from_secs(2);
/// How long a sent message's 'sent' mark is retried while the database is away.
const RECORD_PATIENCE: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct Sender {
    pool: PgPool,
    bot: Bot,
    clock: SharedClock,
    default_locale: Locale,
    limits: Arc<RateLimits>,
    metrics: Arc<Metrics>,
}

pub(crate) enum Failure {
    /// Telegram asked us to wait.
    FloodWait(u32),
    /// May work later.
    Transient(String),
    /// The recipient cannot be reached.
    Unreachable(String),
    /// Will never work.
    Permanent(String),
}

pub(crate) fn classify(err: &RequestError) -> Failure {
    match err {
        RequestError::RetryAfter(secs) => Failure::FloodWait(secs.seconds()),
        RequestError::Api(api) => {
            // Unknown's Display wraps the text ("Unknown error: \"…\""): read the text itself.
            let text = match api {
                ApiError::Unknown(text) => text.clone(),
                known => known.to_string(),
            };
            let unreachable =
                matches!(api, ApiError::BotBlocked | ApiError::ChatNotFound | ApiError::CantInitiateConversation)
                    || text.starts_with("Forbidden")
                    || text.contains("chat not found");
            if unreachable {
                Failure::Unreachable(text)
            } else if matches!(api, ApiError::Unknown(_)) {
                // 5xx answers and texts teloxide does not know land here.
                Failure::Transient(text)
            } else {
                Failure::Permanent(text)
            }
        }
        RequestError::MigrateToChatId(_) => Failure::Permanent(err.to_string()),
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
            Failure::Transient(crate::error::telegram_error_text(err))
        }
    }
}

/// 2^attempt seconds (capped at 10 minutes), ±25%.
fn backoff(attempt: i32) -> Duration {
    let base = 2f64.powi(attempt.clamp(0, 10)).min(600.0);
    let jitter = rand::rng().random_range(0.75..1.25);
    Duration::from_secs_f64(base * jitter)
}

impl Sender {
    pub fn new(pool: PgPool, bot: Bot, clock: SharedClock, default_locale: Locale, limits: Arc<RateLimits>) -> Self {
        Sender { pool, bot, clock, default_locale, limits, metrics: Arc::new(Metrics::new()) }
    }

    /// Counts sends into `metrics` (otherwise into a private set nobody reads).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    fn count(&self, result: &str) {
        self.metrics.sends.with_label_values(&[result]).inc();
    }

    /// Runs until `shutdown`: delivers while this replica holds the sender
    /// lease (and asks for it again if it is lost). Rows claimed when
    /// shutdown comes are finished first.
    pub async fn run(self, shutdown: CancellationToken) {
        let this = &self;
        lease::run_while_held(&self.pool, lease::SENDER, &self.metrics, &shutdown, |stop| this.serve(stop)).await;
        tracing::info!("outbox sender stopped");
    }

    /// Delivers until `stop` (shutdown, or the lease lost).
    async fn serve(&self, stop: CancellationToken) {
        match store::outbox::release_claimed(&self.pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "re-queued messages a previous sender had claimed"),
            Err(err) => tracing::error!(error = %err, "could not re-queue claimed messages"),
        }
        let mut listener = match PgListener::connect_with(&self.pool).await {
            Ok(mut l) => match l.listen(store::outbox::CHANNEL).await {
                Ok(()) => Some(l),
                Err(err) => {
                    tracing::warn!(error = %err, "LISTEN failed; polling the outbox");
                    None
                }
            },
            Err(err) => {
                tracing::warn!(error = %err, "no listener connection; polling the outbox");
                None
            }
        };
        // Lanes: up to LANES chats are delivered to at once, each chat's rows
        // one after another in the order claimed. A lane that waits (a 5xx
        // answer, after which teloxide pauses 10 s; a chat's own limit) holds
        // up only its chat: the others go on, and more rows are claimed as
        // lanes free up, with no round that waits for its slowest send.
        // Each lane is a task of its own, not a future this loop polls: while
        // the loop waits for the pool (a claim), a lane the pool has just
        // handed a connection to must still run, or neither goes on (the
        // pool serves waiters in turn) and every other user of the pool waits
        // behind them: measured as a 30 s stall of the whole bot at 1,000
        // messages a second.
        // Broadcast rows go only while no notification waits or is being
        // sent (notifications first, as they are claimed), and at most a
        // quarter second's worth at once: more of them queued at the shared
        // limits would slow the direct replies of people using the bot.
        let broadcast_lanes = self.broadcast_batch() as usize;
        let mut waiting = Waiting::default();
        let mut lanes = tokio::task::JoinSet::new();
        // The chat of each lane's task, to free it however the task ended.
        let mut lane_chats: HashMap<tokio::task::Id, i64> = HashMap::new();
        let mut claim_now = true;
        let mut orphans_checked = tokio::time::Instant::now();
        loop {
            // A runner that died between its commit and its replies (a crash)
            // leaves them claimed: they are this sender's to send.
            if orphans_checked.elapsed() >= ORPHANS_EVERY && !stop.is_cancelled() {
                orphans_checked = tokio::time::Instant::now();
                match store::outbox::release_orphaned_replies(&self.pool).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(rows = n, "re-queued direct replies a runner that is gone had claimed");
                        claim_now = true;
                    }
                    Err(err) => tracing::warn!(error = %err, "could not look for orphaned direct replies"),
                }
            }
            while lanes.len() < LANES {
                let Some(row) = waiting.next_free(broadcast_lanes) else { break };
                let (sender, chat) = (self.clone(), row.chat_id);
                let task = lanes.spawn(async move { sender.deliver(row).await });
                lane_chats.insert(task.id(), chat);
            }
            let stopping = stop.is_cancelled();
            if stopping && lanes.is_empty() && waiting.is_empty() {
                break;
            }
            // Claim while few notifications wait here, and broadcast rows
            // only when none wait here: a notification queued meanwhile waits
            // behind at most one batch of them.
            if claim_now && !stopping && waiting.len() - waiting.broadcasts() < LANES {
                let claimed = self.claim(waiting.broadcasts() == 0).await;
                claim_now = !claimed.is_empty();
                if claim_now {
                    waiting.extend(claimed.into_iter().filter(|row| !row.withdrawn).collect());
                    continue;
                }
            }
            let idle = lanes.is_empty() && waiting.is_empty();
            let wait = if idle { self.idle_wait().await } else { Duration::from_secs(1) };
            tokio::select! {
                Some(ended) = lanes.join_next_with_id(), if !lanes.is_empty() => {
                    let id = match ended {
                        Ok((id, ())) => id,
                        Err(err) => {
                            tracing::error!(error = %err, "a delivery task ended badly; its row is re-queued at the next start");
                            err.id()
                        }
                    };
                    if let Some(chat) = lane_chats.remove(&id) {
                        waiting.done(chat);
                    }
                    continue;
                }
                _ = stop.cancelled(), if !stopping => continue,
                woke = wake(listener.as_mut(), wait) => {
                    claim_now = true;
                    // With the database gone, recv fails at once: wait instead
                    // of spinning (which starves a single-threaded runtime).
                    if let Err(err) = woke {
                        tracing::warn!(error = %err, "outbox LISTEN failed; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop.cancelled() => {}
                        }
                    }
                }
            }
        }
    }

    /// How long to sleep with nothing due: until the next row falls due, at
    /// most a second (a notification may come from a replica whose NOTIFY we
    /// missed).
    async fn idle_wait(&self) -> Duration {
        let max = Duration::from_secs(1);
        match store::outbox::next_due(&self.pool).await {
            Ok(Some(due)) => {
                (due - self.clock.now()).to_std().unwrap_or(Duration::ZERO).clamp(Duration::from_millis(10), max)
            }
            _ => max,
        }
    }

    /// Claims what is due: notifications first; only when none is due (and
    /// `broadcasts`), a short batch of broadcast rows, so no notification
    /// waits behind a long one. An error is logged and claims nothing. Rows
    /// withdrawn at the claim (`OutboxRow::withdrawn`) are among those
    /// returned, so the loop knows it found work: they are not to be sent.
    async fn claim(&self, broadcasts: bool) -> Vec<OutboxRow> {
        let now = self.clock.now();
        self.limits.tidy();
        let batch = self.broadcast_batch();
        let claimed = match store::outbox::claim(&self.pool, CLAIM, now, Priority::Broadcast as i16).await {
            Ok(rows) if rows.is_empty() && broadcasts => store::outbox::claim(&self.pool, batch, now, i16::MAX).await,
            other => other,
        };
        let claimed = claimed.unwrap_or_else(|err| {
            tracing::error!(error = %err, "claiming outbox rows failed");
            Vec::new()
        });
        for row in claimed.iter().filter(|row| row.withdrawn) {
            tracing::info!(id = row.id, kind = %row.kind, "not sent: the recipient is no longer an active staff member");
        }
        claimed
    }

    /// Broadcast rows claimed (and in lanes) at a time: a quarter second's worth.
    fn broadcast_batch(&self) -> i64 {
        ((f64::from(self.limits.overall_per_sec()) * BROADCAST_BATCH_SECS) as i64).clamp(1, CLAIM)
    }

    async fn deliver(&self, row: OutboxRow) {
        let delivery: Delivery = match serde_json::from_value(row.payload.clone()) {
            Ok(d) => d,
            Err(err) => {
                self.give_up(&row, &format!("unreadable payload: {err}")).await;
                return;
            }
        };
        let locale = row.locale.as_deref().and_then(Locale::parse).unwrap_or(self.default_locale);
        // The id of the message that now shows what the row asked for.
        let result = match &delivery {
            // A new message, or a direct reply a runner that is gone had
            // claimed: what it names is in the row itself.
            Delivery::Send(_) | Delivery::EditMessage { .. } | Delivery::SetButtons { .. } => {
                self.limits.until_ready(row.chat_id).await;
                render::deliver(&self.bot, row.chat_id, &delivery, locale).await
            }
            Delivery::Edit { edit_of, message } => {
                let Some(message_id) = self.edit_target(&row, *edit_of).await else { return };
                self.limits.until_ready(row.chat_id).await;
                match render::edit(&self.bot, row.chat_id, message_id, message, locale).await {
                    // Already showing it (a retry after a lost answer): done.
                    Err(err) if crate::error::already_shown(&err) => Ok(message_id),
                    other => other.map(|()| message_id),
                }
            }
        };
        let now = self.clock.now();
        let outcome = match result {
            Ok(message_id) => {
                self.count("sent");
                self.record_sent(row.id, message_id, now).await
            }
            Err(err) => match classify(&err) {
                Failure::FloodWait(secs) => {
                    self.metrics.flood_waits.with_label_values(&["outbox"]).inc();
                    self.count("retry");
                    tracing::info!(id = row.id, chat = row.chat_id, secs, "flood limit; waiting");
                    let at = now + chrono::Duration::seconds(i64::from(secs));
                    store::outbox::retry_at(&self.pool, row.id, at, false, &err.to_string()).await
                }
                Failure::Transient(text) if row.attempts + 1 < MAX_ATTEMPTS => {
                    self.count("retry");
                    let wait = backoff(row.attempts);
                    tracing::warn!(id = row.id, chat = row.chat_id, error = %text, ?wait, "send failed; will retry");
                    let at = now + chrono::Duration::from_std(wait).unwrap_or_default();
                    store::outbox::retry_at(&self.pool, row.id, at, true, &text).await
                }
                Failure::Transient(text) | Failure::Permanent(text) => {
                    self.give_up(&row, &text).await;
                    Ok(())
                }
                Failure::Unreachable(text) => {
                    self.count("unreachable");
                    tracing::info!(chat = row.chat_id, error = %text, "recipient unreachable");
                    let marked = async {
                        let mut conn = self.pool.acquire().await?;
                        store::users::set_reachable(&mut conn, row.chat_id, false).await
                    };
                    if let Err(e) = marked.await {
                        tracing::error!(error = %e, "could not mark the recipient unreachable");
                    }
                    store::outbox::mark_dead(&self.pool, row.id, &text).await
                }
            },
        };
        if let Err(err) = outcome {
            tracing::error!(id = row.id, error = %err, "recording a delivery outcome failed");
        }
    }

    /// Marks a row sent, trying again for about a minute while the database
    /// does not answer: Telegram has the message, and a row left 'sending'
    /// is sent again once re-queued (a PostgreSQL restart re-queues it as
    /// soon as the lease is taken again).
    async fn record_sent(&self, id: i64, message_id: i32, now: chrono::DateTime<chrono::Utc>) -> sqlx::Result<()> {
        let mut wait = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        loop {
            match store::outbox::mark_sent(&self.pool, id, message_id, now).await {
                Ok(()) => return Ok(()),
                Err(err) if waited < RECORD_PATIENCE => {
                    tracing::warn!(id, error = %err, ?wait, "a message went out but recording it failed; trying again");
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The message an edit row is to change, once the row that sends it has
    /// sent it. Otherwise the edit is settled here and None comes back: the
    /// original still waiting is withdrawn instead (and so is the edit), one
    /// being sent is waited for, one never delivered leaves nothing to edit.
    async fn edit_target(&self, row: &OutboxRow, edit_of: i64) -> Option<i32> {
        let settled = async {
            let target = store::outbox::get(&self.pool, edit_of).await?;
            match target {
                Some(t) if t.state == "sent" && t.chat_id == row.chat_id && t.message_id.is_some() => {
                    return Ok(t.message_id);
                }
                Some(t) if t.state == "sending" => {
                    let at = self.clock.now() + chrono::Duration::seconds(1);
                    store::outbox::retry_at(&self.pool, row.id, at, false, "waiting for the message it edits").await?;
                }
                Some(t) if t.state == "pending" => {
                    let mut conn = self.pool.acquire().await?;
                    store::outbox::cancel_pending(&mut conn, t.id, "withdrawn before it was sent").await?;
                    store::outbox::mark_cancelled(&mut conn, row.id, "the message it edits was withdrawn unsent")
                        .await?;
                }
                _ => {
                    let mut conn = self.pool.acquire().await?;
                    store::outbox::mark_cancelled(&mut conn, row.id, "no sent message to edit").await?;
                }
            }
            Ok::<_, sqlx::Error>(None)
        };
        settled.await.unwrap_or_else(|err| {
            tracing::error!(id = row.id, error = %err, "settling an edit failed");
            None
        })
    }

    async fn give_up(&self, row: &OutboxRow, error: &str) {
        self.count("dead");
        tracing::error!(id = row.id, chat = row.chat_id, kind = row.kind, error, "message given up");
        if let Err(err) = store::outbox::mark_dead(&self.pool, row.id, error).await {
            tracing::error!(id = row.id, error = %err, "marking a message dead failed");
        }
    }
}

fn is_broadcast(row: &OutboxRow) -> bool {
    row.priority >= Priority::Broadcast as i16
}

/// Rows claimed and not yet started, in the order claimed; a chat with a
/// row in a lane waits for it.
#[derive(Default)]
struct Waiting {
    rows: VecDeque<OutboxRow>,
    /// Chats with a row in a lane, and whether it is a broadcast row.
    busy: HashMap<i64, bool>,
    broadcasts_started: usize,
}

impl Waiting {
    fn extend(&mut self, rows: Vec<OutboxRow>) {
        self.rows.extend(rows);
    }

    /// The first row whose chat has nothing in a lane; its chat is then
    /// busy. A broadcast row only while no notification is waiting or in a
    /// lane, and fewer than `broadcast_lanes` broadcast rows are in lanes.
    fn next_free(&mut self, broadcast_lanes: usize) -> Option<OutboxRow> {
        let notifications_in_lanes = self.busy.len() - self.broadcasts_started;
        let broadcast = notifications_in_lanes == 0
            && self.broadcasts_started < broadcast_lanes
            && self.rows.iter().all(is_broadcast);
        let free = |row: &OutboxRow| !self.busy.contains_key(&row.chat_id) && (broadcast || !is_broadcast(row));
        let at = self.rows.iter().position(free)?;
        let row = self.rows.remove(at)?;
        let counted = is_broadcast(&row);
        self.broadcasts_started += usize::from(counted);
        self.busy.insert(row.chat_id, counted);
        Some(row)
    }

    /// `chat`'s row is delivered (or settled): its next may start.
    fn done(&mut self, chat: i64) {
        if self.busy.remove(&chat) == Some(true) {
            self.broadcasts_started -= 1;
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Broadcast rows waiting (not started).
    fn broadcasts(&self) -> usize {
        self.rows.iter().filter(|row| is_broadcast(row)).count()
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Resolves on a NOTIFY from the outbox (`Ok`), after `wait`, or at once
/// with the listener's error.
async fn wake(listener: Option<&mut PgListener>, wait: Duration) -> Result<(), sqlx::Error> {
    match listener {
        Some(l) => tokio::select! {
            received = l.recv() => received.map(drop),
            _ = tokio::time::sleep(wait) => Ok(()),
        },
        None => {
            tokio::time::sleep(wait).await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, chat_id: i64, priority: Priority) -> OutboxRow {
        let (kind, payload, locale) = ("test".into(), serde_json::Value::Null, None);
        OutboxRow { id, chat_id, kind, priority: priority as i16, payload, attempts: 0, locale, withdrawn: false }
    }

    #[test]
    fn a_chats_rows_go_one_at_a_time_and_others_pass_a_busy_chat() {
        let note = Priority::Notification;
        let mut w = Waiting::default();
        w.extend(vec![row(1, 10, note), row(2, 10, note), row(3, 20, note)]);
        assert_eq!(w.next_free(1).map(|r| r.id), Some(1));
        assert_eq!(w.next_free(1).map(|r| r.id), Some(3), "chat 10 is busy; chat 20 goes on");
        assert!(w.next_free(1).is_none(), "row 2 waits for row 1");
        w.done(10);
        assert_eq!(w.next_free(1).map(|r| r.id), Some(2));
        assert!(w.is_empty());
    }

    #[test]
    fn broadcast_rows_wait_for_notifications_and_keep_to_their_share_of_lanes() {
        let mut w = Waiting::default();
        w.extend(vec![row(1, 10, Priority::Broadcast), row(2, 20, Priority::Notification)]);
        assert_eq!(w.next_free(1).map(|r| r.id), Some(2), "the notification first, though claimed later");
        assert!(w.next_free(1).is_none(), "no broadcast row while a notification is being sent");
        w.done(20);
        w.extend(vec![row(3, 30, Priority::Broadcast)]);
        assert_eq!(w.next_free(1).map(|r| r.id), Some(1));
        assert!(w.next_free(1).is_none(), "one broadcast lane allowed");
        assert_eq!(w.broadcasts_started, 1);
        w.done(10);
        assert_eq!(w.broadcasts_started, 0);
        assert_eq!(w.next_free(1).map(|r| r.id), Some(3));
    }

    fn kind(err: RequestError) -> &'static str {
        match classify(&err) {
            Failure::FloodWait(_) => "flood",
            Failure::Transient(_) => "transient",
            Failure::Unreachable(_) => "unreachable",
            Failure::Permanent(_) => "permanent",
        }
    }

    #[test]
    fn telegrams_refusals_are_sorted_by_what_to_do_next() {
        use teloxide::types::Seconds;
        assert_eq!(kind(RequestError::RetryAfter(Seconds::from_seconds(3))), "flood");
        assert_eq!(kind(RequestError::Api(ApiError::BotBlocked)), "unreachable");
        assert_eq!(kind(RequestError::Api(ApiError::ChatNotFound)), "unreachable");
        assert_eq!(kind(RequestError::Api(ApiError::CantInitiateConversation)), "unreachable");
        // Texts teloxide does not know arrive as Unknown (NOTES.md).
        let cannot_initiate = "Forbidden: bot can't initiate conversation with a user".to_owned();
        assert_eq!(kind(RequestError::Api(ApiError::Unknown(cannot_initiate))), "unreachable");
        assert_eq!(kind(RequestError::Api(ApiError::Unknown("Internal Server Error".into()))), "transient");
        assert_eq!(kind(RequestError::Api(ApiError::MessageTextIsEmpty)), "permanent");
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        assert!(backoff(0) < Duration::from_secs(2));
        assert!(backoff(3) >= Duration::from_secs(6));
        assert!(backoff(50) <= Duration::from_secs(750));
    }
}
