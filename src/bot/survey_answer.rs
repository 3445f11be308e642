//! An owner answering a survey: one question per message, buttons for
//! ratings and choices, typed text for free-text questions; ⏸ stops and the
//! invitation's button continues exactly there, even after a restart.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::keyboards::MenuItem;
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::AnswerOp;
use crate::domain::survey::{Answer, Question, QuestionKind};
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::surveys::{self, Progress, Refusal};

fn button(label: Text, response: i64, position: u8, op: AnswerOp) -> Button {
    Button::new(label, CallbackData::Answer { response, position, op })
}

/// The question as a message: its place, the prompt, the answer so far, and
/// its buttons.
fn question_message(
    response: i64,
    position: u8,
    total: usize,
    question: &Question,
    current: Option<&Answer>,
) -> Outgoing {
    let mut lines = vec![
        Text::new("survey-question-head")
            .arg("n", usize::from(position) + 1)
            .arg("total", total)
            .arg("optional", if question.required { "no" } else { "yes" }),
        Text::plain(&question.prompt),
    ];
    let b = |label: Text, op| button(label, response, position, op);
    let mut rows: Vec<Vec<Button>> = Vec::new();
    match question.kind {
        QuestionKind::Rating => {
            rows.push((1..=5u8).map(|n| b(Text::new("btn-survey-stars").arg("n", n), AnswerOp::Rate(n))).collect());
            lines.push(Text::new("survey-rating-hint"));
        }
        QuestionKind::Single => {
            for (i, option) in question.options.iter().enumerate() {
                let picked = matches!(current, Some(Answer::Choices(c)) if c.contains(&(i as u8)));
                let label =
                    if picked { Text::new("btn-survey-picked").arg("option", option) } else { Text::plain(option) };
                rows.push(vec![b(label, AnswerOp::Choose(i as u8))]);
            }
        }
        QuestionKind::Multiple => {
            lines.push(Text::new("survey-multiple-hint"));
            for (i, option) in question.options.iter().enumerate() {
                let ticked = matches!(current, Some(Answer::Choices(c)) if c.contains(&(i as u8)));
                let key = if ticked { Text::new("btn-survey-ticked") } else { Text::new("btn-survey-unticked") };
                rows.push(vec![b(key.arg("option", option), AnswerOp::Toggle(i as u8))]);
            }
            rows.push(vec![b(Text::new("btn-survey-done"), AnswerOp::Done)]);
        }
        QuestionKind::Text => lines.push(Text::new("survey-text-hint")),
    }
    if let Some(answer) = current {
        let shown = match answer {
            Answer::Rating(r) => Some(Text::new("btn-survey-stars").arg("n", r.get())),
            Answer::Text(t) => Some(Text::plain(t)),
            // Choices show on their buttons.
            Answer::Choices(_) => None,
        };
        if let Some(shown) = shown {
            lines.push(Text::new("survey-current-answer").arg("answer", shown));
        }
    }
    let mut nav = Vec::new();
    if position > 0 {
        nav.push(b(Text::new("btn-back"), AnswerOp::Back));
    }
    if !question.required {
        nav.push(b(Text::new("btn-survey-skip"), AnswerOp::Skip));
    }
    nav.push(b(Text::new("btn-survey-pause"), AnswerOp::Pause));
    rows.push(nav);
    Outgoing::with(Text::lines(lines), Markup::Inline(rows))
}

/// Shows where the owner now is, and keeps the dialogue state with it.
fn show(cx: &Cx, progress: Progress) {
    match progress {
        Progress::Asking { response, title, unit, position, total, question, current } => {
            if position == 0 {
                cx.say(Text::new("survey-begin").arg("title", title).arg("unit", unit));
            }
            cx.reply(question_message(response, position, total, &question, current.as_ref()));
            cx.set_state(State::SurveyAnswering { response_id: response });
        }
        Progress::Finished { response, closes, edited, .. } => {
            let text = if edited { Text::new("survey-updated") } else { Text::new("survey-thanks") };
            cx.reply(Outgoing::with(
                text.arg("closes", closes),
                Markup::Inline(vec![vec![button(Text::new("btn-survey-edit"), response, 0, AnswerOp::Edit)]]),
            ));
            fallback::say_with_home(cx, Text::new("menu-home"));
            cx.set_state(State::Idle);
        }
        Progress::Submitted { response, closes } => {
            cx.reply(Outgoing::with(
                Text::new("survey-already-submitted").arg("closes", closes),
                Markup::Inline(vec![vec![button(Text::new("btn-survey-edit"), response, 0, AnswerOp::Edit)]]),
            ));
            cx.set_state(State::Idle);
        }
        Progress::Paused { title, closes } => {
            fallback::say_with_home(cx, Text::new("survey-paused").arg("title", title).arg("closes", closes));
            cx.set_state(State::Idle);
        }
    }
}

