//! Handles what the listener stored in the inbox, one unit of work per update.
//!
//! For each update, in one transaction: claim it (the chat's advisory lock, so
//! replicas serialize a chat's updates, then the inbox row marked handled;
//! skipped if it was handled already: a redelivery), record the user and read
//! their roles and dialogue state, run the handler tree, save the next state if
//! it changed, commit. Only then are the replies sent. A crash anywhere before
//! the commit leaves the row unhandled and it is handled again from scratch on
//! the next start; nothing is applied twice.
//!
//! Round trips to PostgreSQL, besides the handler's own statements: the pool's
//! ping on acquiring a connection, BEGIN, the claim, the arrival (user, roles,
//! state), the save (when the state changed), COMMIT. See BENCHMARKS.md.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, ChatId, Me, MessageId, Update, UpdateKind};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::bot::context::{Finished, Reply};
use crate::bot::{Cx, State, render};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::domain::Outgoing;
use crate::error::AppError;
use crate::i18n::{Locale, Text};
use crate::services::people;
use crate::store::{self, inbox::InboxRow, users::Seen};

/// The types the runner puts in the dependency map for every update.
pub const PROVIDED: [fn() -> dptree::Type; 5] = [
    dptree::Type::of::<Update>,
    dptree::Type::of::<Me>,
    dptree::Type::of::<Cx>,
    dptree::Type::of::<State>,
    // For the few handlers that fetch a file the user sent (a survey file).
    dptree::Type::of::<Bot>,
];

/// A failing update is tried this many times, then set aside with an apology.
const MAX_ATTEMPTS: i32 = 3;
/// Updates taken from the inbox per round.
const BATCH: i64 = 200;

pub struct Runner {
    pub pool: PgPool,
    pub bot: Bot,
    /// Shared with the outbox sender: one set of Telegram limits for all sends.
    pub limits: Arc<crate::delivery::limits::RateLimits>,
    pub settings: Arc<Settings>,
    pub clock: SharedClock,
    pub me: Me,
    pub handler: UpdateHandler<AppError>,
    /// Updates by outcome, handling time, 429s on replies.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The per-chat abuse limit (see `bot::flood`).
    pub flood: crate::bot::flood::FloodGuard,
    /// Several replicas (webhook mode): a pool for chats' turns, so one
    /// chat's replies are out before another replica handles its next update.
    pub turns: Option<PgPool>,
}

