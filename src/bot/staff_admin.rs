//! Staff joining by invite link, and admins inviting, listing and
//! deactivating staff.

use chrono::Duration;
use teloxide::types::CallbackQuery;

use crate::bot::{Cx, HandlerResult, State, callbacks, fallback};
use crate::domain::{Button, CallbackData, Markup, Menu, Outgoing, Trade};
use crate::i18n::Text;
use crate::services::staff::{self as service, DeactivateOutcome, InviteOutcome, JoinOutcome};

/// `/invite`: which trade is the new member?
pub fn offer_trades(cx: &Cx) -> HandlerResult {
    if !cx.actor().is_admin {
        fallback::say_with_home(cx, Text::new("error-not-allowed"));
        return Ok(());
    }
    let rows = Trade::ALL
        .chunks(2)
        .map(|pair| pair.iter().map(|t| Button::new(t.label(), CallbackData::InviteTrade(*t))).collect())
        .collect();
    cx.reply(Outgoing::with(Text::new("invite-choose-trade"), Markup::Inline(rows)));
    Ok(())
}

pub async fn trade_chosen(cx: Cx, q: CallbackQuery, trade: Trade) -> HandlerResult {
    if !cx.actor().is_admin {
        fallback::not_allowed(&cx, &q.id.0);
        return Ok(());
    }
    cx.answer(&q.id.0, None, false);
    let message = Outgoing::with(
        Text::new("invite-choose-role").arg("trade", trade.label()),
        Markup::Inline(vec![vec![
            Button::new(Text::new("role-member"), CallbackData::InviteRole { trade, supervisor: false }),
            Button::new(Text::new("role-supervisor"), CallbackData::InviteRole { trade, supervisor: true }),
        ]]),
    );
    match callbacks::message_id(&q) {
        Some(id) => cx.edit(id, message),
        None => cx.reply(message),
    }
    Ok(())
}

pub async fn role_chosen(cx: Cx, q: CallbackQuery, (trade, supervisor): (Trade, bool)) -> HandlerResult {
    let actor = cx.actor();
    let ttl = Duration::hours(cx.settings().invite_ttl_hours);
    let outcome = service::create_invite(&mut *cx.tx().await, &actor, trade, supervisor, ttl, cx.now()).await?;
    match outcome {
        InviteOutcome::NotAllowed => fallback::not_allowed(&cx, &q.id.0),
        InviteOutcome::Created { code, expires_at } => {
            cx.answer(&q.id.0, None, false);
            let role = if supervisor { Text::new("role-supervisor") } else { Text::new("role-member") };
            let expires = expires_at.with_timezone(&cx.settings().time_zone).format("%Y-%m-%d %H:%M").to_string();
            let message = Outgoing::new(
                Text::new("invite-created")
                    .arg("trade", trade.label())
                    .arg("role", role)
                    .arg("link", format!("https://t.me/{}?start={code}", cx.bot_username()))
                    .arg("expires", expires),
            );
            match callbacks::message_id(&q) {
                Some(id) => cx.edit(id, message),
                None => cx.reply(message),
            }
        }
    }
    Ok(())
}

/// `/start <code>` from an invite link.
pub async fn join(cx: Cx, code: String) -> HandlerResult {
    let actor = cx.actor();
    // Codes are letters and digits; anything else cannot be one of ours.
    let outcome = if code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        service::join(&mut *cx.tx().await, &actor, &code, cx.now()).await?
    } else {
        JoinOutcome::Unknown
    };
    match outcome {
        JoinOutcome::Joined(member) => {
            let trade = member.trade().map(Trade::label).unwrap_or_else(|| Text::plain(member.trade.clone()));
            cx.reply(Outgoing::with(
                Text::new("staff-welcome").arg("name", &member.name).arg("trade", trade),
                Markup::Menu(Menu::Staff),
            ));
            cx.set_state(State::Idle);
        }
        JoinOutcome::Unknown => cx.say(Text::new("invite-unknown")),
        JoinOutcome::AlreadyUsed => cx.say(Text::new("invite-used")),
        JoinOutcome::Expired => cx.say(Text::new("invite-expired")),
    }
    Ok(())
}

/// `/staff`: everyone, with a Deactivate button for each active member.
pub async fn list(cx: Cx) -> HandlerResult {
    let actor = cx.actor();
    let Some(members) = service::list(&mut *cx.tx().await, &actor).await? else {
        fallback::say_with_home(&cx, Text::new("error-not-allowed"));
        return Ok(());
    };
    if members.is_empty() {
        cx.say(Text::new("staff-list-empty"));
        return Ok(());
    }
    let mut lines = vec![Text::new("staff-list-title").arg("count", members.len())];
    let mut buttons = Vec::new();
    for m in &members {
        let trade = m.trade().map(Trade::label).unwrap_or_else(|| Text::plain(m.trade.clone()));
        let key = match (m.active, m.is_supervisor) {
            (false, _) => Text::new("staff-list-line-inactive"),
            (true, true) => Text::new("staff-list-line-supervisor"),
            (true, false) => Text::new("staff-list-line"),
        };
        lines.push(key.arg("name", &m.name).arg("trade", trade));
        if m.active {
            buttons.push(vec![Button::new(
                Text::new("btn-deactivate").arg("name", &m.name),
                CallbackData::DeactivateStaff(m.telegram_id),
            )]);
        }
    }
    cx.reply(Outgoing::with(Text::lines(lines), Markup::Inline(buttons)));
    Ok(())
}

pub async fn deactivate(cx: Cx, q: CallbackQuery, telegram_id: i64) -> HandlerResult {
    let actor = cx.actor();
    let desk = cx.desk();
    match service::deactivate(&mut *cx.tx().await, &actor, telegram_id, &desk).await? {
        DeactivateOutcome::NotAllowed => fallback::not_allowed(&cx, &q.id.0),
        DeactivateOutcome::NotActive => fallback::button_expired(&cx, &q.id.0),
        DeactivateOutcome::Deactivated { name, handed_back: 0 } => {
            cx.answer(&q.id.0, None, false);
            cx.say(Text::new("staff-deactivated").arg("name", name));
        }
        DeactivateOutcome::Deactivated { name, handed_back } => {
            cx.answer(&q.id.0, None, false);
            cx.say(Text::lines([
                Text::new("staff-deactivated").arg("name", name),
                Text::new("staff-deactivated-handed-back").arg("count", handed_back),
            ]));
        }
    }
    Ok(())
}
