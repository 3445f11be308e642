//! Where each chat stands in a dialogue, as JSON the bot layer owns.
//!
//! Read with the user at the start of each update (`begin_update`, migration
//! 12) and saved with the update's commit (`store::work`), so both ride on
//! round trips the unit of work makes anyway.

/// The statement that saves chat `chat_id`'s state: `state` is an SQL
/// expression of type jsonb (`store::work` writes it).
pub fn save_statement(chat_id: i64, state: &str) -> String {
    format!(
        "INSERT INTO dialogues (chat_id, state) VALUES ({chat_id}, {state})
         ON CONFLICT (chat_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()"
    )
}
