//! Management figures over tickets filed in a period, and the rows of the
//! ticket export. Read-only: nothing here writes.
//!
//! Every query starts from the same [`JUDGED`] set, so the figures in the bot
//! and the yes/no columns of the export can never disagree about whether a
//! ticket met its targets.

use chrono::{DateTime, Utc};
use futures::Stream;
use sqlx::PgConnection;

/// Tickets filed in [$1, $2), each with whether it met its on-site and its
/// resolution target as of $3 ("now"): TRUE met, FALSE missed, NULL not
/// judged (yet).
///
/// - Done on time is met, done late is missed, whatever happened next.
/// - Not done and past the deadline is missed: a ticket nobody visited does
///   not escape the figures by staying open.
/// - Not done and not yet due is not judged: it may still be met.
/// - A cancelled ticket is judged at the moment it was cancelled (its
///   `to_status = 'cancelled'` event): missed if the deadline had already
///   passed by then, not judged otherwise. An owner who withdraws a request
///   after five minutes is no failure of the team; one who gives up after
///   nobody came for three hours is.
/// - On hold, the resolution clock is paused (`resolve_due_at` is moved
///   later only when the ticket resumes): a held ticket is missed only if it
///   was already late when it was put on hold.
const JUDGED: &str = "
    judged AS (
        SELECT t.*,
            CASE WHEN t.onsite_at IS NOT NULL THEN t.onsite_at <= t.onsite_due_at
                 WHEN t.onsite_due_at < s.stop THEN FALSE
            END AS onsite_met,
            CASE WHEN t.first_done_at IS NOT NULL THEN t.first_done_at <= t.resolve_due_at
                 WHEN t.resolve_due_at < CASE WHEN t.status = 'on_hold' AND t.hold_since IS NOT NULL
                                              THEN LEAST(t.hold_since, s.stop) ELSE s.stop END
                 THEN FALSE
            END AS resolve_met
        FROM tickets t
        CROSS JOIN LATERAL (
            SELECT CASE WHEN t.status = 'cancelled' THEN
                        COALESCE((SELECT min(e.at) FROM ticket_events e
                                  WHERE e.ticket_id = t.id AND e.to_status = 'cancelled'), t.closed_at)
                   ELSE $3::timestamptz END AS stop
        ) s
        WHERE t.created_at >= $1 AND t.created_at < $2 AND t.kind = 'repair'
    )";

/// The measures of a set of tickets. Seconds are from filing (`created_at`);
/// percentiles are interpolated (`percentile_cont`), over the tickets that
/// reached that step: a ticket nobody accepted has no time to accept.
const MEASURES: &str = "
    count(*) AS tickets,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM j.first_accepted_at - j.created_at)::float8) AS accept_p50,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM j.first_accepted_at - j.created_at)::float8) AS accept_p90,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM j.onsite_at - j.created_at)::float8) AS onsite_p50,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM j.onsite_at - j.created_at)::float8) AS onsite_p90,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM j.first_done_at - j.created_at)::float8) AS resolve_p50,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM j.first_done_at - j.created_at)::float8) AS resolve_p90,
    count(*) FILTER (WHERE j.onsite_met) AS onsite_met,
    count(j.onsite_met) AS onsite_judged,
    count(*) FILTER (WHERE j.resolve_met) AS resolve_met,
    count(j.resolve_met) AS resolve_judged,
    count(*) FILTER (WHERE j.first_done_at IS NOT NULL) AS ever_done,
    count(*) FILTER (WHERE j.first_done_at IS NOT NULL AND j.reopen_count > 0) AS reopened,
    avg(j.rating) FILTER (WHERE NOT j.reported_by_staff)::float8 AS rating_avg,
    count(j.rating) FILTER (WHERE NOT j.reported_by_staff) AS rated";

/// How a set of tickets went. Shares are left to the caller as counts
/// (`onsite_met` of `onsite_judged`), so a report can show both.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct Measures {
    pub tickets: i64,
    /// Seconds from filing to first acceptance: median and 90th percentile.
    pub accept_p50: Option<f64>,
    pub accept_p90: Option<f64>,
    /// Seconds from filing to someone on site.
    pub onsite_p50: Option<f64>,
    pub onsite_p90: Option<f64>,
    /// Seconds from filing to first marked done (time on hold included).
    pub resolve_p50: Option<f64>,
    pub resolve_p90: Option<f64>,
    pub onsite_met: i64,
    /// Tickets whose on-site target has been decided, met or missed.
    pub onsite_judged: i64,
    pub resolve_met: i64,
    pub resolve_judged: i64,
    /// Tickets ever marked done, and those of them reopened at least once.
    pub ever_done: i64,
    pub reopened: i64,
    /// Average stars of the rated tickets, and how many were rated.
    pub rating_avg: Option<f64>,
    pub rated: i64,
}

