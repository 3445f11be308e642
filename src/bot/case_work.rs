//! Customer service working a complaint, suggestion or praise: Take, Reply
//! (relayed to the owner), Close with an outcome; the owner's reply,
//! Resolved (then the rating) / Not resolved.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::TicketOp;
use crate::domain::{Button, CallbackData, Markup, Outgoing, Status};
use crate::i18n::Text;
use crate::services::complaints;
use crate::services::repairs;
use crate::services::tickets::{Outcome, Refusal};
use crate::store::tickets::TicketRow;

/// Longest reply or outcome, in characters.
const MESSAGE_MAX: usize = 1000;

fn refuse(cx: &Cx, q: &CallbackQuery, refusal: Refusal) {
    match refusal {
        Refusal::NotFound => fallback::button_expired(cx, &q.id.0),
        Refusal::NotAllowed => fallback::not_allowed(cx, &q.id.0),
        Refusal::NotNow(_) => cx.answer(&q.id.0, Some(Text::new("case-not-now")), true),
    }
}

fn back_home(cx: &Cx, text: Text) {
    cx.reply(Outgoing::with(text, home_markup(&cx.actor())));
    cx.set_state(State::Idle);
}

pub async fn button(cx: Cx, q: CallbackQuery, id: i64, op: TicketOp, state: State) -> HandlerResult {
    let actor = cx.actor();
    let desk = cx.desk();
    match op {
        TicketOp::Take => {
            // Bound first: the transaction's guard must be released before the card reads again.
            let taken = complaints::take(&mut *cx.tx().await, &actor, id, &desk).await?;
            take_answered(&cx, &q, id, taken).await?;
        }
        TicketOp::Reply | TicketOp::CloseCase => {
            match complaints::check_handler(&mut *cx.tx().await, &actor, id).await? {
                Ok(_) => {
                    cx.answer(&q.id.0, None, false);
                    if op == TicketOp::Reply {
                        cx.say(Text::new("case-ask-reply"));
                        cx.set_state(State::CaseReply { ticket_id: id });
                    } else {
                        cx.say(Text::new("case-ask-outcome"));
                        cx.set_state(State::CaseOutcome { ticket_id: id });
                    }
                }
                Err(refusal) => refuse(&cx, &q, refusal),
            }
        }
        TicketOp::OwnerReply => match complaints::check_owner(&mut *cx.tx().await, &actor, id).await? {
            Ok(t) if t.status() == Status::Accepted => {
                cx.answer(&q.id.0, None, false);
                cx.say(Text::new("case-ask-owner-reply"));
                cx.set_state(State::CaseOwnerReply { ticket_id: id });
            }
            Ok(t) => refuse(&cx, &q, Refusal::NotNow(t.status())),
            Err(refusal) => refuse(&cx, &q, refusal),
        },
        TicketOp::Resolved => match complaints::resolved(&mut *cx.tx().await, &actor, id, &desk).await? {
            Ok(ticket) => {
                cx.answer(&q.id.0, None, false);
                callbacks::close_buttons(&cx, &q);
                cx.reply(repairs::rating_prompt(&ticket));
            }
            Err(refusal) => refuse(&cx, &q, refusal),
        },
        // Not resolved: first, what is still wrong (nothing changes until they answer or skip).
        TicketOp::Unresolved => match complaints::check_owner(&mut *cx.tx().await, &actor, id).await? {
            Ok(t) if t.status() == Status::Done => {
                cx.answer(&q.id.0, None, false);
                cx.reply(Outgoing::with(
                    Text::new("case-ask-unresolved-reason"),
                    Markup::Inline(vec![vec![Button::new(
                        Text::new("btn-case-unresolved-skip"),
                        CallbackData::Ticket { id, op: TicketOp::UnresolvedSkip },
                    )]]),
                ));
                cx.set_state(State::CaseUnresolvedReason { ticket_id: id, outcome_message: callbacks::message_id(&q) });
            }
            Ok(t) => refuse(&cx, &q, Refusal::NotNow(t.status())),
            Err(refusal) => refuse(&cx, &q, refusal),
        },
        TicketOp::UnresolvedSkip => match state {
            State::CaseUnresolvedReason { ticket_id, outcome_message } if ticket_id == id => {
                match complaints::unresolved(&mut *cx.tx().await, &actor, id, None, &desk).await? {
                    Ok(_) => {
                        cx.answer(&q.id.0, None, false);
                        callbacks::close_buttons(&cx, &q);
                        if let Some(message) = outcome_message {
                            cx.clear_buttons(message);
                        }
                        back_home(&cx, Text::new("case-unresolved-owner"));
                    }
                    Err(refusal) => {
                        callbacks::close_buttons(&cx, &q);
                        cx.set_state(State::Idle);
                        refuse(&cx, &q, refusal);
                    }
                }
            }
            _ => fallback::button_expired(&cx, &q.id.0),
        },
        _ => fallback::button_expired(&cx, &q.id.0),
    }
    Ok(())
}

