//! Owners and notices: Sign up / Cancel sign-up under an activity (the
//! capacity is kept by the service under the notice's row lock), and which
//! kinds of notice they receive (activities and general notices can be
//! muted; outages and meetings always come).

use teloxide::types::CallbackQuery;

use crate::bot::{Cx, HandlerResult, callbacks};
use crate::domain::callback::NoticeOp;
use crate::domain::notice::NoticeKind;
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::notices::{self, SignupState};

fn count_text(s: &SignupState) -> Text {
    match s.capacity {
        Some(c) => Text::new("notice-signup-count-of").arg("count", s.count).arg("capacity", i64::from(c)),
        None => Text::new("notice-signup-count").arg("count", s.count),
    }
}

/// Sign up (`join`) or cancel the sign-up; the button under the notice
/// turns into the other one, and the toast gives the count.
pub async fn press(cx: Cx, q: CallbackQuery, id: i64, join: bool) -> HandlerResult {
    let actor = cx.actor();
    let outcome = notices::sign_up(&mut *cx.tx().await, &actor, id, join, cx.now()).await?;
    match outcome {
        Ok(state) => {
            let (said, label, op) = if state.signed_up {
                (Text::new("notice-signed-up"), Text::new("btn-notice-withdraw"), NoticeOp::Withdraw)
            } else {
                (Text::new("notice-signup-withdrawn"), Text::new("btn-notice-signup"), NoticeOp::SignUp)
            };
            cx.answer(&q.id.0, Some(said.arg("count", count_text(&state))), false);
            if let Some(message_id) = callbacks::message_id(&q) {
                let button = Button::new(label, CallbackData::Notice { id, op });
                cx.set_buttons(message_id, Markup::Inline(vec![vec![button]]));
            }
        }
        Err(refusal) => cx.answer(&q.id.0, Some(refusal.text()), true),
    }
    Ok(())
}

fn settings_message(muted: &[NoticeKind]) -> Outgoing {
    let mut lines = vec![Text::new("notice-settings-head")];
    let mut rows = Vec::new();
    for kind in NoticeKind::ALL {
        let on = !muted.contains(&kind);
        let status = if on { Text::new("notice-setting-on") } else { Text::new("notice-setting-off") };
        lines.push(Text::new("notice-setting-line").arg("kind", kind.label()).arg("status", status));
        if kind.mutable() {
            let label = if on {
                Text::new("btn-notice-mute").arg("kind", kind.label())
            } else {
                Text::new("btn-notice-unmute").arg("kind", kind.label())
            };
            rows.push(vec![Button::new(label, CallbackData::NoticeMute { kind, mute: on })]);
        }
    }
    lines.push(Text::new("notice-settings-always"));
    Outgoing::with(Text::lines(lines), Markup::Inline(rows))
}

/// `/notices` for owners: what they receive, with a button per mutable kind.
pub async fn show_settings(cx: &Cx) -> HandlerResult {
    let actor = cx.actor();
    if !actor.is_owner() && !actor.is_staff() {
        crate::bot::fallback::say_with_home(cx, Text::new("notice-settings-owners-only"));
        return Ok(());
    }
    let muted = notices::mutes(&mut *cx.tx().await, &actor).await?;
    cx.reply(settings_message(&muted));
    Ok(())
}

/// 🔕 / 🔔 on the settings message: redrawn in place.
pub async fn mute(cx: Cx, q: CallbackQuery, (kind, mute): (NoticeKind, bool)) -> HandlerResult {
    let actor = cx.actor();
    let outcome = notices::set_mute(&mut *cx.tx().await, &actor, kind, mute).await?;
    match outcome {
        Ok(()) => {
            let muted = notices::mutes(&mut *cx.tx().await, &actor).await?;
            let said = if mute { Text::new("notice-muted") } else { Text::new("notice-unmuted") };
            cx.answer(&q.id.0, Some(said.arg("kind", kind.label())), false);
            match callbacks::message_id(&q) {
                Some(id) => cx.edit(id, settings_message(&muted)),
                None => cx.reply(settings_message(&muted)),
            }
        }
        Err(refusal) => cx.answer(&q.id.0, Some(refusal.text()), true),
    }
    Ok(())
}
