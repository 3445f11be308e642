//! The answers to the person who just acted, sent once their update's unit
//! of work has committed: in order, within Telegram's limits.

use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, ChatId};

use super::Runner;
use crate::bot::context::Reply;
use crate::bot::render;
use crate::delivery::sender::{Failure, classify};
use crate::domain::{Delivery, Outgoing};
use crate::i18n::{Locale, Text};
use crate::store::{self, outbox::ReplyOutcome};

impl Runner {
    /// Waits for the flood limits, sends, and on a 429 waits as told and
    /// tries again (a few times: the person is waiting for this answer).
    pub(super) async fn send_within_limits(
        &self,
        chat_id: i64,
        message: &Outgoing,
        locale: Locale,
    ) -> Result<(), teloxide::RequestError> {
        self.deliver_within_limits(chat_id, &Delivery::Send(message.clone()), locale).await.map(drop)
    }

    /// Sends the replies in order, then records in one statement how each
    /// kept one went (`ids`: the rows `Reply::delivery` gave, in order). One
    /// that fails for a while (5xx, network, the flood limit) is handed to
    /// the outbox sender with the rest after it, so the person still gets
    /// them, in order; one Telegram refuses for good is recorded dead.
    pub(super) async fn send_replies(&self, chat_id: i64, locale: Locale, replies: Vec<Reply>, ids: Vec<i64>) {
        let mut ids = ids.into_iter();
        let mut outcomes: Vec<(i64, ReplyOutcome)> = Vec::new();
        // Set once one is handed over: those after it follow it.
        let mut handed_over: Option<chrono::DateTime<chrono::Utc>> = None;
        for mut reply in replies {
            let delivery = reply.delivery();
            let id = delivery.as_ref().and_then(|_| ids.next());
            if let (Some(not_before), Some(id)) = (handed_over, id) {
                let error = "after a reply handed to the sender".to_owned();
                outcomes.push((id, ReplyOutcome::Retry { not_before, error }));
                continue;
            }
            let result = match (&mut reply, &delivery) {
                (_, Some(delivery)) => self.deliver_within_limits(chat_id, delivery, locale).await,
                (Reply::Document { file_name, bytes, caption }, None) => {
                    self.limits.until_ready(chat_id).await;
                    // Moved, not copied: an export may be tens of megabytes. (The log
                    // line below then shows the reply without its bytes, not as a list of numbers.)
                    let file = teloxide::types::InputFile::memory(std::mem::take(bytes)).file_name(file_name.clone());
                    let sent = self.bot.send_document(ChatId(chat_id), file).caption(caption.render(locale)).await;
                    sent.map(|m| m.id.0)
                }
                (Reply::Answer { query_id, text, alert }, None) => {
                    let mut request = self.bot.answer_callback_query(CallbackQueryId(query_id.clone()));
                    if let Some(text) = text {
                        request = request.text(text.render(locale)).show_alert(*alert);
                    }
                    request.await.map(|_| 0)
                }
                (_, None) => Ok(0),
            };
            let err = match result {
                Ok(message_id) => {
                    outcomes.extend(id.map(|id| (id, ReplyOutcome::Sent { message_id })));
                    continue;
                }
                Err(err) => err,
            };
            // What kind of reply, never its text: that is a person's words.
            let error = crate::error::telegram_error_text(&err);
            tracing::warn!(chat_id, error, reply = %reply_summary(&reply), "a direct reply failed");
            let Some(id) = id else { continue };
            outcomes.push((id, after_failure(&err, error, self.clock.now(), &mut handed_over)));
        }
        self.settle_replies(&outcomes).await;
    }

