//! A local Telegram Bot API server for tests, benchmarks and the sandbox.
//!
//! The unmodified bot talks to it through its API URL (`Bot::new(token).set_api_url(url)`, or
//! `TELOXIDE_API_URL`); tests play users through the Rust API below, and the browser chat page through
//! the control HTTP routes under `/control`. Answers are real Bot API JSON, and the rules that catch bot
//! bugs are enforced: a user must write first, flood limits (when on), MarkdownV2 escaping, "message is
//! not modified", one answer per callback query. Updates wait for `getUpdates`, or, once the bot set a
//! webhook, are POSTed to it as Telegram does (`webhook.rs`).
//!
//! All state sits in one `std::sync::Mutex<State>`, never held across an `.await`; waiters (long
//! polls, `wait_for_*`) are woken through `tokio::sync::watch` channels carrying version numbers.

mod actions;
mod bot_api;
mod control;
mod editing;
mod faults;
mod json;
mod markup;
mod params;
mod sending;
mod state;
mod types;
mod webhook;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use state::State;
pub use types::{
    BotActivity, BotCommandView, CallbackAnswer, Chaos, ChaosRecord, ChatMessage, EmuError, EmuUser, Fault, FaultKind,
    InlineButtonView, KeyboardButtonView, Limits, RegisteredCommands, SendRecord,
};

/// A handle on one emulated Telegram; clones share it.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) token: String,
    state: Mutex<State>,
    /// Carries `State::updates_version`: wakes `getUpdates` long polls.
    pub(crate) updates_tx: watch::Sender<u64>,
    /// Carries `State::seq`: wakes everything waiting for chat messages or callback answers.
    pub(crate) events_tx: watch::Sender<u64>,
}

impl Inner {
    /// Runs `f` under the lock, then wakes the waiters if it changed something they wait for.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let result = f(&mut state);
        let (seq, version) = (state.seq, state.updates_version);
        drop(state);
        self.events_tx.send_if_modified(|v| raise(v, seq));
        self.updates_tx.send_if_modified(|v| raise(v, version));
        result
    }
}

fn raise(current: &mut u64, new: u64) -> bool {
    let raised = new > *current;
    if raised {
        *current = new;
    }
    raised
}

impl Emulator {
    /// An emulator for the bot with this token ("123:ABC": the bot's id is 123) and username.
    pub fn new(token: &str, bot_username: &str) -> Self {
        let bot_id = token.split(':').next().and_then(|id| id.parse().ok()).unwrap_or(1_000_000);
        let inner = Inner {
            token: token.to_owned(),
            state: Mutex::new(State::new(bot_id, bot_username)),
            updates_tx: watch::channel(0).0,
            events_tx: watch::channel(0).0,
        };
        Self { inner: Arc::new(inner) }
    }

    /// Bot API routes (`/bot<token>/<method>`, `/file/bot<token>/<file_path>`) and the control routes
    /// under `/control/...` in one router, so it can be merged into a bigger axum app.
    pub fn router(&self) -> axum::Router {
        bot_api::routes(self.inner.clone()).merge(control::routes(self.clone()))
    }

