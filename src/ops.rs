//! The operators' HTTP endpoints, served by `propdesk run` in both modes on
//! one address (`--listen` / WEBHOOK_LISTEN), beside the webhook route when
//! there is one:
//!
//! - `/healthz`: 200 while the process runs.
//! - `/readyz`: 200 when PostgreSQL answers and every migration the binary
//!   carries is applied; 503 with a one-line reason otherwise.
//! - `/metrics`: Prometheus text format (see `metrics`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use sqlx::PgPool;

use crate::metrics::Metrics;
use crate::store;
use crate::store::outbox::Priority;

/// How long a readiness or metrics query may take before the database
/// counts as unreachable.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct Ops {
    pool: PgPool,
    metrics: Arc<Metrics>,
}

pub fn router(pool: PgPool, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(Ops { pool, metrics })
}

async fn ready(State(ops): State<Ops>) -> (StatusCode, String) {
    match tokio::time::timeout(DB_TIMEOUT, store::missing_migrations(&ops.pool)).await {
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database: no answer in time\n".into()),
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
}

async fn metrics_text(State(ops): State<Ops>) -> impl IntoResponse {
    // The outbox depth is read on scrape: one cheap grouped count.
    match tokio::time::timeout(DB_TIMEOUT, store::outbox::pending_by_priority(&ops.pool)).await {
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
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], ops.metrics.render())
}
