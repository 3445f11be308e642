//! The dispatcher (派单): who gets a ticket. An active staff member of the
//! category's trade with the fewest open tickets, ties broken round robin
//! (whoever was given one longest ago). With nobody eligible the ticket
//! waits in the queue and the supervisors are told.

use sqlx::PgConnection;

use crate::domain::Outgoing;
use crate::domain::ticket::Action;
use crate::i18n::Text;
use crate::services::notify;
use crate::services::tickets::{self, Desk, Outcome, Refusal};
use crate::store::{self, tickets::Candidate, tickets::TicketRow};

/// Gives `ticket` to the best candidate not in `excluding` (`action` is
/// Assign from the queue, Reassign otherwise), or leaves it queued. Tells the
/// new assignee (the card), the reporter when `tell_reporter` (a new ticket's
/// reporter reads who in the answer to their Confirm), and, when queued, the
/// supervisors.
pub async fn dispatch(
    conn: &mut PgConnection,
    ticket: &mut TicketRow,
    action: Action,
    excluding: &[i64],
    actor: Option<i64>,
    tell_reporter: bool,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<Option<Candidate>>> {
    let Some(chosen) = store::tickets::take_candidate(conn, &ticket.trade, excluding).await? else {
        let notice = Outgoing::new(Text::new("ticket-queued-supervisor").arg("ticket", tickets::title(ticket)));
        tickets::tell_supervisors(conn, ticket, "ticket-queued", &notice, desk.now).await?;
        store::tickets::save(conn, ticket).await?;
        return Ok(Ok(None));
    };
    give_to(conn, ticket, chosen, action, actor, tell_reporter, desk).await.map(|r| r.map(Some))
}

/// Gives `ticket` to `chosen`: the state machine, the fields, the card to
/// them, and the reporter told when `tell_reporter`.
pub async fn give_to(
    conn: &mut PgConnection,
    ticket: &mut TicketRow,
    chosen: Candidate,
    action: Action,
    actor: Option<i64>,
    tell_reporter: bool,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<Candidate>> {
    if let Err(refusal) = tickets::change(conn, ticket, action, actor, None, desk.now).await? {
        return Ok(Err(refusal));
    }
    ticket.assignee_id = Some(chosen.telegram_id);
    ticket.assigned_at = Some(desk.now);
    ticket.accept_due_at = Some(desk.sla.accept_due(ticket.urgency(), desk.now));
    ticket.accepted_at = None;
    store::tickets::save(conn, ticket).await?;
    store::tickets::mark_assigned(conn, chosen.telegram_id, desk.now).await?;

    let card = tickets::assignee_card(conn, ticket, desk).await?;
    notify::to_staff(conn, chosen.telegram_id, "ticket-card", &card, desk.now, None).await?;
    if tell_reporter && ticket.reporter_id != chosen.telegram_id {
        let news = Outgoing::new(
            Text::new("ticket-assigned-owner").arg("ticket", tickets::title(ticket)).arg("assignee", &chosen.name),
        );
        tickets::tell_reporter(conn, ticket, "ticket-assigned", news, desk.now).await?;
    }
    Ok(Ok(chosen))
}

/// Its assignee is gone (deactivated: by `staff::deactivate`, or found so
/// when the owner reopens a job they had marked done): the ticket goes to
/// the next eligible person of its trade (never one who declined it, nor the
/// one who left), the reporter told who, or, with nobody, back to the queue
/// (Release), where the scheduler gives it to whoever becomes eligible.
/// Returns who has it now (None: the queue). Telling the supervisors is the
/// caller's: each says why in its own words.
pub async fn hand_over(
    conn: &mut PgConnection,
    ticket: &mut TicketRow,
    actor: Option<i64>,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<Option<Candidate>>> {
    let mut passed_over = store::tickets::declined_by(conn, ticket.id).await?;
    passed_over.extend(ticket.assignee_id);
    if let Some(next) = store::tickets::take_candidate(conn, &ticket.trade, &passed_over).await? {
        return give_to(conn, ticket, next, Action::Reassign, actor, true, desk).await.map(|r| r.map(Some));
    }
    if let Err(refusal) = tickets::change(conn, ticket, Action::Release, actor, None, desk.now).await? {
        return Ok(Err(refusal));
    }
    ticket.assignee_id = None;
    ticket.assigned_at = None;
    ticket.accepted_at = None;
    ticket.accept_due_at = None;
    store::tickets::save(conn, ticket).await?;
    Ok(Ok(None))
}

/// The assignee declines (拒单) with a reason: the ticket goes to the next
/// eligible person (never back to someone who declined it), and the
/// supervisors hear of it.
pub async fn decline(
    conn: &mut PgConnection,
    actor: i64,
    ticket_id: i64,
    reason: &str,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<Option<Candidate>>> {
    let mut ticket = match tickets::lock(conn, ticket_id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if ticket.assignee_id != Some(actor) || !ticket.is_repair() {
        return Ok(Err(Refusal::NotAllowed));
    }
    if let Err(refusal) =
        tickets::change(conn, &mut ticket, Action::Decline, Some(actor), Some(reason), desk.now).await?
    {
        return Ok(Err(refusal));
    }
    ticket.assignee_id = None;
    ticket.accept_due_at = None;
    let mut passed_over = store::tickets::declined_by(conn, ticket.id).await?;
    passed_over.push(actor);
    let next = match dispatch(conn, &mut ticket, Action::Assign, &passed_over, None, true, desk).await? {
        Ok(next) => next,
        Err(r) => return Ok(Err(r)),
    };
    let decliner = store::staff::get(conn, actor).await?.map(|s| s.name).unwrap_or_default();
    let outcome = match &next {
        Some(c) => Text::new("ticket-declined-reassigned").arg("assignee", &c.name),
        None => Text::new("ticket-declined-queued"),
    };
    let notice = Outgoing::new(
        Text::new("ticket-declined-supervisor")
            .arg("ticket", tickets::title(&ticket))
            .arg("name", decliner)
            .arg("reason", reason)
            .arg("outcome", outcome),
    );
    tickets::tell_supervisors(conn, &ticket, "ticket-declined", &notice, desk.now).await?;
    Ok(Ok(next))
}
