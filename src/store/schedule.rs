//! What the scheduler looks for: tickets past one of their deadlines, and
//! repair drafts people walked away from.
//!
//! Every kind is read twice. `due` lists candidates without locking (cheap,
//! and a long list does not hold locks); then each is taken in its own short
//! transaction by `lock_if_due`, which locks the row `FOR UPDATE SKIP LOCKED`
//! and checks the same condition again under the lock. A ticket someone is
//! acting on right now is skipped until the next tick; a ticket another
//! replica (or a repeated tick) has already handled no longer matches. That
//! is what makes every effect happen once.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::store::tickets::TicketRow;

/// A deadline the scheduler watches, with the moments its condition needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Assigned, and not accepted by `accept_due_at`.
    AcceptOverdue { now: DateTime<Utc> },
    /// Nobody on site yet, not reminded yet, and the on-site deadline falls
    /// in `(now, remind_from]` where `remind_from = now + remind_before`.
    ReminderDue { now: DateTime<Utc>, remind_from: DateTime<Utc> },
    /// The on-site deadline has passed with nobody on site; not escalated yet.
    OnsiteBreached { now: DateTime<Utc> },
    /// The resolution deadline has passed and it was never done (time on
    /// hold does not count: a ticket on hold is not watched, and resuming
    /// moves the deadline); not escalated yet.
    ResolveBreached { now: DateTime<Utc> },
    /// Marked done at or before `done_before` (now − confirm_within) and the
    /// owner neither confirmed nor disputed it.
    ConfirmLapsed { done_before: DateTime<Utc> },
    /// Waiting in the queue: someone eligible may have joined or come free.
    Queued,
    /// A complaint nobody has answered by its first-reply deadline; not escalated yet.
    ReplyBreached { now: DateTime<Utc> },
    /// A complaint without an outcome by its outcome deadline (time with
    /// the owner, status done, does not count); not escalated yet.
    OutcomeBreached { now: DateTime<Utc> },
}

impl Watch {
    /// The condition on `tickets`, and the moments bound as $1, $2.
    fn condition(self) -> (&'static str, Vec<DateTime<Utc>>) {
        match self {
            Watch::AcceptOverdue { now } => {
                ("kind = 'repair' AND status = 'assigned' AND accept_due_at <= $1", vec![now])
            }
            Watch::ReminderDue { now, remind_from } => (
                "kind = 'repair' AND status IN ('assigned', 'accepted', 'on_the_way') AND onsite_at IS NULL
                 AND reminder_sent_at IS NULL AND assignee_id IS NOT NULL
                 AND onsite_due_at <= $1 AND onsite_due_at > $2",
                vec![remind_from, now],
            ),
            Watch::OnsiteBreached { now } => (
                "kind = 'repair' AND status IN ('queued', 'assigned', 'accepted', 'on_the_way') AND onsite_at IS NULL
                 AND onsite_breached_at IS NULL AND onsite_due_at <= $1",
                vec![now],
            ),
            Watch::ResolveBreached { now } => (
                "kind = 'repair' AND status IN ('queued', 'assigned', 'accepted', 'on_the_way', 'in_progress')
                 AND first_done_at IS NULL AND resolve_breached_at IS NULL AND resolve_due_at <= $1",
                vec![now],
            ),
            Watch::ConfirmLapsed { done_before } => {
                // Any kind: a complaint's outcome unanswered closes like a repair's fix.
                ("status = 'done' AND done_at <= $1", vec![done_before])
            }
            Watch::Queued => ("kind = 'repair' AND status = 'queued'", vec![]),
            Watch::ReplyBreached { now } => (
                "kind = 'complaint' AND status IN ('queued', 'accepted') AND first_reply_at IS NULL
                 AND reply_breached_at IS NULL AND reply_due_at <= $1",
                vec![now],
            ),
            Watch::OutcomeBreached { now } => (
                "kind = 'complaint' AND status IN ('queued', 'accepted') AND outcome_breached_at IS NULL
                 AND outcome_due_at <= $1",
                vec![now],
            ),
        }
    }
}

