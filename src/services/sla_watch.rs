//! What happens when time passes (the scheduler's use cases): a ticket not
//! accepted in time goes to the next person, the assignee is reminded before
//! the on-site deadline, missed deadlines are escalated to the supervisors,
//! a job the owner never confirms closes by itself, and a repair draft left
//! for a day is discarded.
//!
//! Each ticket (each chat) is handled in its own short transaction: the row
//! is locked `FOR UPDATE SKIP LOCKED` with its condition checked again under
//! the lock (`store::schedule`), and the change, its event and the
//! notifications commit together. A repeated sweep, or two replicas sweeping
//! at once, finds nothing left to do. One failing ticket is logged and the
//! others go on.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::config::Settings;
use crate::domain::ticket::Action;
use crate::domain::{Markup, Outgoing};
use crate::i18n::Text;
use crate::services::complaints::{self, Target};
use crate::services::dispatch::dispatch;
use crate::services::notify;
use crate::services::people::{self, Actor};
use crate::services::tickets::{self, Desk};
use crate::store::schedule::{self, Watch};
use crate::store::{self, tickets::TicketRow};

/// A repair draft untouched this long is discarded.
pub const DRAFT_ABANDONED_AFTER: Duration = Duration::hours(24);
/// Tickets (chats) taken per kind per sweep; the rest wait for the next one.
const BATCH: i64 = 100;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Queued tickets given to someone who has become eligible.
    pub redispatched: usize,
    pub accept_timeouts: usize,
    pub reminders: usize,
    pub onsite_breaches: usize,
    pub resolve_breaches: usize,
    pub auto_closed: usize,
    pub drafts_discarded: usize,
    /// Complaints past their first-reply or outcome target, escalated.
    pub complaint_breaches: usize,
    /// Surveys opened and reminded.
    pub surveys: crate::services::surveys::SurveySweep,
    /// Notices opened, progress messages edited, notices finished.
    pub notices: crate::services::notices::NoticeSweep,
}

impl Sweep {
    pub fn is_empty(&self) -> bool {
        *self == Sweep::default()
    }
}

/// Everything that is due at `now`, in order: reassignments first, so a
/// reminder goes to whoever has the ticket now. `home` is the keyboard a
/// person has with nothing in progress (the bot layer's rule). Abandoned
/// drafts are looked for only when `drafts` (the scheduler asks once a minute).
pub async fn sweep(
    pool: &PgPool,
    settings: &Settings,
    now: DateTime<Utc>,
    home: fn(&Actor) -> Markup,
    drafts: bool,
) -> Sweep {
    let desk = Desk { sla: &settings.sla, tz: settings.time_zone, now };
    Sweep {
        redispatched: each_due(pool, Watch::Queued, &desk).await,
        accept_timeouts: each_due(pool, Watch::AcceptOverdue { now }, &desk).await,
        reminders: each_due(pool, Watch::ReminderDue { now, remind_from: now + desk.sla.remind_before }, &desk).await,
        onsite_breaches: each_due(pool, Watch::OnsiteBreached { now }, &desk).await,
        resolve_breaches: each_due(pool, Watch::ResolveBreached { now }, &desk).await,
        auto_closed: each_due(pool, Watch::ConfirmLapsed { done_before: now - desk.sla.confirm_within }, &desk).await,
        drafts_discarded: match drafts {
            true => discard_abandoned_drafts(pool, settings, now, home).await,
            false => 0,
        },
        complaint_breaches: each_due(pool, Watch::ReplyBreached { now }, &desk).await
            + each_due(pool, Watch::OutcomeBreached { now }, &desk).await,
        surveys: crate::services::surveys::sweep(pool, &survey_clock(settings, now)).await,
        notices: crate::services::notices::sweep(pool, &notice_clock(settings, now)).await,
    }
}

pub fn notice_clock(settings: &Settings, now: DateTime<Utc>) -> crate::services::notices::Clock {
    crate::services::notices::Clock {
        tz: settings.time_zone,
        now,
        settings: settings.notice,
        rate_per_sec: settings.send_rate_per_sec,
    }
}

fn survey_clock(settings: &Settings, now: DateTime<Utc>) -> crate::services::surveys::Clock {
    crate::services::surveys::Clock { tz: settings.time_zone, now, settings: settings.survey }
}

