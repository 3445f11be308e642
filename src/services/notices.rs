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
//! and at most `CONCURRENT_CHATS` (8) overall, are in that window, so a
//! crash can repeat at most 8 deliveries, never one recipient's twice, and
//! skips none.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use crate::config::NoticeSettings;
use crate::domain::callback::{ComposeOp, NoticeOp};
use crate::domain::notice::{Audience, Bodies, CAPTION_MAX, NoticeKind, TEXT_MAX, TextProblem, check_text};
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::{Locale, Text};
use crate::services::people::Actor;
use crate::store::notices::{self as store, Figures, NewNotice, NoticeRow};
use crate::store::outbox::{self, NewMessage, Priority};

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
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    spec: &Spec,
    replaces: Option<i64>,
    clock: &Clock,
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
    if opened && let Some(notice) = store::lock(conn, id).await? {
        open(conn, &notice, clock).await?;
    }
    Ok(Ok(Created { id, reach: owners + staff, send_at, opened }))
}

fn payload(notice: &NoticeRow, locale: Locale) -> serde_json::Value {
    let message = owner_message(&notice.bodies(), notice.photo.as_deref(), notice.signup, Some(notice.id), locale);
    serde_json::to_value(&message).expect("Outgoing serializes")
}

/// Writes the deliveries and the composer's progress message. Returns how
/// many recipients it has.
async fn open(conn: &mut PgConnection, notice: &NoticeRow, clock: &Clock) -> sqlx::Result<u64> {
    let n = store::open(conn, notice, &payload(notice, Locale::ZhCn), &payload(notice, Locale::En), clock.now).await?;
    let figures = Figures { total: n as i64, remaining: n as i64, ..Figures::default() };
    let key = format!("notice-progress:{}", notice.id);
    let message = progress_message(notice, &figures, "sending", clock);
    outbox::enqueue(
        conn,
        NewMessage {
            chat_id: notice.created_by,
            kind: "notice-progress",
            priority: Priority::Notification,
            message: &message,
            not_before: clock.now,
            dedup_key: Some(key.clone()),
        },
    )
    .await?;
    if let Some(row) = store::tag_row(conn, notice.id, &key).await? {
        store::set_progress_row(conn, notice.id, row).await?;
    }
    store::set_progress(conn, notice.id, clock.now, &seen(&figures, "sending")).await?;
    tracing::info!(notice = notice.id, recipients = n, "notice opened");
    Ok(n)
}

fn seen(f: &Figures, state: &str) -> String {
    format!("{state}:{}:{}:{}:{}", f.sent, f.failed, f.blocked, f.remaining)
}

fn percent(f: &Figures) -> i64 {
    if f.total == 0 { 100 } else { (f.total - f.remaining) * 100 / f.total }
}

/// The composer's progress message: figures, percent, time left; Pause or
/// Resume while it runs.
fn progress_message(notice: &NoticeRow, f: &Figures, state: &str, clock: &Clock) -> Outgoing {
    let eta_secs = f.remaining / i64::from(clock.rate_per_sec.max(1)) + i64::from(f.remaining > 0);
    let (status, button) = match state {
        "paused" => (Text::new("notice-progress-paused"), Some((Text::new("btn-notice-resume"), NoticeOp::Resume))),
        _ => (
            Text::new("notice-progress-eta").arg("eta", eta(eta_secs)),
            Some((Text::new("btn-notice-pause"), NoticeOp::Pause)),
        ),
    };
    let text = Text::new("notice-progress")
        .arg("id", notice.id)
        .arg("kind", notice.kind().label())
        .arg("sent", f.sent)
        .arg("failed", f.failed)
        .arg("blocked", f.blocked)
        .arg("remaining", f.remaining)
        .arg("total", f.total)
        .arg("percent", percent(f))
        .arg("status", status);
    let markup = match button {
        Some((label, op)) => Markup::Inline(vec![vec![Button::new(label, CallbackData::Notice { id: notice.id, op })]]),
        None => Markup::None,
    };
    Outgoing::with(text, markup)
}

/// "about 2 min 5 s".
fn eta(secs: i64) -> Text {
    if secs >= 60 {
        Text::new("notice-eta-minutes").arg("min", secs / 60).arg("sec", secs % 60)
    } else {
        Text::new("notice-eta-seconds").arg("sec", secs)
    }
}

fn report_message(notice: &NoticeRow, f: &Figures, clock: &Clock) -> Outgoing {
    let took = notice.opened_at.map(|t| (clock.now - t).num_seconds().max(0)).unwrap_or(0);
    Outgoing::new(
        Text::new("notice-report")
            .arg("id", notice.id)
            .arg("kind", notice.kind().label())
            .arg("sent", f.sent)
            .arg("failed", f.failed)
            .arg("blocked", f.blocked)
            .arg("total", f.total)
            .arg("took", eta(took)),
    )
}

/// What the scheduler did about notices.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoticeSweep {
    pub opened: usize,
    pub reported: usize,
    pub finished: usize,
}

