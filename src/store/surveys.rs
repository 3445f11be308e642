//! Surveys, their questions, the owners' responses and answers.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::survey::{Answer, Question, QuestionKind, Rating, SurveySpec};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub intro: String,
    pub buildings: Option<Vec<String>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// Hours; None: the setting.
    pub remind_before_hours: Option<i32>,
    pub launched_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Where a survey stands (derived from its times, see the migration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Draft,
    Scheduled,
    Open,
    Closed,
}

impl SurveyRow {
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if self.launched_at.is_none() {
            Phase::Draft
        } else if self.closes_at.is_some_and(|c| c <= now) {
            Phase::Closed
        } else if self.sent_at.is_none() {
            Phase::Scheduled
        } else {
            Phase::Open
        }
    }
}

const SURVEY_COLUMNS: &str = "id, community_id, title, intro, buildings, opens_at, closes_at,
    (EXTRACT(EPOCH FROM remind_before) / 3600)::INT AS remind_before_hours,
    launched_at, sent_at, reminded_at, created_by, created_at";

/// Saves a checked design as a draft; returns its id.
pub async fn insert(
    conn: &mut PgConnection,
    community_id: i64,
    spec: &SurveySpec,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO surveys (community_id, title, intro, buildings, opens_at, closes_at, remind_before, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, make_interval(hours => $7), $8, $9)
         RETURNING id",
    )
    .bind(community_id)
    .bind(spec.title.trim())
    .bind(spec.intro.trim())
    .bind(&spec.buildings)
    .bind(spec.opens_at)
    .bind(spec.closes_at)
    .bind(spec.remind_before_hours.map(|h| h as i32))
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (position, q) in spec.questions.iter().enumerate() {
        let options: Vec<String> = q.options.iter().map(|o| o.trim().to_owned()).collect();
        sqlx::query(
            "INSERT INTO survey_questions (survey_id, position, kind, prompt, options, required)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(position as i16)
        .bind(q.kind.as_str())
        .bind(q.prompt.trim())
        .bind(&options)
        .bind(q.required)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SurveyRow>> {
    sqlx::query_as(&format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// The same, locked until the transaction ends.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SurveyRow>> {
    sqlx::query_as(&format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A community's surveys, newest first.
pub async fn list(conn: &mut PgConnection, community_id: i64, limit: i64) -> sqlx::Result<Vec<SurveyRow>> {
    sqlx::query_as(&format!(
        "SELECT {SURVEY_COLUMNS} FROM surveys WHERE community_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(community_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct QuestionRow {
    kind: String,
    prompt: String,
    options: Vec<String>,
    required: bool,
}

/// The questions in order.
pub async fn questions(conn: &mut PgConnection, survey_id: i64) -> sqlx::Result<Vec<Question>> {
    let rows: Vec<QuestionRow> = sqlx::query_as(
        "SELECT kind, prompt, options, required FROM survey_questions WHERE survey_id = $1 ORDER BY position",
    )
    .bind(survey_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Question {
            kind: QuestionKind::parse_code(&r.kind).unwrap_or(QuestionKind::Text),
            prompt: r.prompt,
            options: r.options,
            required: r.required,
        })
        .collect())
}

pub async fn set_buildings(conn: &mut PgConnection, id: i64, buildings: Option<&[String]>) -> sqlx::Result<()> {
    sqlx::query("UPDATE surveys SET buildings = $2 WHERE id = $1").bind(id).bind(buildings).execute(conn).await?;
    Ok(())
}

pub async fn set_closes_at(conn: &mut PgConnection, id: i64, closes_at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE surveys SET closes_at = $2 WHERE id = $1").bind(id).bind(closes_at).execute(conn).await?;
    Ok(())
}

pub async fn launch(
    conn: &mut PgConnection,
    id: i64,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE surveys SET launched_at = $2, opens_at = $3, closes_at = $4 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(opens_at)
        .bind(closes_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM surveys WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// The buildings of a community that have units, in order.
pub async fn buildings(conn: &mut PgConnection, community_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT building FROM units WHERE community_id = $1 GROUP BY building
         ORDER BY length(building), building",
    )
    .bind(community_id)
    .fetch_all(conn)
    .await
}

/// Launched surveys whose opening has come and whose invitations are not out.
pub async fn due_to_open(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM surveys
         WHERE launched_at IS NOT NULL AND sent_at IS NULL AND opens_at <= $1 AND closes_at > $1
         ORDER BY id",
    )
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Open surveys whose reminder time has come and which have not reminded yet.
pub async fn due_to_remind(conn: &mut PgConnection, now: DateTime<Utc>, default_hours: i32) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM surveys
         WHERE sent_at IS NOT NULL AND reminded_at IS NULL AND closes_at > $1
           AND closes_at - COALESCE(remind_before, make_interval(hours => $2)) <= $1
         ORDER BY id",
    )
    .bind(now)
    .bind(default_hours)
    .fetch_all(conn)
    .await
}

/// Invites every verified owner (owner, family, tenant) of the audience's
/// units: one response row per person and unit. Returns the new rows.
pub async fn invite_audience(
    conn: &mut PgConnection,
    survey: &SurveyRow,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<ResponseRow>> {
    sqlx::query_as(&format!(
        "INSERT INTO survey_responses (survey_id, telegram_id, unit_id, invited_at)
         SELECT $1, r.telegram_id, r.unit_id, $3
         FROM unit_residents r JOIN units u ON u.id = r.unit_id
         WHERE u.community_id = $4 AND ($2::TEXT[] IS NULL OR u.building = ANY($2))
         ORDER BY r.telegram_id, r.unit_id
         ON CONFLICT (survey_id, telegram_id, unit_id) DO NOTHING
         RETURNING {RESPONSE_COLUMNS}"
    ))
    .bind(survey.id)
    .bind(&survey.buildings)
    .bind(now)
    .bind(survey.community_id)
    .fetch_all(conn)
    .await
}

pub async fn mark_sent(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE surveys SET sent_at = $2 WHERE id = $1").bind(id).bind(now).execute(conn).await?;
    Ok(())
}

/// Marks the reminder done and returns those who have not submitted.
pub async fn remind(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> sqlx::Result<Vec<ResponseRow>> {
    sqlx::query("UPDATE surveys SET reminded_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *conn).await?;
    sqlx::query_as(&format!(
        "UPDATE survey_responses SET reminded_at = $2
         WHERE survey_id = $1 AND submitted_at IS NULL AND reminded_at IS NULL
         RETURNING {RESPONSE_COLUMNS}"
    ))
    .bind(id)
    .bind(now)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: i64,
    pub survey_id: i64,
    pub telegram_id: i64,
    pub unit_id: i64,
    pub position: i16,
    pub invited_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

const RESPONSE_COLUMNS: &str = "id, survey_id, telegram_id, unit_id, position, invited_at, started_at, submitted_at";

/// A response, locked until the transaction ends.
pub async fn lock_response(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ResponseRow>> {
    sqlx::query_as(&format!("SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn set_position(conn: &mut PgConnection, id: i64, position: i16, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE survey_responses SET position = $2, started_at = COALESCE(started_at, $3) WHERE id = $1")
        .bind(id)
        .bind(position)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn submit(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE survey_responses SET submitted_at = COALESCE(submitted_at, $2), updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn save_answer(
    conn: &mut PgConnection,
    response_id: i64,
    position: i16,
    answer: &Answer,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (rating, choices, text) = match answer {
        Answer::Rating(r) => (Some(r.get() as i16), None, None),
        Answer::Choices(c) => (None, Some(c.iter().map(|i| *i as i16).collect::<Vec<i16>>()), None),
        Answer::Text(t) => (None, None, Some(t.as_str())),
    };
    sqlx::query(
        "INSERT INTO survey_answers (response_id, position, rating, choices, text, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (response_id, position)
         DO UPDATE SET rating = $3, choices = $4, text = $5, answered_at = $6",
    )
    .bind(response_id)
    .bind(position)
    .bind(rating)
    .bind(choices)
    .bind(text)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear_answer(conn: &mut PgConnection, response_id: i64, position: i16) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM survey_answers WHERE response_id = $1 AND position = $2")
        .bind(response_id)
        .bind(position)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    rating: Option<i16>,
    choices: Option<Vec<i16>>,
    text: Option<String>,
}

pub async fn answer(conn: &mut PgConnection, response_id: i64, position: i16) -> sqlx::Result<Option<Answer>> {
    let row: Option<AnswerRow> =
        sqlx::query_as("SELECT rating, choices, text FROM survey_answers WHERE response_id = $1 AND position = $2")
            .bind(response_id)
            .bind(position)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|r| match (r.rating, r.choices, r.text) {
        (Some(n), _, _) => Rating::parse(n as u8).map(Answer::Rating),
        (_, Some(c), _) => Some(Answer::Choices(c.into_iter().map(|i| i as u8).collect())),
        (_, _, Some(t)) => Some(Answer::Text(t)),
        _ => None,
    }))
}

/// The owner's responses to open surveys, oldest invitation first.
pub async fn open_for(conn: &mut PgConnection, telegram_id: i64, now: DateTime<Utc>) -> sqlx::Result<Vec<ResponseRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM survey_responses r JOIN surveys s ON s.id = r.survey_id
         WHERE r.telegram_id = $1 AND s.closes_at > $2
         ORDER BY r.invited_at, r.id",
        RESPONSE_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(telegram_id)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Owners and units a survey to these buildings (all when None) would reach.
pub async fn audience_size(
    conn: &mut PgConnection,
    community_id: i64,
    buildings: Option<&[String]>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM unit_residents r JOIN units u ON u.id = r.unit_id
         WHERE u.community_id = $1 AND ($2::TEXT[] IS NULL OR u.building = ANY($2))",
    )
    .bind(community_id)
    .bind(buildings)
    .fetch_one(conn)
    .await
}

/// (invited, submitted) of a sent survey.
pub async fn counts(conn: &mut PgConnection, survey_id: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT count(*), count(submitted_at) FROM survey_responses WHERE survey_id = $1")
        .bind(survey_id)
        .fetch_one(conn)
        .await
}

/// A scheduled survey back to a draft (its dates are kept as chosen).
pub async fn unlaunch(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE surveys SET launched_at = NULL WHERE id = $1 AND sent_at IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
