//! Builders for Bot API JSON objects, shaped exactly as Telegram sends them so that teloxide parses
//! every one into the right variant (see the tests at the bottom).

use serde_json::{Map, Value, json};

use super::types::{EmuUser, InlineButtonView, KeyboardButtonView};

pub(crate) fn user(u: &EmuUser) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(u.id));
    o.insert("is_bot".into(), json!(false));
    o.insert("first_name".into(), json!(u.first_name));
    insert_opt(&mut o, "last_name", &u.last_name);
    insert_opt(&mut o, "username", &u.username);
    insert_opt(&mut o, "language_code", &u.language_code);
    Value::Object(o)
}

pub(crate) fn bot_user(bot_id: i64, username: &str) -> Value {
    json!({ "id": bot_id, "is_bot": true, "first_name": display_name(username), "username": username })
}

/// `getMe`: teloxide's `Me` requires the capability flags and a username.
pub(crate) fn me(bot_id: i64, username: &str) -> Value {
    let mut me = bot_user(bot_id, username);
    let o = me.as_object_mut().expect("object");
    for flag in [
        "can_join_groups",
        "can_read_all_group_messages",
        "supports_inline_queries",
        "can_connect_to_business",
        "has_main_web_app",
    ] {
        o.insert(flag.into(), json!(false));
    }
    me
}

/// The private chat between the bot and this user.
pub(crate) fn private_chat(u: &EmuUser) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(u.id));
    o.insert("type".into(), json!("private"));
    o.insert("first_name".into(), json!(u.first_name));
    insert_opt(&mut o, "last_name", &u.last_name);
    insert_opt(&mut o, "username", &u.username);
    Value::Object(o)
}

/// `getChat`: a `ChatFullInfo`, which requires `accepted_gift_types` and `max_reaction_count`.
pub(crate) fn chat_full_info(u: &EmuUser) -> Value {
    let mut chat = private_chat(u);
    let o = chat.as_object_mut().expect("object");
    o.insert(
        "accepted_gift_types".into(),
        json!({ "unlimited_gifts": false, "limited_gifts": false, "unique_gifts": false, "premium_subscription": false }),
    );
    o.insert("max_reaction_count".into(), json!(11));
    chat
}

/// The fields every message has; the caller adds the content fields.
pub(crate) fn message_base(message_id: i32, date: i64, from: Value, chat: Value) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("message_id".into(), json!(message_id));
    o.insert("from".into(), from);
    o.insert("chat".into(), chat);
    o.insert("date".into(), json!(date));
    o
}

/// Text content; a leading `/command` gets a `bot_command` entity, as Telegram adds one.
pub(crate) fn text_content(text: &str) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("text".into(), json!(text));
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        let length = utf16_len(command);
        if length > 1 {
            o.insert("entities".into(), json!([{ "type": "bot_command", "offset": 0, "length": length }]));
        }
    }
    o
}

pub(crate) fn file_meta(file_id: &str, unique_id: &str, size: usize) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("file_id".into(), json!(file_id));
    o.insert("file_unique_id".into(), json!(unique_id));
    o.insert("file_size".into(), json!(size));
    o
}

pub(crate) fn photo_size(file_id: &str, unique_id: &str, size: usize, width: u32, height: u32) -> Value {
    let mut o = file_meta(file_id, unique_id, size);
    o.insert("width".into(), json!(width));
    o.insert("height".into(), json!(height));
    Value::Object(o)
}

pub(crate) fn sticker(file_id: &str, unique_id: &str) -> Value {
    let mut o = file_meta(file_id, unique_id, 0);
    o.insert("type".into(), json!("regular"));
    o.insert("width".into(), json!(512));
    o.insert("height".into(), json!(512));
    o.insert("is_animated".into(), json!(false));
    o.insert("is_video".into(), json!(false));
    o.insert("emoji".into(), json!("👍"));
    Value::Object(o)
}

pub(crate) fn voice(file_id: &str, unique_id: &str, size: usize) -> Value {
    let mut o = file_meta(file_id, unique_id, size);
    o.insert("duration".into(), json!(3));
    o.insert("mime_type".into(), json!("audio/ogg"));
    Value::Object(o)
}

