//! The operators' HTTP endpoints, served by `propdesk run` in both modes on
//! one address (`--listen` / WEBHOOK_LISTEN; by default 127.0.0.1:8443 with
//! long polling and 0.0.0.0:8443 with a webhook, see `config`), beside the
//! webhook route when there is one:
//!
//! - `/healthz`: 200 while the process runs; touches no database.
//! - `/readyz`: 200 when PostgreSQL answers and every migration the binary
//!   carries is applied; 503 with a one-line reason otherwise.
//! - `/metrics`: Prometheus text format (see `metrics`).
//!
//! Nobody needs to be trusted for the bot to keep answering: the endpoints
//! are unauthenticated, and a flood of probes must not delay updates or the
//! sender. So what they ask PostgreSQL goes
//!
//! - through a pool of its own with ONE connection (never the pool that
//!   stores updates and feeds the sender), whose statements PostgreSQL
//!   itself cancels after [`DB_TIMEOUT`];
//! - at most once per [`FRESH_FOR`] per question (readiness, the outbox
//!   depth): the answer is shared by every probe in that second, and probes
//!   that come while it is being asked wait for it instead of asking again.
//!
//! So any number of probes costs at most one connection and two queries a
//! second. `propdesk_probe_queries_total` counts the queries.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::clock::SharedClock;
use crate::metrics::Metrics;
use crate::store;
use crate::store::outbox::Priority;

/// How long a readiness or metrics query may take before the database
/// counts as unreachable (PostgreSQL cancels it then: `statement_timeout`).
const DB_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one answer from the database serves every probe.
pub const FRESH_FOR: chrono::Duration = chrono::Duration::seconds(1);
/// The `application_name` of the endpoints' connection (in `pg_stat_activity`).
pub const APPLICATION_NAME: &str = "propdesk-ops";

#[derive(Clone)]
struct Ops {
    /// The app's pool: only asked whether it is closed (the app is stopping).
    app_pool: PgPool,
    probes: Arc<Probes>,
    metrics: Arc<Metrics>,
}

/// The endpoints' own connection and the answers it got lately.
struct Probes {
    pool: PgPool,
    clock: SharedClock,
    readiness: Latest<(StatusCode, String)>,
    outbox_depth: Latest<()>,
}

/// The latest answer to one question and when it was had. The lock is held
/// while the question is asked, so probes that come meanwhile wait for that
/// answer rather than ask again.
struct Latest<T>(tokio::sync::Mutex<Option<(DateTime<Utc>, T)>>);

impl<T: Clone> Latest<T> {
    fn new() -> Self {
        Latest(tokio::sync::Mutex::new(None))
    }

    async fn get(&self, clock: &SharedClock, ask: impl Future<Output = T>) -> T {
        let mut latest = self.0.lock().await;
        let now = clock.now();
        if let Some((at, answer)) = &*latest
            && *at <= now
            && now - *at < FRESH_FOR
        {
            return answer.clone();
        }
        let answer = ask.await;
        *latest = Some((clock.now(), answer.clone()));
        answer
    }
}

/// The endpoints, with a one-connection pool of their own to `pool`'s
/// database (opened on the first probe that needs it).
pub fn router(pool: PgPool, clock: SharedClock, metrics: Arc<Metrics>) -> Router {
    let timeout_ms = DB_TIMEOUT.as_millis().to_string();
    let options = (*pool.connect_options())
        .clone()
        .application_name(APPLICATION_NAME)
        .options([("statement_timeout", timeout_ms.as_str()), ("lock_timeout", timeout_ms.as_str())]);
    let own = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(DB_TIMEOUT)
        .connect_lazy_with(options);
    let probes = Arc::new(Probes { pool: own, clock, readiness: Latest::new(), outbox_depth: Latest::new() });
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(Ops { app_pool: pool, probes, metrics })
}

