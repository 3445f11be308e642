//! Staff working a ticket: accept, on the way, arrived, on hold, resumed,
//! done. Only the assignee acts; every step is told to the reporter.

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::domain::repair::PhotoRef;
use crate::domain::sla::extend_for_hold;
use crate::domain::ticket::Action;
use crate::domain::{Button, CallbackData, Markup, Outgoing, callback::TicketOp};
use crate::i18n::Text;
use crate::services::people::Actor;
use crate::services::tickets::{self, Desk, Outcome, Refusal};
use crate::store::{self, tickets::TicketRow};

/// Locks the ticket and checks the actor is its assignee.
async fn assigned_to(conn: &mut PgConnection, actor: &Actor, ticket_id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match tickets::lock(conn, ticket_id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    // Complaints have their own steps (services::complaints).
    if !actor.is_staff() || ticket.assignee_id != Some(actor.telegram_id()) || !ticket.is_repair() {
        return Ok(Err(Refusal::NotAllowed));
    }
    Ok(Ok(ticket))
}

fn staff_name(actor: &Actor) -> String {
    actor.staff.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| actor.user.display_name())
}

/// One step of the work: the state machine, then `apply` sets the step's
/// fields and returns the news for the reporter; the ticket is saved and the
/// reporter told. Returns the ticket as it is now.
async fn step(
    conn: &mut PgConnection,
    actor: &Actor,
    ticket_id: i64,
    action: Action,
    note: Option<&str>,
    desk: &Desk<'_>,
    apply: impl FnOnce(&mut TicketRow) -> Outgoing,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match assigned_to(conn, actor, ticket_id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = tickets::change(conn, &mut ticket, action, Some(actor.telegram_id()), note, desk.now).await? {
        return Ok(Err(r));
    }
    let news = apply(&mut ticket);
    store::tickets::save(conn, &ticket).await?;
    if ticket.reporter_id != actor.telegram_id() {
        tickets::tell_reporter(conn, &ticket, action.as_str(), news, desk.now).await?;
    }
    Ok(Ok(ticket))
}

/// "{assignee} did this to {ticket}" for the reporter.
fn news(key: Text, ticket: &TicketRow, assignee: String) -> Outgoing {
    Outgoing::new(key.arg("ticket", tickets::title(ticket)).arg("assignee", assignee))
}

pub async fn accept(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let name = staff_name(actor);
    step(conn, actor, id, Action::Accept, None, desk, |t| {
        t.accepted_at = Some(desk.now);
        t.first_accepted_at.get_or_insert(desk.now);
        t.accept_due_at = None;
        news(Text::new("ticket-accepted-owner"), t, name)
    })
    .await
}

pub async fn on_my_way(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let name = staff_name(actor);
    step(conn, actor, id, Action::StartTravel, None, desk, |t| news(Text::new("ticket-on-the-way-owner"), t, name))
        .await
}

pub async fn arrive(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let name = staff_name(actor);
    step(conn, actor, id, Action::Arrive, None, desk, |t| {
        t.onsite_at.get_or_insert(desk.now);
        news(Text::new("ticket-started-owner"), t, name)
    })
    .await
}

/// Needs parts or access: the resolution clock stops until resumed.
pub async fn hold(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
    until: NaiveDate,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    step(conn, actor, id, Action::Hold, Some(reason), desk, |t| {
        t.hold_since = Some(desk.now);
        t.hold_until = Some(until);
        t.hold_reason = Some(reason.to_owned());
        Outgoing::new(
            Text::new("ticket-on-hold-owner")
                .arg("ticket", tickets::title(t))
                .arg("reason", reason)
                .arg("until", until.format("%m-%d").to_string()),
        )
    })
    .await
}

fn end_hold(t: &mut TicketRow, desk: &Desk<'_>) {
    if let Some(since) = t.hold_since.take() {
        t.resolve_due_at = extend_for_hold(t.resolve_due_at, since, desk.now);
    }
    t.hold_until = None;
}

pub async fn resume(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    step(conn, actor, id, Action::Resume, None, desk, |t| {
        end_hold(t, desk);
        Outgoing::new(Text::new("ticket-resumed-owner").arg("ticket", tickets::title(t)))
    })
    .await
}

/// Done: the note and photos go to the reporter, who confirms or disputes it.
pub async fn complete(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    note: &str,
    photos: &[PhotoRef],
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match assigned_to(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    for photo in photos {
        store::tickets::add_photo(conn, ticket.id, &photo.file_id, &photo.unique_id, "result", actor.telegram_id())
            .await?;
    }
    if let Err(r) =
        tickets::change(conn, &mut ticket, Action::Complete, Some(actor.telegram_id()), Some(note), desk.now).await?
    {
        return Ok(Err(r));
    }
    end_hold(&mut ticket, desk);
    ticket.done_at = Some(desk.now);
    ticket.first_done_at.get_or_insert(desk.now);
    store::tickets::save(conn, &ticket).await?;
    if ticket.reporter_id != actor.telegram_id() {
        let id = ticket.id;
        let message = Outgoing::with(
            Text::new("ticket-done-owner")
                .arg("ticket", tickets::title(&ticket))
                .arg("assignee", staff_name(actor))
                .arg("note", note),
            Markup::Inline(vec![vec![
                Button::new(Text::new("btn-fixed"), CallbackData::Ticket { id, op: TicketOp::Fixed }),
                Button::new(Text::new("btn-not-fixed"), CallbackData::Ticket { id, op: TicketOp::NotFixed }),
            ]]),
        )
        .with_photos(photos.iter().map(|p| p.file_id.clone()).collect());
        tickets::tell_reporter(conn, &ticket, "ticket-done", message, desk.now).await?;
    } else {
        // A patrol finding the finder fixed: nobody else to confirm it.
        tickets::change(conn, &mut ticket, Action::ConfirmFixed, Some(actor.telegram_id()), None, desk.now).await?.ok();
        ticket.closed_at = Some(desk.now);
        store::tickets::save(conn, &ticket).await?;
    }
    Ok(Ok(ticket))
}

/// Whether the actor may still act on the ticket as its assignee (for
/// refusing a stale dialogue before asking for a reason or a note).
pub async fn check_assignee(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    assigned_to(conn, actor, id).await
}