impl Runner {
    /// Handles the inbox until `shutdown`; wakes on `wake` (new updates stored)
    /// or once a second. Updates left from a crash are handled first, since
    /// they are the oldest rows.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match store::inbox::unhandled(&self.pool, BATCH).await {
                Ok(rows) if !rows.is_empty() => self.handle_batch(rows).await,
                Ok(_) => {
                    tokio::select! {
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, "reading the inbox failed");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
            }
        }
        tracing::info!("update runner stopped");
    }

    /// Chats are handled concurrently; one chat's updates strictly in order.
    pub async fn handle_batch(&self, rows: Vec<InboxRow>) {
        let mut order: Vec<Option<i64>> = Vec::new();
        let mut by_chat: HashMap<Option<i64>, Vec<InboxRow>> = HashMap::new();
        for row in rows {
            by_chat
                .entry(row.chat_id)
                .or_insert_with(|| {
                    order.push(row.chat_id);
                    Vec::new()
                })
                .push(row);
        }
        let chats = order.into_iter().filter_map(|chat| by_chat.remove(&chat)).map(|rows| async move {
            let (rows, slow_down) = self.throttle(rows).await;
            for row in rows {
                self.handle_row(row).await;
            }
            if let Some(chat) = slow_down {
                self.ask_to_slow_down(chat).await;
            }
        });
        futures::future::join_all(chats).await;
    }

    /// The abuse limit, before a chat's rows are handled: what the chat sent
    /// past the limit is marked handled ("throttled") without being acted on.
    /// Returns the rows to handle, and the chat if it is to be asked to slow
    /// down (the first time in a window, after its rows are answered).
    async fn throttle(&self, rows: Vec<InboxRow>) -> (Vec<InboxRow>, Option<i64>) {
        use crate::bot::flood::{Verdict, sent_at};
        let Some(chat) = rows.first().and_then(|row| row.chat_id) else { return (rows, None) };
        let now = self.clock.now();
        let (mut keep, mut set_aside, mut tell) = (Vec::with_capacity(rows.len()), Vec::new(), false);
        let mut presses = Vec::new();
        for row in rows {
            match self.flood.check(chat, now, sent_at(&row.payload)) {
                Verdict::Serve => keep.push(row),
                verdict => {
                    tell |= verdict == Verdict::Notify;
                    set_aside.push(row.update_id);
                    presses.extend(
                        row.payload.pointer("/callback_query/id").and_then(|id| id.as_str()).map(str::to_owned),
                    );
                }
            }
        }
        if set_aside.is_empty() {
            return (keep, None);
        }
        self.metrics.throttled.inc_by(set_aside.len() as u64);
        if tell {
            tracing::info!(chat, "a chat went over the abuse limit; its updates are set aside for the window");
        }
        if let Err(err) = store::inbox::set_aside(&self.pool, &set_aside, now, "throttled").await {
            tracing::error!(chat, error = %err, "setting throttled updates aside failed");
        }
        // A button press set aside still gets its answer, or the client spins.
        for query_id in presses {
            if let Err(err) = self.bot.answer_callback_query(CallbackQueryId(query_id)).await {
                let error = crate::error::telegram_error_text(&err);
                tracing::warn!(chat, error, "answering a throttled button press failed");
            }
        }
        (keep, tell.then_some(chat))
    }

    async fn ask_to_slow_down(&self, chat: i64) {
        let locale = self.locale_of(chat).await;
        let notice = Outgoing::new(Text::new("flood-slow-down"));
        if let Err(err) = self.send_within_limits(chat, &notice, locale).await {
            tracing::warn!(chat, error = crate::error::telegram_error_text(&err), "could not ask a chat to slow down");
        }
    }

    async fn handle_row(&self, row: InboxRow) {
        let update_id = row.update_id;
        let timer = self.metrics.handler_seconds.start_timer();
        let turn = self.chat_turn(row.chat_id).await;
        // Everything the unit of work logs (sqlx's statements too) carries the update.
        let result = self.process(&row).instrument(tracing::info_span!("update", update_id)).await;
        if let Some(turn) = turn {
            turn.release().await;
        }
        timer.observe_duration();
        let err = match result {
            Ok(outcome) => {
                self.metrics.updates.with_label_values(&[outcome]).inc();
                return;
            }
            Err(err) => err,
        };
        tracing::error!(update_id, error = format!("{err:#}"), "handling an update failed");
        let attempts = match store::inbox::record_failure(&self.pool, update_id, &format!("{err:#}")).await {
            Ok(n) => n,
            Err(db) => {
                tracing::error!(update_id, error = %db, "recording the failure failed");
                return;
            }
        };
        if attempts < MAX_ATTEMPTS {
            self.metrics.updates.with_label_values(&["failed"]).inc();
            return;
        }
        self.metrics.updates.with_label_values(&["gave_up"]).inc();
        // Set it aside so the chat is not stuck behind it, and apologise.
        let set_aside = async {
            let mut conn = self.pool.acquire().await?;
            store::inbox::mark_handled(&mut conn, update_id, self.clock.now(), Some("gave up")).await
        };
        if let Err(db) = set_aside.await {
            tracing::error!(update_id, error = %db, "setting a failing update aside failed");
        }
        if let Some(chat) = row.chat_id {
            let locale = self.locale_of(chat).await;
            let sorry = Outgoing::new(Text::new("error-generic"));
            if let Err(e) = self.send_within_limits(chat, &sorry, locale).await {
                tracing::warn!(chat, error = crate::error::telegram_error_text(&e), "could not apologise");
            }
        }
    }

    /// With several replicas, waits until no other replica is handling or
    /// answering this chat (see `store::chat_turn`). Without the turn (the
    /// database refused it) the update is handled anyway: the transaction's
    /// chat lock still keeps the handling itself in order.
    async fn chat_turn(&self, chat: Option<i64>) -> Option<store::chat_turn::ChatTurn> {
        let (pool, chat) = (self.turns.as_ref()?, chat?);
        store::chat_turn::take(pool, chat)
            .await
            .inspect_err(|err| tracing::warn!(chat, error = %err, "could not take the chat's turn"))
            .ok()
    }

    async fn locale_of(&self, chat: i64) -> Locale {
        let Ok(mut conn) = self.pool.acquire().await else { return self.settings.default_locale };
        match store::users::get(&mut conn, chat).await {
            Ok(Some(user)) => user.locale(),
            _ => self.settings.default_locale,
        }
    }

    /// Handles one row in one transaction; the outcome is a metrics label:
    /// "handled", "duplicate" (handled before) or "ignored" (nothing to act on).
    async fn process(&self, row: &InboxRow) -> anyhow::Result<&'static str> {
        let update = crate::bot::listener::parse(&row.payload).context("the stored update does not parse")?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        if !store::inbox::claim(&mut tx, row.update_id, row.chat_id, now).await? {
            tracing::debug!(update_id = row.update_id, "already handled; skipping");
            return Ok("duplicate");
        }
        let private = update.chat().is_none_or(|chat| chat.is_private());
        let (Some(user), Some(chat_id), true) = (update.from().cloned(), row.chat_id, private) else {
            // Nothing we act on: a channel post, an update without a person,
            // or a group someone added the bot to (the desk works in private chats).
            tx.commit().await?;
            return Ok("ignored");
        };
        let seen = Seen {
            telegram_id: user.id.0 as i64,
            first_name: &user.first_name,
            last_name: user.last_name.as_deref(),
            username: user.username.as_deref(),
            guessed_locale: Locale::from_telegram(user.language_code.as_deref(), self.settings.default_locale),
        };
        let arrival = store::users::record_arrival(&mut tx, seen, chat_id).await?;
        let actor = people::actor(arrival.user, arrival.staff, arrival.residences, &self.settings);
        let state = State::from_saved(arrival.dialogue).for_actor(&actor);

        let cx = Cx::new(tx, chat_id, actor, self.settings.clone(), self.clock.clone(), self.me.username().to_owned());
        let deps = dptree::deps![update.clone(), self.me.clone(), cx.clone(), state.clone(), self.bot.clone()];
        let outcome = self.handler.dispatch(deps).await;
        if let ControlFlow::Continue(_) = outcome {
            unexpected(&cx, &update);
        }
        let Finished { mut tx, mut replies, next_state, locale } = cx.finish().await;
        if let ControlFlow::Break(Err(err)) = outcome {
            return Err(anyhow::Error::new(err).context(format!("handler for update {}", row.update_id)));
        }
        if let Some(next) = next_state.filter(|next| *next != state) {
            store::dialogues::save(&mut tx, chat_id, &serde_json::to_value(&next)?).await?;
        }
        tx.commit().await?;

        // Every button press gets an answer, or the client spins.
        if let UpdateKind::CallbackQuery(q) = &update.kind
            && !replies.iter().any(|r| matches!(r, Reply::Answer { .. }))
        {
            replies.push(Reply::Answer { query_id: q.id.0.clone(), text: None, alert: false });
        }
        self.send_replies(chat_id, locale, replies).await;
        Ok("handled")
    }

    /// Waits for the flood limits, sends, and on a 429 waits as told and
    /// tries again (a few times: the person is waiting for this answer).
    async fn send_within_limits(
        &self,
        chat_id: i64,
        message: &Outgoing,
        locale: Locale,
    ) -> Result<(), teloxide::RequestError> {
        let mut tries = 0;
        loop {
            self.limits.until_ready(chat_id).await;
            match render::send(&self.bot, chat_id, message, locale).await {
                Err(teloxide::RequestError::RetryAfter(wait)) if tries < 3 => {
                    self.metrics.flood_waits.with_label_values(&["reply"]).inc();
                    tries += 1;
                    tokio::time::sleep(wait.duration()).await;
                }
                result => return result.map(drop),
            }
        }
    }

    /// Sends the replies in order. They are owed to the person who just
    /// acted and is looking at the chat; one that fails is logged, not
    /// retried (the state change it reports is committed and shown again on
    /// their next message).
    async fn send_replies(&self, chat_id: i64, locale: Locale, replies: Vec<Reply>) {
        for mut reply in replies {
            let result = match &mut reply {
                Reply::Send(message) => self.send_within_limits(chat_id, message, locale).await,
                Reply::Edit { message_id, message } => {
                    render::edit(&self.bot, chat_id, *message_id, message, locale).await
                }
                Reply::Document { file_name, bytes, caption } => {
                    self.limits.until_ready(chat_id).await;
                    // Moved, not copied: an export may be tens of megabytes. (The log
                    // line below then shows the reply without its bytes, not as a list of numbers.)
                    let file = teloxide::types::InputFile::memory(std::mem::take(bytes)).file_name(file_name.clone());
                    self.bot.send_document(ChatId(chat_id), file).caption(caption.render(locale)).await.map(drop)
                }
                Reply::ClearButtons { message_id } => {
                    self.bot.edit_message_reply_markup(ChatId(chat_id), MessageId(*message_id)).await.map(drop)
                }
                Reply::SetButtons { message_id, markup } => {
                    let mut request = self.bot.edit_message_reply_markup(ChatId(chat_id), MessageId(*message_id));
                    if let Some(teloxide::types::ReplyMarkup::InlineKeyboard(keyboard)) = render::markup(markup, locale)
                    {
                        request = request.reply_markup(keyboard);
                    }
                    request.await.map(drop)
                }
                Reply::Answer { query_id, text, alert } => {
                    let mut request = self.bot.answer_callback_query(CallbackQueryId(query_id.clone()));
                    if let Some(text) = text {
                        request = request.text(text.render(locale)).show_alert(*alert);
                    }
                    request.await.map(drop)
                }
            };
            if let Err(err) = result {
                // What kind of reply, never its text: that is a person's words.
                let error = crate::error::telegram_error_text(&err);
                tracing::warn!(chat_id, error, reply = %reply_summary(&reply), "a direct reply failed");
            }
        }
    }
}

