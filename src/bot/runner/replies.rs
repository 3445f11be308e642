//! The answers to the person who just acted, sent once their update's unit
//! of work has committed: in order, within Telegram's limits.

use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, ChatId, MessageId};

use super::Runner;
use crate::bot::context::Reply;
use crate::bot::render;
use crate::domain::Outgoing;
use crate::i18n::{Locale, Text};

impl Runner {
    /// Waits for the flood limits, sends, and on a 429 waits as told and
    /// tries again (a few times: the person is waiting for this answer).
    pub(super) async fn send_within_limits(
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
    pub(super) async fn send_replies(&self, chat_id: i64, locale: Locale, replies: Vec<Reply>) {
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
            if let Err(err) = result
                && !crate::error::already_shown(&err)
            {
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
