//! Notices, their recipients (outbox rows with `notice_id`), sign-ups and
//! owners' mutes.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use crate::domain::notice::{Audience, Bodies, NoticeKind};
use crate::store::outbox::{CHANNEL, Priority};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub community_id: i64,
    pub kind: String,
    pub body_zh: Option<String>,
    pub body_en: Option<String>,
    pub photo: Option<String>,
    pub buildings: Option<Vec<String>>,
    pub entrances: Option<Vec<String>>,
    pub include_staff: bool,
    pub signup: bool,
    pub capacity: Option<i32>,
    pub send_at: DateTime<Utc>,
    pub state: String,
    pub created_by: i64,
    pub progress_row: Option<i64>,
    pub progress_at: Option<DateTime<Utc>>,
    pub progress_seen: Option<String>,
    pub reminders: i32,
    pub opened_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl NoticeRow {
    pub fn kind(&self) -> NoticeKind {
        NoticeKind::parse(&self.kind).unwrap_or(NoticeKind::General)
    }

    pub fn bodies(&self) -> Bodies {
        Bodies { zh: self.body_zh.clone(), en: self.body_en.clone() }
    }

    pub fn audience(&self) -> Audience {
        Audience::from_filters(self.buildings.clone(), self.entrances.clone())
    }
}

const COLUMNS: &str = "id, community_id, kind, body_zh, body_en, photo, buildings, entrances, include_staff, signup,
     capacity, send_at, state, created_by, progress_row, progress_at, progress_seen, reminders, opened_at, finished_at";

/// What a new notice is.
pub struct NewNotice<'a> {
    pub community_id: i64,
    pub kind: NoticeKind,
    pub bodies: &'a Bodies,
    pub photo: Option<&'a str>,
    pub audience: &'a Audience,
    pub include_staff: bool,
    pub signup: bool,
    pub capacity: Option<i32>,
    pub send_at: DateTime<Utc>,
    pub created_by: i64,
}

pub async fn insert(conn: &mut PgConnection, n: NewNotice<'_>) -> sqlx::Result<i64> {
    let (buildings, entrances) = n.audience.filters();
    sqlx::query_scalar(
        "INSERT INTO notices (community_id, kind, body_zh, body_en, photo, buildings, entrances, include_staff,
                              signup, capacity, send_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(n.community_id)
    .bind(n.kind.as_str())
    .bind(&n.bodies.zh)
    .bind(&n.bodies.en)
    .bind(n.photo)
    .bind(buildings)
    .bind(entrances)
    .bind(n.include_staff)
    .bind(n.signup)
    .bind(n.capacity)
    .bind(n.send_at)
    .bind(n.created_by)
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<NoticeRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM notices WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// The notice, locked until the transaction ends: state changes, openings
/// and sign-ups of one notice happen one at a time.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<NoticeRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM notices WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A community's latest notices, newest first.
pub async fn list(conn: &mut PgConnection, community_id: i64, limit: i64) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notices WHERE community_id = $1 ORDER BY send_at DESC, id DESC LIMIT $2"
    ))
    .bind(community_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A community's entrances, as (building, entrance), in reading order.
pub async fn entrances(conn: &mut PgConnection, community_id: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT building, entrance FROM units WHERE community_id = $1 AND entrance <> ''
         GROUP BY building, entrance ORDER BY length(building), building, length(entrance), entrance",
    )
    .bind(community_id)
    .fetch_all(conn)
    .await
}

/// Everyone a notice to this audience reaches now: verified owners of the
/// chosen units (each once, however many units they have there), staff when
/// included, less those who blocked the bot and those who muted the kind.
/// Binds: $1 community, $2 buildings, $3 entrances, $4 staff, $5 kind.
const AUDIENCE: &str = "
    WITH audience AS (
        SELECT r.telegram_id FROM unit_residents r JOIN units u ON u.id = r.unit_id
        WHERE u.community_id = $1
          AND ($2::TEXT[] IS NULL OR u.building = ANY($2))
          AND ($3::TEXT[] IS NULL OR u.building || '/' || u.entrance = ANY($3))
        UNION
        SELECT s.telegram_id FROM staff s WHERE $4 AND s.active
    )
    SELECT a.telegram_id, us.locale FROM audience a JOIN users us ON us.telegram_id = a.telegram_id
    WHERE us.reachable
      AND NOT EXISTS (SELECT 1 FROM notice_mutes m WHERE m.telegram_id = a.telegram_id AND m.kind = $5)";

