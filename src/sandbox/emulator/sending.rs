//! What the bot sends to a chat (`send*`), with the rules Telegram enforces: who may be messaged, flood
//! limits, parse modes, sizes, keyboards. Edits, deletions and callback answers are in `editing.rs`.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::bot_api::{ApiFailure, ApiResult};
use super::faults;
use super::json;
use super::markup;
use super::params::{InputFileRef, Params};
use super::state::{State, blank_view, sniff_image_mime};
use super::types::ChatMessage;

pub(crate) const MAX_TEXT: usize = 4096;
pub(crate) const MAX_CAPTION: usize = 1024;
const MAX_CALLBACK_DATA: usize = 64;

/// The chat a request targets, checked as Telegram checks it; send methods also pass the flood limits.
pub(crate) fn recipient(s: &mut State, p: &Params, method: &str) -> Result<i64, ApiFailure> {
    let chat_id = p.i64("chat_id").ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
    if !s.users.contains_key(&chat_id) {
        return Err(ApiFailure::bad_request("chat not found"));
    }
    if s.blocked.contains(&chat_id) {
        return Err(ApiFailure::blocked());
    }
    if !s.started.contains(&chat_id) {
        return Err(ApiFailure::new(403, "Forbidden: bot can't initiate conversation with a user"));
    }
    if faults::is_send_method(method) {
        faults::check_flood(s, chat_id, Instant::now())?;
    }
    Ok(chat_id)
}

/// A `reply_markup` parameter.
pub(crate) enum Markup {
    None,
    /// The whole `InlineKeyboardMarkup` object, echoed in the returned message.
    Inline(Value),
    Reply {
        rows: Value,
        one_time: bool,
    },
    Remove,
    ForceReply,
}

pub(crate) fn parse_markup(p: &Params) -> Result<Markup, ApiFailure> {
    let Some(markup) = p.json("reply_markup") else {
        return Ok(Markup::None);
    };
    if let Some(rows) = markup.get("inline_keyboard") {
        for button in rows.as_array().into_iter().flatten().filter_map(Value::as_array).flatten() {
            let data = button.get("callback_data").and_then(Value::as_str).unwrap_or_default();
            if data.len() > MAX_CALLBACK_DATA {
                return Err(ApiFailure::bad_request("BUTTON_DATA_INVALID"));
            }
        }
        return Ok(Markup::Inline(markup));
    }
    if let Some(rows) = markup.get("keyboard") {
        let one_time = markup.get("one_time_keyboard").and_then(Value::as_bool) == Some(true);
        return Ok(Markup::Reply { rows: rows.clone(), one_time });
    }
    if markup.get("remove_keyboard").is_some() {
        return Ok(Markup::Remove);
    }
    if markup.get("force_reply").is_some() {
        return Ok(Markup::ForceReply);
    }
    Err(ApiFailure::bad_request("can't parse reply keyboard markup JSON object"))
}

/// Puts the markup on a new message. Only an inline keyboard appears in the returned `Message`: a
/// reply keyboard there would make teloxide parse the whole message as empty.
fn apply_markup(s: &mut State, chat_id: i64, markup: Markup, content: &mut Map<String, Value>, view: &mut ChatMessage) {
    match markup {
        Markup::Inline(m) => {
            view.inline_keyboard = Some(json::inline_keyboard_views(&m["inline_keyboard"]));
            content.insert("reply_markup".into(), m);
        }
        Markup::Reply { rows, one_time } => {
            let views = json::reply_keyboard_views(&rows);
            view.reply_keyboard = Some(views.clone());
            s.chat(chat_id).reply_keyboard = Some((views, one_time));
        }
        Markup::Remove => {
            view.removes_keyboard = true;
            s.chat(chat_id).reply_keyboard = None;
        }
        Markup::None | Markup::ForceReply => {}
    }
}

pub(crate) fn render(text: &str, p: &Params, max: usize, too_long: &str) -> Result<String, ApiFailure> {
    let parse_mode = p.str("parse_mode");
    let rendered = markup::render(text, parse_mode.as_deref()).map_err(ApiFailure::bad_request)?;
    if rendered.chars().count() > max {
        return Err(ApiFailure::bad_request(too_long));
    }
    Ok(rendered)
}

fn caption(p: &Params, content: &mut Map<String, Value>, view: &mut ChatMessage) -> Result<(), ApiFailure> {
    if let Some(text) = p.str("caption").filter(|c| !c.is_empty()) {
        let rendered = render(&text, p, MAX_CAPTION, "message caption is too long")?;
        content.insert("caption".into(), json!(rendered));
        view.caption = Some(rendered);
    }
    Ok(())
}

