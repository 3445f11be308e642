//! Sign-ups for an activity: joining and withdrawing under the notice's
//! row lock (so the capacity holds), the organiser's list and reminder.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use super::{Outcome, Refusal, managed};
use crate::domain::Outgoing;
use crate::i18n::Text;
use crate::services::people::Actor;
use crate::spreadsheet::CsvSheet;
use crate::store::notices::{self as store, NoticeRow};
use crate::store::outbox::{self, NewMessage, Priority};

/// Where an owner's sign-up stands after a press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignupState {
    pub signed_up: bool,
    pub count: i64,
    pub capacity: Option<i32>,
}

/// Signs up (`join`) or withdraws. The notice's row lock makes concurrent
/// presses take turns, so the capacity holds.
pub async fn sign_up(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    join: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<Outcome<SignupState>> {
    let Some(notice) = store::lock(conn, id).await? else { return Ok(Err(Refusal::NotFound)) };
    let me = actor.telegram_id();
    if !notice.signup || !store::was_sent_to(conn, id, me).await? {
        return Ok(Err(Refusal::NoSignup));
    }
    if join {
        let count = store::signup_count(conn, id).await?;
        let already = store::signed_up(conn, id, me).await?;
        if !already && notice.capacity.is_some_and(|c| count >= i64::from(c)) {
            return Ok(Err(Refusal::Full { capacity: notice.capacity.unwrap_or_default() }));
        }
        store::add_signup(conn, id, me, now).await?;
    } else {
        store::remove_signup(conn, id, me).await?;
    }
    let count = store::signup_count(conn, id).await?;
    Ok(Ok(SignupState { signed_up: join, count, capacity: notice.capacity }))
}

/// A notice the actor manages that takes sign-ups.
async fn with_signup(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<NoticeRow>> {
    Ok(match managed(conn, actor, id).await? {
        Ok(n) if n.signup => Ok(n),
        Ok(_) => Err(Refusal::NoSignup),
        Err(r) => Err(r),
    })
}

/// The sign-up list as CSV (UTF-8 with a BOM, for Excel): name, units, phone, time.
pub async fn signup_csv(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    tz: Tz,
) -> anyhow::Result<Outcome<(String, Vec<u8>, usize)>> {
    if let Err(r) = with_signup(conn, actor, id).await? {
        return Ok(Err(r));
    }
    let lines = store::signups(conn, id).await?;
    let mut bytes = Vec::new();
    {
        let mut csv = CsvSheet::new(&mut bytes)?;
        csv.row(["name", "units", "phone", "signed_up_at"])?;
        for l in &lines {
            let at = l.signed_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
            csv.row([l.name.as_str(), &l.units.join("; "), l.phone.as_deref().unwrap_or(""), &at])?;
        }
        csv.flush()?;
    }
    Ok(Ok((format!("notice-{id}-signups.csv"), bytes, lines.len())))
}

/// A reminder to everyone signed up; returns how many.
pub async fn remind(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Outcome<usize>> {
    let notice = match with_signup(conn, actor, id).await? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    let lines = store::signups(conn, id).await?;
    if lines.is_empty() {
        return Ok(Ok(0));
    }
    let n = store::next_reminder(conn, id).await?;
    let bodies = notice.bodies();
    for l in &lines {
        let locale = crate::store::users::get(conn, l.telegram_id).await?.map(|u| u.locale()).unwrap_or_default();
        let excerpt: String = bodies.for_locale(locale).chars().take(200).collect();
        let message = Outgoing::new(Text::new("notice-signup-reminder").arg("excerpt", excerpt));
        let key = format!("notice-remind:{id}:{n}:{}", l.telegram_id);
        outbox::enqueue(
            conn,
            NewMessage {
                chat_id: l.telegram_id,
                kind: "notice-reminder",
                priority: Priority::Broadcast,
                message: &message,
                not_before: now,
                dedup_key: Some(key.clone()),
            },
        )
        .await?;
        store::tag_row(conn, id, &key).await?;
    }
    Ok(Ok(lines.len()))
}
