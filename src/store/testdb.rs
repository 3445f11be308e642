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
    let server_options = crate::store::without_statement_logs(
        PgConnectOptions::from_str(&server_url)
            .with_context(|| format!("parsing the test server URL {}", redact(&server_url)))?,
    );
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
            tracing::info!(elapsed = ?started.elapsed(), socket_dir = %pg.socket_dir().display(), "test cluster started");
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

/// Seeds `per_trade` active staff in each trade that takes tickets (plumbing, electrical, general
/// repair, customer service), users `first_id..`, none a supervisor, for benchmarks. Their
/// Telegram accounts are the caller's to register with the emulator.
pub async fn seed_staff(conn: &mut PgConnection, first_id: i64, per_trade: i64) -> sqlx::Result<()> {
    let people = "SELECT $1::BIGINT + t.i * $2::BIGINT + n AS telegram_id, t.trade, t.name || (n + 1) AS name
         FROM (VALUES (0, 'plumbing', '水工'), (1, 'electrical', '电工'), (2, 'general_repair', '维修工'),
                      (3, 'customer_service', '客服')) AS t(i, trade, name),
              generate_series(0, $2::BIGINT - 1) AS n";
    sqlx::query(&format!(
        "INSERT INTO users (telegram_id, first_name, locale) SELECT telegram_id, name, 'zh-CN' FROM ({people}) p"
    ))
    .bind(first_id)
    .bind(per_trade)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO staff (telegram_id, name, trade) SELECT telegram_id, name, trade FROM ({people}) p"
    ))
    .bind(first_id)
    .bind(per_trade)
    .execute(conn)
    .await?;
    Ok(())
}