async fn take_answered(cx: &Cx, q: &CallbackQuery, id: i64, taken: Outcome<TicketRow>) -> HandlerResult {
    match taken {
        Ok(ticket) => {
            cx.answer(&q.id.0, Some(Text::new("case-taken-toast")), false);
            callbacks::close_buttons(cx, q);
            let desk = cx.desk();
            let card = complaints::handler_card(&mut *cx.tx().await, &ticket, &desk).await?;
            cx.reply(card);
        }
        Err(Refusal::NotNow(_)) => {
            let holder = complaints::holder_name(&mut *cx.tx().await, id).await?;
            let text = match holder {
                Some(name) => Text::new("case-already-taken-by").arg("name", name),
                None => Text::new("case-already-taken"),
            };
            cx.answer(&q.id.0, Some(text), true);
            callbacks::close_buttons(cx, q);
        }
        Err(refusal) => refuse(cx, q, refusal),
    }
    Ok(())
}

/// A typed message for the other side; anything else is answered with why
/// not, and the step stays.
fn typed(cx: &Cx, msg: &Message) -> Option<String> {
    let problem = match msg.text().map(str::trim) {
        None | Some("") => Text::new("error-text-expected"),
        Some(t) if t.chars().count() > MESSAGE_MAX => Text::new("error-too-long").arg("max", MESSAGE_MAX),
        Some(t) => return Some(t.to_owned()),
    };
    cx.say(problem);
    None
}

fn refused_typed(cx: &Cx, refusal: Refusal) {
    let text = match refusal {
        Refusal::NotNow(_) => Text::new("case-not-now"),
        Refusal::NotAllowed => Text::new("error-not-allowed"),
        Refusal::NotFound => Text::new("error-button-expired"),
    };
    back_home(cx, text);
}

pub async fn staff_reply(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(text) = typed(&cx, &msg) else { return Ok(()) };
    let (actor, desk) = (cx.actor(), cx.desk());
    match complaints::reply(&mut *cx.tx().await, &actor, ticket_id, &text, &desk).await? {
        Ok(_) => back_home(&cx, Text::new("case-reply-sent")),
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}

pub async fn outcome(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(text) = typed(&cx, &msg) else { return Ok(()) };
    let (actor, desk) = (cx.actor(), cx.desk());
    match complaints::conclude(&mut *cx.tx().await, &actor, ticket_id, &text, &desk).await? {
        Ok(_) => back_home(&cx, Text::new("case-closed-staff")),
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}

pub async fn owner_reply(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(text) = typed(&cx, &msg) else { return Ok(()) };
    let (actor, desk) = (cx.actor(), cx.desk());
    match complaints::owner_reply(&mut *cx.tx().await, &actor, ticket_id, &text, &desk).await? {
        Ok(_) => back_home(&cx, Text::new("case-owner-reply-sent")),
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}

/// What is still wrong, in the owner's words; the case goes back to its
/// handler with them.
pub async fn unresolved_reason(
    cx: Cx,
    msg: Message,
    (ticket_id, outcome_message): (i64, Option<i32>),
) -> HandlerResult {
    let Some(text) = typed(&cx, &msg) else { return Ok(()) };
    let (actor, desk) = (cx.actor(), cx.desk());
    match complaints::unresolved(&mut *cx.tx().await, &actor, ticket_id, Some(&text), &desk).await? {
        Ok(_) => {
            if let Some(message) = outcome_message {
                cx.clear_buttons(message);
            }
            back_home(&cx, Text::new("case-unresolved-owner"))
        }
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}
