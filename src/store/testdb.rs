//! A fresh, migrated database per test, on whichever server is configured.
//!
//! `DATABASE_URL` set: that server (any database on it will do; we create our own). Unset: one
//! embedded cluster for the whole test process, started lazily by the first test that asks.
//!
//! Each `#[tokio::test]` has its own runtime, which dies when that test ends. So nothing shared
//! may live on a runtime: the embedded cluster is a child process watched by a std thread (see
//! [`super::embedded`]), the static holds only that, and every test builds its own pool.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use super::embedded::{EmbeddedOptions, EmbeddedPg, process_alive};

const PREFIX: &str = "propdesk_test_";

/// A database made for one test.
#[derive(Debug)]
pub struct TestDb {
    /// At most 5 connections: many tests run at once on one server.
    pub pool: sqlx::PgPool,
    /// The database's URL, for code under test that connects by itself.
    pub url: String,
    pub name: String,
}

/// Which server test databases are made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestServer {
    /// An existing server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
    Url(String),
    /// The process-wide embedded cluster.
    Embedded,
}

impl TestServer {
    /// `DATABASE_URL` if set and not empty, else the embedded cluster.
    pub fn from_env() -> Self {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => TestServer::Url(url),
            _ => TestServer::Embedded,
        }
    }
}

/// A fresh migrated database on the server `DATABASE_URL` names, else on the shared embedded
/// cluster. Safe to call from many tests at once.
pub async fn fresh_database() -> anyhow::Result<TestDb> {
    fresh_database_on(&TestServer::from_env()).await
}

/// [`fresh_database`] on a server chosen by the caller (tests of the harness itself, which must
/// not change the process environment under tests running in parallel).
pub async fn fresh_database_on(server: &TestServer) -> anyhow::Result<TestDb> {
    let server_url = match server {
        TestServer::Url(url) => url.clone(),
        TestServer::Embedded => shared_cluster().await?.url().to_owned(),
    };
    let server_options = PgConnectOptions::from_str(&server_url)
        .with_context(|| format!("parsing the test server URL {}", redact(&server_url)))?;
    let mut admin = PgConnection::connect_with(&server_options)
        .await
        .with_context(|| format!("connecting to the test server {}", redact(&server_url)))?;

    if is_local(server, &server_options) {
        drop_leftovers_once(&mut admin).await;
    }

    let name = format!(
        "{PREFIX}{}_{}_{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    create_database(&mut admin, &name).await?;
    let _ = admin.close().await;

    let options = server_options.clone().database(&name);
    let pool = PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .with_context(|| format!("connecting to the test database {name}"))?;
    sqlx::migrate!("./migrations").run(&pool).await.with_context(|| format!("migrating the test database {name}"))?;
    Ok(TestDb { pool, url: database_url(&server_url, &name)?, name })
}

static NEXT: AtomicU64 = AtomicU64::new(0);
static SHARED: OnceCell<EmbeddedPg> = OnceCell::const_new();
static LEFTOVERS_DROPPED: OnceCell<()> = OnceCell::const_new();

/// The process-wide test cluster. Never dropped: when the test process exits, the server gets
/// its parent-death signal and stops; the next test process removes its temp dir.
async fn shared_cluster() -> anyhow::Result<&'static EmbeddedPg> {
    SHARED
        .get_or_try_init(|| async {
            let started = std::time::Instant::now();
            let pg = EmbeddedPg::start(EmbeddedOptions { data_dir: None, fast: true }).await?;
            tracing::info!(elapsed = ?started.elapsed(), url = pg.url(), "test cluster started");
            anyhow::Ok(pg)
        })
        .await
}

/// CREATE DATABASE, retried while template1 is busy (someone connected to it on a shared server).
async fn create_database(admin: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    let statement = format!("CREATE DATABASE \"{name}\"");
    let mut attempt = 0;
    loop {
        match sqlx::query(&statement).execute(&mut *admin).await {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55006") && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            Err(e) => return Err(e).with_context(|| format!("creating the test database {name}")),
        }
    }
}

