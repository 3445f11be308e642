//! Everything the emulator remembers, behind one mutex: people, chats and their messages, the update
//! queue, files, callback queries, registered commands, counters, faults and flood windows.
//! Nothing here awaits; the async parts (long polls, waiters) live in `mod.rs` and `bot_api.rs`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::json;
use super::types::{
    BotActivity, CallbackAnswer, ChatMessage, EmuUser, Fault, KeyboardButtonView, Limits, RegisteredCommands,
    SendRecord,
};

/// One update as queued for `getUpdates`: `{"update_id": id, kind: body}`.
#[derive(Clone, Debug)]
pub(crate) struct QueuedUpdate {
    pub id: i64,
    pub kind: &'static str,
    pub body: Body,
}

/// What an update carries under its kind.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    Json(Value),
    /// JSON text as a Bot API server might send it, including what a `Value`
    /// cannot hold (a lone UTF-16 surrogate escape such as `"\ud800"`).
    Raw(String),
}

impl QueuedUpdate {
    /// As a `Value`; None for a raw body a `Value` cannot hold.
    pub(crate) fn to_json(&self) -> Option<Value> {
        match &self.body {
            Body::Json(body) => {
                let mut o = Map::new();
                o.insert("update_id".into(), json!(self.id));
                o.insert(self.kind.into(), body.clone());
                Some(Value::Object(o))
            }
            Body::Raw(_) => serde_json::from_str(self.to_text().get()).ok(),
        }
    }

    /// As JSON text, exactly as it goes on the wire.
    pub(crate) fn to_text(&self) -> Box<serde_json::value::RawValue> {
        let text = match &self.body {
            Body::Json(_) => self.to_json().map(|v| v.to_string()).unwrap_or_default(),
            Body::Raw(raw) => format!("{{\"update_id\":{},\"{}\":{raw}}}", self.id, self.kind),
        };
        serde_json::value::RawValue::from_string(text).expect("queued updates are JSON")
    }
}

#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    pub bytes: Vec<u8>,
    pub unique_id: String,
    pub path: String,
    pub mime: String,
}

/// A message as the chat shows it: the view for tests and the page, and the Bot API JSON for
/// callback queries and edits.
#[derive(Clone, Debug)]
pub(crate) struct StoredMessage {
    pub view: ChatMessage,
    pub json: Map<String, Value>,
}

#[derive(Debug, Default)]
pub(crate) struct ChatState {
    pub next_message_id: i32,
    pub messages: Vec<StoredMessage>,
    /// The reply keyboard the user currently sees, and whether it hides after one press.
    pub reply_keyboard: Option<(Vec<Vec<KeyboardButtonView>>, bool)>,
}

#[derive(Debug)]
pub(crate) struct PendingQuery {
    pub user_id: i64,
    pub answered: bool,
}

pub(crate) struct State {
    pub bot_id: i64,
    pub bot_username: String,
    pub users: BTreeMap<i64, EmuUser>,
    pub blocked: HashSet<i64>,
    /// Users who have written to the bot (sent any update): only they can be messaged.
    pub started: HashSet<i64>,
    pub chats: HashMap<i64, ChatState>,
    /// Unconfirmed updates in id order; `getUpdates` drops those below its offset.
    pub pending: VecDeque<QueuedUpdate>,
    /// Updates put back by `redeliver`, returned first by the next `getUpdates`.
    pub redelivered: VecDeque<QueuedUpdate>,
    pub history: HashMap<i64, QueuedUpdate>,
    pub last_update_id: i64,
    /// Bumped whenever an update becomes available, to wake long polls.
    pub updates_version: u64,
    pub allowed_updates: Option<Vec<String>>,
    pub webhook_url: Option<String>,
    /// The rest of the webhook: secret, max_connections, deliveries (see `webhook.rs`).
    pub webhook: super::webhook::WebhookState,
    pub commands: Vec<RegisteredCommands>,
    pub files: HashMap<String, StoredFile>,
    pub file_paths: HashMap<String, String>,
    pub queries: HashMap<String, PendingQuery>,
    pub callback_answers: Vec<CallbackAnswer>,
    pub request_counts: HashMap<String, usize>,
    pub faults: Vec<Fault>,
    /// Failures spread over a run (`Emulator::set_chaos`).
    pub chaos: Option<super::faults::ChaosState>,
    pub limits: Option<Limits>,
    pub sends_global: VecDeque<Instant>,
    pub sends_per_chat: HashMap<i64, VecDeque<Instant>>,
    /// Every send the limits judged while they were on, accepted or refused, in order.
    pub send_log: Vec<SendRecord>,
    /// Subscribers to what the bot does (`Emulator::subscribe_bot_activity`).
    pub activity_feeds: Vec<tokio::sync::mpsc::UnboundedSender<BotActivity>>,
    /// The global event number: bumped by every new, edited or deleted message and every answer.
    pub seq: u64,
    counter: u64,
}

