//! Community notices (公告 / 通知): composed by admins and customer-service
//! supervisors, opened now or at a scheduled time (the scheduler), delivered
//! through the outbox behind notifications, with a progress message in the
//! composer's chat, pause and resume, sign-ups with a capacity, and owners'
//! mutes.
//!
//! Exactly once per recipient: opening writes one outbox row per recipient
//! with the dedup key `notice:<id>:<telegram id>` in one transaction with
//! the notice's state change, so a crash before the commit opens nothing and
//! one after it has every row; a repeated opening adds no one. The sender
//! marks each row sent right after Telegram accepted it. A row is in doubt
//! only if the process dies between Telegram's answer and that mark: such a
//! row is sent again on restart. At any moment at most one row per chat,
//! and at most the sender's `LANES` (8) overall, are in that window, so a
//! crash can repeat at most 8 deliveries, never one recipient's twice, and
//! skips none.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use crate::config::NoticeSettings;
use crate::domain::callback::{ComposeOp, NoticeOp};
use crate::domain::notice::{Audience, Bodies, CAPTION_MAX, NoticeKind, TEXT_MAX, TextProblem, check_text};
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::{Locale, Text};
use crate::services::notify;
use crate::services::people::Actor;
use crate::store::notices::{self as store, Figures, NewNotice, NoticeRow};

mod progress;
mod signups;

use progress::open;
pub use progress::{NoticeSweep, sweep};
pub use signups::{SignupState, remind, sign_up, signup_csv};

/// Why a notice action was not carried out. Nothing changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    NotFound,
    /// Only admins and customer-service supervisors compose and manage.
    NotAllowed,
    Text(TextProblem),
    /// The photo is over the configured size.
    PhotoTooLarge {
        max_kb: i64,
    },
    /// A scheduled time that has passed.
    PastTime,
    /// Nobody would receive it.
    EmptyAudience,
    /// Not in a state that allows this (cancel a sent one, pause a finished one…).
    WrongState,
    /// The activity is full.
    Full {
        capacity: i32,
    },
    /// The notice takes no sign-ups, or was not sent to this person.
    NoSignup,
}

impl Refusal {
    pub fn text(&self) -> Text {
        match self {
            Refusal::NotFound => Text::new("notice-not-found"),
            Refusal::NotAllowed => Text::new("notice-not-allowed"),
            Refusal::Text(problem) => problem.reason(),
            Refusal::PhotoTooLarge { max_kb } => Text::new("notice-photo-too-large").arg("max", *max_kb / 1024),
            Refusal::PastTime => Text::new("notice-time-past"),
            Refusal::EmptyAudience => Text::new("notice-audience-empty"),
            Refusal::WrongState => Text::new("notice-wrong-state"),
            Refusal::Full { capacity } => Text::new("notice-signup-full").arg("capacity", i64::from(*capacity)),
            Refusal::NoSignup => Text::new("notice-signup-none"),
        }
    }
}

pub type Outcome<T> = Result<T, Refusal>;

/// The zone, moment and settings notice use cases run with.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    pub now: DateTime<Utc>,
    pub settings: NoticeSettings,
    /// The sender's overall rate, for the estimated time left.
    pub rate_per_sec: u32,
}

impl Clock {
    pub fn time(&self, at: DateTime<Utc>) -> Text {
        Text::plain(at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string())
    }
}

/// Admins, and supervisors of the customer-service desk.
pub fn may_compose(actor: &Actor) -> bool {
    actor.is_admin || actor.staff.as_ref().is_some_and(|s| s.is_supervisor && s.trade == "customer_service")
}

/// A notice as the wizard collected it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub kind: NoticeKind,
    pub bodies: Bodies,
    pub photo: Option<String>,
    pub audience: Audience,
    pub include_staff: bool,
    pub signup: bool,
    pub capacity: Option<i32>,
    /// None: now.
    pub send_at: Option<DateTime<Utc>>,
}

/// The longest text a notice may have: a caption's when it has a photo.
pub fn text_max(has_photo: bool) -> usize {
    if has_photo { CAPTION_MAX } else { TEXT_MAX }
}

/// A photo's size against the setting.
pub fn check_photo(size_bytes: u64, settings: &NoticeSettings) -> Outcome<()> {
    if size_bytes > (settings.photo_max_kb as u64) * 1024 {
        Err(Refusal::PhotoTooLarge { max_kb: settings.photo_max_kb })
    } else {
        Ok(())
    }
}