/// Opens the notices whose time has come, edits the progress messages of
/// those running (at most every `progress_every_secs`, and only when a
/// figure changed), and reports the ones that finished. Each notice in its
/// own transaction with its row locked and its state checked again.
pub async fn sweep(pool: &PgPool, clock: &Clock) -> NoticeSweep {
    let mut done = NoticeSweep::default();
    let due = async {
        let mut conn = pool.acquire().await?;
        let open = store::due_to_open(&mut conn, clock.now).await?;
        let running = store::running(&mut conn).await?;
        Ok::<_, sqlx::Error>((open, running))
    };
    let (to_open, running) = match due.await {
        Ok(due) => due,
        Err(err) => {
            tracing::error!(error = %err, "looking for due notices failed");
            return done;
        }
    };
    for id in to_open {
        let once = async {
            let mut tx = pool.begin().await?;
            let opened = match store::lock(&mut tx, id).await? {
                Some(n) if n.state == "scheduled" && n.send_at <= clock.now => {
                    open(&mut tx, &n, clock).await?;
                    true
                }
                _ => false,
            };
            tx.commit().await?;
            Ok::<_, sqlx::Error>(opened)
        };
        match once.await {
            Ok(true) => done.opened += 1,
            Ok(false) => {}
            Err(err) => tracing::error!(notice = id, error = %err, "opening a notice failed"),
        }
    }
    for id in running {
        match report(pool, id, clock).await {
            Ok(Reported::Progress) => done.reported += 1,
            Ok(Reported::Finished) => done.finished += 1,
            Ok(Reported::Nothing) => {}
            Err(err) => tracing::error!(notice = id, error = %err, "reporting a notice's progress failed"),
        }
    }
    done
}

enum Reported {
    Nothing,
    Progress,
    Finished,
}

async fn report(pool: &PgPool, id: i64, clock: &Clock) -> sqlx::Result<Reported> {
    let mut tx = pool.begin().await?;
    let Some(notice) = store::lock(&mut tx, id).await? else { return Ok(Reported::Nothing) };
    if !matches!(notice.state.as_str(), "sending" | "paused") {
        return Ok(Reported::Nothing);
    }
    let figures = store::figures(&mut tx, id).await?;
    let finished = notice.state == "sending" && figures.remaining == 0;
    let state = if finished { "done" } else { notice.state.as_str() };
    let due =
        notice.progress_at.is_none_or(|at| clock.now - at >= Duration::seconds(clock.settings.progress_every_secs));
    let changed = notice.progress_seen.as_deref() != Some(seen(&figures, state).as_str());
    if !(finished || (due && changed)) {
        return Ok(Reported::Nothing);
    }
    let progress_row = match notice.progress_row {
        Some(row) if store::progress_sent(&mut tx, row).await? => Some(row),
        _ => None,
    };
    if progress_row.is_none() && !finished {
        // The first message is not out yet; edit it once it is.
        return Ok(Reported::Nothing);
    }
    if let Some(row) = progress_row {
        store::drop_stale_progress(&mut tx, id).await?;
        let message = if finished {
            report_message(&notice, &figures, clock)
        } else {
            progress_message(&notice, &figures, state, clock)
        };
        let key = format!("notice-progress:{id}:{}", seen(&figures, state));
        outbox::enqueue_edit(
            &mut tx,
            row,
            NewMessage {
                chat_id: notice.created_by,
                kind: "notice-progress-edit",
                priority: Priority::Notification,
                message: &message,
                not_before: clock.now,
                dedup_key: Some(key.clone()),
            },
        )
        .await?;
        store::tag_row(&mut tx, id, &key).await?;
    }
    if finished {
        store::set_state(&mut tx, id, "done", clock.now).await?;
        // The edit is silent: a new message tells the composer it is over.
        outbox::enqueue(
            &mut tx,
            NewMessage {
                chat_id: notice.created_by,
                kind: "notice-report",
                priority: Priority::Notification,
                message: &report_message(&notice, &figures, clock),
                not_before: clock.now,
                dedup_key: Some(format!("notice-report:{id}")),
            },
        )
        .await?;
    }
    store::set_progress(&mut tx, id, clock.now, &seen(&figures, state)).await?;
    tx.commit().await?;
    Ok(if finished { Reported::Finished } else { Reported::Progress })
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

/// The sign-up list as CSV (UTF-8 with a BOM, for Excel): name, units, phone, time.
pub async fn signup_csv(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    tz: Tz,
) -> anyhow::Result<Outcome<(String, Vec<u8>, usize)>> {
    let notice = match managed(conn, actor, id).await? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    if !notice.signup {
        return Ok(Err(Refusal::NoSignup));
    }
    let lines = store::signups(conn, id).await?;
    let mut bytes = crate::services::export::UTF8_BOM.to_vec();
    {
        let mut csv = csv::Writer::from_writer(&mut bytes);
        csv.write_record(["name", "units", "phone", "signed_up_at"])?;
        for l in &lines {
            let at = l.signed_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
            csv.write_record([l.name.as_str(), &l.units.join("; "), l.phone.as_deref().unwrap_or(""), &at])?;
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
    let notice = match managed(conn, actor, id).await? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    if !notice.signup {
        return Ok(Err(Refusal::NoSignup));
    }
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