/// Acts on every ticket `watch` matches, each in its own transaction with
/// the row locked and the condition re-checked. Returns how many it acted on.
async fn each_due(pool: &PgPool, watch: Watch, desk: &Desk<'_>) -> usize {
    let ids = match pool.acquire().await {
        Ok(mut conn) => schedule::due(&mut conn, watch, BATCH).await,
        Err(err) => Err(err),
    };
    let ids = match ids {
        Ok(ids) => ids,
        Err(err) => {
            tracing::error!(error = %err, ?watch, "looking for due tickets failed");
            return 0;
        }
    };
    let mut done = 0;
    for id in ids {
        let once = async {
            let mut tx = pool.begin().await?;
            let Some(ticket) = schedule::lock_if_due(&mut tx, watch, id).await? else {
                // Handled meanwhile, or someone is acting on it: the next tick sees.
                return Ok(false);
            };
            match watch {
                Watch::AcceptOverdue { .. } => time_out_acceptance(&mut tx, ticket, desk).await?,
                Watch::ReminderDue { .. } => remind(&mut tx, ticket, desk).await?,
                Watch::OnsiteBreached { .. } => escalate(&mut tx, ticket, desk, Deadline::Onsite).await?,
                Watch::ResolveBreached { .. } => escalate(&mut tx, ticket, desk, Deadline::Resolve).await?,
                Watch::ConfirmLapsed { .. } => auto_close(&mut tx, ticket, desk).await?,
                Watch::ReplyBreached { .. } => complaints::escalate(&mut tx, ticket, Target::FirstReply, desk).await?,
                Watch::OutcomeBreached { .. } => complaints::escalate(&mut tx, ticket, Target::Outcome, desk).await?,
                Watch::Queued => {
                    if !redispatch(&mut tx, ticket, desk).await? {
                        return Ok(false);
                    }
                }
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        };
        match once.await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, ticket = id, ?watch, "a scheduled change failed"),
        }
    }
    done
}

/// Gives a queued ticket to someone eligible now (never to anyone who
/// declined it or let it time out). With still nobody, nothing happens: the
/// supervisors were told when it was queued.
async fn redispatch(conn: &mut PgConnection, mut ticket: TicketRow, desk: &Desk<'_>) -> sqlx::Result<bool> {
    let passed_over = store::tickets::declined_by(conn, ticket.id).await?;
    if store::tickets::candidates(conn, &ticket.trade, &passed_over).await?.is_empty() {
        return Ok(false);
    }
    Ok(dispatch(conn, &mut ticket, Action::Assign, &passed_over, None, true, desk).await?.is_ok_and(|c| c.is_some()))
}

async fn staff_name(conn: &mut PgConnection, id: Option<i64>) -> sqlx::Result<Text> {
    let name = match id {
        Some(id) => store::staff::get(conn, id).await?.map(|s| s.name),
        None => None,
    };
    Ok(name.map(Text::plain).unwrap_or_else(|| Text::new("sla-nobody")))
}

/// Not accepted in time: the ticket goes to the next eligible person (never
/// back to anyone who declined or let it time out: the event names the
/// timed-out assignee as its actor, which `declined_by` reads), the
/// supervisors hear who let it lapse and where it went, and the one who let
/// it lapse is told it is no longer theirs.
async fn time_out_acceptance(conn: &mut PgConnection, mut ticket: TicketRow, desk: &Desk<'_>) -> sqlx::Result<()> {
    let lapsed = ticket.assignee_id;
    if tickets::change(conn, &mut ticket, Action::AcceptTimeout, lapsed, None, desk.now).await?.is_err() {
        return Ok(());
    }
    ticket.assignee_id = None;
    ticket.accept_due_at = None;
    let mut passed_over = store::tickets::declined_by(conn, ticket.id).await?;
    passed_over.extend(lapsed);
    let next = match dispatch(conn, &mut ticket, Action::Assign, &passed_over, None, true, desk).await? {
        Ok(next) => next,
        Err(refusal) => {
            tracing::warn!(ticket = ticket.id, ?refusal, "reassigning after an acceptance timeout was refused");
            store::tickets::save(conn, &ticket).await?;
            None
        }
    };
    let outcome = match &next {
        Some(c) => Text::new("sla-accept-timeout-reassigned").arg("assignee", &c.name),
        None => Text::new("sla-accept-timeout-queued"),
    };
    let notice = Outgoing::new(
        Text::new("sla-accept-timeout-supervisor")
            .arg("ticket", tickets::title(&ticket))
            .arg("name", staff_name(conn, lapsed).await?)
            .arg("outcome", outcome),
    );
    tickets::tell_supervisors(conn, &ticket, "sla-accept-timeout", &notice, desk.now).await?;
    if let Some(lapsed) = lapsed {
        let gone = Outgoing::new(Text::new("sla-accept-timeout-staff").arg("ticket", tickets::title(&ticket)));
        notify::to_staff(conn, lapsed, "sla-accept-timeout", &gone, desk.now, None).await?;
    }
    Ok(())
}