pub(crate) fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A view with only the kind set; the caller fills in the rest.
pub(crate) fn blank_view(kind: &str) -> ChatMessage {
    ChatMessage {
        seq: 0,
        message_id: 0,
        from_bot: false,
        date: 0,
        text: None,
        caption: None,
        photo_file_id: None,
        contact_phone: None,
        kind: kind.to_owned(),
        inline_keyboard: None,
        reply_keyboard: None,
        removes_keyboard: false,
        edited: false,
        deleted: false,
        media_group_id: None,
        latitude: None,
        longitude: None,
        file_name: None,
        document_file_id: None,
    }
}

impl State {
    pub(crate) fn new(bot_id: i64, bot_username: &str) -> Self {
        Self {
            bot_id,
            bot_username: bot_username.to_owned(),
            users: BTreeMap::new(),
            blocked: HashSet::new(),
            started: HashSet::new(),
            chats: HashMap::new(),
            pending: VecDeque::new(),
            redelivered: VecDeque::new(),
            history: HashMap::new(),
            last_update_id: 0,
            updates_version: 0,
            allowed_updates: None,
            webhook_url: None,
            webhook: Default::default(),
            commands: Vec::new(),
            files: HashMap::new(),
            file_paths: HashMap::new(),
            queries: HashMap::new(),
            callback_answers: Vec::new(),
            request_counts: HashMap::new(),
            faults: Vec::new(),
            chaos: None,
            limits: None,
            sends_global: VecDeque::new(),
            sends_per_chat: HashMap::new(),
            send_log: Vec::new(),
            activity_feeds: Vec::new(),
            seq: 0,
            counter: 0,
        }
    }

    pub(crate) fn next_counter(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    pub(crate) fn bot_user_json(&self) -> Value {
        json::bot_user(self.bot_id, &self.bot_username)
    }

    /// The user with this id; an unknown id is registered as a placeholder "User <id>" so that
    /// test helpers never panic.
    pub(crate) fn user_or_placeholder(&mut self, id: i64) -> EmuUser {
        self.users.entry(id).or_insert_with(|| EmuUser::new(id, &format!("User {id}"))).clone()
    }

    // --- updates ---

    pub(crate) fn queue_update(&mut self, kind: &'static str, body: Value) -> i64 {
        self.queue_body(kind, Body::Json(body))
    }

    pub(crate) fn queue_body(&mut self, kind: &'static str, body: Body) -> i64 {
        self.last_update_id += 1;
        let update = QueuedUpdate { id: self.last_update_id, kind, body };
        self.history.insert(update.id, update.clone());
        self.pending.push_back(update);
        self.updates_version += 1;
        self.last_update_id
    }

    /// What `getUpdates` returns now: redelivered updates first, then unconfirmed ones from `offset`.
    pub(crate) fn take_updates(&mut self, offset: i64, limit: usize) -> Vec<Box<serde_json::value::RawValue>> {
        if offset > 0 {
            self.pending.retain(|u| u.id >= offset);
        }
        if let Some(allowed) = &self.allowed_updates {
            // Telegram never delivers kinds the bot did not ask for.
            self.pending.retain(|u| allowed.iter().any(|a| a == u.kind));
        }
        let mut batch: Vec<_> = self.redelivered.drain(..).map(|u| u.to_text()).collect();
        let room = limit.saturating_sub(batch.len());
        batch.extend(self.pending.iter().take(room).map(QueuedUpdate::to_text));
        batch
    }

    pub(crate) fn redeliver(&mut self, update_id: i64) {
        if let Some(update) = self.history.get(&update_id).cloned() {
            self.redelivered.push_back(update);
            self.updates_version += 1;
        }
    }

    // --- messages ---

    pub(crate) fn chat(&mut self, chat_id: i64) -> &mut ChatState {
        self.chats.entry(chat_id).or_default()
    }

    fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let chat = self.chat(chat_id);
        chat.next_message_id += 1;
        chat.next_message_id
    }

