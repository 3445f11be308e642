//! A lease held by one replica at a time: a session-level advisory lock on
//! a connection of its own. If the process dies, PostgreSQL closes the
//! connection and the lock is free for another replica.

use sqlx::{PgConnection, PgPool};

/// Leases use PostgreSQL's two-key advisory locks, whose key space does not
/// overlap the one-key locks the runner takes on chat ids: (class, lease).
const CLASS: i32 = 0x7072_6f70; // "prop"
pub const SENDER: i32 = 1;
pub const SCHEDULER: i32 = 2;

pub struct Lease {
    conn: PgConnection,
}

impl Lease {
    /// Whether the lease still holds: PostgreSQL drops a session's advisory
    /// locks with the session (a database restart, a terminated backend),
    /// and another replica may have taken it since.
    pub async fn still_held(&mut self) -> bool {
        sqlx::query("SELECT 1").execute(&mut self.conn).await.is_ok()
    }
}

/// Takes the lease if it is free.
pub async fn try_acquire(pool: &PgPool, key: i32) -> sqlx::Result<Option<Lease>> {
    // Detached from the pool: a pooled connection would go back to the pool
    // still holding the lock.
    let mut conn = pool.acquire().await?.detach();
    let got: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)").bind(CLASS).bind(key).fetch_one(&mut conn).await?;
    Ok(got.then_some(Lease { conn }))
}
