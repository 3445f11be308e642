//! Buttons on ticket cards and notices, and the short answers they ask for:
//! the assignee's accept / decline (why) / on my way / arrived / on hold (why,
//! until when) / resume / done (note, photos), and the owner's fixed / not
//! fixed (what is still wrong) / stars / comment.

use chrono::{Duration, NaiveDate};
use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::TicketOp;
use crate::domain::repair::{MAX_PHOTOS, PhotoRef};
use crate::domain::ticket::Rating;
use crate::domain::{Button, CallbackData, Markup, Outgoing, Status};
use crate::i18n::Text;
use crate::services::tickets::{Outcome, Refusal, staff_buttons};
use crate::services::{dispatch, repairs, work};
use crate::store::tickets::TicketRow;

/// Longest reason or note, in characters.
const REASON_MAX: usize = 200;

fn refuse(cx: &Cx, q: &CallbackQuery, refusal: Refusal) {
    match refusal {
        Refusal::NotFound => fallback::button_expired(cx, &q.id.0),
        Refusal::NotAllowed => fallback::not_allowed(cx, &q.id.0),
        Refusal::NotNow(status) => {
            cx.answer(&q.id.0, Some(Text::new("error-ticket-not-now").arg("status", status.label())), true)
        }
    }
}

/// After a staff step: the card's buttons follow the ticket, and a toast
/// says what happened.
fn stepped(cx: &Cx, q: &CallbackQuery, outcome: Outcome<TicketRow>, toast: Text) {
    match outcome {
        Ok(ticket) => {
            cx.answer(&q.id.0, Some(toast), false);
            if let Some(id) = callbacks::message_id(q) {
                cx.set_buttons(id, staff_buttons(&ticket));
            }
        }
        Err(refusal) => refuse(cx, q, refusal),
    }
}

fn ticket_button(label: Text, id: i64, op: TicketOp) -> Button {
    Button::new(label, CallbackData::Ticket { id, op })
}