/// Exactly what a recipient reading `locale` sees: the text as typed (plain,
/// no parse mode), as a photo's caption when there is one, with the sign-up
/// button when it takes sign-ups. `id` None: the preview (its button only
/// says so).
pub fn owner_message(bodies: &Bodies, photo: Option<&str>, signup: bool, id: Option<i64>, locale: Locale) -> Outgoing {
    let markup = if signup {
        let data = match id {
            Some(id) => CallbackData::Notice { id, op: NoticeOp::SignUp },
            None => CallbackData::Compose(ComposeOp::Preview),
        };
        Markup::Inline(vec![vec![Button::new(Text::new("btn-notice-signup"), data)]])
    } else {
        Markup::None
    };
    let message = Outgoing::with(Text::plain(bodies.for_locale(locale)), markup);
    match photo {
        Some(photo) => message.captioning(photo.to_owned()),
        None => message,
    }
}

async fn community(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<i64> {
    crate::store::tickets::community_of_user(conn, actor.telegram_id()).await
}

/// (owners, staff) the spec reaches now.
pub async fn reach(conn: &mut PgConnection, actor: &Actor, spec: &Spec) -> sqlx::Result<(i64, i64)> {
    let community = community(conn, actor).await?;
    store::reach(conn, community, &spec.audience, spec.include_staff, spec.kind).await
}

/// The community's buildings and entrances ("building/entrance"), for the audience step.
pub async fn places(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<(Vec<String>, Vec<(String, String)>)> {
    let community = community(conn, actor).await?;
    let buildings = crate::store::surveys::buildings(conn, community).await?;
    let entrances = store::entrances(conn, community).await?;
    Ok((buildings, entrances))
}

/// What Send did.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub id: i64,
    pub reach: i64,
    pub send_at: DateTime<Utc>,
    /// Opened at once (not scheduled).
    pub opened: bool,
}

/// Checks and saves a notice; sent now (in this transaction) or scheduled.
/// `replaces`: a scheduled notice this one is the edited version of (it is
/// cancelled, if it has not started).
///
/// Sent now, the composer's confirmation ("is going out … its progress is
/// shown here", with `home`, their menu) is an outbox row written before the
/// progress message's: the sender delivers one chat's rows in order, so the
/// composer reads the confirmation, then the progress message, then the
/// report. (A direct reply, sent by the runner after the commit, raced the
/// sender, which is woken by the same commit, and often lost.)
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    spec: &Spec,
    replaces: Option<i64>,
    clock: &Clock,
    home: Markup,
) -> sqlx::Result<Outcome<Created>> {
    if !may_compose(actor) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let max = text_max(spec.photo.is_some());
    for body in [&spec.bodies.zh, &spec.bodies.en].into_iter().flatten() {
        if let Err(problem) = check_text(body, max) {
            return Ok(Err(Refusal::Text(problem)));
        }
    }
    if spec.bodies.is_empty() {
        return Ok(Err(Refusal::Text(TextProblem::Empty)));
    }
    if spec.send_at.is_some_and(|t| t < clock.now) {
        return Ok(Err(Refusal::PastTime));
    }
    let community = community(conn, actor).await?;
    let (owners, staff) = store::reach(conn, community, &spec.audience, spec.include_staff, spec.kind).await?;
    if owners + staff == 0 {
        return Ok(Err(Refusal::EmptyAudience));
    }
    if let Some(old) = replaces {
        match store::lock(conn, old).await? {
            Some(n) if n.state == "scheduled" => store::set_state(conn, old, "cancelled", clock.now).await?,
            _ => return Ok(Err(Refusal::WrongState)),
        }
    }
    let send_at = spec.send_at.unwrap_or(clock.now);
    let id = store::insert(
        conn,
        NewNotice {
            community_id: community,
            kind: spec.kind,
            bodies: &spec.bodies,
            photo: spec.photo.as_deref(),
            audience: &spec.audience,
            include_staff: spec.include_staff,
            signup: spec.signup && spec.kind == NoticeKind::Activity,
            capacity: spec.capacity.filter(|_| spec.signup),
            send_at,
            created_by: actor.telegram_id(),
        },
    )
    .await?;
    let opened = send_at <= clock.now;
    let reach = owners + staff;
    if opened && let Some(notice) = store::lock(conn, id).await? {
        let confirmation = Outgoing::with(Text::new("notice-sent").arg("id", id).arg("count", reach), home);
        let key = Some(format!("notice-sent:{id}"));
        notify::notification(conn, actor.telegram_id(), "notice-sent", &confirmation, clock.now, key).await?;
        open(conn, &notice, clock).await?;
    }
    Ok(Ok(Created { id, reach, send_at, opened }))
}

