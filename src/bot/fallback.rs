//! Answers for input a step did not expect, shared by every flow.

use crate::bot::Cx;
use crate::domain::{Markup, Menu, Outgoing};
use crate::i18n::Text;
use crate::services::people::Actor;

/// The keyboard someone should have when nothing is in progress.
pub fn home_markup(actor: &Actor) -> Markup {
    if actor.staff.as_ref().is_some_and(|s| s.is_supervisor) {
        Markup::Menu(Menu::Supervisor)
    } else if actor.is_staff() {
        Markup::Menu(Menu::Staff)
    } else if actor.is_owner() {
        Markup::Menu(Menu::Owner)
    } else if actor.is_admin {
        Markup::Menu(Menu::Admin)
    } else {
        Markup::None
    }
}

/// Replies with `text` and puts the person's home keyboard back.
pub fn say_with_home(cx: &Cx, text: Text) {
    cx.reply(Outgoing::with(text, home_markup(&cx.actor())));
}

/// A press on a button whose moment has passed, or whose data was forged.
pub fn button_expired(cx: &Cx, query_id: &str) {
    cx.answer(query_id, Some(Text::new("error-button-expired")), true);
}

/// The actor may not do what the button asks.
pub fn not_allowed(cx: &Cx, query_id: &str) {
    cx.answer(query_id, Some(Text::new("error-not-allowed")), true);
}

/// How many characters a typed answer (a name, a room) may have.
pub const SHORT_ANSWER_MAX: usize = 40;

/// The trimmed text of a short typed answer, or the message that explains
/// why this input will not do (a sticker, a photo, a wall of text).
pub fn short_text(msg: &teloxide::types::Message) -> Result<String, Text> {
    match msg.text().map(str::trim) {
        None => Err(Text::new("error-text-expected")),
        Some("") => Err(Text::new("error-text-expected")),
        Some(t) if t.chars().count() > SHORT_ANSWER_MAX => {
            Err(Text::new("error-too-long").arg("max", SHORT_ANSWER_MAX))
        }
        Some(t) => Ok(t.to_owned()),
    }
}