pub async fn button(cx: Cx, q: CallbackQuery, (id, op): (i64, TicketOp), state: State) -> HandlerResult {
    match op {
        TicketOp::Detail => return crate::bot::ticket_views::detail(cx, q, id).await,
        TicketOp::FollowUp => return crate::bot::ticket_views::ask_follow_up(cx, q, id).await,
        TicketOp::Reassign | TicketOp::ReassignTo(_) | TicketOp::Urgency | TicketOp::SetUrgency(_) => {
            return crate::bot::supervise::button(cx, q, id, op).await;
        }
        TicketOp::Take
        | TicketOp::Reply
        | TicketOp::CloseCase
        | TicketOp::Resolved
        | TicketOp::Unresolved
        | TicketOp::UnresolvedSkip
        | TicketOp::OwnerReply => return crate::bot::case_work::button(cx, q, id, op, state).await,
        _ => {}
    }
    let actor = cx.actor();
    let desk = cx.desk();
    match op {
        TicketOp::Detail
        | TicketOp::FollowUp
        | TicketOp::Reassign
        | TicketOp::ReassignTo(_)
        | TicketOp::Urgency
        | TicketOp::SetUrgency(_)
        | TicketOp::Take
        | TicketOp::Reply
        | TicketOp::CloseCase
        | TicketOp::Resolved
        | TicketOp::Unresolved
        | TicketOp::UnresolvedSkip
        | TicketOp::OwnerReply => {}
        TicketOp::Accept => {
            let outcome = work::accept(&mut *cx.tx().await, &actor, id, &desk).await?;
            stepped(&cx, &q, outcome, Text::new("ticket-accepted-toast"));
        }
        TicketOp::OnMyWay => {
            let outcome = work::on_my_way(&mut *cx.tx().await, &actor, id, &desk).await?;
            stepped(&cx, &q, outcome, Text::new("ticket-owner-told-toast"));
        }
        TicketOp::Arrived => {
            let outcome = work::arrive(&mut *cx.tx().await, &actor, id, &desk).await?;
            stepped(&cx, &q, outcome, Text::new("ticket-owner-told-toast"));
        }
        TicketOp::Resume => {
            let outcome = work::resume(&mut *cx.tx().await, &actor, id, &desk).await?;
            stepped(&cx, &q, outcome, Text::new("ticket-owner-told-toast"));
        }
        TicketOp::Decline | TicketOp::Hold | TicketOp::Done => {
            let ticket = work::check_assignee(&mut *cx.tx().await, &actor, id).await?;
            let allowed = match op {
                TicketOp::Decline => &[Status::Assigned][..],
                TicketOp::Hold => &[Status::InProgress][..],
                _ => &[Status::InProgress, Status::OnHold][..],
            };
            match ticket {
                Err(refusal) => refuse(&cx, &q, refusal),
                Ok(t) if !allowed.contains(&t.status()) => refuse(&cx, &q, Refusal::NotNow(t.status())),
                Ok(_) => {
                    cx.answer(&q.id.0, None, false);
                    let (question, next) = match op {
                        TicketOp::Decline => {
                            (Text::new("ticket-ask-decline-reason"), State::DeclineReason { ticket_id: id })
                        }
                        TicketOp::Hold => (Text::new("ticket-ask-hold-reason"), State::HoldReason { ticket_id: id }),
                        _ => (Text::new("ticket-ask-done-note"), State::DoneNote { ticket_id: id }),
                    };
                    cx.say(question);
                    cx.set_state(next);
                }
            }
        }
        TicketOp::HoldFor(days) => match state {
            State::HoldUntil { ticket_id, reason } if ticket_id == id => {
                let until = desk.now.with_timezone(&desk.tz).date_naive() + Duration::days(i64::from(days));
                cx.answer(&q.id.0, None, false);
                callbacks::close_buttons(&cx, &q);
                hold(&cx, id, &reason, until).await?;
            }
            _ => fallback::button_expired(&cx, &q.id.0),
        },
        TicketOp::FinishDone => match state {
            State::DonePhotos { ticket_id, note, photos } if ticket_id == id => {
                callbacks::close_buttons(&cx, &q);
                let outcome = work::complete(&mut *cx.tx().await, &actor, id, &note, &photos, &desk).await?;
                match outcome {
                    Ok(_) => {
                        cx.answer(&q.id.0, None, false);
                        back_home(&cx, Text::new("ticket-done-staff"));
                    }
                    Err(refusal) => refuse(&cx, &q, refusal),
                }
            }
            _ => fallback::button_expired(&cx, &q.id.0),
        },
        TicketOp::Fixed => {
            let outcome = repairs::confirm_fixed(&mut *cx.tx().await, &actor, id, &desk).await?;
            match outcome {
                Ok(ticket) => {
                    cx.answer(&q.id.0, None, false);
                    callbacks::close_buttons(&cx, &q);
                    cx.reply(repairs::rating_prompt(&ticket));
                }
                Err(refusal) => refuse(&cx, &q, refusal),
            }
        }
        TicketOp::NotFixed => {
            let owned = crate::services::repairs::check_owner(&mut *cx.tx().await, &actor, id).await?;
            match owned {
                Err(refusal) => refuse(&cx, &q, refusal),
                Ok(t) if t.status() != Status::Done => refuse(&cx, &q, Refusal::NotNow(t.status())),
                Ok(_) => {
                    cx.answer(&q.id.0, None, false);
                    cx.say(Text::new("ticket-ask-not-fixed-reason"));
                    cx.set_state(State::NotFixedReason { ticket_id: id, done_message: callbacks::message_id(&q) });
                }
            }
        }
        TicketOp::Rate(stars) => {
            let Some(rating) = Rating::new(stars) else {
                fallback::button_expired(&cx, &q.id.0);
                return Ok(());
            };
            let outcome = repairs::rate(&mut *cx.tx().await, &actor, id, rating).await?;
            match outcome {
                Ok(_) => {
                    cx.answer(&q.id.0, None, false);
                    callbacks::close_buttons(&cx, &q);
                    cx.reply(Outgoing::with(
                        Text::new("ticket-ask-comment").arg("stars", i64::from(stars)),
                        Markup::Inline(vec![vec![ticket_button(Text::new("btn-no-comment"), id, TicketOp::NoComment)]]),
                    ));
                    cx.set_state(State::RatingComment { ticket_id: id });
                }
                Err(refusal) => refuse(&cx, &q, refusal),
            }
        }
        TicketOp::NoComment => match state {
            State::RatingComment { ticket_id } if ticket_id == id => {
                cx.answer(&q.id.0, None, false);
                callbacks::close_buttons(&cx, &q);
                back_home(&cx, Text::new("ticket-thanks-rating"));
            }
            _ => fallback::button_expired(&cx, &q.id.0),
        },
        TicketOp::Cancel => {
            let outcome = repairs::cancel(&mut *cx.tx().await, &actor, id, &desk).await?;
            match outcome {
                Ok(ticket) => {
                    cx.answer(&q.id.0, None, false);
                    callbacks::close_buttons(&cx, &q);
                    cx.say(Text::new("ticket-cancelled-owner").arg("number", ticket.number));
                }
                Err(refusal) => refuse(&cx, &q, refusal),
            }
        }
    }
    Ok(())
}