/// Seeds `count` tickets with their events for benchmarks, filed evenly over the `days` days
/// before `now` by the owners [`seed_owners`] made (`first_owner..first_owner + owners`, each
/// reporting about `count / owners`, for their own unit), and handled by the staff there are
/// (see [`seed_staff`]). Most are repairs (90%; the rest complaints, suggestions and praise),
/// most repairs routine (75%; 20% urgent, 5% emergency).
///
/// Everything filed more than three days ago is settled: closed (3% of repairs cancelled), 60%
/// of the closed rated (mostly 4 and 5 stars), about one in five visits and some fixes late.
/// The last three days hold the open work, each at a step of its life (assigned, accepted, on
/// the way, in progress, on hold, done), with the times of the steps it took. The data is
/// as the scheduler would have left it: every deadline already passed is marked escalated,
/// every reminder due sent, so starting the bot on it does not set off a burst of
/// notifications. Numbers are per day (`BX-20261127-0042`) in `tz`, with `ticket_counters` to
/// match, so new tickets continue the sequence.
#[allow(clippy::too_many_arguments)]
pub async fn seed_tickets(
    conn: &mut PgConnection,
    community_id: i64,
    first_owner: i64,
    owners: i64,
    count: i64,
    days: i64,
    now: chrono::DateTime<chrono::Utc>,
    tz: &str,
) -> sqlx::Result<()> {
    if count == 0 || owners == 0 {
        return Ok(());
    }
    sqlx::query(SEED_TICKETS)
        .bind(community_id)
        .bind(first_owner)
        .bind(owners)
        .bind(count)
        .bind(now)
        .bind(days as f64)
        .bind(tz)
        .execute(&mut *conn)
        .await?;
    sqlx::query(SEED_TICKET_EVENTS).bind(community_id).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO ticket_counters (community_id, day, last)
         SELECT $1, split_part(number, '-', 2)::date, max(split_part(number, '-', 3)::int)
         FROM tickets WHERE community_id = $1 GROUP BY 2
         ON CONFLICT (community_id, day) DO UPDATE SET last = GREATEST(ticket_counters.last, EXCLUDED.last)",
    )
    .bind(community_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The tickets of [`seed_tickets`]: $1 community, $2 first owner, $3 owners, $4 tickets, $5 now,
/// $6 days, $7 time zone. The `d_*` columns are cheap deterministic dice (n times a prime, modulo).
const SEED_TICKETS: &str = "
WITH staff_ids AS (
    SELECT array_agg(telegram_id ORDER BY telegram_id) FILTER (WHERE trade = 'plumbing') AS plumbing,
           array_agg(telegram_id ORDER BY telegram_id) FILTER (WHERE trade = 'electrical') AS electrical,
           array_agg(telegram_id ORDER BY telegram_id) FILTER (WHERE trade = 'general_repair') AS general_repair,
           array_agg(telegram_id ORDER BY telegram_id) FILTER (WHERE trade = 'customer_service') AS customer_service
    FROM staff WHERE active
),
owners AS (
    SELECT row_number() OVER (ORDER BY r.telegram_id) - 1 AS i, r.telegram_id, r.unit_id
    FROM unit_residents r JOIN units u ON u.id = r.unit_id
    WHERE u.community_id = $1 AND r.telegram_id >= $2 AND r.telegram_id < $2 + $3
),
g AS (
    SELECT n,
        $5::timestamptz - ($4 - n) * ($6 * 86400.0 / $4) * interval '1 second' AS created_at,
        (n * 7919) % $3 AS owner_i,
        (n * 16807) % 100 AS d_kind,
        (n * 48271) % 100 AS d_urgency,
        (n * 69621) % 7 AS d_what,
        (n * 39373) % 100 AS d_status,
        (n * 65537) % 100 AS d_rated,
        (n * 2147483629) % 20 AS d_stars,
        ((n * 104729) % 1000) / 1000.0 AS x,
        ((n * 130363) % 1000) / 1000.0 AS y
    FROM generate_series(0, $4 - 1) AS n
),
k AS (
    SELECT g.*,
        CASE WHEN d_kind < 90 THEN 'repair' WHEN d_kind < 97 THEN 'complaint'
             WHEN d_kind < 99 THEN 'suggestion' ELSE 'praise' END AS kind,
        created_at > $5 - interval '3 days' AS recent,
        $5 - created_at AS age,
        (ARRAY['plumbing', 'electrical', 'doors_windows', 'lift', 'gas', 'common_facilities', 'other'])[1 + d_what]
            AS category,
        (ARRAY['noise', 'hygiene', 'security', 'staff', 'parking', 'fees', 'other'])[1 + d_what] AS subject
    FROM g
),
s AS (
    SELECT k.*,
        CASE WHEN kind <> 'repair' THEN 'routine' WHEN d_urgency < 5 THEN 'emergency'
             WHEN d_urgency < 25 THEN 'urgent' ELSE 'routine' END AS urgency,
        CASE
            WHEN NOT recent THEN CASE WHEN kind = 'repair' AND d_status < 3 THEN 'cancelled' ELSE 'closed' END
            WHEN kind <> 'repair' THEN CASE WHEN d_status < 50 THEN 'closed' WHEN d_status < 75 THEN 'accepted'
                                            ELSE 'done' END
            WHEN d_status < 30 THEN 'closed'
            WHEN d_status < 35 THEN 'cancelled'
            WHEN d_status < 45 THEN 'done'
            WHEN d_status < 60 THEN 'in_progress'
            WHEN d_status < 65 THEN 'on_hold'
            WHEN d_status < 80 THEN 'accepted'
            WHEN d_status < 85 THEN 'on_the_way'
            -- Not accepted yet only if filed lately: older ones would have timed out.
            WHEN created_at > $5 - interval '25 minutes' THEN 'assigned'
            ELSE 'accepted'
        END AS status
    FROM k
),
d AS (
    SELECT s.*,
        CASE urgency WHEN 'emergency' THEN interval '20 minutes' WHEN 'urgent' THEN interval '2 hours'
                     ELSE interval '12 hours' END AS onsite_len,
        CASE urgency WHEN 'emergency' THEN interval '12 hours' WHEN 'urgent' THEN interval '24 hours'
                     ELSE interval '72 hours' END AS resolve_len
    FROM s
),
-- Each step's moment: settled tickets by typical durations, recent ones spread over their age
-- (a step at a fraction of the time since filing), so nothing lies in the future.
m AS (
    SELECT d.*,
        CASE WHEN kind = 'repair' AND (status <> 'cancelled' OR d_rated < 50) THEN
            created_at + CASE WHEN recent THEN age * 0.02 ELSE interval '1 minute' END END AS assigned_at,
        CASE WHEN status IN ('accepted', 'on_the_way', 'in_progress', 'on_hold', 'done', 'closed') THEN
            created_at + CASE WHEN recent THEN age * 0.05 ELSE (2 + x * 20) * interval '1 minute' END END
            AS accepted_at,
        CASE WHEN kind = 'repair' AND status IN ('in_progress', 'on_hold', 'done', 'closed') THEN
            created_at + CASE WHEN recent THEN age * 0.2 ELSE onsite_len * (0.3 + 0.9 * x) END END AS onsite_at,
        CASE WHEN status = 'on_hold' THEN created_at + age * 0.4 END AS hold_since,
        CASE WHEN status IN ('done', 'closed') THEN created_at + CASE
            WHEN recent THEN age * 0.6
            WHEN kind = 'repair' THEN onsite_len * (0.3 + 0.9 * x) + resolve_len * (0.05 + 0.9 * y)
            ELSE interval '2 days' * (0.3 + y) END END AS done_at
    FROM d
),
c AS (
    SELECT m.*,
        CASE WHEN status = 'closed' THEN
                 CASE WHEN recent THEN created_at + age * 0.9 ELSE done_at + (1 + 47 * y) * interval '1 hour' END
             WHEN status = 'cancelled' THEN
                 created_at + CASE WHEN recent THEN age * 0.5 ELSE interval '30 minutes' END END AS closed_at,
        created_at + onsite_len AS onsite_due_at,
        created_at + resolve_len AS resolve_due_at,
        CASE WHEN kind = 'complaint' THEN created_at + interval '24 hours' END AS reply_due_at,
        CASE WHEN kind = 'complaint' THEN created_at + interval '7 days' END AS outcome_due_at
    FROM m
),
numbered AS (
    SELECT c.*,
        CASE kind WHEN 'repair' THEN 'BX' WHEN 'complaint' THEN 'TS' WHEN 'suggestion' THEN 'JY' ELSE 'BY' END
            || '-' || to_char(created_at AT TIME ZONE $7, 'YYYYMMDD') || '-'
            || lpad((row_number() OVER (PARTITION BY (created_at AT TIME ZONE $7)::date ORDER BY n))::text, 4, '0')
            AS number
    FROM c
)
INSERT INTO tickets (number, community_id, category, trade, unit_id, description, urgency, status, reporter_id,
    assignee_id, created_at, assigned_at, accept_due_at, accepted_at, first_accepted_at, onsite_due_at, onsite_at,
    resolve_due_at, hold_since, hold_reason, done_at, first_done_at, closed_at, reminder_sent_at,
    onsite_breached_at, resolve_breached_at, reopen_count, rating, kind, subject, first_reply_at, outcome,
    reply_due_at, outcome_due_at, reply_breached_at, outcome_breached_at, updated_at)
SELECT t.number, $1,
    CASE WHEN t.kind = 'repair' THEN t.category ELSE 'other' END,
    CASE WHEN t.kind <> 'repair' THEN 'customer_service'
         WHEN t.category IN ('plumbing', 'gas') THEN 'plumbing'
         WHEN t.category IN ('electrical', 'lift') THEN 'electrical'
         ELSE 'general_repair' END,
    o.unit_id,
    CASE WHEN t.kind = 'repair'
         THEN (ARRAY['厨房水槽下面漏水', '客厅灯不亮了', '入户门锁坏了', '电梯按钮失灵', '燃气灶打不着火',
                     '楼道灯不亮', '阳台晾衣架坏了'])[1 + t.d_what]
         ELSE (ARRAY['楼上装修噪音太大', '垃圾没有及时清运', '单元门禁坏了', '保安态度不好', '车位被占用',
                     '物业费账单有误', '快递柜不够用'])[1 + t.d_what] END,
    t.urgency, t.status, o.telegram_id,
    CASE WHEN t.kind = 'repair' AND t.assigned_at IS NOT NULL THEN
             CASE WHEN t.category IN ('plumbing', 'gas') THEN a.plumbing[1 + t.n % cardinality(a.plumbing)]
                  WHEN t.category IN ('electrical', 'lift') THEN a.electrical[1 + t.n % cardinality(a.electrical)]
                  ELSE a.general_repair[1 + t.n % cardinality(a.general_repair)] END
         WHEN t.kind <> 'repair' AND t.accepted_at IS NOT NULL THEN
             a.customer_service[1 + t.n % cardinality(a.customer_service)] END,
    t.created_at, t.assigned_at,
    CASE WHEN t.status = 'assigned' THEN
        t.created_at + CASE WHEN t.urgency = 'emergency' THEN interval '10 minutes' ELSE interval '30 minutes' END END,
    t.accepted_at, t.accepted_at, t.onsite_due_at, t.onsite_at, t.resolve_due_at,
    t.hold_since, CASE WHEN t.status = 'on_hold' THEN '等待配件' END,
    t.done_at, t.done_at, t.closed_at,
    CASE WHEN t.kind = 'repair' AND t.status IN ('assigned', 'accepted', 'on_the_way')
         THEN LEAST($5, t.onsite_due_at - interval '10 minutes') END,
    CASE WHEN t.kind = 'repair' AND COALESCE(t.onsite_at,
             CASE WHEN t.status IN ('assigned', 'accepted', 'on_the_way') THEN $5 END) > t.onsite_due_at
         THEN t.onsite_due_at END,
    CASE WHEN t.kind = 'repair' AND COALESCE(t.done_at,
             CASE WHEN t.status IN ('assigned', 'accepted', 'on_the_way', 'in_progress', 'on_hold') THEN $5 END)
             > t.resolve_due_at
         THEN t.resolve_due_at END,
    CASE WHEN t.kind = 'repair' AND t.done_at IS NOT NULL AND t.d_rated = 99 THEN 1 ELSE 0 END,
    CASE WHEN t.status = 'closed' AND t.d_rated < 60 THEN
        CASE WHEN t.d_stars < 10 THEN 5 WHEN t.d_stars < 16 THEN 4 WHEN t.d_stars < 18 THEN 3
             WHEN t.d_stars < 19 THEN 2 ELSE 1 END END,
    t.kind, CASE WHEN t.kind <> 'repair' THEN t.subject END,
    CASE WHEN t.kind <> 'repair' THEN t.accepted_at END,
    CASE WHEN t.kind <> 'repair' AND t.done_at IS NOT NULL THEN '已联系相关部门处理并回复业主' END,
    t.reply_due_at, t.outcome_due_at,
    CASE WHEN t.accepted_at > t.reply_due_at THEN t.reply_due_at END,
    CASE WHEN COALESCE(t.done_at, CASE WHEN t.status = 'accepted' THEN $5 END) > t.outcome_due_at
         THEN t.outcome_due_at END,
    COALESCE(t.closed_at, t.done_at, t.hold_since, t.onsite_at, t.accepted_at, t.assigned_at, t.created_at)
FROM numbered t
JOIN owners o ON o.i = t.owner_i
CROSS JOIN staff_ids a
ORDER BY t.n";

/// Each seeded ticket's timeline, from the moments its row holds: filed, then every step the
/// state machine took to its status (kinds and statuses as `services::tickets::change` writes them).
const SEED_TICKET_EVENTS: &str = "
INSERT INTO ticket_events (ticket_id, at, actor_id, kind, from_status, to_status, data)
SELECT t.id, e.at, e.actor_id, e.kind, e.from_status, e.to_status,
       CASE WHEN e.kind = 'created' THEN '{}'::jsonb ELSE jsonb_build_object('assignee', t.assignee_id) END
FROM tickets t
CROSS JOIN LATERAL (VALUES
    (t.created_at, t.reporter_id, 'created', NULL, NULL),
    (t.assigned_at, NULL, 'assign', 'queued', 'assigned'),
    (t.first_accepted_at, t.assignee_id,
        CASE WHEN t.kind = 'repair' THEN 'accept' ELSE 'take' END,
        CASE WHEN t.kind = 'repair' THEN 'assigned' ELSE 'queued' END, 'accepted'),
    (CASE WHEN t.status = 'on_the_way' THEN t.first_accepted_at + interval '1 second' END, t.assignee_id,
        'start_travel', 'accepted', 'on_the_way'),
    (t.onsite_at, t.assignee_id, 'arrive', 'accepted', 'in_progress'),
    (t.hold_since, t.assignee_id, 'hold', 'in_progress', 'on_hold'),
    (t.first_done_at, t.assignee_id,
        CASE WHEN t.kind = 'repair' THEN 'complete' ELSE 'conclude' END,
        CASE WHEN t.kind = 'repair' THEN 'in_progress' ELSE 'accepted' END, 'done'),
    (CASE WHEN t.status = 'closed' THEN t.closed_at END, t.reporter_id, 'confirm_fixed', 'done', 'closed'),
    (CASE WHEN t.status = 'cancelled' THEN t.closed_at END, t.reporter_id, 'cancel',
        CASE WHEN t.assigned_at IS NULL THEN 'queued' ELSE 'assigned' END, 'cancelled')
) AS e(at, actor_id, kind, from_status, to_status)
WHERE t.community_id = $1 AND e.at IS NOT NULL
ORDER BY t.id, e.at";

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
