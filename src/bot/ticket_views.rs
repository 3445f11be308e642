//! Lists of tickets and a ticket's card: 📋 my requests (owners), 🧰 my
//! tasks (staff), /queue and /overdue (supervisors); the card shows status,
//! assignee, timeline and photos, with the buttons the viewer may press.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::{ListKind, TicketOp};
use crate::domain::repair::PhotoRef;
use crate::domain::{Button, CallbackData, Markup, Outgoing, Status, TicketKind};
use crate::i18n::Text;
use crate::services::ticket_views::{self, Detail, Role};
use crate::services::tickets::{Refusal, staff_buttons};
use crate::store::tickets::{EventRow, TicketRow};

/// Longest follow-up message, in characters.
const FOLLOW_UP_MAX: usize = 300;

fn list_title(list: ListKind) -> Text {
    match list {
        ListKind::Mine => Text::new("list-mine-title"),
        ListKind::Tasks => Text::new("list-tasks-title"),
        ListKind::Queue => Text::new("list-queue-title"),
        ListKind::Overdue => Text::new("list-overdue-title"),
    }
}

fn list_empty(list: ListKind) -> Text {
    match list {
        ListKind::Mine => Text::new("list-mine-empty"),
        ListKind::Tasks => Text::new("list-tasks-empty"),
        ListKind::Queue => Text::new("list-queue-empty"),
        ListKind::Overdue => Text::new("list-overdue-empty"),
    }
}