/// (owners, staff) a notice would reach now.
pub async fn reach(
    conn: &mut PgConnection,
    community_id: i64,
    audience: &Audience,
    include_staff: bool,
    kind: NoticeKind,
) -> sqlx::Result<(i64, i64)> {
    let (buildings, entrances) = audience.filters();
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM ({AUDIENCE}) x"))
        .bind(community_id)
        .bind(&buildings)
        .bind(&entrances)
        .bind(include_staff)
        .bind(kind.as_str())
        .fetch_one(&mut *conn)
        .await?;
    let owners: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM ({AUDIENCE}) x"))
        .bind(community_id)
        .bind(&buildings)
        .bind(&entrances)
        .bind(false)
        .bind(kind.as_str())
        .fetch_one(conn)
        .await?;
    Ok((owners, total - owners))
}

/// Opens a notice: one outbox row per recipient, in their language
/// (`payload_zh` / `payload_en`), behind notifications. The dedup key makes
/// a second opening add no one. Returns how many rows were written.
pub async fn open(
    conn: &mut PgConnection,
    notice: &NoticeRow,
    payload_zh: &Value,
    payload_en: &Value,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let done = sqlx::query(&format!(
        "INSERT INTO outbox (chat_id, kind, priority, payload, not_before, dedup_key, notice_id)
         SELECT x.telegram_id, 'notice', $6, CASE WHEN x.locale = 'en' THEN $8 ELSE $7 END, $9,
                'notice:' || $10::BIGINT || ':' || x.telegram_id, $10::BIGINT
         FROM ({AUDIENCE}) x ORDER BY x.telegram_id
         ON CONFLICT (dedup_key) DO NOTHING"
    ))
    .bind(notice.community_id)
    .bind(&notice.buildings)
    .bind(&notice.entrances)
    .bind(notice.include_staff)
    .bind(&notice.kind)
    .bind(Priority::Broadcast as i16)
    .bind(payload_zh)
    .bind(payload_en)
    .bind(now)
    .bind(notice.id)
    .execute(&mut *conn)
    .await?;
    // The insert woke the sender (migration 13's trigger).
    sqlx::query("UPDATE notices SET state = 'sending', opened_at = $2 WHERE id = $1")
        .bind(notice.id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Tags an outbox row (found by its dedup key) as the notice's.
pub async fn tag_row(conn: &mut PgConnection, notice_id: i64, dedup_key: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("UPDATE outbox SET notice_id = $1 WHERE dedup_key = $2 RETURNING id")
        .bind(notice_id)
        .bind(dedup_key)
        .fetch_optional(conn)
        .await
}

pub async fn set_progress_row(conn: &mut PgConnection, id: i64, row: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notices SET progress_row = $2 WHERE id = $1").bind(id).bind(row).execute(conn).await?;
    Ok(())
}

pub async fn set_progress(conn: &mut PgConnection, id: i64, at: DateTime<Utc>, seen: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE notices SET progress_at = $2, progress_seen = $3 WHERE id = $1")
        .bind(id)
        .bind(at)
        .bind(seen)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the notice's progress message has been sent (so it can be edited).
pub async fn progress_sent(conn: &mut PgConnection, row: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1 AND state = 'sent')")
        .bind(row)
        .fetch_one(conn)
        .await
}

/// Withdraws progress edits not sent yet: a newer one replaces them.
pub async fn drop_stale_progress(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET state = 'cancelled', last_error = 'a newer progress report replaced it'
         WHERE notice_id = $1 AND kind = 'notice-progress-edit' AND state = 'pending'",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_state(conn: &mut PgConnection, id: i64, state: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notices SET state = $2,
             finished_at = CASE WHEN $2 IN ('done', 'cancelled') THEN $3 ELSE finished_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A paused notice's waiting deliveries are held (the sender skips them)…
pub async fn hold(conn: &mut PgConnection, id: i64) -> sqlx::Result<u64> {
    let done =
        sqlx::query("UPDATE outbox SET state = 'held' WHERE notice_id = $1 AND kind = 'notice' AND state = 'pending'")
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// …and go back to the queue when it resumes.
pub async fn release(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'pending', not_before = GREATEST(not_before, $2)
         WHERE notice_id = $1 AND kind = 'notice' AND state = 'held'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(conn).await?;
    Ok(done.rows_affected())
}

/// How a notice's delivery stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Figures {
    pub total: i64,
    pub sent: i64,
    /// Refused for good for another reason (or after the last retry).
    pub failed: i64,
    /// The recipient blocked the bot (or has no chat with it any more).
    pub blocked: i64,
    /// Waiting, being sent, or held by a pause.
    pub remaining: i64,
}

pub async fn figures(conn: &mut PgConnection, id: i64) -> sqlx::Result<Figures> {
    sqlx::query_as(
        "SELECT count(*) AS total,
                count(*) FILTER (WHERE state = 'sent') AS sent,
                count(*) FILTER (WHERE state IN ('dead', 'cancelled') AND NOT unreachable) AS failed,
                count(*) FILTER (WHERE state = 'dead' AND unreachable) AS blocked,
                count(*) FILTER (WHERE state IN ('pending', 'sending', 'held')) AS remaining
         FROM (SELECT state, COALESCE(last_error LIKE 'Forbidden%' OR last_error LIKE '%chat not found%', FALSE)
                         AS unreachable
               FROM outbox WHERE notice_id = $1 AND kind = 'notice') o",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Notices whose time has come.
pub async fn due_to_open(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM notices WHERE state = 'scheduled' AND send_at <= $1 ORDER BY send_at, id")
        .bind(now)
        .fetch_all(conn)
        .await
}

/// Notices being sent or paused: their progress is reported.
pub async fn running(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM notices WHERE state IN ('sending', 'paused') ORDER BY id").fetch_all(conn).await
}

/// Sign-ups so far.
pub async fn signup_count(conn: &mut PgConnection, id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM notice_signups WHERE notice_id = $1").bind(id).fetch_one(conn).await
}

/// Whether this owner has signed up.
pub async fn signed_up(conn: &mut PgConnection, id: i64, telegram_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM notice_signups WHERE notice_id = $1 AND telegram_id = $2)")
        .bind(id)
        .bind(telegram_id)
        .fetch_one(conn)
        .await
}

/// Whether the notice was delivered to this person (so they may sign up).
pub async fn was_sent_to(conn: &mut PgConnection, id: i64, telegram_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE notice_id = $1 AND kind = 'notice' AND chat_id = $2)")
        .bind(id)
        .bind(telegram_id)
        .fetch_one(conn)
        .await
}

/// Signs up; false if they already were.
pub async fn add_signup(conn: &mut PgConnection, id: i64, telegram_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO notice_signups (notice_id, telegram_id, signed_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(telegram_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_signup(conn: &mut PgConnection, id: i64, telegram_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM notice_signups WHERE notice_id = $1 AND telegram_id = $2")
        .bind(id)
        .bind(telegram_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One line of the sign-up list: who, their units in the notice's community, when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignupLine {
    pub telegram_id: i64,
    pub name: String,
    pub phone: Option<String>,
    /// (building, entrance, room) of each unit.
    pub units: Vec<String>,
    pub signed_at: DateTime<Utc>,
}

pub async fn signups(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<SignupLine>> {
    sqlx::query_as(
        "SELECT s.telegram_id,
                COALESCE((SELECT r.name FROM unit_residents r WHERE r.telegram_id = s.telegram_id
                          ORDER BY r.created_at LIMIT 1),
                         NULLIF(trim(us.first_name || ' ' || COALESCE(us.last_name, '')), ''), '') AS name,
                us.phone,
                COALESCE(ARRAY(SELECT u.building || '/' || u.entrance || '/' || u.room
                               FROM unit_residents r JOIN units u ON u.id = r.unit_id
                               JOIN notices n ON n.id = s.notice_id AND n.community_id = u.community_id
                               WHERE r.telegram_id = s.telegram_id ORDER BY u.building, u.entrance, u.room),
                         '{}') AS units,
                s.signed_at
         FROM notice_signups s JOIN users us ON us.telegram_id = s.telegram_id
         WHERE s.notice_id = $1 ORDER BY s.signed_at, s.telegram_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

/// Counts a reminder and returns its number (for its dedup keys).
pub async fn next_reminder(conn: &mut PgConnection, id: i64) -> sqlx::Result<i32> {
    sqlx::query_scalar("UPDATE notices SET reminders = reminders + 1 WHERE id = $1 RETURNING reminders")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The kinds this person muted.
pub async fn mutes(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT kind FROM notice_mutes WHERE telegram_id = $1 ORDER BY kind")
        .bind(telegram_id)
        .fetch_all(conn)
        .await
}

pub async fn set_mute(conn: &mut PgConnection, telegram_id: i64, kind: NoticeKind, mute: bool) -> sqlx::Result<()> {
    if mute {
        sqlx::query("INSERT INTO notice_mutes (telegram_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING")
    } else {
        sqlx::query("DELETE FROM notice_mutes WHERE telegram_id = $1 AND kind = $2")
    }
    .bind(telegram_id)
    .bind(kind.as_str())
    .execute(conn)
    .await?;
    Ok(())
}
