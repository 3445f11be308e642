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
    /// One photo with the text as its caption and the buttons under it (a
    /// notice), rather than the photos followed by a text message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub caption: bool,
}

impl Outgoing {
    pub fn new(text: Text) -> Self {
        Outgoing { text, markup: Markup::None, photos: Vec::new(), caption: false }
    }

    pub fn with(text: Text, markup: Markup) -> Self {
        Outgoing { text, markup, photos: Vec::new(), caption: false }
    }

    pub fn with_photos(mut self, photos: Vec<String>) -> Self {
        self.photos = photos;
        self
    }

    /// The text becomes the caption of this one photo.
    pub fn captioning(mut self, photo: String) -> Self {
        self.photos = vec![photo];
        self.caption = true;
        self
    }
}

/// What an outbox row asks the sender to do: its payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Delivery {
    /// Replace the text and buttons of the message outbox row `edit_of`
    /// sent to the same chat (buttons not given are taken off).
    Edit { edit_of: i64, message: Outgoing },
    /// Replace the text and buttons of the chat's message `message_id` (a
    /// direct reply editing the message a button was pressed on).
    EditMessage { message_id: i32, message: Outgoing },
    /// Replace the buttons of the chat's message `buttons_of`; `Markup::None`
    /// takes them off.
    SetButtons { buttons_of: i32, markup: Markup },
    /// A new message. Every row written before edits existed has this shape:
    /// a plain [`Outgoing`].
    Send(Outgoing),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_payload_reads_as_a_send_and_an_edit_as_an_edit() {
        let message = Outgoing::new(Text::new("case-already-taken"));
        let plain = serde_json::to_value(&message).unwrap();
        assert_eq!(serde_json::from_value::<Delivery>(plain).unwrap(), Delivery::Send(message.clone()));
        let edit = Delivery::Edit { edit_of: 42, message };
        let value = serde_json::to_value(&edit).unwrap();
        assert_eq!(value["edit_of"], 42);
        assert_eq!(serde_json::from_value::<Delivery>(value).unwrap(), edit);
    }

    #[test]
    fn every_kind_of_delivery_reads_back_as_itself() {
        let message = Outgoing::with(Text::new("ticket-card"), Markup::Menu(Menu::Owner));
        for delivery in [
            Delivery::Send(message.clone()),
            Delivery::Edit { edit_of: 7, message: message.clone() },
            Delivery::EditMessage { message_id: 8, message },
            Delivery::SetButtons { buttons_of: 9, markup: Markup::None },
            Delivery::SetButtons { buttons_of: 9, markup: Markup::Inline(vec![]) },
        ] {
            let value = serde_json::to_value(&delivery).unwrap();
            assert_eq!(serde_json::from_value::<Delivery>(value).unwrap(), delivery);
        }
    }
}
