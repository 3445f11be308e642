//! Owners' side of a repair (报修): filing it, cancelling it, confirming the
//! fix or reopening it, and rating the service. Staff file patrol findings
//! through the same `file`.

use sqlx::PgConnection;

use crate::domain::repair::PhotoRef;
use crate::domain::ticket::{Action, Rating, ticket_number};
use crate::domain::{Button, CallbackData, Category, Markup, Outgoing, Urgency, callback::TicketOp};
use crate::i18n::Text;
use crate::services::access::{self, is_owner_of};
use crate::services::dispatch::{dispatch, give_to, hand_over};
use crate::services::notify;
use crate::services::options::{self, OptionList};
use crate::services::people::Actor;
use crate::services::tickets::{self, Desk, Outcome, Refusal};
use crate::store::tickets::TicketNumbers;
use crate::store::{self, tickets::Candidate, tickets::NewTicket, tickets::TicketRow};

/// Where the job is.
#[derive(Debug, Clone)]
pub enum Place {
    /// One of the reporter's own units.
    Unit(i64),
    /// A common area (公共区域), described, perhaps with a shared location.
    Common { description: String, location: Option<(f64, f64)> },
}

#[derive(Debug, Clone)]
pub struct NewRepair {
    pub category: Category,
    pub place: Place,
    pub description: String,
    pub photos: Vec<PhotoRef>,
    pub urgency: Urgency,
    pub window: Option<String>,
    /// A finding staff file on patrol (🔍), done for nobody in particular: it
    /// has no owner, so it is never rated (`access::has_owner`). False for a
    /// request filed from 🔧, a staff member's own home included.
    pub patrol: bool,
    /// A patrol finding the reporting staff member fixes themselves.
    pub assign_to_self: bool,
}

#[derive(Debug)]
pub struct Filed {
    pub ticket: TicketRow,
    /// Who it went to, or None: it waits in the queue.
    pub assignee: Option<String>,
}

