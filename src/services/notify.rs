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