pub(crate) fn document(file_id: &str, unique_id: &str, size: usize, file_name: &str, mime: &str) -> Value {
    let mut o = file_meta(file_id, unique_id, size);
    o.insert("file_name".into(), json!(file_name));
    o.insert("mime_type".into(), json!(mime));
    Value::Object(o)
}

pub(crate) fn contact(phone: &str, first_name: &str, user_id: Option<i64>) -> Value {
    let mut o = Map::new();
    o.insert("phone_number".into(), json!(phone));
    o.insert("first_name".into(), json!(first_name));
    if let Some(id) = user_id {
        o.insert("user_id".into(), json!(id));
    }
    Value::Object(o)
}

pub(crate) fn location(latitude: f64, longitude: f64) -> Value {
    json!({ "latitude": latitude, "longitude": longitude })
}

/// A `ChatMemberUpdated` for the bot in a private chat: the user blocked ("kicked") or unblocked it.
pub(crate) fn my_chat_member(u: &EmuUser, bot: Value, date: i64, blocked: bool) -> Value {
    let member = json!({ "user": bot, "status": "member" });
    let kicked = json!({ "user": bot, "status": "kicked", "until_date": 0 });
    let (old, new) = if blocked { (member, kicked) } else { (kicked, member) };
    json!({
        "chat": private_chat(u),
        "from": user(u),
        "date": date,
        "old_chat_member": old,
        "new_chat_member": new,
    })
}

pub(crate) fn callback_query(id: &str, from: &EmuUser, message: Value, data: &str) -> Value {
    json!({
        "id": id,
        "from": user(from),
        "message": message,
        "chat_instance": format!("ci{}", from.id),
        "data": data,
    })
}

/// What a bot message whose content is unknown looks like to teloxide: `date: 0` makes it an
/// inaccessible message.
pub(crate) fn inaccessible_message(message_id: i32, chat: Value) -> Value {
    json!({ "message_id": message_id, "chat": chat, "date": 0 })
}

pub(crate) fn file(file_id: &str, unique_id: &str, size: usize, path: &str) -> Value {
    let mut o = file_meta(file_id, unique_id, size);
    o.insert("file_path".into(), json!(path));
    Value::Object(o)
}

pub(crate) fn webhook_info(url: Option<&str>, pending: usize, allowed: &Option<Vec<String>>) -> Value {
    let mut o = Map::new();
    o.insert("url".into(), json!(url.unwrap_or("")));
    o.insert("has_custom_certificate".into(), json!(false));
    o.insert("pending_update_count".into(), json!(pending));
    if let Some(allowed) = allowed {
        o.insert("allowed_updates".into(), json!(allowed));
    }
    Value::Object(o)
}

/// Reads an `inline_keyboard` array into views.
pub(crate) fn inline_keyboard_views(rows: &Value) -> Vec<Vec<InlineButtonView>> {
    rows_of(rows)
        .map(|row| {
            row.iter()
                .map(|b| InlineButtonView {
                    text: str_field(b, "text"),
                    callback_data: b.get("callback_data").and_then(Value::as_str).map(str::to_owned),
                    url: b.get("url").and_then(Value::as_str).map(str::to_owned),
                })
                .collect()
        })
        .collect()
}

/// Reads a reply `keyboard` array into views (buttons may also be plain strings).
pub(crate) fn reply_keyboard_views(rows: &Value) -> Vec<Vec<KeyboardButtonView>> {
    rows_of(rows)
        .map(|row| {
            row.iter()
                .map(|b| match b {
                    Value::String(s) => {
                        KeyboardButtonView { text: s.clone(), request_contact: false, request_location: false }
                    }
                    _ => KeyboardButtonView {
                        text: str_field(b, "text"),
                        request_contact: b.get("request_contact").and_then(Value::as_bool) == Some(true),
                        request_location: b.get("request_location").and_then(Value::as_bool) == Some(true),
                    },
                })
                .collect()
        })
        .collect()
}

