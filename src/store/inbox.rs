//! Updates as they arrived from Telegram, kept until handled.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxRow {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: Value,
    pub attempts: i32,
}

impl InboxRow {
    /// An update as it arrived: not yet tried.
    pub fn arrived(update_id: i64, chat_id: Option<i64>, payload: Value) -> InboxRow {
        InboxRow { update_id, chat_id, payload, attempts: 0 }
    }
}

/// An update set aside as it arrived: its row keeps the id and the reason,
/// never the content.
#[derive(Debug, Clone)]
pub struct SetAsideRow {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub reason: String,
}

/// Stores a batch (an update already stored, a redelivery, is ignored) and
/// the updates set aside as they arrived (stored handled, with their reason).
/// When PostgreSQL refuses the batch for what one update holds rather than
/// for being away, each is stored on its own and those it refuses are set
/// aside with their SQLSTATE: returned, by update id. (Nothing the intake
/// lets through is known to be refused: this is the net under it.) An error is the
/// database being away (or refusing even the set-aside rows).
pub async fn store(
    pool: &PgPool,
    batch: &[&InboxRow],
    set_aside: &[SetAsideRow],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let mut aside: Vec<SetAsideRow> = set_aside.to_vec();
    let mut refused = Vec::new();
    match store_batch(pool, batch.iter().copied()).await {
        Ok(()) => {}
        Err(err) if refused_for_content(&err) => {
            for row in batch {
                match store_batch(pool, [*row]).await {
                    Ok(()) => {}
                    Err(err) if refused_for_content(&err) => {
                        refused.push(row.update_id);
                        aside.push(SetAsideRow {
                            update_id: row.update_id,
                            chat_id: row.chat_id,
                            reason: format!("unstorable: {}", sqlstate(&err)),
                        });
                    }
                    Err(err) => return Err(err),
                }
            }
        }
        Err(err) => return Err(err),
    }
    if !aside.is_empty() {
        store_set_aside(pool, &aside, now).await?;
    }
    Ok(refused)
}

/// Whether PostgreSQL refused a statement for what it holds (a data
/// exception, a limit) rather than because it could not be reached.
fn refused_for_content(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(_)) && !crate::store::is_connection_error(err)
}

fn sqlstate(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.code().map_or_else(|| "unknown".to_owned(), |code| code.into_owned()),
        _ => "unknown".to_owned(),
    }
}

async fn store_set_aside(pool: &PgPool, rows: &[SetAsideRow], now: DateTime<Utc>) -> sqlx::Result<()> {
    let ids: Vec<i64> = rows.iter().map(|r| r.update_id).collect();
    let chats: Vec<Option<i64>> = rows.iter().map(|r| r.chat_id).collect();
    let reasons: Vec<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
    // An update stored before (a redelivery of one that was stored) keeps its row.
    sqlx::query(
        "INSERT INTO inbox (update_id, chat_id, payload, handled_at, last_error)
         SELECT id, chat, jsonb_build_object('update_id', id, 'set_aside', reason), $4, 'set aside: ' || reason
         FROM UNNEST($1::bigint[], $2::bigint[], $3::text[]) AS t(id, chat, reason)
         ON CONFLICT (update_id) DO NOTHING",
    )
    .bind(&ids)
    .bind(&chats)
    .bind(&reasons)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores a batch. An update already stored (redelivered) is ignored.
pub async fn store_batch<'a>(pool: &PgPool, batch: impl IntoIterator<Item = &'a InboxRow>) -> sqlx::Result<()> {
    let (mut ids, mut chats, mut payloads) = (Vec::new(), Vec::new(), Vec::new());
    for row in batch {
        ids.push(row.update_id);
        chats.push(row.chat_id);
        payloads.push(&row.payload);
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO inbox (update_id, chat_id, payload)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::jsonb[])
         ON CONFLICT (update_id) DO NOTHING",
    )
    .bind(&ids)
    .bind(&chats)
    .bind(&payloads)
    .execute(pool)
    .await?;
    Ok(())
}

/// The oldest updates not yet handled after `after` (an update id), stored
/// at least `older_than` ago (by the database's clock).
pub async fn unhandled(
    pool: &PgPool,
    after: i64,
    older_than: std::time::Duration,
    limit: i64,
) -> sqlx::Result<Vec<InboxRow>> {
    sqlx::query_as(
        "SELECT update_id, chat_id, payload, attempts FROM inbox
         WHERE handled_at IS NULL AND update_id > $1 AND received_at <= now() - make_interval(secs => $2)
         ORDER BY update_id LIMIT $3",
    )
    .bind(after)
    .bind(older_than.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// One chat's updates not yet handled, oldest first.
pub async fn unhandled_of_chat(pool: &PgPool, chat_id: i64) -> sqlx::Result<Vec<InboxRow>> {
    sqlx::query_as(
        "SELECT update_id, chat_id, payload, attempts FROM inbox
         WHERE handled_at IS NULL AND chat_id = $1 ORDER BY update_id",
    )
    .bind(chat_id)
    .fetch_all(pool)
    .await
}

pub async fn mark_handled(
    conn: &mut PgConnection,
    update_id: i64,
    now: DateTime<Utc>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE inbox SET handled_at = $2, last_error = COALESCE($3, last_error) WHERE update_id = $1")
        .bind(update_id)
        .bind(now)
        .bind(error)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks updates handled without handling them (the abuse limit), with why.
/// One another replica has handled meanwhile keeps its own mark.
pub async fn set_aside(pool: &PgPool, update_ids: &[i64], now: DateTime<Utc>, reason: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE inbox SET handled_at = $2, last_error = $3 WHERE update_id = ANY($1) AND handled_at IS NULL")
        .bind(update_ids)
        .bind(now)
        .bind(reason)
        .execute(pool)
        .await?;
    Ok(())
}

/// Counts a failed attempt; returns how many there have been.
pub async fn record_failure(pool: &PgPool, update_id: i64, error: &str) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE inbox SET attempts = attempts + 1, last_error = $2 WHERE update_id = $1 RETURNING attempts",
    )
    .bind(update_id)
    .bind(error)
    .fetch_one(pool)
    .await
}

/// Deletes up to `limit` of the oldest updates handled before `handled_before`;
/// returns how many. Oldest first by `update_id`, the primary key, which is
/// the order they came in: no index on the handling time is kept for this.
pub async fn prune(pool: &PgPool, handled_before: DateTime<Utc>, limit: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM inbox WHERE update_id IN (
             SELECT update_id FROM inbox WHERE handled_at < $1 ORDER BY update_id LIMIT $2)",
    )
    .bind(handled_before)
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub async fn count_unhandled(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM inbox WHERE handled_at IS NULL").fetch_one(pool).await
}
