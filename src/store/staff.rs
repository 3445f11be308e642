//! Staff members.

use sqlx::PgConnection;

use crate::domain::Trade;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub telegram_id: i64,
    pub name: String,
    pub trade: String,
    pub is_supervisor: bool,
    pub active: bool,
}

impl StaffRow {
    pub fn trade(&self) -> Option<Trade> {
        Trade::parse(&self.trade)
    }
}

const COLUMNS: &str = "telegram_id, name, trade, is_supervisor, active";

pub async fn get(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<Option<StaffRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff WHERE telegram_id = $1"))
        .bind(telegram_id)
        .fetch_optional(conn)
        .await
}

/// Adds a staff member, or brings a deactivated one back with the new role.
pub async fn enlist(
    conn: &mut PgConnection,
    telegram_id: i64,
    name: &str,
    trade: Trade,
    is_supervisor: bool,
    invited_by: Option<i64>,
) -> sqlx::Result<StaffRow> {
    sqlx::query_as(&format!(
        "INSERT INTO staff (telegram_id, name, trade, is_supervisor, invited_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (telegram_id) DO UPDATE SET
             name = EXCLUDED.name, trade = EXCLUDED.trade, is_supervisor = EXCLUDED.is_supervisor,
             invited_by = EXCLUDED.invited_by, active = TRUE, joined_at = now(), deactivated_at = NULL
         RETURNING {COLUMNS}"
    ))
    .bind(telegram_id)
    .bind(name)
    .bind(trade.as_str())
    .bind(is_supervisor)
    .bind(invited_by)
    .fetch_one(conn)
    .await
}

/// Active staff first, then by trade and name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<StaffRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff ORDER BY active DESC, trade, name, telegram_id"))
        .fetch_all(conn)
        .await
}

/// Returns whether an active member was deactivated.
pub async fn deactivate(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE staff SET active = FALSE, deactivated_at = now() WHERE telegram_id = $1 AND active")
        .bind(telegram_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Who receives owners' verification requests: active customer-service
/// staff, supervisors among them (`Actor::can_verify_owners`; admins decide
/// too, and receive them when there is nobody here).
pub async fn verifiers(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT telegram_id FROM staff
         WHERE active AND trade = 'customer_service'
         ORDER BY telegram_id",
    )
    .fetch_all(conn)
    .await
}