async fn ready(State(ops): State<Ops>) -> (StatusCode, String) {
    if ops.app_pool.is_closed() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable: the app's pool is closed\n".into());
    }
    let probes = &ops.probes;
    probes
        .readiness
        .get(&probes.clock, async {
            ops.metrics.probe_queries.with_label_values(&["readyz"]).inc();
            // A little beyond the server's own statement_timeout: connecting counts too.
            let asked = tokio::time::timeout(DB_TIMEOUT * 2, store::missing_migrations(&probes.pool)).await;
            match asked {
                Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database: no answer in time\n".into()),
                // query_canceled (statement_timeout), lock_not_available (lock_timeout)
                Ok(Err(sqlx::Error::Database(e))) if matches!(e.code().as_deref(), Some("57014" | "55P03")) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "database: no answer in time\n".into())
                }
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "readiness: the database does not answer");
                    (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n".into())
                }
                Ok(Ok(missing)) if !missing.is_empty() => {
                    let list: Vec<String> = missing.iter().map(i64::to_string).collect();
                    (StatusCode::SERVICE_UNAVAILABLE, format!("migrations not applied: {}\n", list.join(", ")))
                }
                Ok(Ok(_)) => (StatusCode::OK, "ready\n".into()),
            }
        })
        .await
}

async fn metrics_text(State(ops): State<Ops>) -> impl IntoResponse {
    let probes = &ops.probes;
    // The outbox depth: one cheap grouped count, at most once a second.
    probes
        .outbox_depth
        .get(&probes.clock, async {
            ops.metrics.probe_queries.with_label_values(&["metrics"]).inc();
            let asked = tokio::time::timeout(DB_TIMEOUT * 2, store::outbox::pending_by_priority(&probes.pool)).await;
            match asked {
                Ok(Ok(rows)) => {
                    let gauge = &ops.metrics.outbox_pending;
                    gauge.with_label_values(&["notification"]).set(0);
                    gauge.with_label_values(&["broadcast"]).set(0);
                    for (priority, count) in rows {
                        let label = if priority < Priority::Broadcast as i16 { "notification" } else { "broadcast" };
                        gauge.with_label_values(&[label]).add(count);
                    }
                }
                Ok(Err(err)) => tracing::warn!(error = %err, "metrics: reading the outbox depth failed"),
                Err(_) => tracing::warn!("metrics: reading the outbox depth timed out"),
            }
        })
        .await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], ops.metrics.render())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn one_answer_serves_every_probe_for_a_second() {
        let clock = ManualClock::new(Utc::now());
        let shared: SharedClock = Arc::new(clock.clone());
        let latest = Latest::new();
        let asked = AtomicUsize::new(0);
        let ask = || async { asked.fetch_add(1, Ordering::SeqCst) + 1 };
        for _ in 0..100 {
            assert_eq!(latest.get(&shared, ask()).await, 1);
        }
        clock.advance(chrono::Duration::milliseconds(999));
        assert_eq!(latest.get(&shared, ask()).await, 1, "still fresh");
        clock.advance(chrono::Duration::milliseconds(1));
        assert_eq!(latest.get(&shared, ask()).await, 2, "asked again a second later");
    }

    #[tokio::test]
    async fn probes_that_come_while_the_database_is_asked_wait_for_that_answer() {
        let shared: SharedClock = Arc::new(ManualClock::new(Utc::now()));
        let latest = Arc::new(Latest::new());
        let asked = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        let probes: Vec<_> = (0..50)
            .map(|_| {
                let (latest, shared, asked, mut gate) = (latest.clone(), shared.clone(), asked.clone(), gate.clone());
                tokio::spawn(async move {
                    latest
                        .get(&shared, async move {
                            let _ = gate.wait_for(|open| *open).await;
                            asked.fetch_add(1, Ordering::SeqCst) + 1
                        })
                        .await
                })
            })
            .collect();
        tokio::task::yield_now().await;
        release.send(true).unwrap();
        for probe in probes {
            assert_eq!(probe.await.unwrap(), 1);
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1, "fifty probes, one question");
    }
}
