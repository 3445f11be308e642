//! SQL, one file per aggregate. Functions take a `&mut PgConnection` so a
//! caller can compose several in one transaction.

pub mod chat_turn;
pub mod communities;
pub mod dialogues;
pub mod embedded;
pub mod inbox;
pub mod invites;
pub mod notices;
pub mod options;
pub mod outbox;
pub mod reachability;
pub mod residents;
pub mod roster;
pub mod satisfaction;
pub mod schedule;
pub mod send_window;
pub mod staff;
pub mod stats;
pub mod survey_results;
pub mod surveys;
pub mod testdb;
pub mod tickets;
pub mod users;
pub mod verifications;
pub mod work;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens the application's pool and applies pending migrations.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<PgPool> {
    use anyhow::Context as _;
    use std::str::FromStr as _;
    // Ten connections: one per concurrently handled chat batch, the sender,
    // the scheduler and the listener; PostgreSQL's default allows 100.
    // No JIT compilation of queries: the figures' queries over a large ticket table are costed
    // high enough to be compiled, which took longer than running them (a month of 1,000,000
    // tickets: 1.1 s with JIT, 0.3 s without; BENCHMARKS.md, footprint). Nothing here runs
    // long enough to win it back.
    let options = without_statement_logs(
        sqlx::postgres::PgConnectOptions::from_str(url).context("reading DATABASE_URL")?.options([("jit", "off")]),
    );
    let pool =
        PgPoolOptions::new().max_connections(10).connect_with(options).await.context("connecting to PostgreSQL")?;
    MIGRATOR.run(&pool).await.context("applying migrations")?;
    Ok(pool)
}

/// Connection options that never log SQL. sqlx logs every statement at DEBUG
/// and any slower than a second at WARN, with its full text; the unit of work
/// writes the dialogue state (what people typed) and the replies to them into
/// its SQL text (base64, see `store::work`), so that text is a person's words.
/// Every pool and connection of the service is opened with these options.
pub fn without_statement_logs(options: sqlx::postgres::PgConnectOptions) -> sqlx::postgres::PgConnectOptions {
    use sqlx::ConnectOptions as _;
    options.disable_statement_logging()
}

/// The migrations of `MIGRATOR` the database has not applied successfully
/// (by version), for readiness; an error when it cannot be asked.
pub async fn missing_migrations(pool: &PgPool) -> sqlx::Result<Vec<i64>> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(pool).await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}

/// Whether `err` says the database is away (the connection failed or was
/// closed, the server is shutting down or starting up) rather than that a
/// statement failed: what is worth waiting out instead of counting against
/// an update or a message.
pub fn is_connection_error(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        // SQLSTATE class 08: connection exception; 57P01–57P03: the server
        // shut down (by an operator, or a crash) or cannot take connections yet.
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_connection_error;

    #[test]
    fn a_lost_connection_is_told_apart_from_a_failed_statement() {
        let io = sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"));
        assert!(is_connection_error(&io));
        assert!(is_connection_error(&sqlx::Error::PoolTimedOut));
        assert!(!is_connection_error(&sqlx::Error::RowNotFound));
        assert!(!is_connection_error(&sqlx::Error::Protocol("unexpected message".into())));
    }
}
