//! The public value types of the emulator: people, what a chat shows, faults and errors.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A Telegram user the emulator plays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmuUser {
    pub id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
    /// The phone number the user shares with "share my contact".
    #[serde(default)]
    pub phone: Option<String>,
}

impl EmuUser {
    /// A user with only an id and a first name.
    pub fn new(id: i64, first_name: &str) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: None,
            phone: None,
        }
    }

    pub fn with_phone(mut self, phone: &str) -> Self {
        self.phone = Some(phone.to_owned());
        self
    }

    pub fn with_username(mut self, username: &str) -> Self {
        self.username = Some(username.to_owned());
        self
    }

    pub fn with_language(mut self, language_code: &str) -> Self {
        self.language_code = Some(language_code.to_owned());
        self
    }

    /// The phone shared by "share my contact": the registered one, or a stable made-up one.
    pub(crate) fn phone_or_default(&self) -> String {
        self.phone.clone().unwrap_or_else(|| format!("+1555{:07}", self.id.rem_euclid(10_000_000)))
    }
}

/// One message of a private chat, in either direction, as the chat currently shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ChatMessage {
    /// The global event number of the last change to this message (creation, edit or deletion).
    pub seq: u64,
    pub message_id: i32,
    pub from_bot: bool,
    pub date: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    /// The largest size of a photo.
    pub photo_file_id: Option<String>,
    pub contact_phone: Option<String>,
    /// "text", "photo", "contact", "sticker", "voice", "document" or "location".
    pub kind: String,
    /// The inline keyboard as currently shown (after edits).
    pub inline_keyboard: Option<Vec<Vec<InlineButtonView>>>,
    /// The reply keyboard sent with this message.
    pub reply_keyboard: Option<Vec<Vec<KeyboardButtonView>>>,
    /// This message carried a `ReplyKeyboardRemove`.
    pub removes_keyboard: bool,
    pub edited: bool,
    pub deleted: bool,
    /// Set on every message of an album (user or bot).
    pub media_group_id: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub file_name: Option<String>,
    /// For a document: its file id, to fetch it from `/control/files/{id}`.
    pub document_file_id: Option<String>,
}

impl ChatMessage {
    /// The text, or else the caption: what a person reads.
    pub fn body(&self) -> &str {
        self.text.as_deref().or(self.caption.as_deref()).unwrap_or("")
    }

    /// Every inline button, row by row.
    pub fn inline_buttons(&self) -> impl Iterator<Item = &InlineButtonView> {
        self.inline_keyboard.iter().flatten().flatten()
    }

    /// The callback data of the inline button with this label.
    pub fn callback_data_of(&self, label: &str) -> Option<&str> {
        self.inline_buttons().find(|b| b.text == label).and_then(|b| b.callback_data.as_deref())
    }

