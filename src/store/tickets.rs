//! Repair tickets, their photos and their events.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use crate::domain::{Category, Status, Subject, TicketKind, Urgency};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    pub community_id: i64,
    pub category: String,
    pub trade: String,
    pub unit_id: Option<i64>,
    pub common_area: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub description: String,
    pub urgency: String,
    pub preferred_window: Option<String>,
    pub status: String,
    pub reporter_id: i64,
    pub reported_by_staff: bool,
    pub assignee_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub accept_due_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub first_accepted_at: Option<DateTime<Utc>>,
    pub onsite_due_at: DateTime<Utc>,
    pub onsite_at: Option<DateTime<Utc>>,
    pub resolve_due_at: DateTime<Utc>,
    pub hold_since: Option<DateTime<Utc>>,
    pub hold_until: Option<NaiveDate>,
    pub hold_reason: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub first_done_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reminder_sent_at: Option<DateTime<Utc>>,
    pub onsite_breached_at: Option<DateTime<Utc>>,
    pub resolve_breached_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub rating: Option<i16>,
    pub rating_comment: Option<String>,
    pub kind: String,
    pub subject: Option<String>,
    pub contact_allowed: bool,
    pub named_staff_id: Option<i64>,
    pub first_reply_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub reply_due_at: Option<DateTime<Utc>>,
    pub outcome_due_at: Option<DateTime<Utc>>,
    pub reply_breached_at: Option<DateTime<Utc>>,
    pub outcome_breached_at: Option<DateTime<Utc>>,
}

impl TicketRow {
    pub fn status(&self) -> Status {
        Status::parse_code(&self.status).unwrap_or(Status::Queued)
    }

    pub fn set_status(&mut self, status: Status) {
        self.status = status.as_str().to_owned();
    }

    pub fn urgency(&self) -> Urgency {
        Urgency::parse_code(&self.urgency).unwrap_or(Urgency::Routine)
    }

    pub fn category(&self) -> Category {
        Category::parse_code(&self.category).unwrap_or(Category::Other)
    }

    pub fn kind(&self) -> TicketKind {
        TicketKind::parse_code(&self.kind).unwrap_or(TicketKind::Repair)
    }

    pub fn is_repair(&self) -> bool {
        self.kind() == TicketKind::Repair
    }

    pub fn subject(&self) -> Subject {
        self.subject.as_deref().and_then(Subject::parse_code).unwrap_or(Subject::Other)
    }
}

const COLUMNS: &str = "id, number, community_id, category, trade, unit_id, common_area, latitude, longitude, \
     description, urgency, preferred_window, status, reporter_id, reported_by_staff, assignee_id, created_at, \
     assigned_at, accept_due_at, accepted_at, first_accepted_at, onsite_due_at, onsite_at, resolve_due_at, \
     hold_since, hold_until, hold_reason, done_at, first_done_at, closed_at, reminder_sent_at, \
     onsite_breached_at, resolve_breached_at, reopen_count, rating, rating_comment, kind, subject, contact_allowed, \
     named_staff_id, first_reply_at, outcome, reply_due_at, outcome_due_at, reply_breached_at, outcome_breached_at";

/// Where ticket numbers come from: a counter per community and day,
/// advanced in a transaction of its own, the way a sequence is.
///
/// Not in the filing's unit of work: there, the counter row would stay locked
/// until that transaction commits (the card to the assignee, the events, the
/// dialogue state: a dozen round trips), and every other request of the
/// community filed meanwhile would queue behind it. Measured: with 1,000
/// owners confirming at once, Confirm waited seconds for the counter
/// (BENCHMARKS.md, section 1). Here the lock lasts one statement. A filing
/// that fails after taking its number leaves that number unused, as a
/// sequence does; the retry takes the next.
#[derive(Clone)]
pub struct TicketNumbers {
    pool: sqlx::PgPool,
}

