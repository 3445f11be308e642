//! The web chat page: pick a persona, chat with the bot. The page talks to
//! the emulator's control API on the same origin.

use axum::Json;
use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use super::emulator::Emulator;
use super::seed;

const PAGE: &str = include_str!("page.html");

pub fn router(_emulator: Emulator) -> Router {
    Router::new().route("/", get(|| async { Html(PAGE) })).route("/api/personas", get(personas))
}

async fn personas() -> impl IntoResponse {
    Json(seed::personas())
}
