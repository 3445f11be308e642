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

/// The codes for `list` of user `telegram_id`'s community
/// (`tickets::community_of_user`), in one round trip; empty when it has not
/// chosen (all).
pub async fn chosen_for_user(conn: &mut PgConnection, telegram_id: i64, list: &str) -> sqlx::Result<Vec<String>> {
    let community = crate::store::tickets::COMMUNITY_OF_USER;
    sqlx::query_scalar(&format!(
        "SELECT code FROM community_options WHERE community_id = {community} AND list = $2 ORDER BY sort"
    ))
    .bind(telegram_id)
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
