//! Supervisors (and admins) above the dispatcher: the queue, overdue
//! tickets, reassigning by hand and changing urgency.

use sqlx::PgConnection;

use crate::domain::ticket::Action;
use crate::domain::{Outgoing, Urgency};
use crate::i18n::Text;
use crate::services::dispatch::give_to;
use crate::services::notify;
use crate::services::people::{Actor, Asker};
use crate::services::tickets::{self, Desk, Outcome, Refusal};
use crate::store::{self, tickets::Candidate, tickets::TicketRow};

pub fn is_supervisor(actor: &Actor) -> bool {
    actor.is_admin || actor.staff.as_ref().is_some_and(|s| s.is_supervisor)
}

/// May read the figures (`/stats`, satisfaction) and the ticket export:
/// supervisors and admins, and the operator at the command line.
pub fn sees_figures(asker: Asker<'_>) -> bool {
    match asker {
        Asker::Person(actor) => is_supervisor(actor),
        Asker::Operator => true,
    }
}

async fn supervised(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    if !is_supervisor(actor) {
        return Ok(Err(Refusal::NotAllowed));
    }
    // Reassigning and urgency are repair tools; complaints are taken.
    match tickets::lock(conn, id).await? {
        Ok(t) if !t.is_repair() => Ok(Err(Refusal::NotAllowed)),
        other => Ok(other),
    }
}

/// Who the ticket can go to: its trade first, fewest open tickets first.
pub async fn reassign_options(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
) -> sqlx::Result<Outcome<Vec<Candidate>>> {
    let ticket = match supervised(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !ticket.status().is_open() || ticket.status() == crate::domain::Status::Done {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    Ok(Ok(store::tickets::reassign_candidates(conn, &ticket.trade, ticket.assignee_id).await?))
}

/// Gives the ticket to `staff_id` by hand (转派); the previous assignee and
/// the reporter are told.
pub async fn reassign_to(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    staff_id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<(TicketRow, Candidate)>> {
    let mut ticket = match supervised(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    let candidates = store::tickets::reassign_candidates(conn, &ticket.trade, ticket.assignee_id).await?;
    let Some(chosen) = candidates.into_iter().find(|c| c.telegram_id == staff_id) else {
        return Ok(Err(Refusal::NotFound));
    };
    let previous = ticket.assignee_id;
    let chosen =
        match give_to(conn, &mut ticket, chosen, Action::Reassign, Some(actor.telegram_id()), true, desk).await? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
    if let Some(previous) = previous {
        let notice = Outgoing::new(Text::new("ticket-reassigned-away").arg("ticket", tickets::title(&ticket)));
        notify::to_staff(conn, previous, "ticket-reassigned", &notice, desk.now, None).await?;
    }
    Ok(Ok((ticket, chosen)))
}

/// Changes the urgency; the deadlines are computed again from the filing time.
pub async fn set_urgency(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    urgency: Urgency,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match supervised(conn, actor, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !ticket.status().is_open() {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    let before = ticket.urgency();
    let deadlines = desk.sla.deadlines(urgency, ticket.created_at);
    ticket.urgency = urgency.as_str().to_owned();
    ticket.onsite_due_at = deadlines.onsite_due;
    ticket.resolve_due_at = deadlines.resolve_due;
    store::tickets::save(conn, &ticket).await?;
    let change = serde_json::json!({ "from": before.as_str(), "to": urgency.as_str() });
    tickets::record(conn, &ticket, "urgency", Some(actor.telegram_id()), None, change, desk.now).await?;
    if let Some(assignee) = ticket.assignee_id {
        let notice = Outgoing::new(
            Text::new("ticket-urgency-changed")
                .arg("ticket", tickets::title(&ticket))
                .arg("urgency", urgency.label())
                .arg("due", desk.time(ticket.onsite_due_at)),
        );
        notify::to_staff(conn, assignee, "ticket-urgency", &notice, desk.now, None).await?;
    }
    Ok(Ok(ticket))
}
