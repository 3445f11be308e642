//! Putting a message for someone else in the outbox.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::Outgoing;
use crate::store::outbox::{self, NewMessage, Priority};

/// Queues a notification to `chat_id`, sent once this transaction commits.
pub async fn notification(
    conn: &mut PgConnection,
    chat_id: i64,
    kind: &str,
    message: &Outgoing,
    now: DateTime<Utc>,
    dedup_key: Option<String>,
) -> sqlx::Result<()> {
    outbox::enqueue(
        conn,
        NewMessage { chat_id, kind, priority: Priority::Notification, message, not_before: now, dedup_key },
    )
    .await
}

/// Queues a message to `staff_id` as a staff member — a ticket card, an
/// owner's follow-up or photos, a complaint relay, a supervisors' alert —
/// sent once this transaction commits. The one place such messages are
/// addressed: nothing is queued for someone who is not an active staff
/// member (deactivated, or never one), and what still waits when they are
/// deactivated is withdrawn (`staff::deactivate`). Returns whether it was
/// queued. (To the same person as an owner, use [`notification`].)
pub async fn to_staff(
    conn: &mut PgConnection,
    staff_id: i64,
    kind: &str,
    message: &Outgoing,
    now: DateTime<Utc>,
    dedup_key: Option<String>,
) -> sqlx::Result<bool> {
    let new =
        NewMessage { chat_id: staff_id, kind, priority: Priority::Notification, message, not_before: now, dedup_key };
    let queued = outbox::enqueue_to_staff(conn, new).await?;
    if !queued {
        tracing::info!(staff_id, kind, "not sent: no longer an active staff member");
    }
    Ok(queued)
}

/// Takes back the notifications queued under `keys` (a card that no longer
/// applies): one still waiting is never sent; one sent, or being sent, is
/// edited by the sender into `replacement(original)`, which has no buttons
/// unless it brings its own. Keys with no row are skipped.
pub async fn withdraw(
    conn: &mut PgConnection,
    keys: &[String],
    kind: &str,
    now: DateTime<Utc>,
    replacement: impl Fn(Outgoing) -> Outgoing,
) -> sqlx::Result<()> {
    for row in outbox::lock_keyed(conn, keys).await? {
        match row.state.as_str() {
            "pending" => {
                outbox::cancel_pending(conn, row.id, "withdrawn before it was sent").await?;
            }
            "sending" | "sent" => {
                let Ok(original) = serde_json::from_value::<Outgoing>(row.payload) else {
                    tracing::warn!(id = row.id, "a withdrawn notification has an unreadable payload; left as sent");
                    continue;
                };
                let message = replacement(original);
                let new = NewMessage {
                    chat_id: row.chat_id,
                    kind,
                    priority: Priority::Notification,
                    message: &message,
                    not_before: now,
                    // Withdrawn once, whoever asks again.
                    dedup_key: Some(format!("edit:{}", row.id)),
                };
                outbox::enqueue_edit(conn, row.id, new).await?;
            }
            // Never delivered, or already withdrawn: nothing to take back.
            _ => {}
        }
    }
    Ok(())
}
