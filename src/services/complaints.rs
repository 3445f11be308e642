//! Complaints (投诉), suggestions (建议) and praise (表扬): an owner files one,
//! customer service takes it (first one wins), the conversation runs
//! through the bot (every message a ticket event), the handler closes it
//! with an outcome and the owner answers resolved / not resolved, then
//! rates it (the repair rating, `repairs::rate`).
//!
//! Privacy: a case belongs to the person who filed it alone, not to their
//! household (`access::is_owner_of`). The owner is never shown a staff
//! member's Telegram account (the bot relays), and staff see the owner's
//! phone only when the owner allowed a call. A complaint about a named staff
//! member is never shown to, told to, nor taken by that member
//! (`access::may_be_told`), whatever role they hold.

use serde_json::json;
use sqlx::PgConnection;

use crate::domain::complaint::case_number;
use crate::domain::repair::PhotoRef;
use crate::domain::ticket::Action;
use crate::domain::{Button, CallbackData, Markup, Outgoing, Status, Subject, TicketKind, callback::TicketOp};
use crate::i18n::Text;
use crate::services::options::{self, OptionList};
use crate::services::people::Actor;
use crate::services::tickets::{self, Desk, Outcome, Refusal};
use crate::services::{access, notify};
use crate::store::tickets::TicketNumbers;
use crate::store::{self, tickets::NewCase, tickets::TicketRow};

#[derive(Debug, Clone)]
pub struct NewCaseFiling {
    pub kind: TicketKind,
    pub subject: Subject,
    /// The staff member a staff-conduct complaint is about, if the owner knows.
    pub named_staff_id: Option<i64>,
    pub description: String,
    pub photos: Vec<PhotoRef>,
    pub contact_allowed: bool,
}

/// Customer-service staff and supervisors handle complaints.
pub fn is_handler(actor: &Actor) -> bool {
    actor.staff.as_ref().is_some_and(|s| s.is_supervisor || s.trade == "customer_service")
}

/// Active staff an owner can name in a staff-conduct complaint.
pub async fn nameable_staff(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String)>> {
    store::tickets::active_staff_names(conn).await
}

/// The outbox key of the new-case card sent to `chat`: the card is withdrawn
/// by it. `round` counts the times the case went back to customer service
/// (its handler was deactivated): each offer is a new card.
fn card_key(ticket_id: i64, chat: i64, round: i64) -> String {
    match round {
        0 => format!("case:{ticket_id}:{chat}"),
        n => format!("case:{ticket_id}:{chat}:{n}"),
    }
}

fn button(label: Text, id: i64, op: TicketOp) -> Button {
    Button::new(label, CallbackData::Ticket { id, op })
}

