//! The web chat page: pick a persona, chat with the bot. The page talks to
//! the emulator's control API on the same origin (see `emulator/control.rs`).
//!
//! The page is plain HTML, CSS and JavaScript compiled into the binary: the
//! sandbox must work on a machine without internet, so nothing comes from a
//! CDN. Every word the page shows comes from `locales/*/sandbox.ftl` through
//! `GET /api/ui?lang=…`; the page holds none of its own.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::{BOT_USERNAME, seed};
use crate::i18n::{Locale, Text};

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// The assets change with every build, and a stale script against a newer
/// API is confusing: never cache them.
const NO_CACHE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-cache");

pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { ([NO_CACHE], Html(PAGE)) }))
        .route(
            "/page.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), NO_CACHE], SCRIPT) }),
        )
        .route("/page.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), NO_CACHE], STYLE) }))
        .route("/api/personas", get(personas))
        .route("/api/bot", get(bot))
        .route("/api/ui", get(ui))
}

async fn personas() -> impl IntoResponse {
    Json(seed::personas())
}

/// What the page needs to know about the bot: its username, to recognise
/// its invite links (`https://t.me/<username>?start=<code>`).
async fn bot() -> impl IntoResponse {
    Json(json!({ "username": BOT_USERNAME }))
}

#[derive(Deserialize)]
struct UiQuery {
    lang: Option<String>,
}

/// The page's own texts in one language, key → rendered text.
async fn ui(Query(q): Query<UiQuery>) -> impl IntoResponse {
    let locale = q.lang.as_deref().and_then(Locale::parse).unwrap_or_default();
    Json(ui_texts(locale))
}

fn ui_texts(locale: Locale) -> BTreeMap<String, String> {
    page_texts()
        .into_iter()
        .filter_map(|text| match &text {
            Text::Key { key, .. } => Some((key.clone(), text.render(locale))),
            _ => None,
        })
        .collect()
}

/// Every text the page shows. Arguments the page fills in itself are passed
/// as `{name}` placeholders, which the page replaces.
fn page_texts() -> Vec<Text> {
    vec![
        Text::new("sandbox-page-title"),
        Text::new("sandbox-title"),
        Text::new("sandbox-subtitle"),
        Text::new("sandbox-personas-heading"),
        Text::new("sandbox-demo-note"),
        Text::new("sandbox-lang-zh"),
        Text::new("sandbox-lang-en"),
        Text::new("sandbox-role-owner"),
        Text::new("sandbox-role-newcomer"),
        Text::new("sandbox-role-staff"),
        Text::new("sandbox-role-admin"),
        Text::new("sandbox-bot-name"),
        Text::new("sandbox-bot-status"),
        Text::new("sandbox-chatting-as").arg("name", "{name}"),
        Text::new("sandbox-back"),
        Text::new("sandbox-no-persona"),
        Text::new("sandbox-loading"),
        Text::new("sandbox-empty-chat"),
        Text::new("sandbox-start"),
        Text::new("sandbox-input-placeholder"),
        Text::new("sandbox-send"),
        Text::new("sandbox-attach-photo"),
        Text::new("sandbox-photo-title"),
        Text::new("sandbox-caption-placeholder"),
        Text::new("sandbox-cancel"),
        Text::new("sandbox-ok"),
        Text::new("sandbox-edited"),
        Text::new("sandbox-photo-alt"),
        Text::new("sandbox-contact").arg("phone", "{phone}"),
        Text::new("sandbox-location").arg("latitude", "{latitude}").arg("longitude", "{longitude}"),
        Text::new("sandbox-sticker"),
        Text::new("sandbox-voice"),
        Text::new("sandbox-document").arg("name", "{name}"),
        Text::new("sandbox-invite-title"),
        Text::new("sandbox-invite-hint").arg("command", "{command}"),
        Text::new("sandbox-offline"),
        Text::new("sandbox-send-failed").arg("detail", "{detail}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_text_renders_in_both_languages() {
        for locale in Locale::ALL {
            let texts = ui_texts(locale);
            assert_eq!(texts.len(), page_texts().len());
            for (key, text) in &texts {
                assert!(key.starts_with("sandbox-"), "{key}");
                assert_ne!(key, text, "{key} is missing in {locale}");
            }
        }
    }

    #[test]
    fn placeholders_survive_rendering_for_the_page_to_fill() {
        let texts = ui_texts(Locale::En);
        assert_eq!(texts["sandbox-chatting-as"], "Chatting as {name}");
    }
}