    /// Binds 127.0.0.1:`port` (0 = random), serves `router()` in a spawned task and returns the base URL,
    /// e.g. "http://127.0.0.1:40123/" (usable as `TELOXIDE_API_URL`).
    pub async fn spawn(&self, port: u16) -> std::io::Result<url::Url> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let address = listener.local_addr()?;
        let app = self.router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "the Bot API emulator stopped");
            }
        });
        Ok(url::Url::parse(&format!("http://{address}/")).expect("a valid URL"))
    }

    pub fn bot_id(&self) -> i64 {
        self.inner.with_state(|s| s.bot_id)
    }

    pub fn token(&self) -> &str {
        &self.inner.token
    }

    // --- people ---

    /// Registers (or updates) a user; idempotent by id.
    pub fn register_user(&self, user: EmuUser) {
        self.inner.with_state(|s| s.users.insert(user.id, user));
    }

    /// Registers many users at once as having written to the bot already (so it may message them),
    /// without queuing any update: for benchmarks whose people were put in the database directly.
    pub fn register_started_users(&self, users: impl IntoIterator<Item = EmuUser>) {
        self.inner.with_state(|s| {
            for user in users {
                s.started.insert(user.id);
                s.users.insert(user.id, user);
            }
        });
    }

    pub fn user(&self, id: i64) -> Option<EmuUser> {
        self.inner.with_state(|s| s.users.get(&id).cloned())
    }

    pub fn users(&self) -> Vec<EmuUser> {
        self.inner.with_state(|s| s.users.values().cloned().collect())
    }

    /// The user blocks (true) or unblocks the bot: sends to them answer 403 "Forbidden: bot was blocked
    /// by the user" while blocked, and a `my_chat_member` update (kicked / member) is queued.
    pub fn set_blocked(&self, user_id: i64, blocked: bool) {
        self.inner.with_state(|s| s.user_set_blocked(user_id, blocked));
    }

    // --- what users do: each queues one update and returns the id of the user's message ---
    // An id that was never registered is registered as "User <id>" on first use.

    /// Sends text; a leading "/command" gets a `bot_command` entity.
    pub fn send_text(&self, user_id: i64, text: &str) -> i32 {
        self.inner.with_state(|s| s.user_text(user_id, text))
    }

    /// Shares the user's own contact (their phone, their user_id).
    pub fn share_own_contact(&self, user_id: i64) -> i32 {
        self.inner.with_state(|s| s.user_own_contact(user_id))
    }

    pub fn send_contact(&self, user_id: i64, phone: &str, first_name: &str, contact_user_id: Option<i64>) -> i32 {
        self.inner.with_state(|s| s.user_contact(user_id, phone, first_name, contact_user_id))
    }

    pub fn send_photo(&self, user_id: i64, bytes: Vec<u8>, caption: Option<&str>) -> i32 {
        self.inner.with_state(|s| s.user_photo(user_id, bytes, caption, None))
    }

    /// Several photos with one `media_group_id`, one update each.
    pub fn send_album(&self, user_id: i64, photos: Vec<Vec<u8>>) -> Vec<i32> {
        self.inner.with_state(|s| s.user_album(user_id, photos))
    }

    pub fn send_location(&self, user_id: i64, latitude: f64, longitude: f64) -> i32 {
        self.inner.with_state(|s| s.user_location(user_id, latitude, longitude))
    }

    pub fn send_sticker(&self, user_id: i64) -> i32 {
        self.inner.with_state(|s| s.user_sticker(user_id))
    }

    pub fn send_voice(&self, user_id: i64) -> i32 {
        self.inner.with_state(|s| s.user_voice(user_id))
    }

    pub fn send_document(&self, user_id: i64, file_name: &str, bytes: Vec<u8>) -> i32 {
        self.inner.with_state(|s| s.user_document(user_id, file_name, bytes))
    }

    /// Presses an inline button: queues a `callback_query` with this data on the bot's message
    /// `message_id` in the user's chat. Any data is accepted (a forged press is a test case); an unknown
    /// or deleted message arrives as an inaccessible one. Returns the query id.
    pub fn press_inline(&self, user_id: i64, message_id: i32, data: &str) -> String {
        self.inner.with_state(|s| s.user_press_inline(user_id, message_id, data))
    }

    /// Presses a reply-keyboard button by its label on the chat's current reply keyboard: a
    /// request_contact button shares the user's own contact, any other sends its label as text.
    pub fn press_reply(&self, user_id: i64, label: &str) -> Result<i32, EmuError> {
        self.inner.with_state(|s| s.user_press_reply(user_id, label))
    }

    /// Queues an update of `kind` whose body is the JSON text `body`, sent as
    /// it is: for what a well-behaved client cannot produce (a lone UTF-16
    /// surrogate escape, an unknown update kind, a field of an unexpected
    /// type). Returns its update_id.
    pub fn send_raw_update(&self, kind: &'static str, body: &str) -> i64 {
        self.inner.with_state(|s| s.queue_body(kind, state::Body::Raw(body.to_owned())))
    }

    /// Puts an already-sent update back in the queue with the same update_id, as Telegram does after a
    /// crash before confirmation; the next `getUpdates` returns it whatever the offset.
    pub fn redeliver(&self, update_id: i64) {
        self.inner.with_state(|s| s.redeliver(update_id));
    }

    /// An update as `getUpdates` returns it, by id (for tests that put it in
    /// the bot's inbox themselves, as a listener that crashed would have).
    pub fn raw_update(&self, update_id: i64) -> Option<serde_json::Value> {
        self.inner.with_state(|s| s.history.get(&update_id).and_then(|u| u.to_json()))
    }

    /// Confirms every update up to `update_id`, as a `getUpdates` with a
    /// higher offset would.
    pub fn confirm_through(&self, update_id: i64) {
        self.inner.with_state(|s| s.pending.retain(|u| u.id > update_id));
    }

    /// The id of the last update queued (0 before any).
    pub fn last_update_id(&self) -> i64 {
        self.inner.with_state(|s| s.last_update_id)
    }

    // --- reading what happened ---

    /// Every message of the chat, both directions, in order (deleted ones flagged).
    pub fn messages(&self, chat_id: i64) -> Vec<ChatMessage> {
        self.inner.with_state(|s| s.views(chat_id))
    }

    /// Only what the bot sent, as currently shown (after edits; deleted ones flagged).
    pub fn bot_messages(&self, chat_id: i64) -> Vec<ChatMessage> {
        self.messages(chat_id).into_iter().filter(|m| m.from_bot).collect()
    }

    pub fn last_bot_message(&self, chat_id: i64) -> Option<ChatMessage> {
        self.bot_messages(chat_id).into_iter().rfind(|m| !m.deleted)
    }

    /// Resolves with the first (lowest seq) bot message in that chat, new or edited after `after_seq`
    /// and not deleted, that satisfies `pred`; Err after `timeout`, listing the chat's last messages.
    pub async fn wait_for_bot_message(
        &self,
        chat_id: i64,
        after_seq: u64,
        pred: impl Fn(&ChatMessage) -> bool,
        timeout: Duration,
    ) -> Result<ChatMessage, EmuError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.inner.events_tx.subscribe();
        loop {
            let found = self.inner.with_state(|s| {
                s.views(chat_id)
                    .into_iter()
                    .filter(|m| m.from_bot && !m.deleted && m.seq > after_seq && pred(m))
                    .min_by_key(|m| m.seq)
            });
            if let Some(message) = found {
                return Ok(message);
            }
            if !matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(()))) {
                return Err(EmuError::Timeout {
                    what: format!("a bot message in chat {chat_id} after seq {after_seq}"),
                    waited: timeout,
                    context: self.inner.with_state(|s| s.recent_summary(chat_id)),
                });
            }
        }
    }

    /// The current global event number; pass it as `after_seq` to wait for what happens next.
    pub fn seq(&self) -> u64 {
        self.inner.with_state(|s| s.seq)
    }

    /// The reply keyboard the user currently sees.
    pub fn current_reply_keyboard(&self, chat_id: i64) -> Option<Vec<Vec<KeyboardButtonView>>> {
        self.inner.with_state(|s| s.chats.get(&chat_id)?.reply_keyboard.as_ref().map(|k| k.0.clone()))
    }

    /// Every `answerCallbackQuery` received, in order.
    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.inner.with_state(|s| s.callback_answers.clone())
    }

    pub async fn wait_for_callback_answer(
        &self,
        query_id: &str,
        timeout: Duration,
    ) -> Result<CallbackAnswer, EmuError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.inner.events_tx.subscribe();
        loop {
            let found = self.inner.with_state(|s| s.callback_answers.iter().find(|a| a.query_id == query_id).cloned());
            if let Some(answer) = found {
                return Ok(answer);
            }
            if !matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(()))) {
                let context = self.inner.with_state(|s| {
                    let user = s.queries.get(query_id).map(|q| q.user_id);
                    match user {
                        Some(user) => s.recent_summary(user),
                        None => "no such callback query was ever sent".to_owned(),
                    }
                });
                return Err(EmuError::Timeout {
                    what: format!("an answer to callback query {query_id}"),
                    waited: timeout,
                    context,
                });
            }
        }
    }

    /// The commands registered with `setMyCommands`, one entry per (scope, language_code).
    pub fn commands(&self) -> Vec<RegisteredCommands> {
        self.inner.with_state(|s| s.commands.clone())
    }

    pub fn file_bytes(&self, file_id: &str) -> Option<Vec<u8>> {
        self.inner.with_state(|s| s.files.get(file_id).map(|f| f.bytes.clone()))
    }

    /// Bot API calls received for this method (case-insensitive), failed ones included.
    pub fn request_count(&self, method: &str) -> usize {
        self.inner.with_state(|s| s.request_count(method))
    }

    /// Bot API requests answered so far, all methods together.
    pub fn request_total(&self) -> usize {
        self.inner.with_state(|s| s.request_counts.values().sum())
    }

    /// Every webhook POST answered, in order: (update_id, HTTP status; 0 for a connection error).
    pub fn webhook_deliveries(&self) -> Vec<(i64, u16)> {
        self.inner.with_state(|s| s.webhook.log.clone())
    }

    /// The `max_connections` of the webhook set (Telegram's default, 40, when the bot gave none).
    pub fn webhook_max_connections(&self) -> usize {
        self.inner.with_state(|s| s.webhook.max_connections)
    }

    /// The `allowed_updates` the bot last asked for (None: Telegram's default kinds).
    pub fn allowed_updates(&self) -> Option<Vec<String>> {
        self.inner.with_state(|s| s.allowed_updates.clone())
    }

    // --- faults and limits ---

    pub fn add_fault(&self, fault: Fault) {
        self.inner.with_state(|s| s.faults.push(fault));
    }

    pub fn clear_faults(&self) {
        self.inner.with_state(|s| s.faults.clear());
    }

    /// When on, enforces Telegram's flood limits on send* methods: more than `per_chat_per_sec` to one
    /// chat within a second, or more than `global_per_sec` overall, answers 429 with `retry_after`.
    pub fn set_limits(&self, limits: Option<Limits>) {
        self.inner.with_state(|s| {
            s.limits = limits;
            s.sends_global.clear();
            s.sends_per_chat.clear();
        });
    }

    /// Turns the chaos mode on (with fresh counters and log) or off (`None`).
    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        self.inner.with_state(|s| s.chaos = chaos.map(faults::ChaosState::new));
    }

    /// Every request the chaos mode saw since it was turned on, in order, and how it answered.
    pub fn chaos_log(&self) -> Vec<ChaosRecord> {
        self.inner.with_state(|s| s.chaos.as_ref().map(|c| c.log.clone()).unwrap_or_default())
    }

    /// Everything the bot does from now on (each message sent, edited or deleted, each callback
    /// answered), with the instant the emulator took it: one receiver follows every chat at once,
    /// where `wait_for_bot_message` would wake each waiter on every change. Dropping it unsubscribes.
    pub fn subscribe_bot_activity(&self) -> tokio::sync::mpsc::UnboundedReceiver<BotActivity> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.inner.with_state(|s| s.activity_feeds.push(tx));
        rx
    }

    /// Every send* the flood limits judged while they were on (accepted, or refused with 429), in the
    /// order they came.
    pub fn send_log(&self) -> Vec<SendRecord> {
        self.inner.with_state(|s| s.send_log.clone())
    }
}