/// Files it, numbers it, sets the complaint targets and tells customer
/// service (a card with Take).
/// The subjects the actor's community offers, in its order (all unless it chose).
pub async fn subjects_for(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<Vec<Subject>> {
    options::offered(conn, actor, OptionList::ComplaintSubjects, &Subject::ALL, Subject::parse_code).await
}

pub async fn file(
    conn: &mut PgConnection,
    numbers: &TicketNumbers,
    actor: &Actor,
    case: NewCaseFiling,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    if !actor.is_owner() || case.kind == TicketKind::Repair {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !subjects_for(conn, actor).await?.contains(&case.subject) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let named = match case.named_staff_id {
        Some(id) if case.subject == Subject::StaffConduct => match store::staff::get(conn, id).await? {
            Some(s) if s.active => Some(id),
            _ => return Ok(Err(Refusal::NotFound)),
        },
        _ => None,
    };
    let unit_id = actor.residences.first().map(|r| r.unit_id);
    let community_id = match unit_id {
        Some(id) => store::tickets::community_of_unit(conn, id).await?,
        None => store::tickets::community_of_user(conn, actor.telegram_id()).await?,
    };
    let day = desk.now.with_timezone(&desk.tz).date_naive();
    let sequence = numbers.next(community_id, day).await?;
    let number = case_number(case.kind, day, sequence);
    let deadlines = case.kind.has_deadlines();
    let ticket = store::tickets::insert_case(
        conn,
        NewCase {
            number: &number,
            community_id,
            kind: case.kind,
            subject: case.subject,
            unit_id,
            description: &case.description,
            reporter_id: actor.telegram_id(),
            contact_allowed: case.contact_allowed,
            named_staff_id: named,
            created_at: desk.now,
            reply_due_at: deadlines.then(|| desk.now + desk.sla.complaint_reply),
            outcome_due_at: deadlines.then(|| desk.now + desk.sla.complaint_outcome),
        },
    )
    .await?;
    for photo in &case.photos {
        store::tickets::add_photo(conn, ticket.id, &photo.file_id, &photo.unique_id, "report", actor.telegram_id())
            .await?;
    }
    let data = json!({ "kind": case.kind.as_str(), "subject": case.subject.as_str(), "named_staff": named });
    tickets::record(conn, &ticket, "created", Some(actor.telegram_id()), None, data, desk.now).await?;
    offer(conn, &ticket, &[actor.telegram_id()], 0, desk).await?;
    Ok(Ok(ticket))
}

/// The new-case card with Take, to every customer-service member and
/// supervisor except the one it names and those in `excluding`.
async fn offer(
    conn: &mut PgConnection,
    ticket: &TicketRow,
    excluding: &[i64],
    round: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<()> {
    let photos = store::tickets::photos(conn, ticket.id, "report").await?;
    let mut text = vec![
        Text::new("case-new-staff")
            .arg("ticket", tickets::title(ticket))
            .arg("place", tickets::place(conn, ticket).await?)
            .arg("description", &ticket.description),
    ];
    if let Some(due) = ticket.reply_due_at {
        text.push(Text::new("case-reply-due").arg("due", desk.time(due)));
    }
    let card = Outgoing::with(
        Text::lines(text),
        Markup::Inline(vec![vec![button(Text::new("btn-take"), ticket.id, TicketOp::Take)]]),
    )
    .with_photos(photos);
    for chat in store::tickets::customer_service(conn).await? {
        if !access::may_be_told(ticket, chat) || excluding.contains(&chat) {
            continue;
        }
        notify::to_staff(conn, chat, "case-new", &card, desk.now, Some(card_key(ticket.id, chat, round))).await?;
    }
    Ok(())
}

/// Its handler was deactivated (by `staff::deactivate`, or found so when
/// the owner says a concluded case is not resolved): the case goes back to
/// customer service — Queued, nobody holding it, a new card with Take to
/// each of them (not the one who left, nor the owner) — and the owner hears
/// again when someone takes it.
pub async fn release(
    conn: &mut PgConnection,
    ticket: &mut TicketRow,
    actor: Option<i64>,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<()>> {
    let left = ticket.assignee_id;
    if let Err(r) = tickets::change(conn, ticket, Action::Release, actor, None, desk.now).await? {
        return Ok(Err(r));
    }
    ticket.assignee_id = None;
    ticket.assigned_at = None;
    ticket.accepted_at = None;
    store::tickets::save(conn, ticket).await?;
    let round = store::tickets::count_events(conn, ticket.id, Action::Release.as_str()).await?;
    let excluding: Vec<i64> = std::iter::once(ticket.reporter_id).chain(left).collect();
    offer(conn, ticket, &excluding, round, desk).await?;
    Ok(Ok(()))
}

/// The handler's card: everything needed to answer, with Reply / Close.
/// The owner's phone only if they allowed a call.
pub async fn handler_card(conn: &mut PgConnection, ticket: &TicketRow, desk: &Desk<'_>) -> sqlx::Result<Outgoing> {
    let reporter = store::users::get(conn, ticket.reporter_id).await?;
    let (name, phone) = reporter.map(|u| (u.display_name(), u.phone)).unwrap_or_default();
    let contact = match phone {
        Some(phone) if ticket.contact_allowed => Text::new("case-contact-phone").arg("phone", phone),
        _ => Text::new("case-contact-none"),
    };
    let mut lines = vec![
        Text::new("case-card")
            .arg("ticket", tickets::title(ticket))
            .arg("place", tickets::place(conn, ticket).await?)
            .arg("description", &ticket.description)
            .arg("owner", name)
            .arg("contact", contact),
    ];
    if let Some(due) = ticket.outcome_due_at {
        lines.push(Text::new("case-outcome-due").arg("due", desk.time(due)));
    }
    Ok(Outgoing::with(Text::lines(lines), handler_buttons(ticket.id)))
}

pub fn handler_buttons(id: i64) -> Markup {
    Markup::Inline(vec![vec![
        button(Text::new("btn-case-reply"), id, TicketOp::Reply),
        button(Text::new("btn-case-close"), id, TicketOp::CloseCase),
    ]])
}

async fn locked_case(conn: &mut PgConnection, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    match tickets::lock(conn, id).await? {
        Ok(t) if t.is_repair() => Ok(Err(Refusal::NotFound)),
        other => Ok(other),
    }
}

/// Take: the first one wins (the row lock makes the others wait and then
/// see it taken). The named staff member may not take it.
pub async fn take(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    if !is_handler(actor) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let mut ticket = match locked_case(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !access::may_be_told(&ticket, actor.telegram_id()) || ticket.reporter_id == actor.telegram_id() {
        return Ok(Err(Refusal::NotAllowed));
    }
    if let Err(r) = tickets::change(conn, &mut ticket, Action::Take, Some(actor.telegram_id()), None, desk.now).await? {
        return Ok(Err(r));
    }
    ticket.assignee_id = Some(actor.telegram_id());
    ticket.assigned_at = Some(desk.now);
    ticket.accepted_at = Some(desk.now);
    ticket.first_accepted_at = Some(desk.now);
    store::tickets::save(conn, &ticket).await?;
    let news = Outgoing::new(Text::new("case-taken-owner").arg("ticket", tickets::title(&ticket)));
    tickets::tell_reporter(conn, &ticket, "case-taken", news, desk.now).await?;
    withdraw_cards(conn, &ticket, actor, desk).await?;
    Ok(Ok(ticket))
}

/// The colleagues' copies of the new-case card lose their Take button and
/// say who took it; a copy not sent yet never is. Through the outbox, like
/// the card itself. (The taker's own copy is closed by the reply to them.)
async fn withdraw_cards(
    conn: &mut PgConnection,
    ticket: &TicketRow,
    taker: &Actor,
    desk: &Desk<'_>,
) -> sqlx::Result<()> {
    // Every staff member ever, not just today's customer service: whoever
    // got the card when it was filed may have changed role since.
    let rounds = store::tickets::count_events(conn, ticket.id, Action::Release.as_str()).await?;
    let keys: Vec<String> = store::staff::list(conn)
        .await?
        .into_iter()
        // Not those deactivated since: nothing reaches them any more (their Take is refused).
        .filter(|s| s.active && s.telegram_id != taker.telegram_id())
        .flat_map(|s| (0..=rounds).map(move |round| card_key(ticket.id, s.telegram_id, round)))
        .collect();
    let name = taker.staff.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| taker.user.display_name());
    notify::withdraw(conn, &keys, "case-taken-elsewhere", desk.now, |card| {
        Outgoing::new(Text::lines([card.text, Text::new("case-taken-by").arg("name", name.clone())]))
    })
    .await
}

/// Who holds a case now, by name: for a colleague pressing Take too late.
pub async fn holder_name(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<String>> {
    let Some(ticket) = store::tickets::get(conn, id).await? else { return Ok(None) };
    match ticket.assignee_id {
        Some(staff) => Ok(store::staff::get(conn, staff).await?.map(|s| s.name)),
        None => Ok(None),
    }
}

/// The handler, on an open case (to refuse a stale button before asking
/// them anything, and before acting).
pub async fn check_handler(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match locked_case(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !is_handler(actor) || ticket.assignee_id != Some(actor.telegram_id()) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if ticket.status() != Status::Accepted {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    Ok(Ok(ticket))
}

/// The handler writes to the owner: relayed without their account, kept
/// as a `staff_reply` event; the first one sets `first_reply_at`.
pub async fn reply(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    text: &str,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match check_handler(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if ticket.first_reply_at.is_none() {
        ticket.first_reply_at = Some(desk.now);
        store::tickets::save(conn, &ticket).await?;
    }
    tickets::record(conn, &ticket, "staff_reply", Some(actor.telegram_id()), Some(text), json!({}), desk.now).await?;
    let relayed = Outgoing::with(
        Text::new("case-reply-owner").arg("ticket", tickets::title(&ticket)).arg("text", text),
        Markup::Inline(vec![vec![button(Text::new("btn-case-owner-reply"), id, TicketOp::OwnerReply)]]),
    );
    tickets::tell_reporter(conn, &ticket, "case-reply", relayed, desk.now).await?;
    Ok(Ok(ticket))
}

/// The owner (the person who filed it, alone), on a case still being handled.
pub async fn check_owner(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match locked_case(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !access::is_owner_of(actor, &ticket) {
        return Ok(Err(Refusal::NotAllowed));
    }
    Ok(Ok(ticket))
}

/// The owner writes back: relayed to the handler with Reply / Close.
pub async fn owner_reply(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    text: &str,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match check_owner(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    let Some(handler) = ticket.assignee_id.filter(|_| ticket.status() == Status::Accepted) else {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    };
    tickets::record(conn, &ticket, "owner_reply", Some(actor.telegram_id()), Some(text), json!({}), desk.now).await?;
    let relayed = Outgoing::with(
        Text::new("case-owner-reply-staff").arg("ticket", tickets::title(&ticket)).arg("text", text),
        handler_buttons(id),
    );
    notify::to_staff(conn, handler, "case-owner-reply", &relayed, desk.now, None).await?;
    Ok(Ok(ticket))
}

/// The handler closes it with a written outcome; the owner answers
/// Resolved / Not resolved.
pub async fn conclude(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    outcome: &str,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match check_handler(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) =
        tickets::change(conn, &mut ticket, Action::Conclude, Some(actor.telegram_id()), Some(outcome), desk.now).await?
    {
        return Ok(Err(r));
    }
    ticket.outcome = Some(outcome.to_owned());
    ticket.done_at = Some(desk.now);
    ticket.first_done_at = ticket.first_done_at.or(Some(desk.now));
    // A written outcome is an answer to the owner.
    ticket.first_reply_at = ticket.first_reply_at.or(Some(desk.now));
    store::tickets::save(conn, &ticket).await?;
    let ask = Outgoing::with(
        Text::new("case-outcome-owner").arg("ticket", tickets::title(&ticket)).arg("outcome", outcome),
        Markup::Inline(vec![vec![
            button(Text::new("btn-case-resolved"), id, TicketOp::Resolved),
            button(Text::new("btn-case-unresolved"), id, TicketOp::Unresolved),
        ]]),
    );
    tickets::tell_reporter(conn, &ticket, "case-outcome", ask, desk.now).await?;
    Ok(Ok(ticket))
}

/// Resolved: closed (the bot then asks for the 1–5 rating); the handler is told.
pub async fn resolved(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match check_owner(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    let notice = Text::new("case-resolved-staff");
    tickets::close(conn, ticket, Action::ConfirmFixed, actor.telegram_id(), notice, "case-resolved", desk.now).await
}

/// Not resolved: back to the same handler (with the card again) and the
/// supervisors are told, with what the owner says is still wrong, if they
/// said (kept as the note of the `unresolved` event). A handler who is no
/// longer active staff (`tickets::returning_assignee`) does not get it back:
/// the case goes back to customer service with Take ([`release`]), and the
/// supervisors are told so.
pub async fn unresolved(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    reason: Option<&str>,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match check_owner(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) =
        tickets::change(conn, &mut ticket, Action::Unresolved, Some(actor.telegram_id()), reason, desk.now).await?
    {
        return Ok(Err(r));
    }
    ticket.reopen_count += 1;
    ticket.done_at = None;
    store::tickets::save(conn, &ticket).await?;
    let said = match reason {
        Some(reason) => Text::new("case-unresolved-reason").arg("reason", reason),
        None => Text::new("case-unresolved-no-reason"),
    };
    let handler = match ticket.assignee_id {
        Some(id) => store::staff::get(conn, id).await?.map(|s| s.name).unwrap_or_default(),
        None => String::new(),
    };
    let head = match tickets::returning_assignee(conn, &ticket).await? {
        Some(handler_id) => {
            let notice = Outgoing::new(Text::lines([
                Text::new("case-unresolved-staff").arg("ticket", tickets::title(&ticket)),
                said.clone(),
            ]));
            notify::to_staff(conn, handler_id, "case-unresolved", &notice, desk.now, None).await?;
            let card = handler_card(conn, &ticket, desk).await?;
            notify::to_staff(conn, handler_id, "case-card", &card, desk.now, None).await?;
            Text::new("case-unresolved-supervisor").arg("ticket", tickets::title(&ticket)).arg("handler", handler)
        }
        None => {
            // The system's doing, not the owner's: no actor on the event.
            if let Err(refusal) = release(conn, &mut ticket, None, desk).await? {
                // Accepted can always be released: not reached.
                tracing::warn!(ticket = ticket.id, ?refusal, "handing over an unresolved case was refused");
            }
            Text::new("case-unresolved-supervisor-released")
                .arg("ticket", tickets::title(&ticket))
                .arg("handler", handler)
        }
    };
    let notice = Outgoing::new(Text::lines([head, said]));
    tickets::tell_supervisors(conn, &ticket, "case-unresolved", &notice, desk.now).await?;
    Ok(Ok(ticket))
}

/// Which complaint target was missed.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    FirstReply,
    Outcome,
}

/// The scheduler found a complaint past a target: recorded on the ticket
/// (the moment and an `sla_breach` event), the handler reminded, the
/// supervisors told; once.
pub async fn escalate(
    conn: &mut PgConnection,
    mut ticket: TicketRow,
    target: Target,
    desk: &Desk<'_>,
) -> sqlx::Result<()> {
    let (note, due) = match target {
        Target::FirstReply => {
            ticket.reply_breached_at = Some(desk.now);
            ("first_reply", ticket.reply_due_at)
        }
        Target::Outcome => {
            ticket.outcome_breached_at = Some(desk.now);
            ("outcome", ticket.outcome_due_at)
        }
    };
    store::tickets::save(conn, &ticket).await?;
    let data = json!({ "deadline": due, "assignee": ticket.assignee_id, "status": ticket.status });
    tickets::record(conn, &ticket, "sla_breach", None, Some(note), data, desk.now).await?;
    let what = match target {
        Target::FirstReply => Text::new("case-target-first-reply"),
        Target::Outcome => Text::new("case-target-outcome"),
    };
    let due = due.map(|d| desk.time(d)).unwrap_or_else(|| Text::plain("—"));
    if let Some(handler) = ticket.assignee_id {
        let reminder = Outgoing::with(
            Text::new("case-overdue-staff")
                .arg("ticket", tickets::title(&ticket))
                .arg("target", what.clone())
                .arg("due", due.clone()),
            handler_buttons(ticket.id),
        );
        notify::to_staff(conn, handler, "case-overdue", &reminder, desk.now, None).await?;
    }
    let handler = match ticket.assignee_id {
        Some(id) => store::staff::get(conn, id).await?.map(|s| Text::plain(s.name)),
        None => None,
    };
    let notice = Outgoing::new(
        Text::new("case-overdue-supervisor")
            .arg("ticket", tickets::title(&ticket))
            .arg("target", what)
            .arg("due", due)
            .arg("handler", handler.unwrap_or_else(|| Text::new("case-not-taken"))),
    );
    tickets::tell_supervisors(conn, &ticket, "case-overdue", &notice, desk.now).await
}