pub(crate) fn send_message(s: &mut State, p: &Params) -> ApiResult {
    let text = p.str("text").unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiFailure::bad_request("message text is empty"));
    }
    let rendered = render(&text, p, MAX_TEXT, "message is too long")?;
    let markup = parse_markup(p)?;
    let chat_id = recipient(s, p, "sendMessage")?;
    let mut content = json::text_content(&rendered);
    let mut view = blank_view("text");
    view.text = Some(rendered);
    apply_markup(s, chat_id, markup, &mut content, &mut view);
    Ok(s.bot_message(chat_id, content, view))
}

/// A photo the bot sends: a new upload is stored; a known file id is reused.
fn photo_sizes(s: &mut State, file: Option<InputFileRef>) -> Result<(Value, String), ApiFailure> {
    match file {
        Some(InputFileRef::Upload(upload)) => Ok(s.store_photo(upload.bytes)),
        Some(InputFileRef::Existing(id)) if s.files.contains_key(&id) => {
            let f = &s.files[&id];
            let sizes = json!([json::photo_size(&id, &f.unique_id, f.bytes.len(), 1280, 960)]);
            Ok((sizes, id))
        }
        Some(InputFileRef::Existing(url)) if url.starts_with("http") => Ok(s.store_photo(Vec::new())),
        Some(InputFileRef::Existing(_)) => Err(wrong_file()),
        None => Err(ApiFailure::bad_request("there is no photo in the request")),
    }
}

fn wrong_file() -> ApiFailure {
    ApiFailure::bad_request("wrong file identifier/HTTP URL specified")
}

pub(crate) fn send_photo(s: &mut State, p: &Params) -> ApiResult {
    let mut content = Map::new();
    let mut view = blank_view("photo");
    caption(p, &mut content, &mut view)?;
    let markup = parse_markup(p)?;
    let chat_id = recipient(s, p, "sendPhoto")?;
    let (sizes, largest) = photo_sizes(s, p.input_file("photo"))?;
    content.insert("photo".into(), sizes);
    view.photo_file_id = Some(largest);
    apply_markup(s, chat_id, markup, &mut content, &mut view);
    Ok(s.bot_message(chat_id, content, view))
}

/// The document's JSON, its name and its file id.
fn document_json(s: &mut State, file: Option<InputFileRef>) -> Result<(Value, String, String), ApiFailure> {
    match file {
        Some(InputFileRef::Upload(upload)) => {
            let name = upload.file_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "document".into());
            let mime = upload
                .content_type
                .clone()
                .or_else(|| sniff_image_mime(&upload.bytes).map(str::to_owned))
                .unwrap_or_else(|| "application/octet-stream".into());
            let ext = name.rsplit_once('.').map_or("bin", |(_, e)| e).to_owned();
            let size = upload.bytes.len();
            let (id, unique) = s.store_file(upload.bytes, "documents", &ext, &mime);
            Ok((json::document(&id, &unique, size, &name, &mime), name, id))
        }
        Some(InputFileRef::Existing(id)) if s.files.contains_key(&id) => {
            let f = &s.files[&id];
            let name = f.path.rsplit('/').next().unwrap_or("document").to_owned();
            Ok((json::document(&id, &f.unique_id, f.bytes.len(), &name, &f.mime), name, id))
        }
        Some(InputFileRef::Existing(_)) => Err(wrong_file()),
        None => Err(ApiFailure::bad_request("there is no document in the request")),
    }
}

pub(crate) fn send_document(s: &mut State, p: &Params) -> ApiResult {
    let mut content = Map::new();
    let mut view = blank_view("document");
    caption(p, &mut content, &mut view)?;
    let markup = parse_markup(p)?;
    let chat_id = recipient(s, p, "sendDocument")?;
    let (document, name, id) = document_json(s, p.input_file("document"))?;
    content.insert("document".into(), document);
    view.file_name = Some(name);
    view.document_file_id = Some(id);
    apply_markup(s, chat_id, markup, &mut content, &mut view);
    Ok(s.bot_message(chat_id, content, view))
}

pub(crate) fn send_sticker(s: &mut State, p: &Params) -> ApiResult {
    let markup = parse_markup(p)?;
    let chat_id = recipient(s, p, "sendSticker")?;
    let (id, unique) = match p.input_file("sticker") {
        Some(InputFileRef::Upload(upload)) => s.store_file(upload.bytes, "stickers", "webp", "image/webp"),
        Some(InputFileRef::Existing(id)) => match s.files.get(&id) {
            Some(f) => (id.clone(), f.unique_id.clone()),
            None => return Err(wrong_file()),
        },
        None => {
            return Err(ApiFailure::bad_request("there is no sticker in the request"));
        }
    };
    let mut content = Map::new();
    content.insert("sticker".into(), json::sticker(&id, &unique));
    let mut view = blank_view("sticker");
    apply_markup(s, chat_id, markup, &mut content, &mut view);
    Ok(s.bot_message(chat_id, content, view))
}

