//! The Bot API routes: `/bot<token>/<method>` and `/file/bot<token>/<file_path>`, answering with
//! Telegram's envelope (`{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`).
//! Sending, editing and callback answers are in `sending.rs`; this file holds the dispatch, the
//! update queue (`getUpdates` long polling), webhooks, commands, files and chats.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};

use super::Inner;
use super::editing;
use super::faults;
use super::json;
use super::params::Params;
use super::sending;
use super::state::State;
use super::types::{BotCommandView, RegisteredCommands};

/// Telegram accepts uploads up to 50 MB.
pub(crate) const MAX_BODY: usize = 50 * 1024 * 1024;

/// The longest `getUpdates` long poll Telegram allows.
const MAX_POLL_SECONDS: i64 = 50;

/// An error answer, shaped like Telegram's.
#[derive(Clone, Debug)]
pub(crate) struct ApiFailure {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u32>,
    /// Answer with HTTP 200 (the error only in the body): see `Chaos::status_in_body`.
    pub http_ok: bool,
}

impl ApiFailure {
    pub(crate) fn new(code: u16, description: impl Into<String>) -> Self {
        Self { code, description: description.into(), retry_after: None, http_ok: false }
    }

    pub(crate) fn bad_request(detail: impl AsRef<str>) -> Self {
        Self::new(400, format!("Bad Request: {}", detail.as_ref()))
    }

    /// Not an answer: the request is never answered (`FaultKind::Stall`).
    pub(crate) fn stall() -> Self {
        Self::new(0, "stalled")
    }

    pub(crate) fn blocked() -> Self {
        Self::new(403, "Forbidden: bot was blocked by the user")
    }

    pub(crate) fn retry_after(seconds: u32) -> Self {
        let description = format!("Too Many Requests: retry after {seconds}");
        Self { code: 429, description, retry_after: Some(seconds), http_ok: false }
    }

    pub(crate) fn server_error(status: u16) -> Self {
        let reason =
            StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Internal Server Error");
        Self::new(status, reason)
    }

    fn not_found() -> Self {
        Self::new(404, "Not Found")
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut body = json!({ "ok": false, "error_code": self.code, "description": self.description });
        if let Some(seconds) = self.retry_after {
            body["parameters"] = json!({ "retry_after": seconds });
        }
        let status = if self.http_ok {
            StatusCode::OK
        } else {
            StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST)
        };
        (status, axum::Json(body)).into_response()
    }
}

pub(crate) type ApiResult = Result<Value, ApiFailure>;

fn reply(result: ApiResult) -> Response {
    match result {
        Ok(result) => axum::Json(json!({ "ok": true, "result": result })).into_response(),
        Err(failure) => failure.into_response(),
    }
}

pub(crate) fn routes(inner: Arc<Inner>) -> Router {
    let token = inner.token.clone();
    Router::new()
        .route(&format!("/bot{token}/{{method}}"), any(handle))
        .route(&format!("/file/bot{token}/{{*path}}"), get(download))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(inner)
}

async fn handle(AxumState(inner): AxumState<Arc<Inner>>, Path(method): Path<String>, req: Request) -> Response {
    let params = match Params::from_request(req).await {
        Ok(p) => p,
        Err(e) => return ApiFailure::bad_request(e).into_response(),
    };
    let fault = inner.with_state(|s| {
        *s.request_counts.entry(method.clone()).or_default() += 1;
        let chat_id = params.i64("chat_id");
        faults::take_fault(s, &method, chat_id).or_else(|| faults::take_chaos(s, &method, chat_id))
    });
    if let Some(failure) = fault {
        if failure.code == 0 {
            // Stalled: never answered; ends when the client drops the request.
            return std::future::pending().await;
        }
        return failure.into_response();
    }
    if method.eq_ignore_ascii_case("getUpdates") {
        return reply_updates(get_updates(&inner, &params).await);
    }
    let answer = inner.with_state(|s| call(s, &method, &params));
    if method.eq_ignore_ascii_case("setWebhook") {
        super::webhook::start(&inner);
    }
    reply(answer)
}

/// Every method but `getUpdates` runs under the lock, without awaiting.
fn call(s: &mut State, method: &str, p: &Params) -> ApiResult {
    match method.to_ascii_lowercase().as_str() {
        "getme" => Ok(json::me(s.bot_id, &s.bot_username)),
        "logout" | "close" => Ok(json!(true)),
        "deletewebhook" => {
            s.webhook_url = None;
            if p.bool("drop_pending_updates") {
                s.pending.clear();
            }
            Ok(json!(true))
        }
        "setwebhook" => {
            s.webhook_url = p.str("url").filter(|u| !u.is_empty());
            super::webhook::configure(s, p);
            // Remembered like getUpdates' list (shown by getWebhookInfo).
            if let Some(allowed) = p.json("allowed_updates").and_then(|v| {
                v.as_array().map(|a| a.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect::<Vec<_>>())
            }) {
                s.allowed_updates = (!allowed.is_empty()).then_some(allowed);
            }
            Ok(json!(true))
        }
        "getwebhookinfo" => Ok(json::webhook_info(s.webhook_url.as_deref(), s.pending.len(), &s.allowed_updates)),
        "setmycommands" => set_my_commands(s, p),
        "getmycommands" => get_my_commands(s, p),
        "deletemycommands" => {
            let (scope, language) = scope_and_language(p);
            s.commands.retain(|c| !(c.scope == scope && c.language_code == language));
            Ok(json!(true))
        }
        "setmydescription" | "setmyshortdescription" | "setmyname" | "setchatmenubutton" => Ok(json!(true)),
        "getfile" => get_file(s, p),
        "getchat" => {
            let chat_id = p.i64("chat_id").ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
            let user = s.users.get(&chat_id).ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
            Ok(json::chat_full_info(user))
        }
        "sendchataction" => {
            sending::recipient(s, p, method)?;
            Ok(json!(true))
        }
        "sendmessage" => sending::send_message(s, p),
        "sendphoto" => sending::send_photo(s, p),
        "senddocument" => sending::send_document(s, p),
        "sendsticker" => sending::send_sticker(s, p),
        "sendmediagroup" => sending::send_media_group(s, p),
        "sendlocation" => sending::send_location(s, p),
        "sendcontact" => sending::send_contact(s, p),
        "editmessagetext" => editing::edit(s, p, editing::Edit::Text),
        "editmessagecaption" => editing::edit(s, p, editing::Edit::Caption),
        "editmessagereplymarkup" => editing::edit(s, p, editing::Edit::ReplyMarkup),
        "deletemessage" => editing::delete_message(s, p),
        "answercallbackquery" => editing::answer_callback_query(s, p),
        _ => Err(ApiFailure::not_found()),
    }
}

