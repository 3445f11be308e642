//! Turns an [`Outgoing`] into Bot API requests in the reader's language.
//! Direct replies and the outbox sender both go through here.

use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, ChatId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto,
    KeyboardButton, KeyboardMarkup, KeyboardRemove, MessageId, ReplyMarkup,
};

use crate::bot::keyboards;
use crate::domain::{Delivery, Markup, Outgoing};
use crate::i18n::{Locale, Text};

/// Telegram's limit for one message.
const MAX_TEXT: usize = 4096;

pub fn text(message: &Outgoing, locale: Locale) -> String {
    let mut s = message.text.render(locale);
    if s.chars().count() > MAX_TEXT {
        s = s.chars().take(MAX_TEXT - 1).collect::<String>() + "…";
    }
    s
}

/// Telegram's limit for a photo's caption.
const MAX_CAPTION: usize = 1024;

fn caption(message: &Outgoing, locale: Locale) -> String {
    let mut s = message.text.render(locale);
    if s.encode_utf16().count() > MAX_CAPTION {
        // The wizard refuses longer captions; this only keeps a bug from losing the photo.
        s = s.chars().take(MAX_CAPTION / 2 - 1).collect::<String>() + "…";
    }
    s
}

fn inline(rows: &[Vec<crate::domain::Button>], locale: Locale) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter().map(|b| InlineKeyboardButton::callback(b.label.render(locale), b.data.clone())).collect::<Vec<_>>()
    }))
}

pub fn markup(markup: &Markup, locale: Locale) -> Option<ReplyMarkup> {
    match markup {
        Markup::None => None,
        Markup::Inline(rows) => Some(ReplyMarkup::InlineKeyboard(inline(rows, locale))),
        Markup::Menu(menu) => Some(ReplyMarkup::Keyboard(
            KeyboardMarkup::new(keyboards::rows(*menu).into_iter().map(|row| {
                row.into_iter().map(|item| KeyboardButton::new(item.label().render(locale))).collect::<Vec<_>>()
            }))
            .resize_keyboard(),
        )),
        Markup::RequestContact => Some(ReplyMarkup::Keyboard(
            KeyboardMarkup::new([[
                KeyboardButton::new(Text::new("btn-share-contact").render(locale)).request(ButtonRequest::Contact)
            ]])
            .resize_keyboard()
            .one_time_keyboard(),
        )),
        Markup::RemoveKeyboard => Some(ReplyMarkup::KeyboardRemove(KeyboardRemove::new())),
    }
}

pub async fn send<B>(bot: &B, chat_id: i64, message: &Outgoing, locale: Locale) -> Result<Message, B::Err>
where
    B: Requester,
{
    if message.caption
        && let [photo] = message.photos.as_slice()
    {
        let mut request = bot
            .send_photo(ChatId(chat_id), InputFile::file_id(FileId(photo.clone())))
            .caption(caption(message, locale));
        if let Some(markup) = markup(&message.markup, locale) {
            request = request.reply_markup(markup);
        }
        return request.await;
    }
    match message.photos.as_slice() {
        [] => {}
        [one] => {
            bot.send_photo(ChatId(chat_id), InputFile::file_id(FileId(one.clone()))).await?;
        }
        many => {
            // Telegram takes 2 to 10 photos per album.
            for album in many.chunks(10) {
                let media = album
                    .iter()
                    .map(|id| InputMedia::Photo(InputMediaPhoto::new(InputFile::file_id(FileId(id.clone())))));
                bot.send_media_group(ChatId(chat_id), media).await?;
            }
        }
    }
    let mut request = bot.send_message(ChatId(chat_id), text(message, locale));
    if let Some(markup) = markup(&message.markup, locale) {
        request = request.reply_markup(markup);
    }
    request.await
}

/// Edits one of the bot's messages. Only inline buttons can be attached to
/// an edited message; any other markup leaves it without buttons.
/// Does what a delivery that names its message by id asks (every kind but
/// `Delivery::Edit`, whose target the sender looks up first: refused here as
/// a permanent error). Returns the id of the message that shows it. An edit
/// that changes nothing ("message is not modified": it shows that already,
/// as after a retry) is done.
pub async fn deliver(
    bot: &teloxide::Bot,
    chat_id: i64,
    delivery: &Delivery,
    locale: Locale,
) -> Result<i32, teloxide::RequestError> {
    use teloxide::{ApiError, RequestError};
    let done = |message_id: i32, result: Result<(), RequestError>| match result {
        Err(err) if crate::error::already_shown(&err) => Ok(message_id),
        other => other.map(|()| message_id),
    };
    match delivery {
        Delivery::Send(message) => send(bot, chat_id, message, locale).await.map(|sent| sent.id.0),
        Delivery::EditMessage { message_id, message } => {
            done(*message_id, edit(bot, chat_id, *message_id, message, locale).await)
        }
        Delivery::SetButtons { buttons_of, markup: buttons } => {
            let mut request = bot.edit_message_reply_markup(ChatId(chat_id), MessageId(*buttons_of));
            if let Some(ReplyMarkup::InlineKeyboard(keyboard)) = markup(buttons, locale) {
                request = request.reply_markup(keyboard);
            }
            done(*buttons_of, request.await.map(drop))
        }
        Delivery::Edit { .. } => Err(RequestError::Api(ApiError::Unknown(
            "an edit of an outbox row goes through the sender, which finds its message".to_owned(),
        ))),
    }
}

pub async fn edit<B>(bot: &B, chat_id: i64, message_id: i32, message: &Outgoing, locale: Locale) -> Result<(), B::Err>
where
    B: Requester,
{
    let mut request = bot.edit_message_text(ChatId(chat_id), MessageId(message_id), text(message, locale));
    if let Markup::Inline(rows) = &message.markup {
        request = request.reply_markup(inline(rows, locale));
    }
    request.await.map(drop)
}
