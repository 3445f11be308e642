//! One-time staff invite codes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::Trade;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRow {
    pub code: String,
    pub trade: String,
    pub is_supervisor: bool,
    pub created_by: i64,
    pub expires_at: DateTime<Utc>,
    pub used_by: Option<i64>,
}

pub async fn create(
    conn: &mut PgConnection,
    code: &str,
    trade: Trade,
    is_supervisor: bool,
    created_by: i64,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO staff_invites (code, trade, is_supervisor, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code)
    .bind(trade.as_str())
    .bind(is_supervisor)
    .bind(created_by)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the invite so two people opening the same link cannot both use it.
pub async fn get_for_update(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<InviteRow>> {
    sqlx::query_as(
        "SELECT code, trade, is_supervisor, created_by, expires_at, used_by
         FROM staff_invites WHERE code = $1 FOR UPDATE",
    )
    .bind(code)
    .fetch_optional(conn)
    .await
}

pub async fn mark_used(conn: &mut PgConnection, code: &str, used_by: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE staff_invites SET used_by = $2, used_at = $3 WHERE code = $1")
        .bind(code)
        .bind(used_by)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