/// Long polling: answers at once when updates are waiting, otherwise when one arrives or `timeout`
/// seconds pass. Woken through a watch channel, so an update queued between the check and the wait
/// is never missed (the receiver is subscribed before the first check).
async fn get_updates(inner: &Inner, p: &Params) -> Result<Vec<Box<serde_json::value::RawValue>>, ApiFailure> {
    let offset = p.i64("offset").unwrap_or(0);
    let limit = p.i64("limit").filter(|l| (1..=100).contains(l)).unwrap_or(100) as usize;
    let timeout = p.i64("timeout").unwrap_or(0).clamp(0, MAX_POLL_SECONDS) as u64;
    let allowed = p
        .json("allowed_updates")
        .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect::<Vec<_>>()));
    let webhook_active = inner.with_state(|s| {
        if let Some(allowed) = allowed {
            // Telegram remembers the list; an empty one means "the default kinds" again.
            s.allowed_updates = (!allowed.is_empty()).then_some(allowed);
        }
        s.webhook_url.is_some()
    });
    if webhook_active {
        return Err(ApiFailure::new(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let mut changes = inner.updates_tx.subscribe();
    loop {
        let batch = inner.with_state(|s| s.take_updates(offset, limit));
        if !batch.is_empty() {
            return Ok(batch);
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            _ => return Ok(Vec::new()),
        }
    }
}

/// `getUpdates`' answer, written as text: a raw update may hold what a `Value` cannot.
fn reply_updates(result: Result<Vec<Box<serde_json::value::RawValue>>, ApiFailure>) -> Response {
    #[derive(serde::Serialize)]
    struct Answer {
        ok: bool,
        result: Vec<Box<serde_json::value::RawValue>>,
    }
    match result {
        Ok(result) => axum::Json(Answer { ok: true, result }).into_response(),
        Err(failure) => failure.into_response(),
    }
}

fn scope_and_language(p: &Params) -> (Value, Option<String>) {
    let scope = p.json("scope").unwrap_or_else(|| json!({ "type": "default" }));
    let language = p.str("language_code").filter(|l| !l.is_empty());
    (scope, language)
}

fn set_my_commands(s: &mut State, p: &Params) -> ApiResult {
    let (scope, language_code) = scope_and_language(p);
    let raw = p.json("commands").and_then(|v| v.as_array().cloned()).unwrap_or_default();
    let mut commands = Vec::new();
    for c in raw {
        let command = c.get("command").and_then(Value::as_str).unwrap_or_default().to_owned();
        let description = c.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
        let valid = (1..=32).contains(&command.len())
            && command.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid {
            return Err(ApiFailure::bad_request("BOT_COMMAND_INVALID"));
        }
        if description.is_empty() || description.chars().count() > 256 {
            return Err(ApiFailure::bad_request("command description is empty or too long"));
        }
        commands.push(BotCommandView { command, description });
    }
    let existing = s.commands.iter().position(|c| c.scope == scope && c.language_code == language_code);
    match (existing, commands.is_empty()) {
        (Some(i), true) => {
            s.commands.remove(i);
        }
        (Some(i), false) => s.commands[i].commands = commands,
        (None, true) => {}
        (None, false) => s.commands.push(RegisteredCommands { scope, language_code, commands }),
    }
    Ok(json!(true))
}

fn get_my_commands(s: &State, p: &Params) -> ApiResult {
    let (scope, language_code) = scope_and_language(p);
    let commands = s
        .commands
        .iter()
        .find(|c| c.scope == scope && c.language_code == language_code)
        .map(|c| c.commands.clone())
        .unwrap_or_default();
    Ok(json!(commands))
}

fn get_file(s: &State, p: &Params) -> ApiResult {
    let file_id = p.str("file_id").unwrap_or_default();
    let file = s.files.get(&file_id).ok_or_else(|| ApiFailure::bad_request("invalid file_id"))?;
    Ok(json::file(&file_id, &file.unique_id, file.bytes.len(), &file.path))
}

async fn download(AxumState(inner): AxumState<Arc<Inner>>, Path(path): Path<String>) -> Response {
    let file = inner.with_state(|s| s.file_paths.get(&path).and_then(|id| s.files.get(id)).cloned());
    match file {
        Some(f) => ([(header::CONTENT_TYPE, f.mime)], f.bytes).into_response(),
        None => ApiFailure::not_found().into_response(),
    }
}
