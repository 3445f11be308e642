//! Where each chat stands in a dialogue, as JSON the bot layer owns.

use serde_json::Value;
use sqlx::PgConnection;

// Loaded with the user at the start of each update: `store::users::record_arrival`.

pub async fn save(conn: &mut PgConnection, chat_id: i64, state: &Value) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO dialogues (chat_id, state) VALUES ($1, $2)
         ON CONFLICT (chat_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
    )
    .bind(chat_id)
    .bind(state)
    .execute(conn)
    .await?;
    Ok(())
}
