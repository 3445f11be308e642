//! Long polling that loses nothing: each batch from `getUpdates` is stored
//! in the inbox before the next call confirms it (by asking for a higher
//! offset). teloxide's built-in polling confirms before its handlers finish,
//! so a crash there would lose updates; this one cannot.
//!
//! The batch is fetched as raw JSON with the bot's own HTTP client, URL and
//! token, and stored exactly as Telegram sent it: re-serializing teloxide's
//! parsed `Update` does not always parse back (an inaccessible message in a
//! callback query does not), and an update kind teloxide cannot parse yet
//! is kept rather than lost.

use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use sqlx::PgPool;
use teloxide::Bot;
use teloxide::types::Update;
use tokio_util::sync::CancellationToken;

use crate::bot::intake::{self, Intake};
use crate::bot::runner::{Incoming, Runner};
use crate::store::inbox::InboxRow;

/// Seconds one getUpdates waits for news.
const LONG_POLL_SECS: u64 = 25;

/// The kinds of update the handler tree uses (Telegram remembers this list).
pub const ALLOWED_UPDATES: [&str; 3] = ["message", "callback_query", "my_chat_member"];

/// The chat an update belongs to: its serialization key.
pub fn chat_of(update: &Update) -> Option<i64> {
    update.chat().map(|c| c.id.0).or_else(|| update.from().map(|u| u.id.0 as i64))
}

/// Parses one raw update as teloxide does (from text: teloxide's `Update`
/// does not deserialize from a `serde_json::Value`).
pub fn parse(raw: &Value) -> Option<Update> {
    serde_json::from_str(&raw.to_string()).ok()
}

/// An update as Telegram sent it, parsed once for the runner; None without an `update_id`.
pub fn arrived(raw: Value) -> Option<Incoming> {
    let update_id = raw.get("update_id")?.as_i64()?;
    let update = parse(&raw);
    let chat_id = update.as_ref().and_then(chat_of);
    Some(Incoming { row: InboxRow::arrived(update_id, chat_id, raw), update })
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error("getUpdates: {0}")]
    Http(reqwest::Error),
    #[error("getUpdates answered {code}: {description}")]
    Api { code: i64, description: String, retry_after: Option<u64> },
}

impl From<reqwest::Error> for PollError {
    /// Without the URL: it holds the bot token, and this error is logged.
    fn from(err: reqwest::Error) -> Self {
        PollError::Http(err.without_url())
    }
}

/// getUpdates' answer: each update kept as text, read one by one
/// (`bot::intake`), so one that does not parse cannot fail the batch.
#[derive(serde::Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Vec<Box<RawValue>>,
    #[serde(default)]
    error_code: i64,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Value>,
}

async fn get_updates(bot: &Bot, offset: i64) -> Result<Vec<Box<RawValue>>, PollError> {
    let url = bot.api_url().join(&format!("./bot{}/getUpdates", bot.token())).expect("a valid API URL");
    let body = json!({ "offset": offset, "timeout": LONG_POLL_SECS, "allowed_updates": ALLOWED_UPDATES });
    let answer: Answer = bot
        .client()
        .post(url)
        .json(&body)
        .timeout(Duration::from_secs(LONG_POLL_SECS + 10))
        .send()
        .await?
        .json()
        .await?;
    if answer.ok {
        return Ok(answer.result);
    }
    Err(PollError::Api {
        code: answer.error_code,
        description: answer.description.unwrap_or_else(|| "no description".to_owned()),
        retry_after: answer.parameters.as_ref().and_then(|p| p["retry_after"].as_u64()),
    })
}

/// Updates waiting in the runner's memory before the listener stops asking
/// for more: beyond it Telegram keeps them (for 24 hours) rather than this
/// process's memory.
const WAITING_AT_MOST: usize = 2_000;

pub async fn poll(bot: Bot, pool: PgPool, runner: Arc<Runner>, shutdown: CancellationToken) {
    let mut offset: i64 = 0;
    let mut backoff = Duration::from_millis(500);
    loop {
        tokio::select! {
            _ = runner.room_below(WAITING_AT_MOST) => {}
            _ = shutdown.cancelled() => break,
        }
        let result = tokio::select! {
            result = get_updates(&bot, offset) => result,
            _ = shutdown.cancelled() => break,
        };
        let raw = match result {
            Ok(raw) => {
                backoff = Duration::from_millis(500);
                raw
            }
            Err(err) => {
                let wait = match &err {
                    PollError::Api { retry_after: Some(secs), .. } => Duration::from_secs(*secs),
                    _ => backoff,
                };
                tracing::warn!(error = %err, retry_in = ?wait, "getUpdates failed");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.cancelled() => break,
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        let intake = Intake::read(raw.iter().map(|r| &**r));
        let Some(next_offset) = intake.next_offset() else { continue };
        // Not confirmed until stored (or set aside): keep trying; on shutdown
        // Telegram will deliver the batch again. Only the database being away
        // fails here: what PostgreSQL refuses to store is set aside.
        while let Err(err) = intake::deliver(&pool, &runner, intake.clone()).await {
            tracing::error!(error = %err, "storing updates failed; retrying");
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.cancelled() => return,
            }
        }
        offset = offset.max(next_offset);
    }
    tracing::info!("listener stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_poll_is_logged_without_the_bot_token() {
        // Nothing listens on port 1: the request fails at once.
        let err = reqwest::Client::new().get("http://127.0.0.1:1/bot4242:SECRET/getUpdates").send().await.unwrap_err();
        assert!(err.to_string().contains("SECRET"), "reqwest's own text names the URL");
        let logged = PollError::from(err).to_string();
        assert!(!logged.contains("SECRET"), "{logged}");
    }
}