/// The on-site deadline is near and nobody is there: remind the assignee
/// once, with the buttons for their next step.
async fn remind(conn: &mut PgConnection, mut ticket: TicketRow, desk: &Desk<'_>) -> sqlx::Result<()> {
    let Some(assignee) = ticket.assignee_id else { return Ok(()) };
    ticket.reminder_sent_at = Some(desk.now);
    store::tickets::save(conn, &ticket).await?;
    let reminder = Outgoing::with(
        Text::new("sla-reminder-staff")
            .arg("ticket", tickets::title(&ticket))
            .arg("due", desk.time(ticket.onsite_due_at)),
        tickets::staff_buttons(&ticket),
    );
    notify::to_staff(conn, assignee, "sla-reminder", &reminder, desk.now, None).await.map(drop)
}

/// Which deadline was missed.
#[derive(Clone, Copy)]
enum Deadline {
    Onsite,
    Resolve,
}

/// Records the breach on the ticket (the moment, and an `sla_breach` event)
/// and tells the supervisors, once.
async fn escalate(
    conn: &mut PgConnection,
    mut ticket: TicketRow,
    desk: &Desk<'_>,
    deadline: Deadline,
) -> sqlx::Result<()> {
    let (note, due, text) = match deadline {
        Deadline::Onsite => {
            ticket.onsite_breached_at = Some(desk.now);
            ("onsite", ticket.onsite_due_at, Text::new("sla-onsite-breach-supervisor"))
        }
        Deadline::Resolve => {
            ticket.resolve_breached_at = Some(desk.now);
            ("resolve", ticket.resolve_due_at, Text::new("sla-resolve-breach-supervisor"))
        }
    };
    store::tickets::save(conn, &ticket).await?;
    let data = json!({ "deadline": due, "assignee": ticket.assignee_id, "status": ticket.status });
    tickets::record(conn, &ticket, "sla_breach", None, Some(note), data, desk.now).await?;
    let notice = Outgoing::new(
        text.arg("ticket", tickets::title(&ticket))
            .arg("due", desk.time(due))
            .arg("assignee", staff_name(conn, ticket.assignee_id).await?),
    );
    tickets::tell_supervisors(conn, &ticket, "sla-breach", &notice, desk.now).await
}

/// Done, and the owner said nothing within `confirm_within`: closed without
/// a rating; the owner and the assignee are told.
async fn auto_close(conn: &mut PgConnection, mut ticket: TicketRow, desk: &Desk<'_>) -> sqlx::Result<()> {
    if tickets::change(conn, &mut ticket, Action::AutoClose, None, None, desk.now).await?.is_err() {
        return Ok(());
    }
    ticket.closed_at = Some(desk.now);
    store::tickets::save(conn, &ticket).await?;
    let closed = Outgoing::new(
        Text::new("sla-auto-closed-owner")
            .arg("ticket", tickets::title(&ticket))
            .arg("hours", desk.sla.confirm_within.num_hours()),
    );
    tickets::tell_reporter(conn, &ticket, "sla-auto-closed", closed, desk.now).await?;
    if let Some(assignee) = ticket.assignee_id.filter(|a| *a != ticket.reporter_id) {
        let notice = Outgoing::new(Text::new("sla-auto-closed-staff").arg("ticket", tickets::title(&ticket)));
        notify::to_staff(conn, assignee, "sla-auto-closed", &notice, desk.now, None).await?;
    }
    Ok(())
}

/// Repair drafts started more than [`DRAFT_ABANDONED_AFTER`] ago: the chat
/// goes back to its menu and the person is told the draft was discarded.
/// A chat whose update is being handled right now is left for the next sweep.
pub async fn discard_abandoned_drafts(
    pool: &PgPool,
    settings: &Settings,
    now: DateTime<Utc>,
    home: fn(&Actor) -> Markup,
) -> usize {
    let started_before = now - DRAFT_ABANDONED_AFTER;
    let chats = match pool.acquire().await {
        Ok(mut conn) => schedule::abandoned_drafts(&mut conn, started_before, BATCH).await,
        Err(err) => Err(err),
    };
    let chats = match chats {
        Ok(chats) => chats,
        Err(err) => {
            tracing::error!(error = %err, "looking for abandoned drafts failed");
            return 0;
        }
    };
    let mut done = 0;
    for chat in chats {
        let once = async {
            let mut tx = pool.begin().await?;
            let Some(started_at) = schedule::lock_abandoned_draft(&mut tx, chat, started_before).await? else {
                return Ok(false);
            };
            schedule::reset_dialogue(&mut tx, chat).await?;
            let markup = match store::users::get(&mut tx, chat).await? {
                Some(user) => home(&people::load(&mut tx, user, settings).await?),
                None => Markup::None,
            };
            let notice =
                Outgoing::with(Text::new("draft-discarded").arg("hours", DRAFT_ABANDONED_AFTER.num_hours()), markup);
            // One notice per draft, whatever happens to the sweep.
            let key = format!("draft:{chat}:{}", started_at.timestamp_micros());
            notify::notification(&mut tx, chat, "draft-discarded", &notice, now, Some(key)).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        };
        match once.await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, chat, "discarding an abandoned draft failed"),
        }
    }
    done
}
