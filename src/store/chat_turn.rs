//! A chat's turn across replicas (webhook mode): a session-level advisory
//! lock taken before an update of the chat is handled and released only
//! after its replies are sent. The runner's transaction-scoped chat lock ends
//! at the commit, before the replies go out; one replica alone then handles
//! the chat's next update only after those replies anyway, but another
//! replica could answer the next update first, and the person would see the
//! answers out of order (a menu, then the question before it).
//!
//! The key is the chat id with bit 62 flipped: no chat id Telegram gives is
//! that large, so it never meets the runner's own one-key lock on the chat id.
//! The lock lives on a pooled connection; a turn dropped without `release`
//! (a cancelled task) closes its connection instead of handing a locked
//! session back to the pool.

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

pub struct ChatTurn {
    conn: Option<PoolConnection<Postgres>>,
    key: i64,
}

fn key(chat: i64) -> i64 {
    chat ^ (1 << 62)
}

/// Waits for the chat's turn.
pub async fn take(pool: &PgPool, chat: i64) -> sqlx::Result<ChatTurn> {
    let mut turn = ChatTurn { conn: Some(pool.acquire().await?), key: key(chat) };
    if let Some(conn) = turn.conn.as_mut() {
        sqlx::query("SELECT pg_advisory_lock($1)").bind(turn.key).execute(&mut **conn).await?;
    }
    Ok(turn)
}

impl ChatTurn {
    /// Gives the turn up; the connection goes back to the pool.
    pub async fn release(mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(self.key).execute(&mut *conn).await;
        if let Err(err) = unlocked {
            tracing::warn!(error = %err, "releasing a chat's turn failed; closing its connection");
            drop(conn.detach());
        }
    }
}

impl Drop for ChatTurn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Closing the session releases the lock.
            drop(conn.detach());
        }
    }
}
