//! The control HTTP API, for the browser chat page: play a user, and read a chat (long polling).
//! JSON everywhere except photo and document uploads (multipart). Served from the same origin as the
//! page, so no CORS.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::bot_api::MAX_BODY;
use super::state::{StoredFile, sniff_image_mime};
use super::{Chaos, EmuError, EmuUser, Emulator};

/// The longest a page may long-poll a chat.
const MAX_WAIT_SECONDS: u64 = 30;

pub(crate) fn routes(emulator: Emulator) -> Router {
    Router::new()
        .route("/control/users", get(list_users).post(register_user))
        .route("/control/users/{id}/text", post(text))
        .route("/control/users/{id}/contact", post(contact))
        .route("/control/users/{id}/photo", post(photo))
        .route("/control/users/{id}/document", post(document))
        .route("/control/users/{id}/location", post(location))
        .route("/control/users/{id}/sticker", post(sticker))
        .route("/control/users/{id}/voice", post(voice))
        .route("/control/users/{id}/press", post(press))
        .route("/control/users/{id}/reply_button", post(reply_button))
        .route("/control/users/{id}/blocked", post(blocked))
        .route("/control/chats/{id}/messages", get(chat_messages))
        .route("/control/chaos", post(chaos))
        .route("/control/files/{file_id}", get(file))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(emulator)
}

struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<EmuError> for ControlError {
    fn from(e: EmuError) -> Self {
        let status = match e {
            EmuError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            EmuError::NoSuchButton { .. } | EmuError::UnknownUser(_) => StatusCode::NOT_FOUND,
        };
        ControlError(status, e.to_string())
    }
}

type ControlResult = Result<Json<Value>, ControlError>;

/// Control routes only act for registered users.
fn registered(emu: &Emulator, id: i64) -> Result<(), ControlError> {
    match emu.user(id) {
        Some(_) => Ok(()),
        None => Err(EmuError::UnknownUser(id).into()),
    }
}

fn bad_request(detail: impl Into<String>) -> ControlError {
    ControlError(StatusCode::BAD_REQUEST, detail.into())
}

fn message_id(id: i32) -> ControlResult {
    Ok(Json(json!({ "message_id": id })))
}

async fn list_users(State(emu): State<Emulator>) -> Json<Vec<EmuUser>> {
    Json(emu.users())
}

async fn register_user(State(emu): State<Emulator>, Json(user): Json<EmuUser>) -> Json<EmuUser> {
    emu.register_user(user.clone());
    Json(user)
}

#[derive(Deserialize)]
struct TextBody {
    text: String,
}

async fn text(State(emu): State<Emulator>, Path(id): Path<i64>, Json(body): Json<TextBody>) -> ControlResult {
    registered(&emu, id)?;
    if body.text.trim().is_empty() {
        return Err(bad_request("text is empty"));
    }
    message_id(emu.send_text(id, &body.text))
}

#[derive(Deserialize, Default)]
struct ContactBody {
    phone: Option<String>,
    first_name: Option<String>,
    user_id: Option<i64>,
}

/// An empty body (or `{}`) shares the user's own contact.
async fn contact(State(emu): State<Emulator>, Path(id): Path<i64>, body: Option<Json<ContactBody>>) -> ControlResult {
    registered(&emu, id)?;
    let body = body.map(|Json(b)| b).unwrap_or_default();
    match body.phone {
        None => message_id(emu.share_own_contact(id)),
        Some(phone) => {
            let first_name = body.first_name.unwrap_or_else(|| "Contact".to_owned());
            message_id(emu.send_contact(id, &phone, &first_name, body.user_id))
        }
    }
}