impl TicketNumbers {
    pub fn new(pool: sqlx::PgPool) -> TicketNumbers {
        TicketNumbers { pool }
    }

    /// The next number of the day in a community: 1, 2, …
    pub async fn next(&self, community_id: i64, day: NaiveDate) -> sqlx::Result<i32> {
        sqlx::query_scalar(
            "INSERT INTO ticket_counters (community_id, day, last) VALUES ($1, $2, 1)
             ON CONFLICT (community_id, day) DO UPDATE SET last = ticket_counters.last + 1
             RETURNING last",
        )
        .bind(community_id)
        .bind(day)
        .fetch_one(&self.pool)
        .await
    }
}

pub struct NewTicket<'a> {
    pub number: &'a str,
    pub community_id: i64,
    pub category: Category,
    pub unit_id: Option<i64>,
    pub common_area: Option<&'a str>,
    pub location: Option<(f64, f64)>,
    pub description: &'a str,
    pub urgency: Urgency,
    pub preferred_window: Option<&'a str>,
    pub reporter_id: i64,
    pub reported_by_staff: bool,
    pub created_at: DateTime<Utc>,
    pub onsite_due_at: DateTime<Utc>,
    pub resolve_due_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PgConnection, new: NewTicket<'_>) -> sqlx::Result<TicketRow> {
    sqlx::query_as(&format!(
        "INSERT INTO tickets (number, community_id, category, trade, unit_id, common_area, latitude, longitude,
             description, urgency, preferred_window, status, reporter_id, reported_by_staff, created_at,
             onsite_due_at, resolve_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12, $13, $14, $15, $16)
         RETURNING {COLUMNS}"
    ))
    .bind(new.number)
    .bind(new.community_id)
    .bind(new.category.as_str())
    .bind(new.category.trade().as_str())
    .bind(new.unit_id)
    .bind(new.common_area)
    .bind(new.location.map(|l| l.0))
    .bind(new.location.map(|l| l.1))
    .bind(new.description)
    .bind(new.urgency.as_str())
    .bind(new.preferred_window)
    .bind(new.reporter_id)
    .bind(new.reported_by_staff)
    .bind(new.created_at)
    .bind(new.onsite_due_at)
    .bind(new.resolve_due_at)
    .fetch_one(conn)
    .await
}

pub struct NewCase<'a> {
    pub number: &'a str,
    pub community_id: i64,
    pub kind: TicketKind,
    pub subject: Subject,
    pub unit_id: Option<i64>,
    pub description: &'a str,
    pub reporter_id: i64,
    pub contact_allowed: bool,
    pub named_staff_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub reply_due_at: Option<DateTime<Utc>>,
    pub outcome_due_at: Option<DateTime<Utc>>,
}

/// A complaint, suggestion or praise. The repair columns it must fill get
/// neutral values: category 'other', trade customer service, routine, and
/// the repair deadlines at the moment of filing (nothing that reads them
/// looks at other kinds).
pub async fn insert_case(conn: &mut PgConnection, new: NewCase<'_>) -> sqlx::Result<TicketRow> {
    sqlx::query_as(&format!(
        "INSERT INTO tickets (number, community_id, category, trade, unit_id, description, urgency, status,
             reporter_id, created_at, onsite_due_at, resolve_due_at, kind, subject, contact_allowed,
             named_staff_id, reply_due_at, outcome_due_at)
         VALUES ($1, $2, 'other', 'customer_service', $3, $4, 'routine', 'queued', $5, $6, $6, $6, $7, $8, $9,
             $10, $11, $12)
         RETURNING {COLUMNS}"
    ))
    .bind(new.number)
    .bind(new.community_id)
    .bind(new.unit_id)
    .bind(new.description)
    .bind(new.reporter_id)
    .bind(new.created_at)
    .bind(new.kind.as_str())
    .bind(new.subject.as_str())
    .bind(new.contact_allowed)
    .bind(new.named_staff_id)
    .bind(new.reply_due_at)
    .bind(new.outcome_due_at)
    .fetch_one(conn)
    .await
}

