//! The repair categories each community offers.

use sqlx::PgConnection;

/// The community's categories in order; empty when it has not chosen (all).
pub async fn chosen(conn: &mut PgConnection, community_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT category FROM community_categories WHERE community_id = $1 ORDER BY sort")
        .bind(community_id)
        .fetch_all(conn)
        .await
}

/// Replaces the community's choice.
pub async fn choose(conn: &mut PgConnection, community_id: i64, categories: &[&str]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM community_categories WHERE community_id = $1")
        .bind(community_id)
        .execute(&mut *conn)
        .await?;
    for (sort, category) in categories.iter().enumerate() {
        sqlx::query("INSERT INTO community_categories (community_id, category, sort) VALUES ($1, $2, $3)")
            .bind(community_id)
            .bind(category)
            .bind(sort as i32)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
