//! Owners' ratings (1–5 stars) of repairs and complaints, for
//! `/stats satisfaction`. Read-only: nothing here writes.
//!
//! A rating belongs to the moment its ticket was closed (`closed_at`): the
//! owner is asked for the stars when they confirm the job or the outcome,
//! and the ticket keeps no separate moment for the rating itself. Every
//! query reads the same set, [`RATED`], so the months, the categories and
//! the staff always add up to the same total.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

/// Rated tickets closed in [$1, $2), done for an owner: a finding staff
/// filed on patrol is never rated (`services::access::has_owner`), and a
/// rating one carries anyway (forged before that rule) is not counted.
const RATED: &str = "t.rating IS NOT NULL AND NOT t.reported_by_staff AND t.closed_at >= $1 AND t.closed_at < $2";

/// The measures of a set of ratings; sums rather than averages, so the
/// caller rounds exactly and can add rows up.
const RATINGS: &str = "
    count(t.rating) AS rated,
    COALESCE(sum(t.rating), 0)::int8 AS stars,
    count(*) FILTER (WHERE t.rating >= 4) AS satisfied";

/// Best first: the higher average, then the more ratings.
const BEST_FIRST: &str = "avg(t.rating) DESC, count(t.rating) DESC";

/// A set of ratings: how many, the stars together, and how many gave 4 or 5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Ratings {
    pub rated: i64,
    pub stars: i64,
    pub satisfied: i64,
}

impl std::ops::Add for Ratings {
    type Output = Ratings;

    fn add(self, other: Ratings) -> Ratings {
        Ratings {
            rated: self.rated + other.rated,
            stars: self.stars + other.stars,
            satisfied: self.satisfied + other.satisfied,
        }
    }
}

impl std::iter::Sum for Ratings {
    fn sum<I: Iterator<Item = Ratings>>(iter: I) -> Ratings {
        iter.fold(Ratings::default(), |a, b| a + b)
    }
}

/// One month's ratings; `month` is its first day in the community's zone.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MonthRatings {
    pub month: NaiveDate,
    #[sqlx(flatten)]
    pub ratings: Ratings,
}

/// One kind of request's ratings: a repair category (`kind` = repair, `code`
/// its category) or a complaint, suggestion or praise (`code` its subject).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CategoryRatings {
    pub kind: String,
    pub code: Option<String>,
    #[sqlx(flatten)]
    pub ratings: Ratings,
}

/// The ratings of the tickets one staff member held when they closed;
/// `assignee_id` None: tickets nobody held.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StaffRatings {
    pub assignee_id: Option<i64>,
    pub name: Option<String>,
    #[sqlx(flatten)]
    pub ratings: Ratings,
}

/// Per month of `time_zone` (an IANA name such as Asia/Shanghai), oldest
/// first; months without a rating are left out.
pub async fn by_month(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    time_zone: &str,
) -> sqlx::Result<Vec<MonthRatings>> {
    sqlx::query_as(&format!(
        "SELECT date_trunc('month', t.closed_at AT TIME ZONE $3)::date AS month, {RATINGS}
         FROM tickets t WHERE {RATED}
         GROUP BY 1 ORDER BY 1"
    ))
    .bind(from)
    .bind(to)
    .bind(time_zone)
    .fetch_all(conn)
    .await
}

/// Per repair category and per complaint kind and subject, best first.
pub async fn by_category(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<CategoryRatings>> {
    sqlx::query_as(&format!(
        "SELECT t.kind, CASE WHEN t.kind = 'repair' THEN t.category ELSE t.subject END AS code, {RATINGS}
         FROM tickets t WHERE {RATED}
         GROUP BY 1, 2 ORDER BY {BEST_FIRST}, 1, 2"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// Per staff member who held the ticket, best first.
pub async fn by_staff(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<StaffRatings>> {
    sqlx::query_as(&format!(
        "SELECT t.assignee_id, st.name, {RATINGS}
         FROM tickets t LEFT JOIN staff st ON st.telegram_id = t.assignee_id
         WHERE {RATED}
         GROUP BY 1, 2 ORDER BY {BEST_FIRST}, st.name NULLS LAST, 1"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}
