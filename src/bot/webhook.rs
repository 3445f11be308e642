//! Webhook mode: Telegram POSTs each update to us; we store it in the inbox
//! and only then answer 200, and the runner handles it like a polled one.
//!
//! Not teloxide's axum webhook listener: it answers 200 as soon as the
//! update is queued in memory, before anything is stored, so a crash between
//! the two would lose the update (Telegram does not send it again after a
//! 200). Here a 200 means the update is in the inbox; any failure to store it
//! answers 500 and Telegram delivers it again. A redelivery is a no-op
//! (update_id is the inbox's primary key).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use serde_json::value::RawValue;
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use teloxide::Bot;
use teloxide::prelude::Requester;
use url::Url;

use crate::bot::intake::{self, Intake, Reason};
use crate::bot::listener::ALLOWED_UPDATES;
use crate::bot::runner::Runner;
use crate::metrics::Metrics;

/// The header Telegram sends the secret token in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// What a webhook needs: the URL Telegram calls and the secret token it sends.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    pub url: Url,
    pub secret: SecretString,
}

impl WebhookConfig {
    /// The path the app serves the webhook at: the URL's own path (a reverse
    /// proxy in front forwards it unchanged).
    pub fn path(&self) -> String {
        match self.url.path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        }
    }
}

/// Telegram's rule for secret tokens: 1 to 256 of A-Z, a-z, 0-9, `_` and `-`.
pub fn valid_secret(secret: &str) -> bool {
    (1..=256).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Clone)]
struct Hook {
    pool: PgPool,
    runner: Arc<Runner>,
    secret: Arc<SecretString>,
    metrics: Arc<Metrics>,
}

/// The route: POST `config.path()`.
pub fn router(config: &WebhookConfig, pool: PgPool, runner: Arc<Runner>, metrics: Arc<Metrics>) -> Router {
    let hook = Hook { pool, runner, secret: Arc::new(config.secret.clone()), metrics };
    Router::new().route(&config.path(), post(receive)).with_state(hook)
}

/// Constant time in the token's content (its length is not secret).
fn secret_matches(headers: &HeaderMap, secret: &SecretString) -> bool {
    let Some(given) = headers.get(SECRET_HEADER) else { return false };
    bool::from(given.as_bytes().ct_eq(secret.expose_secret().as_bytes()))
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !secret_matches(&headers, &hook.secret) {
        hook.metrics.webhook_rejected.inc();
        // Nothing of the request's content is logged: it is not ours to read.
        let reason = if headers.contains_key(SECRET_HEADER) { "wrong" } else { "missing" };
        tracing::warn!(reason, "webhook request refused: secret token {reason}");
        return StatusCode::UNAUTHORIZED;
    }
    // Read as the listener reads a batch (`bot::intake`): whatever the update
    // holds, it is stored or set aside and answered 200, or Telegram would
    // send it again and again on the one connection it keeps to us.
    let Ok(raw) = serde_json::from_slice::<Box<RawValue>>(&body) else {
        hook.metrics.set_aside.with_label_values(&[Reason::Unreadable.label()]).inc();
        tracing::warn!(bytes = body.len(), "a webhook request that is not JSON was dropped");
        return StatusCode::OK;
    };
    let intake = Intake::read([&*raw]);
    if let Err(err) = intake::deliver(&hook.pool, &hook.runner, intake).await {
        // The database is away: Telegram sends it again later.
        tracing::error!(error = %err, "storing a webhook update failed");
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

/// Tells Telegram where to send updates, with the secret and the kinds the
/// handler tree uses (Telegram remembers them; see NOTES.md).
///
/// `max_connections = 1`: Telegram then sends the next update only after the
/// previous one was answered 200, and we answer 200 only once it is in the
/// inbox; so the inbox holds every earlier update before a later one arrives,
/// whichever replica the load balancer picks, and the runner's per-chat lock
/// and `update_id` order are enough to handle one chat's updates in order.
/// With Telegram's default (40 at once) two updates of one chat can reach two
/// replicas together and the later one be stored, and handled, first: no
/// check in the runner could wait for an update it cannot know is coming.
/// One at a time costs a round trip from Telegram and an INSERT per update:
/// at 50 ms that is 20 updates a second, far above what a front desk's owners
/// send at their busiest.
pub async fn register(bot: &Bot, config: &WebhookConfig) -> Result<(), teloxide::RequestError> {
    use teloxide::payloads::SetWebhookSetters as _;
    use teloxide::types::AllowedUpdate;
    let allowed: Vec<AllowedUpdate> = ALLOWED_UPDATES
        .iter()
        .filter_map(|kind| serde_json::from_value(Value::String((*kind).to_owned())).ok())
        .collect();
    bot.set_webhook(config.url.clone())
        .secret_token(config.secret.expose_secret().to_owned())
        .allowed_updates(allowed)
        .max_connections(1)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_follow_telegrams_rule() {
        assert!(valid_secret("abc_DEF-123"));
        assert!(!valid_secret(""));
        assert!(!valid_secret("has space"));
        assert!(!valid_secret(&"a".repeat(257)));
    }

    #[test]
    fn the_path_is_the_urls() {
        let secret = SecretString::from("s");
        let c = WebhookConfig { url: Url::parse("https://bot.example.com/tg/hook").unwrap(), secret: secret.clone() };
        assert_eq!(c.path(), "/tg/hook");
        let c = WebhookConfig { url: Url::parse("https://bot.example.com").unwrap(), secret };
        assert_eq!(c.path(), "/");
    }

    #[test]
    fn the_secret_must_match_exactly() {
        let secret = SecretString::from("right");
        let mut h = HeaderMap::new();
        assert!(!secret_matches(&h, &secret));
        h.insert(SECRET_HEADER, "wrong".parse().unwrap());
        assert!(!secret_matches(&h, &secret));
        h.insert(SECRET_HEADER, "righ".parse().unwrap());
        assert!(!secret_matches(&h, &secret));
        h.insert(SECRET_HEADER, "right".parse().unwrap());
        assert!(secret_matches(&h, &secret));
    }
}