    /// One line for error messages and logs.
    pub fn summary(&self) -> String {
        let who = if self.from_bot { "bot" } else { "user" };
        let mut line = format!("#{} {who} [{}] {:?}", self.message_id, self.kind, self.body());
        if let Some(rows) = &self.inline_keyboard {
            let labels: Vec<&str> = rows.iter().flatten().map(|b| b.text.as_str()).collect();
            line += &format!(" inline={labels:?}");
        }
        if let Some(rows) = &self.reply_keyboard {
            let labels: Vec<&str> = rows.iter().flatten().map(|b| b.text.as_str()).collect();
            line += &format!(" keyboard={labels:?}");
        }
        if self.edited {
            line += " (edited)";
        }
        if self.deleted {
            line += " (deleted)";
        }
        line
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InlineButtonView {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyboardButtonView {
    pub text: String,
    pub request_contact: bool,
    pub request_location: bool,
}

/// One `answerCallbackQuery` the bot made.
#[derive(Clone, Debug, Serialize)]
pub struct CallbackAnswer {
    pub query_id: String,
    pub text: Option<String>,
    pub show_alert: bool,
    /// The user who pressed the button.
    pub user_id: i64,
    /// The global event number of the answer.
    pub seq: u64,
}

/// The commands the bot registered for one scope and language (`setMyCommands`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegisteredCommands {
    /// The Bot API scope object, e.g. `{"type":"default"}` or `{"type":"chat","chat_id":42}`.
    pub scope: serde_json::Value,
    pub language_code: Option<String>,
    pub commands: Vec<BotCommandView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BotCommandView {
    pub command: String,
    pub description: String,
}

/// A failure to inject into Bot API answers.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The Bot API method to fail ("sendMessage"); `None` fails every method except `getUpdates`
    /// (name `getUpdates` explicitly to fail the polling loop).
    pub method: Option<String>,
    /// Only requests aimed at this chat; `None` for any.
    pub chat_id: Option<i64>,
    pub kind: FaultKind,
    /// How many matching requests fail before the fault is used up.
    pub times: u32,
}

impl Fault {
    /// A fault on the next matching request of any method (but `getUpdates`) and chat.
    pub fn new(kind: FaultKind) -> Self {
        Self { method: None, chat_id: None, kind, times: 1 }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    pub fn chat(mut self, chat_id: i64) -> Self {
        self.chat_id = Some(chat_id);
        self
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// 429 "Too Many Requests: retry after N" with `parameters.retry_after` = N.
    RetryAfter(u32),
    /// That HTTP status with `ok: false` (teloxide sleeps 10 s after any 5xx).
    ServerError(u16),
    /// 403 "Forbidden: bot was blocked by the user".
    Forbidden,
    /// No answer at all: the request is kept open (as a network that
    /// swallowed it would) until the client gives up. For crash tests: the
    /// bot is mid-send when it is killed.
    Stall,
}

/// Failures spread evenly over a run, decided by counting requests (no clock, no randomness), so a
/// test sees the same failures every time for the same traffic:
/// - every `server_error_every`-th matching request answers `server_error_status` (10: 10%);
/// - every `burst_every`-th matching send* request starts a 429 burst: it and the next
///   `burst_len - 1` send* requests answer "retry after `retry_after`".
///
/// Matching: every method except `getUpdates`, and with `chats` set only requests aimed at those
/// chats. Every matching request is recorded (`Emulator::chaos_log`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Chaos {
    /// 0: no 5xx.
    #[serde(default)]
    pub server_error_every: u32,
    #[serde(default = "default_server_error_status")]
    pub server_error_status: u16,
    /// 0: no bursts.
    #[serde(default)]
    pub burst_every: u32,
    #[serde(default)]
    pub burst_len: u32,
    #[serde(default = "default_retry_after")]
    pub retry_after: u32,
    /// Only requests aimed at these chats; `None` for any.
    #[serde(default)]
    pub chats: Option<Vec<i64>>,
    /// The 5xx answers carry their status in the body only, with HTTP 200. teloxide sleeps 10 s
    /// after any HTTP 5xx before it returns the same error it reads from the body; tests that
    /// check what the bot does with the error, not how long teloxide waits, set this.
    #[serde(default)]
    pub status_in_body: bool,
}

fn default_server_error_status() -> u16 {
    502
}

fn default_retry_after() -> u32 {
    1
}

impl Chaos {
    /// `percent`% of requests answer 502 (every (100 / percent)-th), and every `burst_every`-th send
    /// starts a burst of `burst_len` 429s asking to wait `retry_after` seconds.
    pub fn new(percent: u32, burst_every: u32, burst_len: u32, retry_after: u32) -> Self {
        Chaos {
            server_error_every: 100u32.checked_div(percent).map_or(0, |every| every.max(1)),
            server_error_status: default_server_error_status(),
            burst_every,
            burst_len,
            retry_after,
            chats: None,
            status_in_body: false,
        }
    }

    /// See `status_in_body`.
    pub fn status_in_body(mut self) -> Self {
        self.status_in_body = true;
        self
    }

    pub fn only_chats(mut self, chats: impl IntoIterator<Item = i64>) -> Self {
        self.chats = Some(chats.into_iter().collect());
        self
    }
}

/// One request the chaos mode saw: its method, the chat it was aimed at, and the status the chaos
/// mode answered (`None`: passed on to the emulator, which answered as usual).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChaosRecord {
    pub method: String,
    pub chat_id: Option<i64>,
    pub failed_with: Option<u16>,
}

/// Telegram's flood limits on `send*` methods.
#[derive(Clone, Debug)]
pub struct Limits {
    pub per_chat_per_sec: u32,
    pub global_per_sec: u32,
}

impl Default for Limits {
    /// Telegram's documented limits: 1 message a second to one chat, 30 a second overall.
    fn default() -> Self {
        Self { per_chat_per_sec: 1, global_per_sec: 30 }
    }
}

/// One send* call the flood limits judged (recorded only while limits are on): when it came, to which
/// chat, and whether it was refused with 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendRecord {
    pub at: std::time::Instant,
    pub chat_id: i64,
    pub refused: bool,
}

/// Something the bot did to a chat (sent, edited or deleted a message, answered a button press), as
/// it happened: for benchmarks that follow many chats at once (`Emulator::subscribe_bot_activity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BotActivity {
    pub chat_id: i64,
    /// The event number the change got (`ChatMessage::seq`, `CallbackAnswer::seq`).
    pub seq: u64,
    /// When the emulator took it.
    pub at: std::time::Instant,
}

#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error("timed out after {waited:?} waiting for {what}; {context}")]
    Timeout { what: String, waited: Duration, context: String },
    #[error("no reply-keyboard button {label:?} in chat {chat_id}; the keyboard shows {available:?}")]
    NoSuchButton { chat_id: i64, label: String, available: Vec<String> },
    #[error("user {0} is not registered with the emulator")]
    UnknownUser(i64),
}
