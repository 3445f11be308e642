//! A user blocked or unblocked the bot.

use teloxide::types::ChatMemberUpdated;

use crate::bot::{Cx, HandlerResult};
use crate::services::people;

pub async fn changed(cx: Cx, update: ChatMemberUpdated) -> HandlerResult {
    let reachable = !update.new_chat_member.is_banned() && update.new_chat_member.is_present();
    store_reachable(&cx, reachable).await
}

async fn store_reachable(cx: &Cx, reachable: bool) -> HandlerResult {
    let id = cx.actor().telegram_id();
    people::set_reachable(&mut *cx.tx().await, id, reachable).await?;
    tracing::info!(user = id, reachable, "bot membership changed");
    Ok(())
}