/// Drops `propdesk_test_<pid>_…` databases whose process is gone, once per process, best effort.
///
/// Only on a server on this machine (or the embedded one): pids mean nothing on a server that
/// test runs on other machines share, and dropping their databases would break their tests.
async fn drop_leftovers_once(admin: &mut PgConnection) {
    LEFTOVERS_DROPPED
        .get_or_init(|| async {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                    .bind(PREFIX)
                    .fetch_all(&mut *admin)
                    .await
                    .unwrap_or_default();
            for name in names {
                let pid = name
                    .strip_prefix(PREFIX)
                    .and_then(|rest| rest.split('_').next())
                    .and_then(|pid| pid.parse::<i32>().ok());
                let Some(pid) = pid else { continue };
                if pid as u32 == std::process::id() || process_alive(pid) {
                    continue;
                }
                let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                match sqlx::query(&drop).execute(&mut *admin).await {
                    Ok(_) => tracing::debug!(%name, "dropped a leftover test database"),
                    Err(e) => tracing::debug!(%name, error = %e, "could not drop a leftover test database"),
                }
            }
        })
        .await;
}

fn is_local(server: &TestServer, options: &PgConnectOptions) -> bool {
    if *server == TestServer::Embedded {
        return true;
    }
    let host = options.get_host();
    host.starts_with('/') || matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]")
}

/// `server_url` with its database replaced by `name`.
fn database_url(server_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url =
        url::Url::parse(server_url).with_context(|| format!("parsing the test server URL {}", redact(server_url)))?;
    url.set_path(&format!("/{name}"));
    Ok(url.into())
}

/// A URL fit for an error message: no password.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.into()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

/// Seeds `count` verified owners for benchmarks in one statement each: users
/// `first_id..first_id + count` (Chinese locale), each the owner of their own unit in `community_id`
/// (building `B<n / 500>`, entrance 1, room `<n>`), bound as by the roster. Their Telegram accounts
/// are the caller's to register with the emulator.
pub async fn seed_owners(conn: &mut PgConnection, community_id: i64, first_id: i64, count: i64) -> sqlx::Result<()> {
    let ids = "SELECT n, $1::BIGINT + n AS telegram_id FROM generate_series(0, $2::BIGINT - 1) AS n";
    sqlx::query(&format!(
        "INSERT INTO users (telegram_id, first_name, locale, phone)
         SELECT telegram_id, '业主' || n, 'zh-CN', '+86139' || lpad(n::TEXT, 8, '0') FROM ({ids}) s"
    ))
    .bind(first_id)
    .bind(count)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO units (community_id, building, entrance, room)
         SELECT $3, 'B' || (n / 500), '1', (10000 + n)::TEXT FROM ({ids}) s"
    ))
    .bind(first_id)
    .bind(count)
    .bind(community_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO unit_residents (telegram_id, unit_id, name, relation, verified_by)
         SELECT s.telegram_id, u.id, '业主' || s.n, 'owner', 'roster'
         FROM ({ids}) s JOIN units u
           ON u.community_id = $3 AND u.building = 'B' || (s.n / 500) AND u.entrance = '1'
          AND u.room = (10000 + s.n)::TEXT"
    ))
    .bind(first_id)
    .bind(count)
    .bind(community_id)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_replaces_the_path_and_keeps_the_rest() {
        let url =
            database_url("postgres://app:secret@db.internal:6432/postgres?sslmode=require", "propdesk_test_1_2_ab")
                .unwrap();
        assert_eq!(url, "postgres://app:secret@db.internal:6432/propdesk_test_1_2_ab?sslmode=require");
    }

    #[test]
    fn passwords_never_reach_error_messages() {
        let shown = redact("postgres://app:secret@db.internal/postgres");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn only_servers_on_this_machine_get_their_leftovers_dropped() {
        let local = TestServer::Url("postgres://postgres@127.0.0.1:5432/postgres".into());
        let remote = TestServer::Url("postgres://postgres@ci-db.example:5432/postgres".into());
        let opts = |s: &TestServer| match s {
            TestServer::Url(u) => PgConnectOptions::from_str(u).unwrap(),
            TestServer::Embedded => unreachable!(),
        };
        assert!(is_local(&local, &opts(&local)));
        assert!(!is_local(&remote, &opts(&remote)));
    }
}
