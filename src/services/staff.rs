//! Staff joining by one-time invite, and admins managing them.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use sqlx::PgConnection;

use crate::domain::{Markup, Outgoing, Status, Trade};
use crate::i18n::Text;
use crate::services::access;
use crate::services::dispatch::hand_over;
use crate::services::tickets::{self, Desk};
use crate::services::{complaints, notify, people::Actor};
use crate::store::{self, outbox, staff::StaffRow};

/// Invite codes: 16 letters and digits, about 95 bits, too many to guess.
const CODE_LEN: usize = 16;

#[derive(Debug)]
pub enum InviteOutcome {
    Created { code: String, expires_at: DateTime<Utc> },
    NotAllowed,
}

pub async fn create_invite(
    conn: &mut PgConnection,
    actor: &Actor,
    trade: Trade,
    supervisor: bool,
    ttl: Duration,
    now: DateTime<Utc>,
) -> sqlx::Result<InviteOutcome> {
    if !actor.is_admin {
        return Ok(InviteOutcome::NotAllowed);
    }
    let code: String = rand::rng().sample_iter(&Alphanumeric).take(CODE_LEN).map(char::from).collect();
    let expires_at = now + ttl;
    store::invites::create(conn, &code, trade, supervisor, actor.telegram_id(), expires_at).await?;
    Ok(InviteOutcome::Created { code, expires_at })
}

#[derive(Debug)]
pub enum JoinOutcome {
    Joined(StaffRow),
    Unknown,
    AlreadyUsed,
    Expired,
}

/// Someone opened an invite link (`/start <code>`).
pub async fn join(conn: &mut PgConnection, actor: &Actor, code: &str, now: DateTime<Utc>) -> sqlx::Result<JoinOutcome> {
    let Some(invite) = store::invites::get_for_update(conn, code).await? else {
        return Ok(JoinOutcome::Unknown);
    };
    if invite.used_by.is_some() {
        return Ok(JoinOutcome::AlreadyUsed);
    }
    if invite.expires_at <= now {
        return Ok(JoinOutcome::Expired);
    }
    let Some(trade) = Trade::parse(&invite.trade) else {
        return Ok(JoinOutcome::Unknown);
    };
    store::invites::mark_used(conn, code, actor.telegram_id(), now).await?;
    let member = store::staff::enlist(
        conn,
        actor.telegram_id(),
        &actor.user.display_name(),
        trade,
        invite.is_supervisor,
        Some(invite.created_by),
    )
    .await?;
    let news =
        Outgoing::new(Text::new("staff-joined-admin-notice").arg("name", &member.name).arg("trade", trade.label()));
    notify::notification(conn, invite.created_by, "staff-joined", &news, now, Some(format!("joined:{code}"))).await?;
    Ok(JoinOutcome::Joined(member))
}

pub async fn list(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<Option<Vec<StaffRow>>> {
    if !actor.is_admin {
        return Ok(None);
    }
    Ok(Some(store::staff::list(conn).await?))
}

#[derive(Debug)]
pub enum DeactivateOutcome {
    /// `handed_back`: their open tickets, now with someone else or in the queue.
    Deactivated {
        name: String,
        handed_back: usize,
    },
    NotActive,
    NotAllowed,
}

/// Deactivates a staff member, in one transaction: nothing addressed to
/// them as staff is queued from now on (`notify::to_staff`), what still
/// waits is withdrawn, and their open tickets go back to the dispatcher — a
/// repair to another eligible person of its trade (the owner told who) or,
/// with nobody, to the queue; a complaint back to customer service's Take —
/// and the supervisors are told where each went. A job they marked done
/// stays theirs until the owner answers (the work was theirs); should the
/// owner reopen it, it is handed over then, the same way
/// (`tickets::returning_assignee`).
pub async fn deactivate(
    conn: &mut PgConnection,
    actor: &Actor,
    telegram_id: i64,
    desk: &Desk<'_>,
) -> sqlx::Result<DeactivateOutcome> {
    if !actor.is_admin {
        return Ok(DeactivateOutcome::NotAllowed);
    }
    let Some(member) = store::staff::get(conn, telegram_id).await? else {
        return Ok(DeactivateOutcome::NotActive);
    };
    // Tickets before the staff row: the order every ticket change takes
    // (the ticket's row, then whoever it notifies).
    let open = store::tickets::open_assigned_to(conn, telegram_id).await?;
    if !store::staff::deactivate(conn, telegram_id).await? {
        return Ok(DeactivateOutcome::NotActive);
    }
    outbox::cancel_to_staff(conn, telegram_id, "the recipient was deactivated").await?;
    let mut lines = Vec::new();
    for mut ticket in open.into_iter().filter(|t| t.status() != Status::Done) {
        let went = if ticket.is_repair() {
            match hand_over(conn, &mut ticket, Some(actor.telegram_id()), desk).await? {
                Ok(Some(next)) => Some(Text::new("staff-handover-to").arg("name", next.name)),
                Ok(None) => Some(Text::new("staff-handover-queued")),
                Err(_) => None,
            }
        } else {
            complaints::release(conn, &mut ticket, Some(actor.telegram_id()), desk)
                .await?
                .ok()
                .map(|()| Text::new("staff-handover-case"))
        };
        if let Some(went) = went {
            let line = Text::new("staff-handover-line").arg("ticket", tickets::title(&ticket)).arg("went", went);
            lines.push((ticket, line));
        }
    }
    // Each supervisor hears of the tickets they may (not a complaint that names them).
    for chat in store::tickets::supervisors(conn).await? {
        let told: Vec<Text> =
            lines.iter().filter(|(t, _)| access::may_be_told(t, chat)).map(|(_, line)| line.clone()).collect();
        if told.is_empty() {
            continue;
        }
        let head = Text::new("staff-handover-supervisor").arg("name", &member.name).arg("count", told.len());
        let notice = Outgoing::new(Text::lines(std::iter::once(head).chain(told)));
        notify::to_staff(conn, chat, "staff-handover", &notice, desk.now, None).await?;
    }
    let notice = Outgoing::with(Text::new("staff-deactivated-notice"), Markup::RemoveKeyboard);
    notify::notification(conn, telegram_id, "staff-deactivated", &notice, desk.now, None).await?;
    Ok(DeactivateOutcome::Deactivated { name: member.name, handed_back: lines.len() })
}
