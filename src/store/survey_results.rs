//! The counting behind survey results, done in PostgreSQL: only submitted
//! responses count; buildings come from the unit each invitation was for.
//! Every query is filtered by survey first (`survey_responses` is indexed by
//! survey id, `survey_answers` by response id).

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use sqlx::PgConnection;

/// Invitations and submissions in one building.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuildingCount {
    pub building: String,
    pub invited: i64,
    pub submitted: i64,
}

/// Every building the survey reached, in building order.
pub async fn building_counts(conn: &mut PgConnection, survey_id: i64) -> sqlx::Result<Vec<BuildingCount>> {
    sqlx::query_as(
        "SELECT u.building, count(*) AS invited, count(r.submitted_at) AS submitted
         FROM survey_responses r JOIN units u ON u.id = r.unit_id
         WHERE r.survey_id = $1
         GROUP BY u.building
         ORDER BY length(u.building), u.building",
    )
    .bind(survey_id)
    .fetch_all(conn)
    .await
}

/// How many gave `rating` stars to the question at `position`, in `building`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RatingCount {
    pub building: String,
    pub position: i16,
    pub rating: i16,
    pub count: i64,
}

/// Star counts per building, question and rating (all buildings: the
/// per-building averages need them even when one building is shown).
pub async fn rating_counts(conn: &mut PgConnection, survey_id: i64) -> sqlx::Result<Vec<RatingCount>> {
    sqlx::query_as(
        "SELECT u.building, a.position, a.rating, count(*) AS count
         FROM survey_answers a
         JOIN survey_responses r ON r.id = a.response_id
         JOIN units u ON u.id = r.unit_id
         WHERE r.survey_id = $1 AND r.submitted_at IS NOT NULL AND a.rating IS NOT NULL
         GROUP BY u.building, a.position, a.rating",
    )
    .bind(survey_id)
    .fetch_all(conn)
    .await
}

/// How many answered the question at `position` (a skipped optional
/// question has no answer row).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnsweredCount {
    pub position: i16,
    pub count: i64,
}

pub async fn answered_counts(
    conn: &mut PgConnection,
    survey_id: i64,
    building: Option<&str>,
) -> sqlx::Result<Vec<AnsweredCount>> {
    sqlx::query_as(
        "SELECT a.position, count(*) AS count
         FROM survey_answers a
         JOIN survey_responses r ON r.id = a.response_id
         JOIN units u ON u.id = r.unit_id
         WHERE r.survey_id = $1 AND r.submitted_at IS NOT NULL AND ($2::TEXT IS NULL OR u.building = $2)
         GROUP BY a.position",
    )
    .bind(survey_id)
    .bind(building)
    .fetch_all(conn)
    .await
}

/// How many chose option `choice` (0-based) of the question at `position`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChoiceCount {
    pub position: i16,
    pub choice: i16,
    pub count: i64,
}

pub async fn choice_counts(
    conn: &mut PgConnection,
    survey_id: i64,
    building: Option<&str>,
) -> sqlx::Result<Vec<ChoiceCount>> {
    sqlx::query_as(
        "SELECT a.position, c.choice, count(*) AS count
         FROM survey_answers a
         JOIN survey_responses r ON r.id = a.response_id
         JOIN units u ON u.id = r.unit_id
         CROSS JOIN LATERAL unnest(a.choices) AS c(choice)
         WHERE r.survey_id = $1 AND r.submitted_at IS NOT NULL AND ($2::TEXT IS NULL OR u.building = $2)
         GROUP BY a.position, c.choice",
    )
    .bind(survey_id)
    .bind(building)
    .fetch_all(conn)
    .await
}

/// A free-text answer, cut to a length for a chat message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TextAnswer {
    pub position: i16,
    pub response_id: i64,
    pub building: String,
    /// At most `max_chars` characters.
    pub text: String,
    /// Whether the answer was longer.
    pub cut: bool,
    pub answered_at: DateTime<Utc>,
}

/// The `per_question` latest non-empty text answers of each question.
pub async fn recent_texts(
    conn: &mut PgConnection,
    survey_id: i64,
    building: Option<&str>,
    per_question: i64,
    max_chars: i32,
) -> sqlx::Result<Vec<TextAnswer>> {
    sqlx::query_as(
        "SELECT position, response_id, building, left(text, $4) AS text, length(text) > $4 AS cut, answered_at
         FROM (
             SELECT a.position, a.response_id, u.building, a.text, a.answered_at,
                    row_number() OVER (PARTITION BY a.position ORDER BY a.answered_at DESC, a.response_id DESC) AS n
             FROM survey_answers a
             JOIN survey_responses r ON r.id = a.response_id
             JOIN units u ON u.id = r.unit_id
             WHERE r.survey_id = $1 AND r.submitted_at IS NOT NULL AND ($2::TEXT IS NULL OR u.building = $2)
               AND a.text IS NOT NULL AND btrim(a.text) <> ''
         ) latest
         WHERE n <= $3
         ORDER BY position, n",
    )
    .bind(survey_id)
    .bind(building)
    .bind(per_question)
    .bind(max_chars)
    .fetch_all(conn)
    .await
}

/// One answer of a submitted response, with who gave it, for the export.
/// A response whose questions were all skipped still has one row, with no
/// answer (`position` None).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub response_id: i64,
    pub building: String,
    pub entrance: String,
    pub room: String,
    /// The name the resident was verified under, else their Telegram name.
    pub name: String,
    pub submitted_at: DateTime<Utc>,
    pub position: Option<i16>,
    pub rating: Option<i16>,
    pub choices: Option<Vec<i16>>,
    pub text: Option<String>,
}

/// Submitted responses in submission order, each response's answers together
/// in question order.
pub fn export_rows(conn: &mut PgConnection, survey_id: i64) -> BoxStream<'_, sqlx::Result<ExportRow>> {
    sqlx::query_as(
        "SELECT r.id AS response_id, u.building, u.entrance, u.room,
                COALESCE(ur.name, NULLIF(us.first_name, ''), '') AS name, r.submitted_at,
                a.position, a.rating, a.choices, a.text
         FROM survey_responses r
         JOIN units u ON u.id = r.unit_id
         LEFT JOIN unit_residents ur ON ur.telegram_id = r.telegram_id AND ur.unit_id = r.unit_id
         LEFT JOIN users us ON us.telegram_id = r.telegram_id
         LEFT JOIN survey_answers a ON a.response_id = r.id
         WHERE r.survey_id = $1 AND r.submitted_at IS NOT NULL
         ORDER BY r.submitted_at, r.id, a.position",
    )
    .bind(survey_id)
    .fetch(conn)
}

/// A survey with its counts, for `propdesk survey list`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub community: String,
    pub invited: i64,
    pub submitted: i64,
}

/// Invited and submitted counts of every survey (newest first), and the
/// community each belongs to.
pub async fn counts_by_survey(conn: &mut PgConnection) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(
        "SELECT s.id, c.name AS community,
                count(r.id) AS invited, count(r.submitted_at) AS submitted
         FROM surveys s
         JOIN communities c ON c.id = s.community_id
         LEFT JOIN survey_responses r ON r.survey_id = s.id
         GROUP BY s.id, c.name
         ORDER BY s.created_at DESC, s.id DESC",
    )
    .fetch_all(conn)
    .await
}