/// Who handles complaints: active customer-service staff and supervisors.
pub async fn customer_service(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT telegram_id FROM staff WHERE active AND (trade = 'customer_service' OR is_supervisor)
         ORDER BY telegram_id",
    )
    .fetch_all(conn)
    .await
}

/// Active staff by name, for an owner naming whom a complaint is about.
pub async fn active_staff_names(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT telegram_id, name FROM staff WHERE active ORDER BY name, telegram_id LIMIT 30")
        .fetch_all(conn)
        .await
}

/// Locks the ticket for a change: two people acting on it at once take turns.
pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<TicketRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<TicketRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tickets WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// Writes back everything a change may touch.
pub async fn save(conn: &mut PgConnection, t: &TicketRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE tickets SET status = $2, urgency = $3, assignee_id = $4, assigned_at = $5, accept_due_at = $6,
             accepted_at = $7, first_accepted_at = $8, onsite_due_at = $9, onsite_at = $10, resolve_due_at = $11,
             hold_since = $12, hold_until = $13, hold_reason = $14, done_at = $15, first_done_at = $16,
             closed_at = $17, reminder_sent_at = $18, onsite_breached_at = $19, resolve_breached_at = $20,
             reopen_count = $21, rating = $22, rating_comment = $23, first_reply_at = $24, outcome = $25,
             reply_breached_at = $26, outcome_breached_at = $27, outcome_due_at = $28, updated_at = now()
         WHERE id = $1",
    )
    .bind(t.id)
    .bind(&t.status)
    .bind(&t.urgency)
    .bind(t.assignee_id)
    .bind(t.assigned_at)
    .bind(t.accept_due_at)
    .bind(t.accepted_at)
    .bind(t.first_accepted_at)
    .bind(t.onsite_due_at)
    .bind(t.onsite_at)
    .bind(t.resolve_due_at)
    .bind(t.hold_since)
    .bind(t.hold_until)
    .bind(&t.hold_reason)
    .bind(t.done_at)
    .bind(t.first_done_at)
    .bind(t.closed_at)
    .bind(t.reminder_sent_at)
    .bind(t.onsite_breached_at)
    .bind(t.resolve_breached_at)
    .bind(t.reopen_count)
    .bind(t.rating)
    .bind(&t.rating_comment)
    .bind(t.first_reply_at)
    .bind(&t.outcome)
    .bind(t.reply_breached_at)
    .bind(t.outcome_breached_at)
    .bind(t.outcome_due_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewEvent<'a> {
    pub ticket_id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub kind: &'a str,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub note: Option<&'a str>,
    pub data: Value,
}

pub async fn add_event(conn: &mut PgConnection, e: NewEvent<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, from_status, to_status, note, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.ticket_id)
    .bind(e.at)
    .bind(e.actor_id)
    .bind(e.kind)
    .bind(e.from_status.map(Status::as_str))
    .bind(e.to_status.map(Status::as_str))
    .bind(e.note)
    .bind(e.data)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

pub async fn events(conn: &mut PgConnection, ticket_id: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT e.at, e.actor_id, COALESCE(s.name, u.first_name) AS actor_name, e.kind, e.to_status, e.note
         FROM ticket_events e
         LEFT JOIN staff s ON s.telegram_id = e.actor_id
         LEFT JOIN users u ON u.telegram_id = e.actor_id
         WHERE e.ticket_id = $1 ORDER BY e.at, e.id",
    )
    .bind(ticket_id)
    .fetch_all(conn)
    .await
}

