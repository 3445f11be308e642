//! The lists each community chooses from a fixed set (repair categories,
//! complaint subjects), in its own order.

use sqlx::PgConnection;

/// The community's codes for `list` in order; empty when it has not chosen (all).
pub async fn chosen(conn: &mut PgConnection, community_id: i64, list: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT code FROM community_options WHERE community_id = $1 AND list = $2 ORDER BY sort")
        .bind(community_id)
        .bind(list)
        .fetch_all(conn)
        .await
}

/// Replaces the community's choice for `list`.
pub async fn choose(conn: &mut PgConnection, community_id: i64, list: &str, codes: &[&str]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM community_options WHERE community_id = $1 AND list = $2")
        .bind(community_id)
        .bind(list)
        .execute(&mut *conn)
        .await?;
    for (sort, code) in codes.iter().enumerate() {
        sqlx::query("INSERT INTO community_options (community_id, list, code, sort) VALUES ($1, $2, $3, $4)")
            .bind(community_id)
            .bind(list)
            .bind(code)
            .bind(sort as i32)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
