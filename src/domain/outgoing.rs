//! A message the bot will send, described without Telegram types so that
//! services can put it in the outbox. `bot::render` turns it into a request.

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    pub text: Text,
    #[serde(default)]
    pub markup: Markup,
    /// Telegram file ids of photos sent just before the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
}

impl Outgoing {
    pub fn new(text: Text) -> Self {
        Outgoing { text, markup: Markup::None, photos: Vec::new() }
    }

    pub fn with(text: Text, markup: Markup) -> Self {
        Outgoing { text, markup, photos: Vec::new() }
    }

    pub fn with_photos(mut self, photos: Vec<String>) -> Self {
        self.photos = photos;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Markup {
    /// Leave whatever keyboard the chat has.
    #[default]
    None,
    /// Buttons under the message; each row a Vec.
    Inline(Vec<Vec<Button>>),
    /// A reply keyboard: one of the menus.
    Menu(Menu),
    /// A reply keyboard with one button that shares the user's own phone contact.
    RequestContact,
    /// Take the reply keyboard away.
    RemoveKeyboard,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub label: Text,
    /// Encoded [`super::CallbackData`].
    pub data: String,
}

impl Button {
    pub fn new(label: Text, data: super::CallbackData) -> Self {
        Button { label, data: data.encode() }
    }
}

/// The reply-keyboard menus people see once they are recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Menu {
    Owner,
    Staff,
    /// A staff member who supervises: their tasks and the team's queue.
    Supervisor,
    Admin,
}