fn back_home(cx: &Cx, text: Text) {
    cx.reply(Outgoing::with(text, home_markup(&cx.actor())));
    cx.set_state(State::Idle);
}

/// A typed reason, note or comment; anything else is answered with why
/// not, and the step stays.
fn typed(cx: &Cx, msg: &Message) -> Option<String> {
    let problem = match msg.text().map(str::trim) {
        None | Some("") => Text::new("error-text-expected"),
        Some(t) if t.chars().count() > REASON_MAX => Text::new("error-too-long").arg("max", REASON_MAX),
        Some(t) => return Some(t.to_owned()),
    };
    cx.say(problem);
    None
}

/// Tells the refusal of a step that was typed, not pressed, and leaves it.
fn refused_typed(cx: &Cx, refusal: Refusal) {
    let text = match refusal {
        Refusal::NotNow(status) => Text::new("error-ticket-not-now").arg("status", status.label()),
        Refusal::NotAllowed => Text::new("error-not-allowed"),
        Refusal::NotFound => Text::new("error-button-expired"),
    };
    back_home(cx, text);
}

pub async fn decline_reason(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(why) = typed(&cx, &msg) else { return Ok(()) };
    let desk = cx.desk();
    let actor = cx.actor().telegram_id();
    match dispatch::decline(&mut *cx.tx().await, actor, ticket_id, &why, &desk).await? {
        Ok(_) => back_home(&cx, Text::new("ticket-declined-staff")),
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}

pub async fn hold_reason(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(why) = typed(&cx, &msg) else { return Ok(()) };
    let buttons = [(1u8, Text::new("btn-hold-1")), (3, Text::new("btn-hold-3")), (7, Text::new("btn-hold-7"))]
        .into_iter()
        .map(|(days, label)| ticket_button(label, ticket_id, TicketOp::HoldFor(days)))
        .collect();
    cx.reply(Outgoing::with(Text::new("ticket-ask-hold-until"), Markup::Inline(vec![buttons])));
    cx.set_state(State::HoldUntil { ticket_id, reason: why });
    Ok(())
}

/// "2026-12-01", "12-01" or "12/1": the date work can resume.
fn parse_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = text.trim().replace('/', "-");
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
        return Some(d);
    }
    let with_year = format!("{}-{t}", today.format("%Y"));
    let d = NaiveDate::parse_from_str(&with_year, "%Y-%m-%d").ok()?;
    // "01-05" typed in December means next January.
    if d < today { chrono::Datelike::with_year(&d, chrono::Datelike::year(&today) + 1) } else { Some(d) }
}

pub async fn hold_until(cx: Cx, msg: Message, (ticket_id, why): (i64, String)) -> HandlerResult {
    let desk = cx.desk();
    let today = desk.now.with_timezone(&desk.tz).date_naive();
    match msg.text().and_then(|t| parse_date(t, today)) {
        Some(until) if until >= today && until <= today + Duration::days(365) => {
            hold(&cx, ticket_id, &why, until).await
        }
        _ => {
            cx.say(Text::new("ticket-hold-date-unreadable"));
            Ok(())
        }
    }
}

async fn hold(cx: &Cx, ticket_id: i64, why: &str, until: NaiveDate) -> HandlerResult {
    let desk = cx.desk();
    let actor = cx.actor();
    match work::hold(&mut *cx.tx().await, &actor, ticket_id, why, until, &desk).await? {
        Ok(ticket) => {
            // The card's buttons still say Done / Hold: this message carries Resume.
            let text = Text::new("ticket-on-hold-staff").arg("until", until.format("%m-%d").to_string());
            cx.reply(Outgoing::with(text, staff_buttons(&ticket)));
            cx.set_state(State::Idle);
        }
        Err(refusal) => refused_typed(cx, refusal),
    }
    Ok(())
}

