//! Who may see a ticket, and as whom: the one rule every list, card, action
//! and notification about a ticket follows (whatever buttons were shown:
//! callback data and typed ticket numbers can be forged).
//!
//! - **Owners.** A repair of a unit belongs to the unit's household: whoever
//!   is bound to the unit now (its reporter only while they still are; a
//!   binding that ends takes the access with it). A repair of a common area
//!   belongs to whoever reported it. A complaint, suggestion or praise
//!   belongs to the person who filed it, alone: the rest of the household
//!   neither lists it, nor opens it, nor acts on it.
//! - **The named.** The staff member a complaint names (its staff-conduct
//!   subject, `named_staff_id`) never hears of it: no card, no place in a
//!   list, no detail, no notification, whatever other role they hold.
//! - **Staff.** The assignee, and supervisors (admins included).
//!
//! `store::tickets::for_owner` is the same owner rule in SQL, for the list;
//! the staff lists (🧰 tasks, /queue, /overdue) hold repairs only, which name
//! nobody; notifications to supervisors go through `tickets::tell_supervisors`
//! and the new-complaint card through `complaints::file`, both by
//! [`may_be_told`].

use crate::services::people::Actor;
use crate::services::supervise::is_supervisor;
use crate::store::tickets::TicketRow;

/// How the actor stands to a ticket, which decides what its card offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Assignee,
    Supervisor,
}

/// Whether the actor may act on the ticket as its owner (see the module).
pub fn is_owner_of(actor: &Actor, ticket: &TicketRow) -> bool {
    let bound_to_unit = |unit| actor.residences.iter().any(|r| r.unit_id == unit);
    match ticket.unit_id {
        Some(unit) if ticket.is_repair() => bound_to_unit(unit),
        _ => ticket.reporter_id == actor.telegram_id(),
    }
}

/// Whether `person` may hear of the ticket at all: never the staff member a
/// complaint names (unless they filed it themselves).
pub fn may_be_told(ticket: &TicketRow, person: i64) -> bool {
    ticket.named_staff_id != Some(person) || ticket.reporter_id == person
}

/// How the actor stands to the ticket, or None: it is not theirs to see.
pub fn standing(actor: &Actor, ticket: &TicketRow) -> Option<Role> {
    if !may_be_told(ticket, actor.telegram_id()) {
        None
    } else if ticket.assignee_id == Some(actor.telegram_id()) && actor.is_staff() {
        Some(Role::Assignee)
    } else if is_owner_of(actor, ticket) {
        Some(Role::Owner)
    } else if is_supervisor(actor) {
        Some(Role::Supervisor)
    } else {
        None
    }
}

/// Whether the ticket is work done for an owner, and so can be rated: a
/// finding staff filed on patrol has no owner, and is never rated nor counted
/// in the satisfaction figures (`store::satisfaction::RATED`).
pub fn has_owner(ticket: &TicketRow) -> bool {
    !ticket.reported_by_staff
}

/// Whether the actor may give the ticket its stars (once it is closed, and
/// once): its owner (see the module), on work done for an owner, and never
/// the person who did the work.
pub fn may_rate(actor: &Actor, ticket: &TicketRow) -> bool {
    has_owner(ticket)
        && is_owner_of(actor, ticket)
        && ticket.assignee_id != Some(actor.telegram_id())
        && may_be_told(ticket, actor.telegram_id())
}