pub(crate) fn send_media_group(s: &mut State, p: &Params) -> ApiResult {
    let media = p.json("media").and_then(|m| m.as_array().cloned()).unwrap_or_default();
    if !(2..=10).contains(&media.len()) {
        return Err(ApiFailure::bad_request("media must contain 2-10 items"));
    }
    let chat_id = recipient(s, p, "sendMediaGroup")?;
    let group_id = format!("{}", 13_000_000_000_000_000u64 + s.next_counter());
    let mut sent = Vec::new();
    for item in media {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        let file = p.resolve_file_value(item.get("media").and_then(Value::as_str).unwrap_or_default());
        let mut content = Map::new();
        let mut view = blank_view(if kind == "photo" { "photo" } else { "document" });
        match kind.as_str() {
            "photo" => {
                let (sizes, largest) = photo_sizes(s, file)?;
                content.insert("photo".into(), sizes);
                view.photo_file_id = Some(largest);
            }
            "document" => {
                let (document, name, id) = document_json(s, file)?;
                content.insert("document".into(), document);
                view.file_name = Some(name);
                view.document_file_id = Some(id);
            }
            other => {
                return Err(ApiFailure::bad_request(format!("unsupported media type {other:?}")));
            }
        }
        if let Some(text) = item.get("caption").and_then(Value::as_str).filter(|c| !c.is_empty()) {
            let parse_mode = item.get("parse_mode").and_then(Value::as_str);
            let rendered = markup::render(text, parse_mode).map_err(ApiFailure::bad_request)?;
            content.insert("caption".into(), json!(rendered));
            view.caption = Some(rendered);
        }
        content.insert("media_group_id".into(), json!(group_id));
        view.media_group_id = Some(group_id.clone());
        sent.push(s.bot_message(chat_id, content, view));
    }
    Ok(Value::Array(sent))
}

pub(crate) fn send_location(s: &mut State, p: &Params) -> ApiResult {
    let (Some(latitude), Some(longitude)) = (p.f64("latitude"), p.f64("longitude")) else {
        return Err(ApiFailure::bad_request("wrong latitude or longitude"));
    };
    let markup = parse_markup(p)?;
    let chat_id = recipient(s, p, "sendLocation")?;
    let mut content = Map::new();
    content.insert("location".into(), json::location(latitude, longitude));
    let mut view = blank_view("location");
    view.latitude = Some(latitude);
    view.longitude = Some(longitude);
    apply_markup(s, chat_id, markup, &mut content, &mut view);
    Ok(s.bot_message(chat_id, content, view))
}

pub(crate) fn send_contact(s: &mut State, p: &Params) -> ApiResult {
    let phone = p.str("phone_number").unwrap_or_default();
    let first_name = p.str("first_name").unwrap_or_default();
    if phone.is_empty() || first_name.is_empty() {
        return Err(ApiFailure::bad_request("phone number or first name is empty"));
    }
    let markup = parse_markup(p)?;
    let chat_id = recipient(s, p, "sendContact")?;
    let mut content = Map::new();
    content.insert("contact".into(), json::contact(&phone, &first_name, None));
    let mut view = blank_view("contact");
    view.contact_phone = Some(phone);
    apply_markup(s, chat_id, markup, &mut content, &mut view);
    Ok(s.bot_message(chat_id, content, view))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sandbox::emulator::types::EmuUser;

    pub(crate) fn started_chat() -> State {
        let mut s = State::new(1, "b");
        s.users.insert(7, EmuUser::new(7, "Ann"));
        s.user_message(7, json::text_content("/start"), blank_view("text"));
        s
    }

    #[test]
    fn a_reply_keyboard_is_not_echoed_in_the_returned_message() {
        let mut s = started_chat();
        let kb = json!({ "keyboard": [[{ "text": "Share", "request_contact": true }]] });
        let sent =
            send_message(&mut s, &Params::from_json(json!({ "chat_id": 7, "text": "a", "reply_markup": kb }))).unwrap();
        assert!(sent.get("reply_markup").is_none());
        assert!(s.chats[&7].reply_keyboard.as_ref().unwrap().0[0][0].request_contact);
    }

    #[test]
    fn callback_data_over_64_bytes_is_refused() {
        let mut s = started_chat();
        let kb = json!({ "inline_keyboard": [[{ "text": "x", "callback_data": "a".repeat(65) }]] });
        let err = send_message(&mut s, &Params::from_json(json!({ "chat_id": 7, "text": "a", "reply_markup": kb })))
            .unwrap_err();
        assert_eq!(err.description, "Bad Request: BUTTON_DATA_INVALID");
    }
}
