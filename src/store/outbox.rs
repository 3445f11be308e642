//! Messages owed to people other than the one acting, written in the same
//! transaction as the change that caused them and sent by `delivery::sender`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::domain::{Delivery, Outgoing};

/// The channel the sender listens on: every insert into the outbox notifies
/// it (a trigger, migration 13), at commit.
pub const CHANNEL: &str = "propdesk_outbox";

/// Lower goes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Notification = 0,
    Broadcast = 5,
}

pub struct NewMessage<'a> {
    pub chat_id: i64,
    /// What the message is about, for logs and metrics: "verification-request", …
    pub kind: &'a str,
    pub priority: Priority,
    pub message: &'a Outgoing,
    pub not_before: DateTime<Utc>,
    /// Enqueuing the same key twice keeps the first row only.
    pub dedup_key: Option<String>,
}

pub async fn enqueue(conn: &mut PgConnection, new: NewMessage<'_>) -> sqlx::Result<()> {
    let payload = serde_json::to_value(new.message).expect("Outgoing serializes");
    insert(conn, &new, payload).await
}

/// Queues an edit of the message outbox row `edit_of` sent: `new.message`
/// replaces its text and buttons (see [`Delivery::Edit`]).
pub async fn enqueue_edit(conn: &mut PgConnection, edit_of: i64, new: NewMessage<'_>) -> sqlx::Result<()> {
    let delivery = Delivery::Edit { edit_of, message: new.message.clone() };
    let payload = serde_json::to_value(&delivery).expect("Delivery serializes");
    insert(conn, &new, payload).await
}

async fn insert(conn: &mut PgConnection, new: &NewMessage<'_>, payload: Value) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (chat_id, kind, priority, payload, not_before, dedup_key)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(new.chat_id)
    .bind(new.kind)
    .bind(new.priority as i16)
    .bind(payload)
    .bind(new.not_before)
    .bind(&new.dedup_key)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub chat_id: i64,
    pub kind: String,
    /// `Priority` as stored: lower goes first.
    pub priority: i16,
    pub payload: Value,
    pub attempts: i32,
    pub locale: Option<String>,
    /// Claimed but cancelled instead of sent: addressed to someone as staff
    /// (`to_staff`) who is no longer an active staff member. Not to send.
    pub withdrawn: bool,
}

/// Why a row addressed to staff was cancelled when the sender came to it.
pub const NOT_STAFF_AT_SEND: &str = "not sent: the recipient is no longer an active staff member";

/// Claims up to `limit` due rows of a priority below `below`, most urgent
/// first. SKIP LOCKED lets a second sender (during a lease hand-over) take
/// other rows, never the same.
///
/// A row written by `notify::to_staff` whose recipient is no longer an
/// active staff member is cancelled here instead (`withdrawn`, returned so
/// the caller knows the claim found work): queued by a transaction that
/// committed alongside their deactivation, or retried after it, it never
/// reaches them. The check is at the claim, so only a row claimed before the
/// deactivation committed can still go out, within the moment it takes to
/// send it.
pub async fn claim(pool: &PgPool, limit: i64, now: DateTime<Utc>, below: i16) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as(
        "WITH due AS (
             SELECT id,
                    to_staff AND NOT EXISTS (
                        SELECT 1 FROM staff s WHERE s.telegram_id = outbox.chat_id AND s.active
                    ) AS withdrawn
             FROM outbox
             WHERE state = 'pending' AND not_before <= $2 AND priority < $3
             ORDER BY priority, not_before, id
             LIMIT $1
             FOR UPDATE OF outbox SKIP LOCKED
         )
         UPDATE outbox o
         SET state = CASE WHEN due.withdrawn THEN 'cancelled' ELSE 'sending' END,
             claimed_at = $2,
             last_error = CASE WHEN due.withdrawn THEN $4 ELSE o.last_error END
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.chat_id, o.kind, o.priority, o.payload, o.attempts,
                   (SELECT locale FROM users WHERE telegram_id = o.chat_id) AS locale,
                   due.withdrawn",
    )
    .bind(limit)
    .bind(now)
    .bind(below)
    .bind(NOT_STAFF_AT_SEND)
    .fetch_all(pool)
    .await
}

