//! What every ticket use case shares: refusals, the one way a status
//! changes (state machine + event + save), and the cards people receive.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::PgConnection;

use crate::domain::sla::SlaPolicy;
use crate::domain::ticket::{Action, transition};
use crate::domain::{Button, CallbackData, Markup, Outgoing, Status, labels};
use crate::i18n::Text;
use crate::services::{access, notify};
use crate::store::{self, tickets::TicketRow};

/// Why an action on a ticket was not carried out. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such ticket (or an id from a forged button).
    NotFound,
    /// Not theirs to act on.
    NotAllowed,
    /// Not possible in the ticket's current status (a stale button, a double tap).
    NotNow(Status),
}

pub type Outcome<T> = Result<T, Refusal>;

/// The settings and moment a use case runs with.
#[derive(Debug, Clone, Copy)]
pub struct Desk<'a> {
    pub sla: &'a SlaPolicy,
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

impl Desk<'_> {
    /// A time as people read it: "11-27 14:05" in the community's zone.
    pub fn time(&self, at: DateTime<Utc>) -> Text {
        Text::plain(at.with_timezone(&self.tz).format("%m-%d %H:%M").to_string())
    }
}

/// Changes the status through the state machine and records the event.
/// The caller saves the row (it usually changes more fields first).
pub async fn change(
    conn: &mut PgConnection,
    ticket: &mut TicketRow,
    action: Action,
    actor: Option<i64>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Outcome<()>> {
    let from = ticket.status();
    let to = match transition(from, action) {
        Ok(to) => to,
        Err(_) => return Ok(Err(Refusal::NotNow(from))),
    };
    ticket.set_status(to);
    store::tickets::add_event(
        conn,
        store::tickets::NewEvent {
            ticket_id: ticket.id,
            at: now,
            actor_id: actor,
            kind: action.as_str(),
            from_status: Some(from),
            to_status: Some(to),
            note,
            data: json!({ "assignee": ticket.assignee_id }),
        },
    )
    .await?;
    Ok(Ok(()))
}

/// Records something that happened to a ticket without changing its status
/// (filed, follow-up, urgency changed, deadline missed).
pub async fn record(
    conn: &mut PgConnection,
    ticket: &TicketRow,
    kind: &str,
    actor: Option<i64>,
    note: Option<&str>,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    store::tickets::add_event(
        conn,
        store::tickets::NewEvent {
            ticket_id: ticket.id,
            at: now,
            actor_id: actor,
            kind,
            from_status: None,
            to_status: None,
            note,
            data,
        },
    )
    .await
}

/// Ends a ticket its owner may act on (the caller checked that) with
/// `action`: the state machine, closed_at, the save, and its assignee, if
/// any, told with `notice` (which gets the ticket's title) as `kind`.
pub async fn close(
    conn: &mut PgConnection,
    mut ticket: TicketRow,
    action: Action,
    actor: i64,
    notice: Text,
    kind: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Outcome<TicketRow>> {
    if let Err(r) = change(conn, &mut ticket, action, Some(actor), None, now).await? {
        return Ok(Err(r));
    }
    ticket.closed_at = Some(now);
    ticket.accept_due_at = None;
    store::tickets::save(conn, &ticket).await?;
    if let Some(assignee) = ticket.assignee_id {
        let notice = Outgoing::new(notice.arg("ticket", title(&ticket)));
        notify::to_staff(conn, assignee, kind, &notice, now, None).await?;
    }
    Ok(Ok(ticket))
}

/// Whom a reopened ticket goes back to — the owner's 👎 Not fixed on a
/// repair, 👎 Not resolved on a complaint: the state machine returns it to
/// its last assignee — while they are an active staff member. None when
/// they are not (deactivated since they marked it done) or it had none: the
/// caller then hands it over as deactivation would (`dispatch::hand_over`,
/// `complaints::release`), so it never waits on someone nothing reaches.
/// The one place that decides it. Called with the ticket's row locked:
/// deactivation locks the person's open tickets (this one included, being
/// done) before it marks them inactive, so either it has committed (seen
/// here) or it will find the ticket theirs again and hand it over itself.
pub async fn returning_assignee(conn: &mut PgConnection, ticket: &TicketRow) -> sqlx::Result<Option<i64>> {
    let Some(assignee) = ticket.assignee_id else { return Ok(None) };
    let active = store::staff::get(conn, assignee).await?.is_some_and(|s| s.active);
    Ok(active.then_some(assignee))
}

/// Loads a ticket for a change, or NotFound.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    Ok(store::tickets::get_for_update(conn, id).await?.ok_or(Refusal::NotFound))
}

/// Where the job is: the unit, or the common area's description.
pub async fn place(conn: &mut PgConnection, ticket: &TicketRow) -> sqlx::Result<Text> {
    if let Some(unit_id) = ticket.unit_id
        && let Some(address) = store::roster::unit_address(conn, unit_id).await?
    {
        return Ok(labels::unit(&address));
    }
    Ok(Text::new("place-common-area").arg("where", ticket.common_area.clone().unwrap_or_default()))
}

fn buttons(rows: Vec<Vec<(Text, CallbackData)>>) -> Markup {
    Markup::Inline(rows.into_iter().map(|row| row.into_iter().map(|(l, d)| Button::new(l, d)).collect()).collect())
}

/// The assignee's card: everything needed to go and fix it, with the
/// buttons for the next step.
pub async fn assignee_card(conn: &mut PgConnection, ticket: &TicketRow, desk: &Desk<'_>) -> sqlx::Result<Outgoing> {
    let reporter = store::users::get(conn, ticket.reporter_id).await?;
    let (name, phone) = reporter.map(|u| (u.display_name(), u.phone.unwrap_or_default())).unwrap_or_default();
    let text = Text::new("ticket-card")
        .arg("number", &ticket.number)
        .arg("category", ticket.category().label())
        .arg("place", place(conn, ticket).await?)
        .arg("urgency", ticket.urgency().label())
        .arg("description", &ticket.description)
        .arg("window", ticket.preferred_window.clone().unwrap_or_else(|| "—".into()))
        .arg("due", desk.time(ticket.onsite_due_at))
        .arg("owner", name)
        .arg("phone", phone);
    let photos = store::tickets::photos(conn, ticket.id, "report").await?;
    Ok(Outgoing::with(text, staff_buttons(ticket)).with_photos(photos))
}

/// The buttons a ticket's assignee has in its current status.
pub fn staff_buttons(ticket: &TicketRow) -> Markup {
    let id = ticket.id;
    let b = |label: Text, op| (label, CallbackData::Ticket { id, op });
    use crate::domain::callback::TicketOp::*;
    match ticket.status() {
        Status::Assigned => {
            buttons(vec![vec![b(Text::new("btn-accept"), Accept), b(Text::new("btn-decline"), Decline)]])
        }
        Status::Accepted => {
            buttons(vec![vec![b(Text::new("btn-on-my-way"), OnMyWay), b(Text::new("btn-arrived"), Arrived)]])
        }
        Status::OnTheWay => buttons(vec![vec![b(Text::new("btn-arrived"), Arrived)]]),
        Status::InProgress => buttons(vec![vec![b(Text::new("btn-done"), Done), b(Text::new("btn-hold"), Hold)]]),
        Status::OnHold => buttons(vec![vec![b(Text::new("btn-resume"), Resume), b(Text::new("btn-done"), Done)]]),
        _ => Markup::None,
    }
}

/// Tells the person who reported the ticket what happened to it.
pub async fn tell_reporter(
    conn: &mut PgConnection,
    ticket: &TicketRow,
    kind: &str,
    message: Outgoing,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let key = format!("t{}:{kind}:{}", ticket.id, now.timestamp_micros());
    notify::notification(conn, ticket.reporter_id, kind, &message, now, Some(key)).await
}

/// Tells the active supervisors about `ticket`, except whoever may not hear
/// of it (`access::may_be_told`: the supervisor a complaint names).
pub async fn tell_supervisors(
    conn: &mut PgConnection,
    ticket: &TicketRow,
    kind: &str,
    message: &Outgoing,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    for chat in store::tickets::supervisors(conn).await? {
        if access::may_be_told(ticket, chat) {
            notify::to_staff(conn, chat, kind, message, now, None).await?;
        }
    }
    Ok(())
}

/// The ticket's label in a notice: "BX-20261127-0042 水暖维修", or
/// "TS-20261127-0003 投诉·噪音".
pub fn title(ticket: &TicketRow) -> Text {
    Text::new("ticket-title").arg("number", &ticket.number).arg("category", what(ticket))
}

/// What the ticket is about: a repair's category, or a complaint's kind and subject.
pub fn what(ticket: &TicketRow) -> Text {
    if ticket.is_repair() {
        ticket.category().label()
    } else {
        Text::new("case-what").arg("kind", ticket.kind().label()).arg("subject", ticket.subject().label())
    }
}