    /// Sends the chat's earlier replies that are still to go out — left
    /// claimed by a runner that died, or waiting for the sender — before its
    /// next update is answered (`begin_update` said 'replies'). False when
    /// there were none this runner could take (the sender is sending them:
    /// the update waits a moment).
    pub(super) async fn send_earlier_replies(&self, chat_id: i64) -> bool {
        let runner = self.connections.runner();
        let rows = match store::outbox::take_over_replies(&self.pool, chat_id, runner, self.clock.now()).await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::warn!(chat_id, error = %err, "taking over a chat's earlier replies failed");
                return false;
            }
        };
        if rows.is_empty() {
            return false;
        }
        tracing::info!(chat_id, replies = rows.len(), "sending a chat's earlier replies before its next update");
        let mut outcomes = Vec::with_capacity(rows.len());
        let mut handed_over = None;
        for row in rows {
            let locale = row.locale.as_deref().and_then(Locale::parse).unwrap_or(self.settings.default_locale);
            let outcome = match (handed_over, serde_json::from_value::<Delivery>(row.payload)) {
                (Some(not_before), _) => {
                    ReplyOutcome::Retry { not_before, error: "after a reply handed to the sender".to_owned() }
                }
                (None, Err(err)) => ReplyOutcome::Dead { error: format!("unreadable payload: {err}") },
                (None, Ok(delivery)) => match self.deliver_within_limits(chat_id, &delivery, locale).await {
                    Ok(message_id) => ReplyOutcome::Sent { message_id },
                    Err(err) => {
                        let error = crate::error::telegram_error_text(&err);
                        tracing::warn!(chat_id, error, "an earlier direct reply failed");
                        after_failure(&err, error, self.clock.now(), &mut handed_over)
                    }
                },
            };
            outcomes.push((row.id, outcome));
        }
        self.settle_replies(&outcomes).await;
        true
    }

    /// Sends one reply: waits for the flood limits, and on a 429 waits as
    /// told and tries again (a few times: the person is waiting for it).
    async fn deliver_within_limits(
        &self,
        chat_id: i64,
        delivery: &Delivery,
        locale: Locale,
    ) -> Result<i32, teloxide::RequestError> {
        let mut tries = 0;
        loop {
            // New messages keep the send limits; an edit of the message the
            // person just pressed does not wait behind a broadcast for them
            // (nor did it before replies were kept).
            if matches!(delivery, Delivery::Send(_)) {
                self.limits.until_ready(chat_id).await;
            }
            match render::deliver(&self.bot, chat_id, delivery, locale).await {
                Err(teloxide::RequestError::RetryAfter(wait)) if tries < 3 => {
                    self.metrics.flood_waits.with_label_values(&["reply"]).inc();
                    tries += 1;
                    tokio::time::sleep(wait.duration()).await;
                }
                result => return result,
            }
        }
    }

    /// Records the outcomes: at once when one went to the sender (the chat's
    /// next update must find it waiting) or with several replicas, else by
    /// the settler, in a batch.
    async fn settle_replies(&self, outcomes: &[(i64, ReplyOutcome)]) {
        if outcomes.is_empty() {
            return;
        }
        // With several replicas the chat's next update may go to another one
        // as soon as these replies are out: it must find them settled.
        let now = self.turns.is_some() || outcomes.iter().any(|(_, o)| matches!(o, ReplyOutcome::Retry { .. }));
        let queued = !now && {
            let settler = self.settler.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            settler.as_ref().is_some_and(|tx| tx.send(outcomes.to_vec()).is_ok())
        };
        if !queued {
            super::settle::write(&self.pool, self.connections.runner(), &self.clock, outcomes).await;
        }
    }
}

/// What becomes of a kept reply Telegram refused: for a while (a flood wait,
/// a 5xx, the network) it goes to the sender, and `handed_over` makes the
/// replies after it follow; for good, it is dead.
fn after_failure(
    err: &teloxide::RequestError,
    error: String,
    now: chrono::DateTime<chrono::Utc>,
    handed_over: &mut Option<chrono::DateTime<chrono::Utc>>,
) -> ReplyOutcome {
    let wait = match classify(err) {
        Failure::FloodWait(secs) => chrono::Duration::seconds(i64::from(secs)),
        Failure::Transient(_) => chrono::Duration::seconds(1),
        Failure::Unreachable(_) | Failure::Permanent(_) => return ReplyOutcome::Dead { error },
    };
    let not_before = now + wait;
    *handed_over = Some(not_before);
    ReplyOutcome::Retry { not_before, error }
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