/// A page of a list as a message: one line and one button per ticket.
async fn render_page(cx: &Cx, list: ListKind, page: u16) -> Result<Option<Outgoing>, crate::error::AppError> {
    let actor = cx.actor();
    let desk = cx.desk();
    let result = ticket_views::page(&mut *cx.tx().await, &actor, list, page, &desk).await?;
    let Ok(found) = result else { return Ok(None) };
    if found.tickets.is_empty() && page == 0 {
        return Ok(Some(Outgoing::new(list_empty(list))));
    }
    let mut lines = vec![list_title(list)];
    let mut rows = Vec::new();
    for t in &found.tickets {
        lines.push(
            Text::new("list-line")
                .arg("number", &t.number)
                .arg("category", crate::services::tickets::what(t))
                .arg("status", t.status().label())
                .arg("date", desk.time(t.created_at)),
        );
        rows.push(vec![Button::new(
            Text::new("btn-open-ticket").arg("number", &t.number),
            CallbackData::Ticket { id: t.id, op: TicketOp::Detail },
        )]);
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(Button::new(Text::new("btn-previous-page"), CallbackData::List { list, page: page - 1 }));
    }
    if found.has_next {
        nav.push(Button::new(Text::new("btn-next-page"), CallbackData::List { list, page: page + 1 }));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    Ok(Some(Outgoing::with(Text::lines(lines), Markup::Inline(rows))))
}

/// A list from the menu or a command.
pub async fn show(cx: Cx, list: ListKind) -> HandlerResult {
    match render_page(&cx, list, 0).await? {
        Some(message) => cx.reply(message),
        None => fallback::say_with_home(&cx, Text::new("error-not-allowed")),
    }
    Ok(())
}

/// ◀ / ▶ on a list: the same message shows the other page.
pub async fn turn_page(cx: Cx, q: CallbackQuery, (list, page): (ListKind, u16)) -> HandlerResult {
    match render_page(&cx, list, page).await? {
        Some(message) => {
            cx.answer(&q.id.0, None, false);
            match callbacks::message_id(&q) {
                Some(id) => cx.edit(id, message),
                None => cx.reply(message),
            }
        }
        None => fallback::not_allowed(&cx, &q.id.0),
    }
    Ok(())
}

/// A line of the timeline, in the words of the ticket's kind (提交报修 /
/// 提交投诉 …: `TicketKind::words`).
fn event_text(kind: TicketKind, event: &EventRow) -> Text {
    let by_nobody = event.actor_name.is_none();
    let what = match event.kind.as_str() {
        // Handed over by the bot itself (its handler left, found when the owner reopened it).
        "reassign" if by_nobody => Text::new("event-reassign-auto"),
        "release" if by_nobody => Text::new("event-release-auto"),
        "created" => Text::new("event-created"),
        "assign" => Text::new("event-assign"),
        "accept" => Text::new("event-accept"),
        "decline" => Text::new("event-decline"),
        "accept_timeout" => Text::new("event-accept-timeout"),
        "start_travel" => Text::new("event-start-travel"),
        "arrive" => Text::new("event-arrive"),
        "hold" => Text::new("event-hold"),
        "resume" => Text::new("event-resume"),
        "complete" => Text::new("event-complete"),
        "confirm_fixed" => Text::new("event-confirm-fixed"),
        "report_not_fixed" => Text::new("event-report-not-fixed"),
        "cancel" => Text::new("event-cancel"),
        "reassign" => Text::new("event-reassign"),
        "auto_close" => Text::new("event-auto-close"),
        "follow_up" => Text::new("event-follow-up"),
        "urgency" => Text::new("event-urgency"),
        "sla_breach" => Text::new("event-sla-breach"),
        "take" => Text::new("event-take"),
        "conclude" => Text::new("event-conclude"),
        "unresolved" => Text::new("event-unresolved"),
        "release" => Text::new("event-release"),
        "staff_reply" => Text::new("event-staff-reply"),
        "owner_reply" => Text::new("event-owner-reply"),
        _ => Text::plain(event.kind.clone()),
    };
    let line = kind.words(what.arg("who", event.actor_name.clone().unwrap_or_default()));
    match &event.note {
        Some(note) => Text::new("event-with-note").arg("event", line).arg("note", note),
        None => line,
    }
}

fn card(cx: &Cx, d: &Detail) -> Outgoing {
    let desk = cx.desk();
    let t = &d.ticket;
    let handler = d.assignee.clone().unwrap_or_else(|| "—".into());
    let head = if t.is_repair() {
        Text::new("ticket-detail")
            .arg("number", &t.number)
            .arg("category", crate::services::tickets::what(t))
            .arg("place", d.place.clone())
            .arg("description", &t.description)
            .arg("urgency", t.urgency().label())
            .arg("status", t.status().label())
            .arg("assignee", handler)
            .arg("due", desk.time(t.onsite_due_at))
    } else {
        // Complaints, suggestions and praise: no place, urgency or on-site time.
        let reply_due = t.reply_due_at.map(|at| desk.time(at)).unwrap_or_else(|| Text::plain("—"));
        Text::new("case-detail")
            .arg("number", &t.number)
            .arg("what", crate::services::tickets::what(t))
            .arg("description", &t.description)
            .arg("status", t.status().label())
            .arg("handler", handler)
            .arg("reply_due", reply_due)
    };
    let mut lines = vec![head];
    lines.push(Text::new("ticket-timeline"));
    lines.extend(
        d.events
            .iter()
            .map(|e| Text::new("timeline-line").arg("at", desk.time(e.at)).arg("what", event_text(t.kind(), e))),
    );
    let id = t.id;
    let b = |label: Text, op| Button::new(label, CallbackData::Ticket { id, op });
    let mut rows: Vec<Vec<Button>> = match d.role {
        Role::Assignee if !t.is_repair() => match (t.status(), crate::services::complaints::handler_buttons(id)) {
            (Status::Accepted, Markup::Inline(rows)) => rows,
            _ => Vec::new(),
        },
        Role::Assignee => match staff_buttons(t) {
            Markup::Inline(rows) => rows,
            _ => Vec::new(),
        },
        Role::Owner => {
            let mut row = Vec::new();
            if ticket_views::accepts_follow_up(t) {
                row.push(b(Text::new("btn-follow-up"), TicketOp::FollowUp));
            }
            if t.is_repair() && matches!(t.status(), Status::Queued | Status::Assigned | Status::Accepted) {
                row.push(b(Text::new("btn-cancel-ticket"), TicketOp::Cancel));
            }
            vec![row]
        }
        Role::Supervisor if t.is_repair() && t.status().is_open() && t.status() != Status::Done => {
            vec![vec![
                b(Text::new("btn-reassign"), TicketOp::Reassign),
                b(Text::new("btn-change-urgency"), TicketOp::Urgency),
            ]]
        }
        Role::Supervisor => Vec::new(),
    };
    rows.retain(|r| !r.is_empty());
    // Telegram's limit for a message is 4096 characters; render.rs cuts longer ones.
    Outgoing::with(Text::lines(lines), Markup::Inline(rows)).with_photos(d.photos.clone())
}

/// A ticket's card, from a list button.
pub async fn detail(cx: Cx, q: CallbackQuery, id: i64) -> HandlerResult {
    let actor = cx.actor();
    match ticket_views::detail(&mut *cx.tx().await, &actor, id).await? {
        Ok(d) => {
            cx.answer(&q.id.0, None, false);
            cx.reply(card(&cx, &d));
        }
        Err(Refusal::NotAllowed) => fallback::not_allowed(&cx, &q.id.0),
        Err(_) => fallback::button_expired(&cx, &q.id.0),
    }
    Ok(())
}

/// The owner's "add information" on a card.
pub async fn ask_follow_up(cx: Cx, q: CallbackQuery, id: i64) -> HandlerResult {
    let actor = cx.actor();
    match ticket_views::check_follow_up(&mut *cx.tx().await, &actor, id).await? {
        Ok(ticket) => {
            cx.answer(&q.id.0, None, false);
            cx.say(ticket.kind().words(Text::new("ticket-ask-follow-up")));
            cx.set_state(State::FollowUp { ticket_id: id });
        }
        Err(Refusal::NotAllowed) => fallback::not_allowed(&cx, &q.id.0),
        Err(Refusal::NotNow(status)) => {
            cx.answer(&q.id.0, Some(Text::new("error-ticket-not-now").arg("status", status.label())), true)
        }
        Err(Refusal::NotFound) => fallback::button_expired(&cx, &q.id.0),
    }
    Ok(())
}

/// The follow-up itself: text or a photo (its caption is the text).
pub async fn follow_up(cx: Cx, msg: Message, ticket_id: i64) -> HandlerResult {
    let photo = msg
        .photo()
        .and_then(|p| p.last())
        .map(|p| PhotoRef { file_id: p.file.id.0.clone(), unique_id: p.file.unique_id.0.clone() });
    let text = msg.text().or(msg.caption()).map(str::trim).filter(|t| !t.is_empty());
    if photo.is_none() && text.is_none() {
        cx.say(Text::new("ticket-follow-up-expected"));
        return Ok(());
    }
    if text.is_some_and(|t| t.chars().count() > FOLLOW_UP_MAX) {
        cx.say(Text::new("error-too-long").arg("max", FOLLOW_UP_MAX));
        return Ok(());
    }
    let actor = cx.actor();
    let desk = cx.desk();
    let outcome = ticket_views::follow_up(&mut *cx.tx().await, &actor, ticket_id, text, photo.as_ref(), &desk).await?;
    let reply = match outcome {
        Ok(ticket @ TicketRow { assignee_id: Some(_), .. }) => ticket.kind().words(Text::new("ticket-follow-up-sent")),
        Ok(ticket) => ticket.kind().words(Text::new("ticket-follow-up-kept")),
        Err(Refusal::NotNow(status)) => Text::new("error-ticket-not-now").arg("status", status.label()),
        Err(_) => Text::new("error-not-allowed"),
    };
    cx.reply(Outgoing::with(reply, home_markup(&actor)));
    cx.set_state(State::Idle);
    Ok(())
}
