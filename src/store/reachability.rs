//! Says in the log when PostgreSQL stops answering and when it answers
//! again: one error per outage and one line when it is over, instead of
//! every part of the bot reporting its own failures (or, while the pool
//! waits for a connection, nothing at all).
//!
//! It pings on a connection of its own, not the pool's: a pool busy with
//! work would look like an outage, and a pool waiting for the database
//! (up to its acquire timeout) would hide one.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

/// How often the database is asked, and how long an answer may take.
const PERIOD: Duration = Duration::from_secs(1);
const PATIENCE: Duration = Duration::from_secs(2);

/// Pings until `shutdown`, logging each change between reachable and not.
pub async fn watch(pool: PgPool, shutdown: CancellationToken) {
    let options = pool.connect_options();
    let mut conn: Option<PgConnection> = None;
    let mut down_since: Option<Instant> = None;
    while !shutdown.is_cancelled() {
        let answer = tokio::time::timeout(PATIENCE, async {
            if conn.is_none() {
                conn = Some(PgConnection::connect_with(&options).await?);
            }
            let c = conn.as_mut().expect("just connected");
            sqlx::query("SELECT 1").execute(c).await.map(drop)
        })
        .await
        .unwrap_or_else(|_| {
            let late = format!("no answer within {} s", PATIENCE.as_secs());
            Err(sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, late)))
        });
        match (answer, down_since) {
            (Ok(()), Some(since)) => {
                down_since = None;
                tracing::info!(
                    down_for = format!("{:.1} s", since.elapsed().as_secs_f64()),
                    "PostgreSQL is reachable again; updates, replies and the outbox carry on where they stopped"
                );
            }
            (Ok(()), None) => {}
            (Err(err), None) => {
                conn = None;
                down_since = Some(Instant::now());
                tracing::error!(
                    error = %err,
                    "PostgreSQL is unreachable: updates are left unconfirmed with Telegram and the outbox waits \
                     until it is back (retrying every second)"
                );
            }
            (Err(_), Some(_)) => conn = None,
        }
        tokio::select! {
            _ = tokio::time::sleep(PERIOD) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}