    pub(crate) fn bump_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Tells the subscribers the bot changed `chat_id` at event `seq`; drops those gone.
    pub(crate) fn note_bot_activity(&mut self, chat_id: i64, seq: u64) {
        if self.activity_feeds.is_empty() {
            return;
        }
        let activity = BotActivity { chat_id, seq, at: Instant::now() };
        self.activity_feeds.retain(|feed| feed.send(activity).is_ok());
    }

    /// A message from a user: stored in their chat and queued as a `message` update.
    pub(crate) fn user_message(&mut self, user_id: i64, content: Map<String, Value>, mut view: ChatMessage) -> i32 {
        let user = self.user_or_placeholder(user_id);
        let message_id = self.next_message_id(user_id);
        let date = now_unix();
        let mut message = json::message_base(message_id, date, json::user(&user), json::private_chat(&user));
        message.extend(content);
        view.message_id = message_id;
        view.date = date;
        view.seq = self.bump_seq();
        self.started.insert(user_id);
        self.queue_update("message", Value::Object(message.clone()));
        self.chat(user_id).messages.push(StoredMessage { view, json: message });
        message_id
    }

    /// A message from the bot, stored in the chat; returns the Bot API `Message` JSON.
    pub(crate) fn bot_message(&mut self, chat_id: i64, content: Map<String, Value>, mut view: ChatMessage) -> Value {
        let user = self.user_or_placeholder(chat_id);
        let message_id = self.next_message_id(chat_id);
        let date = now_unix();
        let mut message = json::message_base(message_id, date, self.bot_user_json(), json::private_chat(&user));
        message.extend(content);
        view.message_id = message_id;
        view.date = date;
        view.from_bot = true;
        view.seq = self.bump_seq();
        self.note_bot_activity(chat_id, view.seq);
        self.chat(chat_id).messages.push(StoredMessage { view, json: message.clone() });
        Value::Object(message)
    }

    pub(crate) fn find_message(&mut self, chat_id: i64, message_id: i32) -> Option<&mut StoredMessage> {
        self.chats.get_mut(&chat_id)?.messages.iter_mut().find(|m| m.view.message_id == message_id && !m.view.deleted)
    }

    pub(crate) fn views(&self, chat_id: i64) -> Vec<ChatMessage> {
        self.chats.get(&chat_id).map(|c| c.messages.iter().map(|m| m.view.clone()).collect()).unwrap_or_default()
    }

    /// The last few messages of a chat, one line each, for error messages.
    pub(crate) fn recent_summary(&self, chat_id: i64) -> String {
        let views = self.views(chat_id);
        if views.is_empty() {
            return format!("chat {chat_id} has no messages");
        }
        let start = views.len().saturating_sub(8);
        let lines: Vec<String> = views[start..].iter().map(|m| format!("  {}", m.summary())).collect();
        format!("last messages in chat {chat_id}:\n{}", lines.join("\n"))
    }

    // --- files ---