/// The fields of a multipart upload: the file part `file_field`, and an optional "caption".
async fn read_upload(
    mut multipart: Multipart,
    file_field: &str,
) -> Result<(Vec<u8>, Option<String>, Option<String>), ControlError> {
    let (mut bytes, mut file_name, mut caption) = (None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(|e| bad_request(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_owned();
        let this_file_name = field.file_name().map(str::to_owned);
        let data = field.bytes().await.map_err(|e| bad_request(e.to_string()))?;
        if name == file_field {
            bytes = Some(data.to_vec());
            file_name = this_file_name;
        } else if name == "caption" {
            caption = Some(String::from_utf8_lossy(&data).into_owned()).filter(|c| !c.is_empty());
        }
    }
    let bytes = bytes.ok_or_else(|| bad_request(format!("no {file_field:?} field in the upload")))?;
    Ok((bytes, file_name, caption))
}

async fn photo(State(emu): State<Emulator>, Path(id): Path<i64>, multipart: Multipart) -> ControlResult {
    registered(&emu, id)?;
    let (bytes, _, caption) = read_upload(multipart, "photo").await?;
    message_id(emu.send_photo(id, bytes, caption.as_deref()))
}

async fn document(State(emu): State<Emulator>, Path(id): Path<i64>, multipart: Multipart) -> ControlResult {
    registered(&emu, id)?;
    let (bytes, file_name, _) = read_upload(multipart, "document").await?;
    message_id(emu.send_document(id, file_name.as_deref().unwrap_or("document"), bytes))
}

#[derive(Deserialize)]
struct LocationBody {
    latitude: f64,
    longitude: f64,
}

async fn location(State(emu): State<Emulator>, Path(id): Path<i64>, Json(body): Json<LocationBody>) -> ControlResult {
    registered(&emu, id)?;
    message_id(emu.send_location(id, body.latitude, body.longitude))
}

async fn sticker(State(emu): State<Emulator>, Path(id): Path<i64>) -> ControlResult {
    registered(&emu, id)?;
    message_id(emu.send_sticker(id))
}

async fn voice(State(emu): State<Emulator>, Path(id): Path<i64>) -> ControlResult {
    registered(&emu, id)?;
    message_id(emu.send_voice(id))
}

#[derive(Deserialize)]
struct PressBody {
    message_id: i32,
    data: String,
}

async fn press(State(emu): State<Emulator>, Path(id): Path<i64>, Json(body): Json<PressBody>) -> ControlResult {
    registered(&emu, id)?;
    Ok(Json(json!({ "query_id": emu.press_inline(id, body.message_id, &body.data) })))
}

#[derive(Deserialize)]
struct ReplyButtonBody {
    label: String,
}

async fn reply_button(
    State(emu): State<Emulator>,
    Path(id): Path<i64>,
    Json(body): Json<ReplyButtonBody>,
) -> ControlResult {
    registered(&emu, id)?;
    message_id(emu.press_reply(id, &body.label)?)
}

#[derive(Deserialize)]
struct BlockedBody {
    blocked: bool,
}

async fn blocked(State(emu): State<Emulator>, Path(id): Path<i64>, Json(body): Json<BlockedBody>) -> ControlResult {
    registered(&emu, id)?;
    emu.set_blocked(id, body.blocked);
    Ok(Json(json!({ "blocked": body.blocked })))
}

/// `{"server_error_every":10,"burst_every":50,"burst_len":5}` turns the chaos mode on; `null` off.
async fn chaos(State(emu): State<Emulator>, Json(body): Json<Option<Chaos>>) -> Json<Value> {
    let on = body.is_some();
    emu.set_chaos(body);
    Json(json!({ "chaos": on }))
}

#[derive(Deserialize)]
struct MessagesQuery {
    after: Option<u64>,
    wait: Option<u64>,
}

/// Messages of the chat changed after `after` (new, edited or deleted, both directions), the current
/// reply keyboard, and the callback answers with text shown to this user. With `wait`, long-polls up
/// to that many seconds (at most 30) while there is nothing new.
async fn chat_messages(
    State(emu): State<Emulator>,
    Path(id): Path<i64>,
    Query(q): Query<MessagesQuery>,
) -> Json<Value> {
    let after = q.after.unwrap_or(0);
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(MAX_WAIT_SECONDS));
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = emu.inner.events_tx.subscribe();
    loop {
        let (seq, messages, alerts) = emu.inner.with_state(|s| {
            let messages: Vec<_> = s.views(id).into_iter().filter(|m| m.seq > after).collect();
            let alerts: Vec<_> = s
                .callback_answers
                .iter()
                .filter(|a| a.user_id == id && a.seq > after && a.text.is_some())
                .cloned()
                .collect();
            (s.seq, messages, alerts)
        });
        let nothing_new = messages.is_empty() && alerts.is_empty();
        if nothing_new && matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(()))) {
            continue;
        }
        return Json(json!({
            "seq": seq,
            "messages": messages,
            "reply_keyboard": emu.current_reply_keyboard(id),
            "alerts": alerts,
        }));
    }
}

async fn file(State(emu): State<Emulator>, Path(file_id): Path<String>) -> Response {
    let file: Option<StoredFile> = emu.inner.with_state(|s| s.files.get(&file_id).cloned());
    match file {
        Some(f) => {
            let mime = sniff_image_mime(&f.bytes).map(str::to_owned).unwrap_or(f.mime);
            ([(header::CONTENT_TYPE, mime)], f.bytes).into_response()
        }
        None => ControlError(StatusCode::NOT_FOUND, format!("no file {file_id}")).into_response(),
    }
}