/// One assignee's tickets; `assignee_id` None: tickets not given to anyone.
/// A ticket counts for whoever holds it now (a reassigned one for the last).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StaffMeasures {
    pub assignee_id: Option<i64>,
    pub name: Option<String>,
    #[sqlx(flatten)]
    pub measures: Measures,
}

/// One building's tickets; `building` None: common areas.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BuildingMeasures {
    pub building: Option<String>,
    #[sqlx(flatten)]
    pub measures: Measures,
}

/// All tickets filed in [from, to), judged as of `now`.
pub async fn overall(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Measures> {
    sqlx::query_as(&format!("WITH {JUDGED} SELECT {MEASURES} FROM judged j"))
        .bind(from)
        .bind(to)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Per assignee, most tickets first.
pub async fn by_staff(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<StaffMeasures>> {
    sqlx::query_as(&format!(
        "WITH {JUDGED}
         SELECT j.assignee_id, st.name, {MEASURES}
         FROM judged j LEFT JOIN staff st ON st.telegram_id = j.assignee_id
         GROUP BY j.assignee_id, st.name
         ORDER BY tickets DESC, st.name NULLS LAST, j.assignee_id"
    ))
    .bind(from)
    .bind(to)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Per building (common-area tickets as one row), most tickets first.
pub async fn by_building(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<BuildingMeasures>> {
    sqlx::query_as(&format!(
        "WITH {JUDGED}
         SELECT u.building, {MEASURES}
         FROM judged j LEFT JOIN units u ON u.id = j.unit_id
         GROUP BY u.building
         ORDER BY tickets DESC, u.building NULLS LAST"
    ))
    .bind(from)
    .bind(to)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Tickets per status code, most first.
pub async fn count_by_status(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT status, count(*) FROM tickets
         WHERE created_at >= $1 AND created_at < $2 AND kind = 'repair'
         GROUP BY status ORDER BY count(*) DESC, status",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// Tickets per category code, most first.
pub async fn count_by_category(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT category, count(*) FROM tickets
         WHERE created_at >= $1 AND created_at < $2 AND kind = 'repair'
         GROUP BY category ORDER BY count(*) DESC, category",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// One ticket as the export writes it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExportRow {
    pub number: String,
    pub created_at: DateTime<Utc>,
    pub category: String,
    pub urgency: String,
    pub status: String,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub room: Option<String>,
    pub common_area: Option<String>,
    pub assignee: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub first_accepted_at: Option<DateTime<Utc>>,
    pub onsite_at: Option<DateTime<Utc>>,
    pub first_done_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub onsite_due_at: DateTime<Utc>,
    pub resolve_due_at: DateTime<Utc>,
    pub onsite_met: Option<bool>,
    pub resolve_met: Option<bool>,
    pub reopen_count: i32,
    pub rating: Option<i16>,
}

/// Every ticket filed in [from, to), oldest first, streamed: an export of a
/// year need not sit in memory.
pub fn export_rows<'c>(
    conn: &'c mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> impl Stream<Item = sqlx::Result<ExportRow>> + Send + 'c {
    sqlx::query_as(export_sql()).bind(from).bind(to).bind(now).fetch(conn)
}

/// The export query, built once: `fetch` borrows its SQL for the stream's life.
fn export_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "WITH {JUDGED}
             SELECT j.number, j.created_at, j.category, j.urgency, j.status,
                    u.building, u.entrance, u.room, j.common_area, st.name AS assignee,
                    j.assigned_at, j.first_accepted_at, j.onsite_at, j.first_done_at, j.closed_at,
                    j.onsite_due_at, j.resolve_due_at, j.onsite_met, j.resolve_met,
                    j.reopen_count, j.rating
             FROM judged j
             LEFT JOIN units u ON u.id = j.unit_id
             LEFT JOIN staff st ON st.telegram_id = j.assignee_id
             ORDER BY j.created_at, j.id"
        )
    })
}