    /// Stores bytes under a new file id; returns (file_id, file_unique_id).
    pub(crate) fn store_file(&mut self, bytes: Vec<u8>, dir: &str, ext: &str, mime: &str) -> (String, String) {
        let n = self.next_counter();
        let file_id = format!("EMU{n:06}{}", dir.chars().next().unwrap_or('f').to_ascii_uppercase());
        let unique_id = format!("u{n:06}");
        let path = format!("{dir}/file_{n}.{ext}");
        self.file_paths.insert(path.clone(), file_id.clone());
        let file = StoredFile { bytes, unique_id: unique_id.clone(), path, mime: mime.to_owned() };
        self.files.insert(file_id.clone(), file);
        (file_id, unique_id)
    }

    /// A `[PhotoSize]` array (a thumbnail and the full size, both serving these bytes).
    pub(crate) fn store_photo(&mut self, bytes: Vec<u8>) -> (Value, String) {
        let size = bytes.len();
        let mime = sniff_image_mime(&bytes).unwrap_or("image/jpeg");
        let ext = if mime == "image/png" { "png" } else { "jpg" };
        let (small_id, small_unique) = self.store_file(bytes.clone(), "photos", ext, mime);
        let (large_id, large_unique) = self.store_file(bytes, "photos", ext, mime);
        let sizes = json!([
            json::photo_size(&small_id, &small_unique, size, 320, 240),
            json::photo_size(&large_id, &large_unique, size, 1280, 960),
        ]);
        (sizes, large_id)
    }

    // --- reading ---

    pub(crate) fn record_answer(&mut self, query_id: &str, text: Option<String>, show_alert: bool, user_id: i64) {
        let seq = self.bump_seq();
        self.note_bot_activity(user_id, seq);
        self.callback_answers.push(CallbackAnswer { query_id: query_id.to_owned(), text, show_alert, user_id, seq });
    }

    pub(crate) fn request_count(&self, method: &str) -> usize {
        self.request_counts.iter().filter(|(name, _)| name.eq_ignore_ascii_case(method)).map(|(_, n)| n).sum()
    }
}

pub(crate) fn sniff_image_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF8") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(raw: &serde_json::value::RawValue) -> Value {
        serde_json::from_str(raw.get()).unwrap()
    }

    #[test]
    fn confirmed_updates_are_dropped_and_the_rest_returned_in_order() {
        let mut s = State::new(1, "b");
        let a = s.queue_update("message", json!({}));
        let b = s.queue_update("message", json!({}));
        assert_eq!(s.take_updates(0, 100).len(), 2);
        let left = s.take_updates(a + 1, 100);
        assert_eq!(left.len(), 1);
        assert_eq!(value(&left[0])["update_id"], json!(b));
        assert!(s.take_updates(b + 1, 100).is_empty());
    }

    #[test]
    fn a_redelivered_update_comes_back_whatever_the_offset() {
        let mut s = State::new(1, "b");
        let a = s.queue_update("message", json!({}));
        assert!(s.take_updates(a + 1, 100).is_empty());
        s.redeliver(a);
        let again = s.take_updates(a + 1, 100);
        assert_eq!(value(&again[0])["update_id"], json!(a));
        assert!(s.take_updates(a + 1, 100).is_empty());
    }

    #[test]
    fn kinds_outside_allowed_updates_are_never_delivered() {
        let mut s = State::new(1, "b");
        s.allowed_updates = Some(vec!["message".into()]);
        s.queue_update("my_chat_member", json!({}));
        s.queue_update("message", json!({}));
        let batch = s.take_updates(0, 100);
        assert_eq!(batch.len(), 1);
        assert!(value(&batch[0]).get("message").is_some());
    }

    #[test]
    fn bot_and_user_messages_share_one_id_sequence_per_chat() {
        let mut s = State::new(1, "b");
        let first = s.user_message(7, json::text_content("hi"), blank_view("text"));
        let reply = s.bot_message(7, json::text_content("hello"), blank_view("text"));
        assert_eq!(first, 1);
        assert_eq!(reply["message_id"], json!(2));
        assert_eq!(s.user_message(8, json::text_content("x"), blank_view("text")), 1);
    }
}