/// Adds a photo once: the same photo delivered twice is one row.
pub async fn add_photo(
    conn: &mut PgConnection,
    ticket_id: i64,
    file_id: &str,
    unique_id: &str,
    stage: &str,
    added_by: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ticket_photos (ticket_id, file_id, unique_id, stage, added_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (ticket_id, unique_id) DO NOTHING",
    )
    .bind(ticket_id)
    .bind(file_id)
    .bind(unique_id)
    .bind(stage)
    .bind(added_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn photos(conn: &mut PgConnection, ticket_id: i64, stage: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT file_id FROM ticket_photos WHERE ticket_id = $1 AND stage = $2 ORDER BY id")
        .bind(ticket_id)
        .bind(stage)
        .fetch_all(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub telegram_id: i64,
    pub name: String,
    pub open_tickets: i64,
}

/// Active staff of `trade` who may take a ticket, never `excluding`, best
/// first (see `CANDIDATES`).
pub async fn candidates(conn: &mut PgConnection, trade: &str, excluding: &[i64]) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(CANDIDATES).bind(trade).bind(excluding).fetch_all(conn).await
}

/// Fewest open tickets first, then the one given a ticket longest ago (round robin).
const CANDIDATES: &str = "SELECT s.telegram_id, s.name,
            (SELECT count(*) FROM tickets t
             WHERE t.assignee_id = s.telegram_id AND t.kind = 'repair'
               AND t.status NOT IN ('done', 'closed', 'cancelled')) AS open_tickets
     FROM staff s
     WHERE s.active AND s.trade = $1 AND NOT (s.telegram_id = ANY($2))
     ORDER BY open_tickets, s.last_assigned_at NULLS FIRST, s.telegram_id";

/// The best candidate (as `candidates`), with their staff row locked for
/// `mark_assigned`. One being given another ticket right now (their row
/// locked by that transaction) is passed over for the next best, who is
/// then the better choice anyway: the other ticket will count against the
/// first once it commits, which this transaction cannot see yet. So
/// requests filed at the same moment spread over the trade instead of all
/// going to one person and queueing on their row. Only when every candidate
/// is being given one does this wait, for the best.
pub async fn take_candidate(
    conn: &mut PgConnection,
    trade: &str,
    excluding: &[i64],
) -> sqlx::Result<Option<Candidate>> {
    let free = sqlx::query_as(&format!("{CANDIDATES} FOR UPDATE OF s SKIP LOCKED LIMIT 1"))
        .bind(trade)
        .bind(excluding)
        .fetch_optional(&mut *conn)
        .await?;
    if free.is_some() {
        return Ok(free);
    }
    sqlx::query_as(&format!("{CANDIDATES} FOR UPDATE OF s LIMIT 1"))
        .bind(trade)
        .bind(excluding)
        .fetch_optional(conn)
        .await
}

pub async fn mark_assigned(conn: &mut PgConnection, staff_id: i64, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE staff SET last_assigned_at = $2 WHERE telegram_id = $1")
        .bind(staff_id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Active supervisors, who hear of emergencies, queues and escalations.
pub async fn supervisors(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT telegram_id FROM staff WHERE active AND is_supervisor ORDER BY telegram_id")
        .fetch_all(conn)
        .await
}

/// Everyone who has ever been assigned this ticket (declined or timed out
/// included), to pass over them when reassigning after a decline.
pub async fn declined_by(conn: &mut PgConnection, ticket_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT DISTINCT actor_id FROM ticket_events
         WHERE ticket_id = $1 AND kind IN ('decline', 'accept_timeout') AND actor_id IS NOT NULL",
    )
    .bind(ticket_id)
    .fetch_all(conn)
    .await
}

pub async fn community_of_unit(conn: &mut PgConnection, unit_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT community_id FROM units WHERE id = $1").bind(unit_id).fetch_one(conn).await
}

/// The community a person belongs to: their first unit's, else the oldest
/// community (a single-community company; staff belong to the company).
pub async fn community_of_user(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT {COMMUNITY_OF_USER}")).bind(telegram_id).fetch_one(conn).await
}

/// The community of user `$1`: that of the unit they were bound to first,
/// else the first community (staff, and admins who live elsewhere).
pub(crate) const COMMUNITY_OF_USER: &str = "COALESCE(
         (SELECT u.community_id FROM unit_residents r JOIN units u ON u.id = r.unit_id
          WHERE r.telegram_id = $1 ORDER BY r.created_at LIMIT 1),
         (SELECT id FROM communities ORDER BY id LIMIT 1))";

/// Emergency first, then by the on-site deadline.
const BY_URGENCY: &str = "CASE urgency WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, onsite_due_at, id";
const UNFINISHED: &str = "kind = 'repair' AND status NOT IN ('done', 'closed', 'cancelled')";

// Each list asks for `limit` + 1 rows: the extra one says there is a next page.

/// An owner's tickets, newest first: the repairs of the units they are bound
/// to now, the common-area repairs they reported, and the complaints,
/// suggestions and praise they filed themselves (`services::access`, the same
/// rule for one ticket).
pub async fn for_owner(
    conn: &mut PgConnection,
    telegram_id: i64,
    units: &[i64],
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets
         WHERE (kind = 'repair' AND unit_id = ANY($2))
            OR (reporter_id = $1 AND (kind <> 'repair' OR unit_id IS NULL))
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(telegram_id)
    .bind(units)
    .bind(limit + 1)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// A technician's unfinished tickets, most urgent first.
pub async fn for_assignee(
    conn: &mut PgConnection,
    telegram_id: i64,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets WHERE assignee_id = $1 AND {UNFINISHED}
         ORDER BY {BY_URGENCY} LIMIT $2 OFFSET $3"
    ))
    .bind(telegram_id)
    .bind(limit + 1)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// Tickets waiting for someone to be found.
pub async fn queued(conn: &mut PgConnection, offset: i64, limit: i64) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets WHERE kind = 'repair' AND status = 'queued' ORDER BY {BY_URGENCY} LIMIT $1 OFFSET $2"
    ))
    .bind(limit + 1)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// Tickets past the on-site deadline with nobody there, or past the
