//! What the bot does to messages already in a chat: edit and delete them, and answer the callback
//! queries their buttons raised, with Telegram's rules ("message is not modified", one answer per query).

use serde_json::{Value, json};

use super::bot_api::{ApiFailure, ApiResult};
use super::json;
use super::params::Params;
use super::sending::{MAX_CAPTION, MAX_TEXT, Markup, parse_markup, recipient, render};
use super::state::{State, now_unix};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Edit {
    Text,
    Caption,
    ReplyMarkup,
}

/// `editMessageText`, `editMessageCaption` and `editMessageReplyMarkup`. As on Telegram, an edit
/// without `reply_markup` removes the inline keyboard, and an edit that changes nothing is a 400.
pub(crate) fn edit(s: &mut State, p: &Params, what: Edit) -> ApiResult {
    if p.has("inline_message_id") {
        return Err(ApiFailure::bad_request("inline messages are not supported by the emulator"));
    }
    let new_markup = match parse_markup(p)? {
        Markup::Inline(m) => Some(m),
        Markup::None => None,
        _ => return Err(ApiFailure::bad_request("inline keyboard expected")),
    };
    let new_text = match what {
        Edit::Text => {
            let text = p.str("text").unwrap_or_default();
            if text.trim().is_empty() {
                return Err(ApiFailure::bad_request("message text is empty"));
            }
            Some(render(&text, p, MAX_TEXT, "message is too long")?)
        }
        Edit::Caption => match p.str("caption").filter(|c| !c.is_empty()) {
            Some(c) => Some(render(&c, p, MAX_CAPTION, "message caption is too long")?),
            None => None,
        },
        Edit::ReplyMarkup => None,
    };
    let chat_id = recipient(s, p, "editMessage")?;
    let message_id = p.i64("message_id").unwrap_or_default() as i32;
    let seq = s.seq + 1;
    let message =
        s.find_message(chat_id, message_id).ok_or_else(|| ApiFailure::bad_request("message to edit not found"))?;
    if !message.view.from_bot {
        return Err(ApiFailure::bad_request("message can't be edited"));
    }
    let field = match what {
        Edit::Text if !message.json.contains_key("text") => {
            return Err(ApiFailure::bad_request("there is no text in the message to edit"));
        }
        Edit::Caption if message.json.contains_key("text") => {
            return Err(ApiFailure::bad_request("there is no caption in the message to edit"));
        }
        Edit::Text => "text",
        _ => "caption",
    };
    let old_text = message.json.get(field).and_then(Value::as_str).map(str::to_owned);
    let text_after = if what == Edit::ReplyMarkup { old_text.clone() } else { new_text };
    if old_text == text_after && message.json.get("reply_markup") == new_markup.as_ref() {
        return Err(ApiFailure::bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    let j = &mut message.json;
    j.remove(field);
    if field == "text" {
        j.remove("entities");
        j.extend(json::text_content(text_after.as_deref().unwrap_or_default()));
    } else if let Some(t) = &text_after {
        j.insert(field.into(), json!(t));
    }
    match &new_markup {
        Some(m) => j.insert("reply_markup".into(), m.clone()),
        None => j.remove("reply_markup"),
    };
    j.insert("edit_date".into(), json!(now_unix()));
    let v = &mut message.view;
    if field == "text" {
        v.text = text_after;
    } else {
        v.caption = text_after;
    }
    v.inline_keyboard = new_markup.as_ref().map(|m| json::inline_keyboard_views(&m["inline_keyboard"]));
    v.edited = true;
    v.seq = seq;
    let edited = Value::Object(message.json.clone());
    s.bump_seq();
    s.note_bot_activity(chat_id, seq);
    Ok(edited)
}

pub(crate) fn delete_message(s: &mut State, p: &Params) -> ApiResult {
    let chat_id = recipient(s, p, "deleteMessage")?;
    let message_id = p.i64("message_id").unwrap_or_default() as i32;
    let seq = s.seq + 1;
    let message =
        s.find_message(chat_id, message_id).ok_or_else(|| ApiFailure::bad_request("message to delete not found"))?;
    message.view.deleted = true;
    message.view.seq = seq;
    s.bump_seq();
    s.note_bot_activity(chat_id, seq);
    Ok(json!(true))
}

pub(crate) fn answer_callback_query(s: &mut State, p: &Params) -> ApiResult {
    let id = p.str("callback_query_id").unwrap_or_default();
    let query = s.queries.get_mut(&id).filter(|q| !q.answered).ok_or_else(|| {
        ApiFailure::bad_request("query is too old and response timeout expired or query ID is invalid")
    })?;
    query.answered = true;
    let user_id = query.user_id;
    let text = p.str("text").filter(|t| !t.is_empty());
    s.record_answer(&id, text, p.bool("show_alert"), user_id);
    Ok(json!(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::emulator::sending::{send_message, tests::started_chat};

    #[test]
    fn an_edit_without_reply_markup_removes_the_inline_keyboard() {
        let mut s = started_chat();
        let kb = json!({ "inline_keyboard": [[{ "text": "OK", "callback_data": "ok" }]] });
        let sent =
            send_message(&mut s, &Params::from_json(json!({ "chat_id": 7, "text": "a", "reply_markup": kb }))).unwrap();
        let id = sent["message_id"].clone();
        let edited =
            edit(&mut s, &Params::from_json(json!({ "chat_id": 7, "message_id": id, "text": "b" })), Edit::Text)
                .unwrap();
        assert!(edited.get("reply_markup").is_none());
        let view = s.views(7).pop().unwrap();
        assert_eq!(view.text.as_deref(), Some("b"));
        assert!(view.inline_keyboard.is_none() && view.edited);
    }
}
