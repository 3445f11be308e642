//! A lease held by one replica at a time: a session-level advisory lock on
//! a connection of its own. If the process dies, the operating system closes
//! the connection, PostgreSQL ends the session and the lock is free; the
//! other replicas ask every `RETRY`, so one of them takes over within about
//! a second.
//!
//! The holder checks its lease connection every `CHECK`. When a check fails
//! (the database restarted, the network is gone) it stops its work at once
//! and asks again like everyone else: it cannot know whether the lock
//! survived, and someone else may hold it by now. The server, for its part,
//! frees the lock of a holder whose host vanished without closing anything
//! only once TCP keepalives give up on it (set short on the lease session
//! below; the operating system's default is two hours), and that is always
//! later than the holder's own check has given up: the old holder has
//! stopped before a new one can start.
//!
//! The lease connection carries `application_name` "propdesk sender lease,
//! pid N" (or scheduler), so `pg_stat_activity` joined to `pg_locks` shows
//! which process on which host (`client_addr`) holds what; `/metrics` says it
//! too (`propdesk_lease_held`).

use std::future::Future;
use std::time::Duration;

use sqlx::{Connection as _, PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// Leases use PostgreSQL's two-key advisory locks, whose key space does not
/// overlap the one-key locks the runner takes on chat ids: (class, lease).
pub const CLASS: i32 = 0x7072_6f70; // "prop"
pub const SENDER: i32 = 1;
pub const SCHEDULER: i32 = 2;

/// How often a replica without the lease asks for it again: the longest a
/// dead holder's work waits for a successor (plus the moment PostgreSQL takes
/// to see the connection closed). One query a second per lease per waiting
/// replica, on a connection it keeps.
pub const RETRY: Duration = Duration::from_secs(1);
/// How often the holder checks its lease connection, and how long a check
/// may take before the lease counts as lost.
const CHECK: Duration = Duration::from_secs(1);
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// Server-side TCP keepalives on the lease session: a holder that vanished
/// without closing its connection loses the lock after about
/// idle + interval × count = 25 s.
const KEEPALIVES: &str = "SELECT set_config('tcp_keepalives_idle', '10', false),
        set_config('tcp_keepalives_interval', '5', false),
        set_config('tcp_keepalives_count', '3', false),
        set_config('application_name', $1, false)";

/// The lease's name in logs and metrics.
pub fn name(key: i32) -> &'static str {
    match key {
        SENDER => "sender",
        SCHEDULER => "scheduler",
        _ => "other",
    }
}

/// A connection of its own, detached from the pool (a pooled connection
/// would go back to the pool still holding the lock), named for operators.
async fn connect(pool: &PgPool, key: i32) -> sqlx::Result<PgConnection> {
    let mut conn = pool.acquire().await?.detach();
    let label = format!("propdesk {} lease, pid {}", name(key), std::process::id());
    sqlx::query(KEEPALIVES).bind(label).execute(&mut conn).await?;
    Ok(conn)
}

/// Asks for the lease on `candidate` (opened on first use and kept between
/// tries, so waiting costs no new connections); `true` when it is ours.
async fn try_take(pool: &PgPool, key: i32, candidate: &mut Option<PgConnection>) -> sqlx::Result<bool> {
    let conn = match candidate {
        Some(conn) => conn,
        None => candidate.insert(connect(pool, key).await?),
    };
    let asked = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)").bind(CLASS).bind(key).fetch_one(conn).await;
    asked.inspect_err(|_| *candidate = None)
}

/// Keeps checking the lease connection until `stop`; `Some(conn)` when
/// stopped with the connection alive, `None` when a check failed.
async fn hold(mut conn: PgConnection, stop: CancellationToken) -> Option<PgConnection> {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECK) => {}
            _ = stop.cancelled() => return Some(conn),
        }
        let check = sqlx::query("SELECT 1").execute(&mut conn);
        match tokio::time::timeout(CHECK_TIMEOUT, check).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "the lease connection failed");
                return None;
            }
            Err(_) => {
                tracing::warn!("the lease connection did not answer in time");
                return None;
            }
        }
    }
}

/// Runs `work` whenever this replica holds lease `key`, until `shutdown`.
/// `work` gets a token that is cancelled on shutdown and when the lease is
/// lost; it should finish what it has in hand and return. After a loss the
/// replica asks for the lease again.
pub async fn run_while_held<F, Fut>(
    pool: &PgPool,
    key: i32,
    metrics: &Metrics,
    shutdown: &CancellationToken,
    mut work: F,
) where
    F: FnMut(CancellationToken) -> Fut,
    Fut: Future<Output = ()>,
{
    let lease = name(key);
    let held = metrics.lease_held.with_label_values(&[lease]);
    let mut candidate = None;
    loop {
        let mut waited = false;
        let conn = loop {
            match try_take(pool, key, &mut candidate).await {
                Ok(true) => break candidate.take().expect("the connection just asked"),
                Ok(false) if !waited => tracing::info!(lease, "another replica holds the lease; waiting"),
                Ok(false) => {}
                Err(err) => tracing::warn!(lease, error = %err, "could not ask for the lease"),
            }
            waited = true;
            tokio::select! {
                _ = tokio::time::sleep(RETRY) => {}
                _ = shutdown.cancelled() => return,
            }
        };
        tracing::info!(lease, "took the lease");
        held.set(1);
        let stop = shutdown.child_token();
        let holding = hold(conn, stop.clone());
        let working = work(stop.clone());
        tokio::pin!(holding, working);
        let kept = tokio::select! {
            () = &mut working => {
                stop.cancel();
                holding.await
            }
            kept = &mut holding => {
                // Lost: stop the work before anyone else can start it.
                stop.cancel();
                working.await;
                kept
            }
        };
        held.set(0);
        if let Some(conn) = kept {
            // Closing ends the session, which releases the lock.
            if let Err(err) = conn.close().await {
                tracing::debug!(lease, error = %err, "closing the lease connection");
            }
        }
        if shutdown.is_cancelled() {
            return;
        }
        tracing::warn!(lease, "lost the lease; asking again");
    }
}