/// resolution deadline unfinished (time on hold excepted).
pub async fn overdue(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets
         WHERE {UNFINISHED}
           AND ((onsite_at IS NULL AND onsite_due_at < $1) OR (status <> 'on_hold' AND resolve_due_at < $1))
         ORDER BY {BY_URGENCY} LIMIT $2 OFFSET $3"
    ))
    .bind(now)
    .bind(limit + 1)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// Active staff who can be given a ticket by hand: its trade first, then
/// every other active technician (never customer service).
pub async fn reassign_candidates(
    conn: &mut PgConnection,
    trade: &str,
    except: Option<i64>,
) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(
        "SELECT s.telegram_id, s.name,
                (SELECT count(*) FROM tickets t
                 WHERE t.assignee_id = s.telegram_id AND t.kind = 'repair'
                   AND t.status NOT IN ('done', 'closed', 'cancelled')) AS open_tickets
         FROM staff s
         WHERE s.active AND s.trade <> 'customer_service' AND s.telegram_id IS DISTINCT FROM $2
         ORDER BY (s.trade = $1) DESC, open_tickets, s.name
         LIMIT 20",
    )
    .bind(trade)
    .bind(except)
    .fetch_all(conn)
    .await
}

/// The open tickets `staff_id` holds, locked, oldest first (their
/// deactivation hands them back).
pub async fn open_assigned_to(conn: &mut PgConnection, staff_id: i64) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets
         WHERE assignee_id = $1 AND status NOT IN ('closed', 'cancelled')
         ORDER BY id FOR UPDATE"
    ))
    .bind(staff_id)
    .fetch_all(conn)
    .await
}

/// How many events of `kind` the ticket has.
pub async fn count_events(conn: &mut PgConnection, ticket_id: i64, kind: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = $2")
        .bind(ticket_id)
        .bind(kind)
        .fetch_one(conn)
        .await
}
