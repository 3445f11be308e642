//! Requests to bind to a unit whose phone is not on the roster.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::Relation;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VerificationRow {
    pub id: i64,
    pub telegram_id: i64,
    pub unit_id: i64,
    pub name: String,
    pub phone: String,
    pub relation: String,
    pub status: String,
    pub decided_by: Option<i64>,
}

impl VerificationRow {
    pub fn relation(&self) -> Relation {
        Relation::parse_code(&self.relation).unwrap_or(Relation::Owner)
    }
}

const COLUMNS: &str = "id, telegram_id, unit_id, name, phone, relation, status, decided_by";

pub struct NewRequest<'a> {
    pub telegram_id: i64,
    pub unit_id: i64,
    pub name: &'a str,
    pub phone: &'a str,
    pub relation: Relation,
}

/// Files a request, replacing the person's earlier pending one (they may
/// have typed the wrong room the first time).
pub async fn file(conn: &mut PgConnection, new: NewRequest<'_>) -> sqlx::Result<i64> {
    sqlx::query("DELETE FROM verification_requests WHERE telegram_id = $1 AND status = 'pending'")
        .bind(new.telegram_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO verification_requests (telegram_id, unit_id, name, phone, relation)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(new.telegram_id)
    .bind(new.unit_id)
    .bind(new.name)
    .bind(new.phone)
    .bind(new.relation.as_str())
    .fetch_one(conn)
    .await
}

pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<VerificationRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM verification_requests WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn pending_of(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<Option<VerificationRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM verification_requests WHERE telegram_id = $1 AND status = 'pending'"
    ))
    .bind(telegram_id)
    .fetch_optional(conn)
    .await
}

pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    approve: bool,
    decided_by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE verification_requests SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1")
        .bind(id)
        .bind(if approve { "approved" } else { "rejected" })
        .bind(decided_by)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
