//! Communities (小区).

use sqlx::PgConnection;

/// Every community as (id, name), oldest first.
pub async fn all(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, name FROM communities ORDER BY id").fetch_all(conn).await
}
