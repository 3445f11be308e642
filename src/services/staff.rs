//! Staff joining by one-time invite, and admins managing them.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use sqlx::PgConnection;

use crate::domain::{Markup, Outgoing, Trade};
use crate::i18n::Text;
use crate::services::{notify, people::Actor};
use crate::store::{self, staff::StaffRow};

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
    Deactivated { name: String },
    NotActive,
    NotAllowed,
}

pub async fn deactivate(
    conn: &mut PgConnection,
    actor: &Actor,
    telegram_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<DeactivateOutcome> {
    if !actor.is_admin {
        return Ok(DeactivateOutcome::NotAllowed);
    }
    let Some(member) = store::staff::get(conn, telegram_id).await? else {
        return Ok(DeactivateOutcome::NotActive);
    };
    if !store::staff::deactivate(conn, telegram_id).await? {
        return Ok(DeactivateOutcome::NotActive);
    }
    let notice = Outgoing::with(Text::new("staff-deactivated-notice"), Markup::RemoveKeyboard);
    notify::notification(conn, telegram_id, "staff-deactivated", &notice, now, None).await?;
    Ok(DeactivateOutcome::Deactivated { name: member.name })
}
