//! `/notices`: for those who compose, the latest notices with their figures
//! and what can be done to each (cancel or edit a scheduled one, pause or
//! resume a running one, the sign-up list and a reminder); for owners, which
//! kinds of notice they receive.

use teloxide::types::CallbackQuery;

use crate::bot::fallback::{self, home_markup};
use crate::bot::notice_compose::{NoticeDraft, audience_text};
use crate::bot::{Cx, HandlerResult, State, notice_signup};
use crate::domain::callback::NoticeOp;
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::notices::{self, Listed};

fn b(label: Text, id: i64, op: NoticeOp) -> Button {
    Button::new(label, CallbackData::Notice { id, op })
}

fn state_label(state: &str) -> Text {
    match state {
        "scheduled" => Text::new("notice-state-scheduled"),
        "sending" => Text::new("notice-state-sending"),
        "paused" => Text::new("notice-state-paused"),
        "done" => Text::new("notice-state-done"),
        _ => Text::new("notice-state-cancelled"),
    }
}

/// `/notices`.
pub async fn list(cx: Cx) -> HandlerResult {
    let actor = cx.actor();
    if !notices::may_compose(&actor) {
        return notice_signup::show_settings(&cx).await;
    }
    let listed = match notices::list(&mut *cx.tx().await, &actor).await? {
        Ok(l) => l,
        Err(r) => {
            fallback::say_with_home(&cx, r.text());
            return Ok(());
        }
    };
    if listed.is_empty() {
        fallback::say_with_home(&cx, Text::new("notice-list-empty"));
        return Ok(());
    }
    let clock = cx.notice_clock();
    let mut lines = vec![Text::new("notice-list-head")];
    let mut rows = Vec::new();
    for Listed { notice, figures, signups } in &listed {
        let excerpt: String = notice.bodies().for_locale(actor.locale()).chars().take(30).collect();
        lines.push(
            Text::new("notice-list-line")
                .arg("id", notice.id)
                .arg("kind", notice.kind().label())
                .arg("state", state_label(&notice.state))
                .arg("time", clock.time(notice.send_at))
                .arg("excerpt", excerpt)
                .arg("audience", audience_text(&notice.audience())),
        );
        if notice.state != "scheduled" && notice.state != "cancelled" {
            lines.push(
                Text::new("notice-list-figures")
                    .arg("sent", figures.sent)
                    .arg("failed", figures.failed)
                    .arg("blocked", figures.blocked)
                    .arg("remaining", figures.remaining)
                    .arg("total", figures.total),
            );
        }
        if notice.signup {
            let capacity = notice.capacity.map_or_else(|| "∞".to_owned(), |c| c.to_string());
            lines.push(Text::new("notice-list-signups").arg("count", *signups).arg("capacity", capacity));
        }
        let id = notice.id;
        let mut row = match notice.state.as_str() {
            "scheduled" => vec![
                b(Text::new("btn-notice-edit").arg("id", id), id, NoticeOp::Edit),
                b(Text::new("btn-notice-cancel").arg("id", id), id, NoticeOp::Cancel),
            ],
            "sending" => vec![b(Text::new("btn-notice-pause-n").arg("id", id), id, NoticeOp::Pause)],
            "paused" => vec![b(Text::new("btn-notice-resume-n").arg("id", id), id, NoticeOp::Resume)],
            _ => Vec::new(),
        };
        if notice.signup && notice.state != "scheduled" && notice.state != "cancelled" {
            row.push(b(Text::new("btn-notice-csv").arg("id", id), id, NoticeOp::Csv));
            row.push(b(Text::new("btn-notice-remind").arg("id", id), id, NoticeOp::Remind));
        }
        if !row.is_empty() {
            rows.push(row);
        }
    }
    cx.reply(Outgoing::with(Text::lines(lines), Markup::Inline(rows)));
    Ok(())
}

/// A button on a notice: owners' sign-up, or its management.
pub async fn button(cx: Cx, q: CallbackQuery, (id, op): (i64, NoticeOp), state: State) -> HandlerResult {
    let actor = cx.actor();
    let clock = cx.notice_clock();
    let done = match op {
        NoticeOp::SignUp | NoticeOp::Withdraw => {
            return notice_signup::press(cx, q, id, op == NoticeOp::SignUp).await;
        }
        NoticeOp::Pause | NoticeOp::Resume => {
            let pause = op == NoticeOp::Pause;
            notices::pause(&mut *cx.tx().await, &actor, id, pause, &clock).await?.map(|()| {
                if pause { Text::new("notice-paused").arg("id", id) } else { Text::new("notice-resumed").arg("id", id) }
            })
        }
        NoticeOp::Cancel => notices::cancel(&mut *cx.tx().await, &actor, id, &clock)
            .await?
            .map(|()| Text::new("notice-cancelled-scheduled").arg("id", id)),
        NoticeOp::Edit => match { notices::for_edit(&mut *cx.tx().await, &actor, id).await? } {
            Ok(spec) => {
                if !matches!(state, State::Idle) {
                    cx.set_state(State::Idle);
                }
                cx.answer(&q.id.0, None, false);
                cx.say(Text::new("notice-editing").arg("id", id));
                let mut draft = NoticeDraft::editing(id, spec, actor.locale());
                // Editing starts from the text; the rest is kept unless changed.
                draft.step = crate::bot::notice_compose::ComposeStep::Text;
                draft.bodies = Default::default();
                return crate::bot::notice_compose::ask(&cx, draft).await;
            }
            Err(r) => Err(r),
        },
        NoticeOp::Csv => match { notices::signup_csv(&mut *cx.tx().await, &actor, id, clock.tz).await? } {
            Ok((name, bytes, count)) => {
                cx.send_document(name, bytes, Text::new("notice-csv-caption").arg("id", id).arg("count", count));
                Ok(Text::new("notice-csv-ready"))
            }
            Err(r) => Err(r),
        },
        NoticeOp::Remind => notices::remind(&mut *cx.tx().await, &actor, id, clock.now)
            .await?
            .map(|n| Text::new("notice-reminded").arg("count", n)),
    };
    match done {
        Ok(text) => {
            cx.answer(&q.id.0, None, false);
            cx.reply(Outgoing::with(text, home_markup(&actor)));
        }
        Err(refusal) => cx.answer(&q.id.0, Some(refusal.text()), true),
    }
    Ok(())
}