fn rows_of(rows: &Value) -> impl Iterator<Item = &Vec<Value>> {
    rows.as_array().into_iter().flatten().filter_map(Value::as_array)
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn insert_opt(o: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        o.insert(key.into(), json!(v));
    }
}

/// "propdesk_bot" → "Propdesk Bot".
fn display_name(username: &str) -> String {
    username
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Telegram measures entity offsets and lengths in UTF-16 code units.
pub(crate) fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use teloxide::types::{CallbackQuery, ChatFullInfo, ChatMemberUpdated, File, Me, Message, WebhookInfo};

    use super::*;

    fn alice() -> EmuUser {
        EmuUser::new(42, "Alice").with_username("alice").with_language("en")
    }

    fn message_with(content: Map<String, Value>) -> Message {
        let mut o = message_base(7, 1_700_000_000, user(&alice()), private_chat(&alice()));
        o.extend(content);
        serde_json::from_value(Value::Object(o)).expect("a Message")
    }

    fn one(key: &str, value: Value) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert(key.into(), value);
        o
    }

    #[test]
    fn get_me_parses_with_a_username() {
        let me: Me = serde_json::from_value(me(123, "propdesk_bot")).unwrap();
        assert_eq!(me.username(), "propdesk_bot");
        assert!(me.user.is_bot);
    }

    #[test]
    fn a_command_gets_a_bot_command_entity() {
        let m = message_with(text_content("/start abc"));
        assert_eq!(m.text(), Some("/start abc"));
        let entities = m.entities().unwrap();
        assert_eq!(entities.len(), 1);
        assert_eq!(entities[0].length, "/start".len());
    }

    #[test]
    fn every_user_media_kind_parses_with_its_accessor() {
        let photo = one("photo", json!([photo_size("p1", "u1", 10, 90, 90), photo_size("p2", "u2", 10, 800, 600)]));
        assert_eq!(message_with(photo).photo().unwrap().len(), 2);
        assert!(message_with(one("sticker", sticker("s", "us"))).sticker().is_some());
        assert!(message_with(one("voice", voice("v", "uv", 5))).voice().is_some());
        let doc = one("document", document("d", "ud", 5, "a.pdf", "application/pdf"));
        assert_eq!(message_with(doc).document().unwrap().file_name.as_deref(), Some("a.pdf"));
        let contact = message_with(one("contact", contact("+8613800000000", "Alice", Some(42))));
        assert_eq!(contact.contact().unwrap().user_id.map(|u| u.0), Some(42));
        assert!(message_with(one("location", location(31.2, 121.4))).location().is_some());
    }

    #[test]
    fn a_callback_query_carries_an_accessible_message_and_data() {
        let mut msg = message_base(9, 1_700_000_000, bot_user(123, "propdesk_bot"), private_chat(&alice()));
        msg.extend(text_content("Pick one"));
        let q: CallbackQuery =
            serde_json::from_value(callback_query("q1", &alice(), Value::Object(msg), "x:1")).unwrap();
        assert_eq!(q.data.as_deref(), Some("x:1"));
        assert!(q.regular_message().is_some());
        assert_eq!(q.message.unwrap().id().0, 9);
    }

    #[test]
    fn blocking_the_bot_is_a_kicked_chat_member_update() {
        let u: ChatMemberUpdated =
            serde_json::from_value(my_chat_member(&alice(), bot_user(123, "b"), 1_700_000_000, true)).unwrap();
        assert!(u.new_chat_member.is_banned());
        assert!(u.old_chat_member.is_member());
    }

    #[test]
    fn get_chat_get_file_and_webhook_info_parse() {
        let chat: ChatFullInfo = serde_json::from_value(chat_full_info(&alice())).unwrap();
        assert!(chat.is_private());
        let f: File = serde_json::from_value(file("f", "uf", 3, "photos/f.jpg")).unwrap();
        assert_eq!(f.path, "photos/f.jpg");
        let w: WebhookInfo = serde_json::from_value(webhook_info(None, 0, &None)).unwrap();
        assert!(w.url.is_none());
    }

    #[test]
    fn bot_names_are_title_cased() {
        assert_eq!(display_name("propdesk_bot"), "Propdesk Bot");
    }
}