/// Up to `limit` tickets the watch matches, earliest first (by id: tickets
/// are numbered in order). Nothing is locked.
pub async fn due(conn: &mut PgConnection, watch: Watch, limit: i64) -> sqlx::Result<Vec<i64>> {
    let (condition, moments) = watch.condition();
    let sql = format!("SELECT id FROM tickets WHERE {condition} ORDER BY id LIMIT ${}", moments.len() + 1);
    let mut query = sqlx::query_scalar(&sql);
    for at in moments {
        query = query.bind(at);
    }
    query.bind(limit).fetch_all(conn).await
}

/// Locks ticket `id` if the watch still matches it and nobody else holds it.
pub async fn lock_if_due(conn: &mut PgConnection, watch: Watch, id: i64) -> sqlx::Result<Option<TicketRow>> {
    let (condition, moments) = watch.condition();
    let sql = format!("SELECT * FROM tickets WHERE id = ${} AND {condition} FOR UPDATE SKIP LOCKED", moments.len() + 1);
    let mut query = sqlx::query_as(&sql);
    for at in moments {
        query = query.bind(at);
    }
    query.bind(id).fetch_optional(conn).await
}

/// The tag serde gives `bot::State::Filing` in the saved dialogue JSON. The
/// draft's fields sit next to the tag (an internally tagged newtype variant
/// flattens its struct), so its start is `state->>'started_at'`, an RFC 3339
/// string. `delivery::scheduler`'s tests check both against the real type.
pub const FILING_TAG: &str = "filing";
/// The same for `bot::State::Case` (a complaint, suggestion or praise being filed).
pub const CASE_TAG: &str = "case";
/// The saved form of `bot::State::Idle`.
pub const IDLE_STATE: &str = r#"{"state": "idle"}"#;

/// Chats with a draft (a repair, or a complaint, suggestion or praise)
/// started before `started_before`. Nothing is locked.
pub async fn abandoned_drafts(
    conn: &mut PgConnection,
    started_before: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT chat_id FROM dialogues
         WHERE state->>'state' IN ($1, $4) AND jsonb_typeof(state->'started_at') = 'string'
           AND (state->>'started_at')::timestamptz < $2
         ORDER BY chat_id LIMIT $3",
    )
    .bind(FILING_TAG)
    .bind(started_before)
    .bind(limit)
    .bind(CASE_TAG)
    .fetch_all(conn)
    .await
}

/// Takes the chat's update lock for this transaction if it is free (the
/// runner holds it while it handles one of the chat's updates), then locks
/// the dialogue row if it still holds a draft started before
/// `started_before`. Returns when the draft was started. The order (chat
/// lock, then row) is the runner's, so the two never deadlock.
pub async fn lock_abandoned_draft(
    conn: &mut PgConnection,
    chat_id: i64,
    started_before: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let free: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(chat_id).fetch_one(&mut *conn).await?;
    if !free {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT (state->>'started_at')::timestamptz FROM dialogues
         WHERE chat_id = $1 AND state->>'state' IN ($2, $4) AND jsonb_typeof(state->'started_at') = 'string'
           AND (state->>'started_at')::timestamptz < $3
         FOR UPDATE SKIP LOCKED",
    )
    .bind(chat_id)
    .bind(FILING_TAG)
    .bind(started_before)
    .bind(CASE_TAG)
    .fetch_optional(conn)
    .await
}

/// Puts the chat back at its menu: nothing in progress.
pub async fn reset_dialogue(conn: &mut PgConnection, chat_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE dialogues SET state = $2::jsonb, updated_at = now() WHERE chat_id = $1")
        .bind(chat_id)
        .bind(IDLE_STATE)
        .execute(conn)
        .await?;
    Ok(())
}