/// A notice with its figures, for /notices.
#[derive(Debug, Clone)]
pub struct Listed {
    pub notice: NoticeRow,
    pub figures: Figures,
    pub signups: i64,
}

pub async fn list(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<Outcome<Vec<Listed>>> {
    if !may_compose(actor) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let community = community(conn, actor).await?;
    let mut listed = Vec::new();
    for notice in store::list(conn, community, 10).await? {
        let figures = store::figures(conn, notice.id).await?;
        let signups = if notice.signup { store::signup_count(conn, notice.id).await? } else { 0 };
        listed.push(Listed { notice, figures, signups });
    }
    Ok(Ok(listed))
}

/// The notice, locked, if the actor may manage it.
async fn managed(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<NoticeRow>> {
    if !may_compose(actor) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let community = community(conn, actor).await?;
    Ok(match store::lock(conn, id).await? {
        Some(n) if n.community_id == community => Ok(n),
        _ => Err(Refusal::NotFound),
    })
}

/// Pause (true) or resume (false) a running notice.
pub async fn pause(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    pause: bool,
    clock: &Clock,
) -> sqlx::Result<Outcome<()>> {
    let notice = match managed(conn, actor, id).await? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    match (pause, notice.state.as_str()) {
        (true, "sending") => {
            store::hold(conn, id).await?;
            store::set_state(conn, id, "paused", clock.now).await?;
        }
        (false, "paused") => {
            store::release(conn, id, clock.now).await?;
            store::set_state(conn, id, "sending", clock.now).await?;
        }
        _ => return Ok(Err(Refusal::WrongState)),
    }
    // The progress message shows the new state at the next tick.
    store::set_progress(conn, id, clock.now - Duration::days(1), "").await?;
    Ok(Ok(()))
}

/// Cancels a scheduled notice before it starts.
pub async fn cancel(conn: &mut PgConnection, actor: &Actor, id: i64, clock: &Clock) -> sqlx::Result<Outcome<()>> {
    let notice = match managed(conn, actor, id).await? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    if notice.state != "scheduled" {
        return Ok(Err(Refusal::WrongState));
    }
    store::set_state(conn, id, "cancelled", clock.now).await?;
    Ok(Ok(()))
}

/// A scheduled notice as a spec, to edit it (Send then replaces it).
pub async fn for_edit(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<Spec>> {
    let notice = match managed(conn, actor, id).await? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    if notice.state != "scheduled" {
        return Ok(Err(Refusal::WrongState));
    }
    Ok(Ok(Spec {
        kind: notice.kind(),
        bodies: notice.bodies(),
        photo: notice.photo.clone(),
        audience: notice.audience(),
        include_staff: notice.include_staff,
        signup: notice.signup,
        capacity: notice.capacity,
        send_at: Some(notice.send_at),
    }))
}

/// The kinds this owner muted.
pub async fn mutes(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<Vec<NoticeKind>> {
    Ok(store::mutes(conn, actor.telegram_id()).await?.iter().filter_map(|k| NoticeKind::parse(k)).collect())
}

/// Mutes or unmutes a kind; outages and meetings cannot be muted.
pub async fn set_mute(
    conn: &mut PgConnection,
    actor: &Actor,
    kind: NoticeKind,
    mute: bool,
) -> sqlx::Result<Outcome<()>> {
    if !kind.mutable() {
        return Ok(Err(Refusal::NotAllowed));
    }
    store::set_mute(conn, actor.telegram_id(), kind, mute).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_and_the_delivery_differ_only_in_the_buttons_data() {
        let bodies = Bodies { zh: Some("中秋晚会 *欢迎* <b>参加</b>".into()), en: None };
        let preview = owner_message(&bodies, Some("photo-1"), true, None, Locale::ZhCn);
        let sent = owner_message(&bodies, Some("photo-1"), true, Some(7), Locale::ZhCn);
        assert_eq!(preview.text, sent.text);
        assert_eq!(preview.photos, sent.photos);
        assert!(sent.caption);
        // Typed markup stays as typed: plain text, nothing to escape.
        assert_eq!(sent.text, Text::plain("中秋晚会 *欢迎* <b>参加</b>"));
    }

    #[test]
    fn a_photo_lowers_the_text_limit_to_a_captions() {
        assert_eq!(text_max(true), 1024);
        assert_eq!(text_max(false), 4096);
    }
}