fn refusal_text(refusal: Refusal) -> Text {
    match refusal {
        Refusal::Closed => Text::new("survey-closed"),
        Refusal::Stale => Text::new("survey-stale"),
        Refusal::NotAllowed => Text::new("error-not-allowed"),
        Refusal::Unfit(text) => text,
        _ => Text::new("error-button-expired"),
    }
}

/// A press on a survey button.
pub async fn button_pressed(cx: Cx, q: CallbackQuery, (response, position, op): (i64, u8, AnswerOp)) -> HandlerResult {
    let actor = cx.actor();
    let clock = cx.survey_clock();
    let outcome = surveys::press(&mut *cx.tx().await, &actor, response, position, op, &clock).await?;
    match outcome {
        Ok(Progress::Asking { response, position: at, total, question, current, .. })
            if op_stays(op) && at == position =>
        {
            // A tick on a multiple-choice question: redraw its buttons in place.
            cx.answer(&q.id.0, None, false);
            if let Some(id) = callbacks::message_id(&q) {
                let message = question_message(response, at, total, &question, current.as_ref());
                cx.set_buttons(id, message.markup);
            }
            cx.set_state(State::SurveyAnswering { response_id: response });
        }
        Ok(progress) => {
            cx.answer(&q.id.0, None, false);
            if op != AnswerOp::Continue && op != AnswerOp::Edit {
                callbacks::close_buttons(&cx, &q);
            }
            show(&cx, progress);
        }
        Err(Refusal::Stale) => {
            // An earlier question's button: say so, and show where they are.
            cx.answer(&q.id.0, Some(Text::new("survey-stale")), false);
            callbacks::close_buttons(&cx, &q);
            let current = surveys::current(&mut *cx.tx().await, &actor, response, &clock).await?;
            if let Ok(progress) = current {
                show(&cx, progress);
            }
        }
        Err(Refusal::Closed) => {
            cx.answer(&q.id.0, Some(Text::new("survey-closed")), true);
            callbacks::close_buttons(&cx, &q);
        }
        Err(refusal) => cx.answer(&q.id.0, Some(refusal_text(refusal)), true),
    }
    Ok(())
}

fn op_stays(op: AnswerOp) -> bool {
    matches!(op, AnswerOp::Toggle(_))
}

/// Something typed (or sent) while answering.
pub async fn message(cx: Cx, msg: Message, response_id: i64) -> HandlerResult {
    // A menu press means they want to do something else: keep their place.
    if msg.text().and_then(MenuItem::recognise).is_some() {
        cx.say(Text::new("survey-kept"));
        cx.set_state(State::Idle);
        return crate::bot::menu::idle(cx, msg).await;
    }
    let actor = cx.actor();
    let clock = cx.survey_clock();
    let outcome = surveys::typed(&mut *cx.tx().await, &actor, response_id, msg.text(), &clock).await?;
    match outcome {
        Ok(progress) => show(&cx, progress),
        Err(Refusal::Unfit(text)) => {
            // Say why, then the question again so its buttons are at hand.
            cx.say(text);
            let current = surveys::current(&mut *cx.tx().await, &actor, response_id, &clock).await?;
            if let Ok(progress) = current {
                show(&cx, progress);
            }
        }
        Err(refusal) => {
            fallback::say_with_home(&cx, refusal_text(refusal));
            cx.set_state(State::Idle);
        }
    }
    Ok(())
}

/// `/surveys` for an owner: the surveys waiting for them.
pub async fn mine(cx: &Cx) -> HandlerResult {
    let actor = cx.actor();
    let open = surveys::open_for(&mut *cx.tx().await, &actor, &cx.survey_clock()).await?;
    if open.is_empty() {
        cx.reply(Outgoing::with(Text::new("survey-none-open"), home_markup(&actor)));
        return Ok(());
    }
    let rows = open
        .into_iter()
        .map(|(response, title, unit)| {
            let key = if response.submitted_at.is_some() {
                Text::new("btn-survey-review")
            } else {
                Text::new("btn-survey-answer")
            };
            vec![button(key.arg("title", title).arg("unit", unit), response.id, 0, AnswerOp::Continue)]
        })
        .collect();
    cx.reply(Outgoing::with(Text::new("survey-yours"), Markup::Inline(rows)));
    Ok(())
}