pub async fn mark_sent(pool: &PgPool, id: i64, message_id: i32, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET state = 'sent', sent_at = $2, message_id = $3, last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(message_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Puts a row back to be tried at `not_before`; `count_attempt` is false for
/// a flood-limit wait, which is not the message's fault.
pub async fn retry_at(
    pool: &PgPool,
    id: i64,
    not_before: DateTime<Utc>,
    count_attempt: bool,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET state = 'pending', not_before = $2,
             attempts = attempts + CASE WHEN $3 THEN 1 ELSE 0 END, last_error = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(not_before)
    .bind(count_attempt)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn mark_dead(pool: &PgPool, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

/// A row that was never sent is withdrawn: it stays, as `cancelled`, and is
/// never sent. False if it was no longer waiting (being sent, sent, dead).
pub async fn cancel_pending(conn: &mut PgConnection, id: i64, reason: &str) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE outbox SET state = 'cancelled', last_error = $2 WHERE id = $1 AND state = 'pending'")
            .bind(id)
            .bind(reason)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Settles a row without sending it (an edit with nothing left to edit).
pub async fn mark_cancelled(conn: &mut PgConnection, id: i64, reason: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET state = 'cancelled', last_error = $2 WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

/// A row as it stands now: for withdrawing what it sent, or editing it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Sent {
    pub id: i64,
    pub chat_id: i64,
    pub state: String,
    pub message_id: Option<i32>,
    pub payload: Value,
}

/// The rows with these dedup keys, locked until the transaction ends: the
/// sender cannot claim one that is being withdrawn meanwhile (it skips
/// locked rows), and one it already claimed is seen as `sending`.
pub async fn lock_keyed(conn: &mut PgConnection, keys: &[String]) -> sqlx::Result<Vec<Sent>> {
    sqlx::query_as(
        "SELECT id, chat_id, state, message_id, payload FROM outbox
         WHERE dedup_key = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(keys)
    .fetch_all(conn)
    .await
}

/// One row, for the sender about to edit the message it sent.
pub async fn get(pool: &PgPool, id: i64) -> sqlx::Result<Option<Sent>> {
    sqlx::query_as("SELECT id, chat_id, state, message_id, payload FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Rows a crashed sender had claimed go back to the queue, and so do the
/// direct replies of runners that are gone. Called by the sender when it
/// takes the lease, so no other sender is working on its rows.
pub async fn release_claimed(pool: &PgPool) -> sqlx::Result<u64> {
    // The sender's own claims carry no runner (direct replies it took over included).
    let done = sqlx::query("UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND claimed_by IS NULL")
        .execute(pool)
        .await?;
    Ok(done.rows_affected() + release_orphaned_replies(pool).await?)
}

/// How long a runner may go without a heartbeat before the reply rows it
/// claimed are taken as orphaned (it beats every 2 s).
pub const RUNNER_SILENT_SECS: f64 = 6.0;

/// Records that `runner` is alive (`runners`, every 2 s from its settler).
pub async fn heartbeat(pool: &PgPool, runner: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO runners (id, seen_at) VALUES ($1, now())
         ON CONFLICT (id) DO UPDATE SET seen_at = now()",
    )
    .bind(runner)
    .execute(pool)
    .await?;
    Ok(())
}

/// Direct replies claimed by a runner that has not beaten its heartbeat for
/// `RUNNER_SILENT_SECS` (the process died) go back to the queue, for the
/// sender; and runners silent for a day are forgotten. A runner whose
/// connections all dropped at once (PostgreSQL restarting) beats again as
/// soon as it can and keeps its rows.
pub async fn release_orphaned_replies(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'pending', claimed_by = NULL
         WHERE state = 'sending' AND reply_of IS NOT NULL AND claimed_by IS NOT NULL
           AND claimed_by NOT IN (SELECT id FROM runners WHERE seen_at > now() - make_interval(secs => $1))",
    )
    .bind(RUNNER_SILENT_SECS)
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM runners WHERE seen_at < now() - interval '1 day'").execute(pool).await?;
    Ok(done.rows_affected())
}

/// The statement that writes a unit of work's direct replies, claimed by
/// `runner`, returning their ids in order. Written into the commit's text
/// (see `store::work`): only numbers, a formatted timestamp, the runner's
/// hex id and base64.
pub fn replies_statement(chat_id: i64, update_id: i64, runner: &str, at: &str, deliveries: &[Delivery]) -> String {
    debug_assert!(runner.bytes().all(|b| b.is_ascii_hexdigit()), "a runner id is hex");
    let payloads = crate::store::work::jsonb_literal(&serde_json::to_string(deliveries).expect("deliveries serialize"));
    format!(
        "INSERT INTO outbox (chat_id, kind, priority, payload, not_before, state, claimed_at, claimed_by, reply_of)
         SELECT {chat_id}, 'reply', {priority}, r.payload, {at}, 'sending', {at}, '{runner}', {update_id}
         FROM jsonb_array_elements({payloads})
              WITH ORDINALITY AS r(payload, n)
         ORDER BY r.n
         RETURNING id",
        priority = Priority::Notification as i16,
    )
}

/// A chat's direct replies still to go out that `runner` may send: those
/// waiting for the sender and those another runner left claimed (see
/// `begin_update`: a chat's turn spans its replies, so that runner is gone),
/// now claimed by `runner`, oldest first. Rows the sender is sending are not
/// taken: the chat waits for them.
pub async fn take_over_replies(
    pool: &PgPool,
    chat_id: i64,
    runner: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<OutboxRow>> {
    let mut rows: Vec<OutboxRow> = sqlx::query_as(
        "WITH mine AS (
             SELECT id FROM outbox
             WHERE chat_id = $1 AND reply_of IS NOT NULL
               AND (state = 'pending' OR (state = 'sending' AND claimed_by IS NOT NULL AND claimed_by <> $2))
             ORDER BY id
             FOR UPDATE SKIP LOCKED
         )
         UPDATE outbox o SET state = 'sending', claimed_by = $2, claimed_at = $3
         FROM mine WHERE o.id = mine.id
         RETURNING o.id, o.chat_id, o.kind, o.priority, o.payload, o.attempts,
                   (SELECT locale FROM users WHERE telegram_id = o.chat_id) AS locale, false AS withdrawn",
    )
    .bind(chat_id)
    .bind(runner)
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.sort_by_key(|row| row.id);
    Ok(rows)
}

/// Deletes up to `limit` of the oldest direct replies settled (sent, dead,
/// cancelled) and written before `before`; returns how many. They only
/// record what a person was answered; the inbox keeps their updates as long.
pub async fn prune_replies(pool: &PgPool, before: DateTime<Utc>, limit: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM outbox WHERE id IN (
             SELECT id FROM outbox
             WHERE reply_of IS NOT NULL AND state IN ('sent', 'dead', 'cancelled') AND created_at < $1
             ORDER BY id LIMIT $2)",
    )
    .bind(before)
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// How a direct reply the runner tried went.
#[derive(Debug, Clone)]
pub enum ReplyOutcome {
    Sent {
        message_id: i32,
    },
    /// For the sender, from `not_before`.
    Retry {
        not_before: DateTime<Utc>,
        error: String,
    },
    Dead {
        error: String,
    },
}

/// Records how the runner's replies went, in one statement: a sent one is
/// deleted, the others kept with their outcome. A row the runner no longer holds (released meanwhile: see
/// `release_orphaned_replies`) is left to the sender.
pub async fn settle_replies(
    pool: &PgPool,
    runner: &str,
    outcomes: &[(i64, ReplyOutcome)],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(outcomes.len());
    let (mut states, mut message_ids, mut not_befores, mut errors) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, outcome) in outcomes {
        ids.push(*id);
        let (state, message_id, not_before, error) = match outcome {
            ReplyOutcome::Sent { message_id } => ("sent", Some(*message_id), None, None),
            ReplyOutcome::Retry { not_before, error } => ("pending", None, Some(*not_before), Some(error.as_str())),
            ReplyOutcome::Dead { error } => ("dead", None, None, Some(error.as_str())),
        };
        states.push(state);
        message_ids.push(message_id);
        not_befores.push(not_before);
        errors.push(error);
    }
    // A reply that went out is deleted rather than marked: its row only
    // stood for the answer until it was sent (a delete writes no new row
    // version and no index entries, at two or three replies an update). One
    // handed to the sender or refused for good stays, with its error.
    sqlx::query(
        "WITH t AS (
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::int[], $4::timestamptz[], $5::text[])
                 AS t(id, state, message_id, not_before, error)
         ),
         sent AS (
             DELETE FROM outbox o USING t
             WHERE o.id = t.id AND t.state = 'sent' AND o.state = 'sending' AND o.claimed_by = $6
         )
         UPDATE outbox o SET state = t.state, last_error = t.error,
             not_before = COALESCE(t.not_before, o.not_before),
             attempts = o.attempts + 1, claimed_by = NULL, claimed_at = $7
         FROM t
         WHERE o.id = t.id AND t.state <> 'sent' AND o.state = 'sending' AND o.claimed_by = $6",
    )
    .bind(&ids)
    .bind(&states)
    .bind(&message_ids)
    .bind(&not_befores)
    .bind(&errors)
    .bind(runner)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// When the next pending row falls due, so the sender can sleep until then.
pub async fn next_due(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT min(not_before) FROM outbox WHERE state = 'pending'").fetch_one(pool).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxStatus {
    pub id: i64,
    pub chat_id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Every row for a chat but the direct replies to what they did, oldest
/// first (for tests and operators).
pub async fn for_chat(pool: &PgPool, chat_id: i64) -> sqlx::Result<Vec<OutboxStatus>> {
    sqlx::query_as(
        "SELECT id, chat_id, kind, state, attempts, last_error FROM outbox
         WHERE chat_id = $1 AND reply_of IS NULL ORDER BY id",
    )
    .bind(chat_id)
    .fetch_all(pool)
    .await
}

/// Pending rows by priority (the outbox depth, for metrics).
pub async fn pending_by_priority(pool: &PgPool) -> sqlx::Result<Vec<(i16, i64)>> {
    sqlx::query_as("SELECT priority, count(*) FROM outbox WHERE state = 'pending' GROUP BY priority ORDER BY priority")
        .fetch_all(pool)
        .await
}

/// Queues a message to `new.chat_id` as a staff member (`to_staff`), only
/// while they are an active one. Returns false when they are not (nothing
/// queued); a duplicate dedup key is true, as [`enqueue`] keeps the first.
pub async fn enqueue_to_staff(conn: &mut PgConnection, new: NewMessage<'_>) -> sqlx::Result<bool> {
    let payload = serde_json::to_value(new.message).expect("Outgoing serializes");
    let active: Option<bool> = sqlx::query_scalar(
        "WITH member AS (SELECT 1 FROM staff WHERE telegram_id = $1 AND active),
              queued AS (
                  INSERT INTO outbox (chat_id, kind, priority, payload, not_before, dedup_key, to_staff)
                  SELECT $1, $2, $3, $4, $5, $6, TRUE FROM member
                  ON CONFLICT (dedup_key) DO NOTHING
                  RETURNING id
              )
         SELECT EXISTS (SELECT 1 FROM member)",
    )
    .bind(new.chat_id)
    .bind(new.kind)
    .bind(new.priority as i16)
    .bind(payload)
    .bind(new.not_before)
    .bind(&new.dedup_key)
    .fetch_optional(conn)
    .await?;
    Ok(active.unwrap_or(false))
}

/// Withdraws what still waits for `chat_id` as a staff member (they were
/// deactivated). Returns how many rows.
pub async fn cancel_to_staff(conn: &mut PgConnection, chat_id: i64, reason: &str) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'cancelled', last_error = $2 WHERE chat_id = $1 AND to_staff AND state = 'pending'",
    )
    .bind(chat_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
