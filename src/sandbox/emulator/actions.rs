//! What users do: each action stores the user's message in their chat and queues the update Telegram
//! would send the bot.

use serde_json::{Map, Value, json};

use super::json;
use super::state::{PendingQuery, State, blank_view, now_unix};
use super::types::{EmuError, KeyboardButtonView};

/// Where "send my location" from a reply button puts the user (the company's home city).
const DEFAULT_LOCATION: (f64, f64) = (31.2304, 121.4737);

fn one(key: &str, value: Value) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert(key.into(), value);
    o
}

impl State {
    pub(crate) fn user_text(&mut self, user_id: i64, text: &str) -> i32 {
        let mut view = blank_view("text");
        view.text = Some(text.to_owned());
        self.user_message(user_id, json::text_content(text), view)
    }

    pub(crate) fn user_contact(
        &mut self,
        user_id: i64,
        phone: &str,
        first_name: &str,
        contact_user_id: Option<i64>,
    ) -> i32 {
        let mut view = blank_view("contact");
        view.contact_phone = Some(phone.to_owned());
        self.user_message(user_id, one("contact", json::contact(phone, first_name, contact_user_id)), view)
    }

    pub(crate) fn user_own_contact(&mut self, user_id: i64) -> i32 {
        let user = self.user_or_placeholder(user_id);
        self.user_contact(user_id, &user.phone_or_default(), &user.first_name, Some(user_id))
    }

    pub(crate) fn user_photo(
        &mut self,
        user_id: i64,
        bytes: Vec<u8>,
        caption: Option<&str>,
        media_group_id: Option<&str>,
    ) -> i32 {
        let (sizes, largest) = self.store_photo(bytes);
        let mut content = one("photo", sizes);
        let mut view = blank_view("photo");
        view.photo_file_id = Some(largest);
        if let Some(c) = caption.filter(|c| !c.is_empty()) {
            content.insert("caption".into(), json!(c));
            view.caption = Some(c.to_owned());
        }
        if let Some(group) = media_group_id {
            content.insert("media_group_id".into(), json!(group));
            view.media_group_id = Some(group.to_owned());
        }
        self.user_message(user_id, content, view)
    }

    pub(crate) fn user_album(&mut self, user_id: i64, photos: Vec<Vec<u8>>) -> Vec<i32> {
        let group = format!("{}", 13_100_000_000_000_000u64 + self.next_counter());
        photos.into_iter().map(|bytes| self.user_photo(user_id, bytes, None, Some(&group))).collect()
    }

    pub(crate) fn user_location(&mut self, user_id: i64, latitude: f64, longitude: f64) -> i32 {
        let mut view = blank_view("location");
        view.latitude = Some(latitude);
        view.longitude = Some(longitude);
        self.user_message(user_id, one("location", json::location(latitude, longitude)), view)
    }

    pub(crate) fn user_sticker(&mut self, user_id: i64) -> i32 {
        let (id, unique) = self.store_file(Vec::new(), "stickers", "webp", "image/webp");
        self.user_message(user_id, one("sticker", json::sticker(&id, &unique)), blank_view("sticker"))
    }

    pub(crate) fn user_voice(&mut self, user_id: i64) -> i32 {
        let (id, unique) = self.store_file(Vec::new(), "voice", "oga", "audio/ogg");
        self.user_message(user_id, one("voice", json::voice(&id, &unique, 0)), blank_view("voice"))
    }

    pub(crate) fn user_document(&mut self, user_id: i64, file_name: &str, bytes: Vec<u8>) -> i32 {
        let mime = mime_for(file_name);
        let ext = file_name.rsplit_once('.').map_or("bin", |(_, e)| e).to_owned();
        let size = bytes.len();
        let (id, unique) = self.store_file(bytes, "documents", &ext, mime);
        let mut view = blank_view("document");
        view.file_name = Some(file_name.to_owned());
        let document = json::document(&id, &unique, size, file_name, mime);
        self.user_message(user_id, one("document", document), view)
    }

    /// A press on an inline button. The data is taken as given, so a test can forge one.
    pub(crate) fn user_press_inline(&mut self, user_id: i64, message_id: i32, data: &str) -> String {
        let user = self.user_or_placeholder(user_id);
        let message = match self.find_message(user_id, message_id) {
            Some(m) if m.view.from_bot => Value::Object(m.json.clone()),
            _ => json::inaccessible_message(message_id, json::private_chat(&user)),
        };
        let id = format!("{}", 4_700_000_000_000_000_000u64 + self.next_counter());
        self.queries.insert(id.clone(), PendingQuery { user_id, answered: false });
        self.started.insert(user_id);
        self.queue_update("callback_query", json::callback_query(&id, &user, message, data));
        id
    }

    /// A press on the chat's current reply keyboard: a contact button shares the user's own contact, a
    /// location button a location, any other sends its label. A one-time keyboard hides afterwards.
    pub(crate) fn user_press_reply(&mut self, user_id: i64, label: &str) -> Result<i32, EmuError> {
        let keyboard = self.chats.get(&user_id).and_then(|c| c.reply_keyboard.clone());
        let (rows, one_time) = keyboard.unwrap_or_default();
        let button: Option<KeyboardButtonView> = rows.iter().flatten().find(|b| b.text == label).cloned();
        let Some(button) = button else {
            return Err(EmuError::NoSuchButton {
                chat_id: user_id,
                label: label.to_owned(),
                available: rows.iter().flatten().map(|b| b.text.clone()).collect(),
            });
        };
        if one_time {
            self.chat(user_id).reply_keyboard = None;
        }
        Ok(if button.request_contact {
            self.user_own_contact(user_id)
        } else if button.request_location {
            self.user_location(user_id, DEFAULT_LOCATION.0, DEFAULT_LOCATION.1)
        } else {
            self.user_text(user_id, label)
        })
    }

    /// The user blocks or unblocks the bot; Telegram tells the bot with a `my_chat_member` update.
    pub(crate) fn user_set_blocked(&mut self, user_id: i64, blocked: bool) {
        let user = self.user_or_placeholder(user_id);
        let changed = if blocked { self.blocked.insert(user_id) } else { self.blocked.remove(&user_id) };
        if !changed {
            return;
        }
        if !blocked {
            self.started.insert(user_id);
        }
        let update = json::my_chat_member(&user, self.bot_user_json(), now_unix(), blocked);
        self.queue_update("my_chat_member", update);
    }
}

fn mime_for(file_name: &str) -> &'static str {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_time_keyboard_hides_after_a_press() {
        let mut s = State::new(1, "b");
        let button = KeyboardButtonView { text: "Yes".into(), request_contact: false, request_location: false };
        s.chat(5).reply_keyboard = Some((vec![vec![button]], true));
        s.user_press_reply(5, "Yes").unwrap();
        assert!(s.chats[&5].reply_keyboard.is_none());
        assert!(matches!(s.user_press_reply(5, "Yes"), Err(EmuError::NoSuchButton { .. })));
    }

    #[test]
    fn blocking_twice_queues_one_update() {
        let mut s = State::new(1, "b");
        s.user_set_blocked(5, true);
        s.user_set_blocked(5, true);
        assert_eq!(s.pending.len(), 1);
    }
}