pub async fn done_note(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(note) = typed(&cx, &msg) else { return Ok(()) };
    cx.reply(done_photos_prompt(ticket_id, 0, Text::new("ticket-ask-done-photos").arg("max", MAX_PHOTOS)));
    cx.set_state(State::DonePhotos { ticket_id, note, photos: Vec::new() });
    Ok(())
}

fn done_photos_prompt(ticket_id: i64, count: usize, text: Text) -> Outgoing {
    let label =
        if count == 0 { Text::new("btn-skip-photos") } else { Text::new("btn-photos-done").arg("count", count) };
    Outgoing::with(text, Markup::Inline(vec![vec![ticket_button(label, ticket_id, TicketOp::FinishDone)]]))
}

pub async fn done_photos(
    cx: Cx,
    msg: Message,
    (ticket_id, note, mut photos): (i64, String, Vec<PhotoRef>),
) -> HandlerResult {
    let Some(photo) = msg.photo().and_then(|p| p.last()) else {
        cx.reply(done_photos_prompt(
            ticket_id,
            photos.len(),
            Text::new("repair-photos-use-button").arg("max", MAX_PHOTOS),
        ));
        return Ok(());
    };
    let photo = PhotoRef { file_id: photo.file.id.0.clone(), unique_id: photo.file.unique_id.0.clone() };
    if photos.len() >= MAX_PHOTOS {
        cx.reply(done_photos_prompt(ticket_id, photos.len(), Text::new("repair-photos-full").arg("max", MAX_PHOTOS)));
        return Ok(());
    }
    if !photos.iter().any(|p| p.unique_id == photo.unique_id) {
        photos.push(photo);
    }
    let text = Text::new("repair-photo-received").arg("count", photos.len()).arg("max", MAX_PHOTOS);
    cx.reply(done_photos_prompt(ticket_id, photos.len(), text));
    cx.set_state(State::DonePhotos { ticket_id, note, photos });
    Ok(())
}

pub async fn not_fixed_reason(cx: Cx, msg: Message, (ticket_id, done_message): (i64, Option<i32>)) -> HandlerResult {
    let Some(why) = typed(&cx, &msg) else { return Ok(()) };
    let desk = cx.desk();
    let actor = cx.actor();
    let reported = repairs::report_not_fixed(&mut *cx.tx().await, &actor, ticket_id, &why, &desk).await?;
    match reported {
        Ok(reported) => {
            // Answered: the done notice's Fixed / Not fixed are spent.
            if let Some(message_id) = done_message {
                cx.clear_buttons(message_id);
            }
            // Its technician left and nobody else can take it now: it waits to be dispatched.
            let said = match reported.status() {
                Status::Queued => Text::new("ticket-reopened-owner-queued"),
                _ => Text::new("ticket-reopened-owner"),
            };
            back_home(&cx, said)
        }
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}

pub async fn rating_comment(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let Some(comment) = typed(&cx, &msg) else { return Ok(()) };
    let actor = cx.actor();
    match repairs::comment(&mut *cx.tx().await, &actor, ticket_id, &comment).await? {
        Ok(_) => back_home(&cx, Text::new("ticket-thanks-rating")),
        Err(refusal) => refused_typed(&cx, refusal),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_date_can_be_typed_with_or_without_the_year() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(parse_date("2026-12-01", today), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(parse_date("12-01", today), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(parse_date("12/1", today), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(parse_date("01-05", today), NaiveDate::from_ymd_opt(2027, 1, 5));
        assert_eq!(parse_date("next week", today), None);
    }

    proptest::proptest! {
        #![proptest_config(crate::domain::proptests::config(256))]

        /// Any resume date typed, on any day: read or refused, and a date
        /// typed without its year is never in the past.
        #[test]
        fn any_typed_resume_date_is_read_or_refused(
            typed in "[+-]?[0-9]{0,6}[-/]?[0-9]{1,3}[-/][0-9]{1,3}|.{0,12}",
            day in 0..=(366 * 400i64),
        ) {
            let today = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Duration::days(day);
            if let Some(d) = parse_date(&typed, today)
                && typed.trim().replace('/', "-").matches('-').count() == 1
            {
                proptest::prop_assert!(d >= today, "{typed} on {today} read as {d}");
            }
        }
    }
}