/// A reply as logs may name it: its kind and, for a message, the message
/// key ("send ticket-card"), never the text or arguments (a person's words,
/// a phone number).
fn reply_summary(reply: &Reply) -> String {
    fn key(text: &Text) -> &str {
        match text {
            Text::Key { key, .. } => key,
            Text::Lines(lines) => lines.first().map_or("lines", key),
            Text::Plain(_) => "plain",
        }
    }
    match reply {
        Reply::Send(message) => format!("send {}", key(&message.text)),
        Reply::Edit { message, .. } => format!("edit {}", key(&message.text)),
        Reply::Document { .. } => "document".into(),
        Reply::ClearButtons { .. } => "clear buttons".into(),
        Reply::SetButtons { .. } => "set buttons".into(),
        Reply::Answer { .. } => "answer".into(),
    }
}

/// No branch took the update: input this step does not handle.
fn unexpected(cx: &Cx, update: &Update) {
    match &update.kind {
        UpdateKind::CallbackQuery(q) => crate::bot::fallback::button_expired(cx, &q.id.0),
        UpdateKind::Message(_) => crate::bot::fallback::say_with_home(cx, Text::new("error-not-understood")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_reply_is_named_by_its_kind_and_key_never_its_words() {
        let card = Text::new("ticket-card").arg("phone", "+8613800000001").arg("description", "厨房漏水");
        assert_eq!(reply_summary(&Reply::Send(Outgoing::new(card))), "send ticket-card");
        let plain = Reply::Edit { message_id: 1, message: Outgoing::new(Text::plain("13800000001")) };
        assert_eq!(reply_summary(&plain), "edit plain");
    }
}