/// The categories the actor's community offers, in its order (all of them
/// unless the community chose).
pub async fn categories_for(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<Vec<Category>> {
    options::offered(conn, actor, OptionList::RepairCategories, &Category::ALL, Category::parse_code).await
}

/// Files the request, numbers it, sets its deadlines and dispatches it.
pub async fn file(
    conn: &mut PgConnection,
    numbers: &TicketNumbers,
    actor: &Actor,
    repair: NewRepair,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<Filed>> {
    let patrol = repair.patrol;
    if patrol && !actor.is_staff() {
        return Ok(Err(Refusal::NotAllowed));
    }
    let (unit_id, common_area, location) = match &repair.place {
        Place::Unit(id) if actor.residences.iter().any(|r| r.unit_id == *id) => (Some(*id), None, None),
        Place::Unit(_) => return Ok(Err(Refusal::NotAllowed)),
        Place::Common { description, location } => (None, Some(description.as_str()), *location),
    };
    if !patrol && !actor.is_owner() {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !categories_for(conn, actor).await?.contains(&repair.category) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let community_id = match unit_id {
        Some(id) => store::tickets::community_of_unit(conn, id).await?,
        None => store::tickets::community_of_user(conn, actor.telegram_id()).await?,
    };
    let day = desk.now.with_timezone(&desk.tz).date_naive();
    let sequence = numbers.next(community_id, day).await?;
    let number = ticket_number(day, sequence);
    let deadlines = desk.sla.deadlines(repair.urgency, desk.now);
    let mut ticket = store::tickets::insert(
        conn,
        NewTicket {
            number: &number,
            community_id,
            category: repair.category,
            unit_id,
            common_area,
            location,
            description: &repair.description,
            urgency: repair.urgency,
            preferred_window: repair.window.as_deref(),
            reporter_id: actor.telegram_id(),
            reported_by_staff: patrol,
            created_at: desk.now,
            onsite_due_at: deadlines.onsite_due,
            resolve_due_at: deadlines.resolve_due,
        },
    )
    .await?;
    for photo in &repair.photos {
        store::tickets::add_photo(conn, ticket.id, &photo.file_id, &photo.unique_id, "report", actor.telegram_id())
            .await?;
    }
    let filed =
        serde_json::json!({ "urgency": repair.urgency.as_str(), "patrol": patrol, "status": ticket.status().as_str() });
    tickets::record(conn, &ticket, "created", Some(actor.telegram_id()), None, filed, desk.now).await?;
    if repair.urgency == Urgency::Emergency {
        let alert = Outgoing::new(
            Text::new("ticket-emergency-supervisor")
                .arg("ticket", tickets::title(&ticket))
                .arg("place", tickets::place(conn, &ticket).await?)
                .arg("description", &repair.description),
        );
        tickets::tell_supervisors(conn, &ticket, "ticket-emergency", &alert, desk.now).await?;
    }
    let assigned = match (&actor.staff, repair.assign_to_self) {
        (Some(me), true) if patrol => {
            let me = Candidate { telegram_id: me.telegram_id, name: me.name.clone(), open_tickets: 0 };
            give_to(conn, &mut ticket, me, Action::Assign, Some(actor.telegram_id()), false, desk).await?.map(Some)
        }
        _ => dispatch(conn, &mut ticket, Action::Assign, &[], None, false, desk).await?,
    };
    let assignee = match assigned {
        Ok(chosen) => chosen.map(|c| c.name),
        Err(r) => return Ok(Err(r)),
    };
    Ok(Ok(Filed { ticket, assignee }))
}

async fn owned(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match tickets::lock(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !is_owner_of(actor, &ticket) {
        return Ok(Err(Refusal::NotAllowed));
    }
    Ok(Ok(ticket))
}

/// The ticket, if the actor may act on it as its owner (to refuse a stale
/// button before asking them anything).
pub async fn check_owner(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    owned(conn, actor, id).await
}

/// Cancels a ticket nobody has started working on.
pub async fn cancel(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    close_as_owner(conn, actor, id, Action::Cancel, Text::new("ticket-cancelled-staff"), desk).await
}

/// Fixed: the ticket closes (the bot then asks the owner for a rating).
pub async fn confirm_fixed(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    close_as_owner(conn, actor, id, Action::ConfirmFixed, Text::new("ticket-confirmed-staff"), desk).await
}

/// The owner ends the ticket with `action`; its assignee, if any, is told
/// with `notice` (which gets the ticket's title).
async fn close_as_owner(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    action: Action,
    notice: Text,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match owned(conn, actor, id).await? {
        Ok(t) if t.is_repair() => t,
        Ok(_) => return Ok(Err(Refusal::NotAllowed)),
        Err(r) => return Ok(Err(r)),
    };
    tickets::close(conn, ticket, action, actor.telegram_id(), notice, action.as_str(), desk.now).await
}

/// The 1–5 star buttons.
pub fn rating_buttons(id: i64) -> Markup {
    Markup::Inline(vec![
        (1..=5u8)
            .map(|stars| {
                Button::new(
                    Text::new("btn-stars").arg("stars", i64::from(stars)),
                    CallbackData::Ticket { id, op: TicketOp::Rate(stars) },
                )
            })
            .collect(),
    ])
}

/// What the owner is asked once they closed a ticket: the stars, in the words
/// of its kind (维修服务 / 投诉处理 …). A finding staff filed has no owner to
/// ask (`access::has_owner`): its closing is only acknowledged.
pub fn rating_prompt(ticket: &TicketRow) -> Outgoing {
    if access::has_owner(ticket) {
        Outgoing::with(ticket.kind().words(Text::new("ticket-ask-rating")), rating_buttons(ticket.id))
    } else {
        Outgoing::new(Text::new("ticket-closed-no-rating"))
    }
}

/// Not fixed: back to the same assignee with the owner's reason, or, when
/// they are no longer active staff (`tickets::returning_assignee`), handed
/// over afresh (`dispatch::hand_over`: the next eligible colleague, the
/// owner told who, or the queue); the supervisors are told, and where it
/// went when it could not go back. The ticket is Queued when nobody could
/// take it.
pub async fn report_not_fixed(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match owned(conn, actor, id).await? {
        Ok(t) if t.is_repair() => t,
        Ok(_) => return Ok(Err(Refusal::NotAllowed)),
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) =
        tickets::change(conn, &mut ticket, Action::ReportNotFixed, Some(actor.telegram_id()), Some(reason), desk.now)
            .await?
    {
        return Ok(Err(r));
    }
    ticket.reopen_count += 1;
    ticket.done_at = None;
    ticket.accepted_at = None;
    ticket.assigned_at = Some(desk.now);
    ticket.accept_due_at = Some(desk.sla.accept_due(ticket.urgency(), desk.now));
    store::tickets::save(conn, &ticket).await?;
    let mut notice =
        vec![Text::new("ticket-reopened-supervisor").arg("ticket", tickets::title(&ticket)).arg("reason", reason)];
    let reopened =
        Outgoing::new(Text::new("ticket-reopened-staff").arg("ticket", tickets::title(&ticket)).arg("reason", reason));
    match tickets::returning_assignee(conn, &ticket).await? {
        Some(assignee) => {
            let card = tickets::assignee_card(conn, &ticket, desk).await?;
            notify::to_staff(conn, assignee, "ticket-reopened", &reopened, desk.now, None).await?;
            notify::to_staff(conn, assignee, "ticket-card", &card, desk.now, None).await?;
        }
        None => {
            let left = match ticket.assignee_id {
                Some(id) => store::staff::get(conn, id).await?.map(|s| s.name).unwrap_or_default(),
                None => String::new(),
            };
            // The system's doing, not the owner's: no actor on the event.
            match hand_over(conn, &mut ticket, None, desk).await? {
                Ok(Some(next)) => {
                    // After their card: what the owner says is still wrong.
                    notify::to_staff(conn, next.telegram_id, "ticket-reopened", &reopened, desk.now, None).await?;
                    notice.push(Text::new("ticket-reopened-handed-over").arg("name", left).arg("assignee", next.name));
                }
                Ok(None) => notice.push(Text::new("ticket-reopened-queued").arg("name", left)),
                // Assigned can always be reassigned or released: not reached.
                Err(refusal) => {
                    tracing::warn!(ticket = ticket.id, ?refusal, "handing over a reopened repair was refused")
                }
            }
        }
    }
    let notice = Outgoing::new(Text::lines(notice));
    tickets::tell_supervisors(conn, &ticket, "ticket-reopened", &notice, desk.now).await?;
    Ok(Ok(ticket))
}

/// Stars, once, on a closed ticket, by its owner (`access::may_rate`).
pub async fn rate(conn: &mut PgConnection, actor: &Actor, id: i64, rating: Rating) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match tickets::lock(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !access::may_rate(actor, &ticket) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if ticket.status() != crate::domain::Status::Closed || ticket.rating.is_some() {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    ticket.rating = Some(i16::from(rating.stars()));
    store::tickets::save(conn, &ticket).await?;
    Ok(Ok(ticket))
}

/// The optional comment after the stars, by whoever may rate.
pub async fn comment(conn: &mut PgConnection, actor: &Actor, id: i64, text: &str) -> sqlx::Result<Outcome<TicketRow>> {
    let mut ticket = match tickets::lock(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !access::may_rate(actor, &ticket) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if ticket.rating.is_none() || ticket.rating_comment.is_some() {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    ticket.rating_comment = Some(text.to_owned());
    store::tickets::save(conn, &ticket).await?;
    Ok(Ok(ticket))
}
