//! Looking at tickets: the lists (my requests, my tasks, the queue, the
//! overdue), one ticket's card with its timeline, and the owner's follow-up
//! message to the assignee.

use sqlx::PgConnection;

use crate::domain::callback::ListKind;
use crate::domain::repair::PhotoRef;
use crate::domain::{Outgoing, Status};
use crate::i18n::Text;
pub use crate::services::access::Role;
use crate::services::access::{self, is_owner_of};
use crate::services::notify;
use crate::services::people::Actor;
use crate::services::supervise::is_supervisor;
use crate::services::tickets::{self, Desk, Outcome, Refusal};
use crate::store::{self, tickets::EventRow, tickets::TicketRow};

/// Tickets per page of a list.
pub const PAGE_SIZE: i64 = 5;

pub struct Page {
    pub tickets: Vec<TicketRow>,
    pub has_next: bool,
}

/// One page of a list, if the actor may see that list.
pub async fn page(
    conn: &mut PgConnection,
    actor: &Actor,
    list: ListKind,
    page: u16,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<Page>> {
    let offset = i64::from(page) * PAGE_SIZE;
    let mut rows = match list {
        ListKind::Mine if actor.is_owner() || actor.is_staff() => {
            let units: Vec<i64> = actor.residences.iter().map(|r| r.unit_id).collect();
            store::tickets::for_owner(conn, actor.telegram_id(), &units, offset, PAGE_SIZE).await?
        }
        ListKind::Tasks if actor.is_staff() => {
            store::tickets::for_assignee(conn, actor.telegram_id(), offset, PAGE_SIZE).await?
        }
        ListKind::Queue if is_supervisor(actor) => store::tickets::queued(conn, offset, PAGE_SIZE).await?,
        ListKind::Overdue if is_supervisor(actor) => store::tickets::overdue(conn, desk.now, offset, PAGE_SIZE).await?,
        _ => return Ok(Err(Refusal::NotAllowed)),
    };
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(Ok(Page { tickets: rows, has_next }))
}

pub struct Detail {
    pub ticket: TicketRow,
    pub role: Role,
    pub place: Text,
    pub assignee: Option<String>,
    pub events: Vec<EventRow>,
    pub photos: Vec<String>,
}

/// A ticket's card, for whoever may see it (`access::standing`) only.
pub async fn detail(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<Detail>> {
    let Some(ticket) = store::tickets::get(conn, id).await? else {
        return Ok(Err(Refusal::NotFound));
    };
    let Some(role) = access::standing(actor, &ticket) else {
        return Ok(Err(Refusal::NotAllowed));
    };
    let assignee = match ticket.assignee_id {
        Some(staff) => store::staff::get(conn, staff).await?.map(|s| s.name),
        None => None,
    };
    let mut photos = store::tickets::photos(conn, id, "report").await?;
    photos.extend(store::tickets::photos(conn, id, "result").await?);
    photos.truncate(10);
    Ok(Ok(Detail {
        place: tickets::place(conn, &ticket).await?,
        events: store::tickets::events(conn, id).await?,
        ticket,
        role,
        assignee,
        photos,
    }))
}

/// Whether the owner can add to the ticket now (it is still being handled).
pub fn accepts_follow_up(ticket: &TicketRow) -> bool {
    ticket.status().is_open() && ticket.status() != Status::Done
}

/// The owner checks they may follow up before being asked what to say.
pub async fn check_follow_up(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<TicketRow>> {
    let Some(ticket) = store::tickets::get(conn, id).await? else {
        return Ok(Err(Refusal::NotFound));
    };
    if !is_owner_of(actor, &ticket) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !accepts_follow_up(&ticket) {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    Ok(Ok(ticket))
}

/// A message or photo from the owner, relayed to the assignee and kept on
/// the ticket's timeline.
pub async fn follow_up(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    text: Option<&str>,
    photo: Option<&PhotoRef>,
    desk: &Desk<'_>,
) -> sqlx::Result<Outcome<TicketRow>> {
    let ticket = match tickets::lock(conn, id).await? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    if !is_owner_of(actor, &ticket) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !accepts_follow_up(&ticket) {
        return Ok(Err(Refusal::NotNow(ticket.status())));
    }
    if let Some(photo) = photo {
        store::tickets::add_photo(conn, id, &photo.file_id, &photo.unique_id, "follow_up", actor.telegram_id()).await?;
    }
    let photo_id = serde_json::json!({ "photo": photo.map(|p| &p.file_id) });
    tickets::record(conn, &ticket, "follow_up", Some(actor.telegram_id()), text, photo_id, desk.now).await?;
    if let Some(assignee) = ticket.assignee_id {
        let message = Outgoing::new(
            Text::new("ticket-follow-up-staff")
                .arg("ticket", tickets::title(&ticket))
                .arg("text", text.unwrap_or("📷")),
        )
        .with_photos(photo.map(|p| vec![p.file_id.clone()]).unwrap_or_default());
        notify::to_staff(conn, assignee, "ticket-follow-up", &message, desk.now, None).await?;
    }
    Ok(Ok(ticket))
}
