//! What all button presses share.

use teloxide::types::CallbackQuery;

use crate::bot::{Cx, HandlerResult, fallback};

/// The id of the message the pressed button was on, if Telegram still has it.
pub fn message_id(q: &CallbackQuery) -> Option<i32> {
    q.regular_message().map(|m| m.id.0)
}

/// Takes the buttons off the message once its choice is made, so it cannot
/// be pressed again.
pub fn close_buttons(cx: &Cx, q: &CallbackQuery) {
    if let Some(id) = message_id(q) {
        cx.clear_buttons(id);
    }
}

/// Data we cannot read: an old button from an earlier version, or forged.
pub async fn unreadable(cx: Cx, q: CallbackQuery) -> HandlerResult {
    fallback::button_expired(&cx, &q.id.0);
    Ok(())
}
