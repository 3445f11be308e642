//! The benchmarks' baseline: the smallest useful teloxide bot. It answers every message with one
//! `sendMessage` and stores nothing — no database, no dialogue, no outbox. Whatever propdesk costs
//! on top of this is the price of remembering, routing and never losing a request.
//!
//! ```sh
//! TELOXIDE_TOKEN=123:abc TELOXIDE_API_URL=http://127.0.0.1:8081 cargo run --release --example baseline_bot
//! ```
//!
//! The benchmarks also include this file as a module and call [`run`] against the emulator.

use teloxide::prelude::*;

/// Long-polls `bot` and answers each message with one text, until Ctrl-C.
pub async fn run(bot: Bot) {
    teloxide::repl(bot, |bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, "ok").await?;
        Ok(())
    })
    .await;
}

#[allow(dead_code)]
#[tokio::main]
async fn main() {
    run(Bot::from_env()).await;
}
