//! The unit of work an update is handled in (`bot::runner`), on connections
//! the runner keeps for itself.
//!
//! A typical dialogue step is two round trips to PostgreSQL:
//! - `BEGIN; SELECT * FROM begin_update(…)` (migration 12): the chat's lock,
//!   the order check, the claim of the inbox row, the user, their roles and
//!   units and the chat's dialogue state;
//! - the dialogue state's save, when it changed, and `COMMIT`.
//!
//! The handler's own statements, when it has any, go between, one round trip
//! each, as everywhere. sqlx's pool and transaction would add four: a ping on
//! taking a connection and another on giving it back, `BEGIN` and `COMMIT`
//! each on their own. sqlx sends one statement per round trip (it has no
//! pipelining); a simple query is the one way PostgreSQL takes several in
//! one, and it takes no parameters. So the values are written into those two
//! texts, and only values that cannot carry SQL: numbers, a timestamp this
//! module formats, and the state as base64 (letters, digits, `+`, `/`, `=`).
//! Everything a person typed that reaches SQL goes through bound parameters.
//!
//! sqlx does not know these connections are inside a transaction, which is
//! why nothing may call `begin` on them (the services of the bot path never
//! open transactions of their own; `clippy.toml` disallows `Connection::begin`
//! and `Acquire::begin`). A unit of work dropped while open (its task
//! aborted, an error on the way) takes its connection with it: closing the
//! session rolls the transaction back, and no connection goes back into use
//! mid-transaction.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::Value;
use sqlx::postgres::PgConnectOptions;
use sqlx::types::Json;
use sqlx::{Connection as _, Executor as _, PgConnection, Row as _};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::residents::{self, Residence};
use crate::store::staff::StaffRow;
use crate::store::users::UserRow;

/// The runner's connections: at most `size` sessions, each kept open between
/// units of work (no ping on taking or giving back; a broken one is
/// dropped and the next taker opens a new one).
pub struct Connections {
    /// This runner's id (hex): the reply rows it claims name it, and its
    /// heartbeat (`store::outbox::heartbeat`) says it is alive.
    runner: String,
    options: PgConnectOptions,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<PgConnection>>,
}

impl Connections {
    pub fn new(options: PgConnectOptions, size: usize) -> Arc<Connections> {
        // Named, for pg_stat_activity and for whoever reads the server's load.
        let runner = format!("{:016x}", rand::random::<u64>());
        // The pool's options, statement logging included: off for the service
        // (`store::without_statement_logs`), on where a bench counts statements.
        let options = options.application_name(&format!("propdesk updates {runner}"));
        Arc::new(Connections {
            runner,
            options,
            permits: Arc::new(Semaphore::new(size.max(1))),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// This runner's id: its reply rows' `claimed_by`.
    pub fn runner(&self) -> &str {
        &self.runner
    }

    async fn take(self: &Arc<Self>) -> sqlx::Result<Lease> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => PgConnection::connect_with(&self.options).await?,
        };
        Ok(Lease { conn: Some(conn), home: self.clone(), _permit: permit })
    }
}

/// One connection taken; back to the idle set on drop, unless taken away.
struct Lease {
    conn: Option<PgConnection>,
    home: Arc<Connections>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a lease holds its connection until dropped")
    }

    /// Not to be used again (broken, or left in a transaction): closed on drop.
    fn discard(&mut self) {
        self.conn = None;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.home.idle.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
        }
    }
}

/// The direct replies a unit of work writes with its commit.
pub struct Replies<'a> {
    pub chat_id: i64,
    /// The update they answer.
    pub update_id: i64,
    pub at: DateTime<Utc>,
    pub deliveries: &'a [crate::domain::Delivery],
}

/// An open transaction on one of the runner's connections.
pub struct UnitOfWork {
    lease: Lease,
    open: bool,
}

/// How `begin` went. (Returned once per update and taken apart at once:
/// the size of the claimed variant costs nothing worth a box.)
#[allow(clippy::large_enum_variant)]
pub enum Start {
    /// The update is claimed: handle it in `work`, then commit.
    Claimed { work: UnitOfWork, arrival: Arrival },
    /// It was handled before (a redelivery, or by another replica).
    Handled,
    /// An earlier update of the same chat is not handled yet; it goes first.
    Later,
    /// Earlier replies of the chat are not out yet (a runner that died left
    /// them, or the sender holds them): they go first.
    RepliesFirst,
}

/// Who sent the update and where their chat stands, as the last update of
/// the chat left it.
pub struct Arrival {
    /// None the first time they write.
    pub user: Option<UserRow>,
    /// Their staff row, active or not.
    pub staff: Option<StaffRow>,
    pub residences: Vec<Residence>,
    /// The chat's saved dialogue state (`store::dialogues`).
    pub dialogue: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct BeginRow {
    claim: String,
    telegram_id: Option<i64>,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
    locale: Option<String>,
    locale_chosen: Option<bool>,
    phone: Option<String>,
    reachable: Option<bool>,
    staff_name: Option<String>,
    staff_trade: Option<String>,
    staff_is_supervisor: Option<bool>,
    staff_active: Option<bool>,
    units: Option<Json<Vec<UnitJson>>>,
    dialogue: Option<Value>,
}

#[derive(Deserialize)]
struct UnitJson {
    id: i64,
    building: String,
    entrance: String,
    room: String,
    relation: String,
}

/// JSON text as an SQL expression of type jsonb, for a simple query's text:
/// base64 of the text, in which nothing can end the literal.
pub(crate) fn jsonb_literal(json: &str) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    format!("convert_from(decode('{encoded}', 'base64'), 'UTF8')::jsonb")
}

/// `'2026-12-06T23:05:01.123456Z'`: a literal PostgreSQL reads as timestamptz.
fn timestamp_literal(at: DateTime<Utc>) -> String {
    format!("'{}'", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

fn id_literal(id: Option<i64>) -> String {
    id.map_or_else(|| "NULL".to_owned(), |id| id.to_string())
}

/// Opens the unit of work of update `update_id` in one round trip: see the
/// module's comment. `chat_id` serializes the chat's updates; `user_id` is
/// whose roles are read.
pub async fn begin(
    connections: &Arc<Connections>,
    update_id: i64,
    chat_id: Option<i64>,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<Start> {
    let mut lease = connections.take().await?;
    let sql = format!(
        "BEGIN; SELECT * FROM begin_update({update_id}, {}, {}, {}, '{}')",
        id_literal(chat_id),
        id_literal(user_id),
        timestamp_literal(now),
        connections.runner
    );
    let rows = lease.conn().fetch_all(sqlx::raw_sql(&sql)).await;
    let mut work = UnitOfWork { lease, open: true };
    let row = match rows {
        Ok(rows) => rows.into_iter().next().ok_or_else(|| sqlx::Error::RowNotFound)?,
        Err(err) => return Err(work.failed(err)),
    };
    let row: BeginRow = sqlx::FromRow::from_row(&row)?;
    match row.claim.as_str() {
        "claimed" => {}
        "handled" => {
            work.rollback().await?;
            return Ok(Start::Handled);
        }
        "replies" => {
            work.rollback().await?;
            return Ok(Start::RepliesFirst);
        }
        _ => {
            work.rollback().await?;
            return Ok(Start::Later);
        }
    }
    let arrival = Arrival {
        user: match (row.telegram_id, row.locale, row.locale_chosen, row.reachable) {
            (Some(telegram_id), Some(locale), Some(locale_chosen), Some(reachable)) => Some(UserRow {
                telegram_id,
                first_name: row.first_name.unwrap_or_default(),
                last_name: row.last_name,
                username: row.username,
                locale,
                locale_chosen,
                phone: row.phone,
                reachable,
            }),
            _ => None,
        },
        staff: match (row.telegram_id, row.staff_name, row.staff_trade, row.staff_is_supervisor, row.staff_active) {
            (Some(telegram_id), Some(name), Some(trade), Some(is_supervisor), Some(active)) => {
                Some(StaffRow { telegram_id, name, trade, is_supervisor, active })
            }
            _ => None,
        },
        residences: row
            .units
            .map(|Json(units)| units)
            .unwrap_or_default()
            .iter()
            .filter_map(|u| residents::residence(u.id, &u.building, &u.entrance, &u.room, &u.relation))
            .collect(),
        dialogue: row.dialogue,
    };
    Ok(Start::Claimed { work, arrival })
}

impl UnitOfWork {
    /// The connection, inside the transaction: for the handler's statements.
    pub fn conn(&mut self) -> &mut PgConnection {
        self.lease.conn()
    }

    /// Saves the chat's next dialogue state (when given) and commits, in one
    /// round trip.
    pub async fn commit(self, state: Option<(i64, &Value)>) -> sqlx::Result<()> {
        self.commit_with_replies(state, None).await.map(drop)
    }

    /// Writes the update's direct replies as outbox rows claimed by this
    /// runner (`store::outbox::replies_statement`), saves the chat's next
    /// dialogue state (when given) and commits, in one round trip. Returns
    /// the replies' row ids, in order.
    pub async fn commit_with_replies(
        mut self,
        state: Option<(i64, &Value)>,
        replies: Option<Replies<'_>>,
    ) -> sqlx::Result<Vec<i64>> {
        let mut sql = String::new();
        if let Some(r) = replies.filter(|r| !r.deliveries.is_empty()) {
            let at = timestamp_literal(r.at);
            let runner = &self.lease.home.runner;
            sql += &crate::store::outbox::replies_statement(r.chat_id, r.update_id, runner, &at, r.deliveries);
            sql += "; ";
        }
        if let Some((chat_id, state)) = state {
            let state = jsonb_literal(&state.to_string());
            sql += &crate::store::dialogues::save_statement(chat_id, &state);
            sql += "; ";
        }
        sql += "COMMIT";
        match self.lease.conn().fetch_all(sqlx::raw_sql(&sql)).await {
            Ok(rows) => {
                self.open = false;
                let mut ids = rows.iter().map(|row| row.try_get::<i64, _>(0)).collect::<sqlx::Result<Vec<i64>>>()?;
                // Taken in the order the rows were written.
                ids.sort_unstable();
                Ok(ids)
            }
            Err(err) => Err(self.failed(err)),
        }
    }

    /// The id of the runner these connections belong to: its reply rows' `claimed_by`.
    pub fn runner(&self) -> &str {
        &self.lease.home.runner
    }

    /// Rolls back; the connection is kept if that worked, else dropped.
    pub async fn rollback(self) -> sqlx::Result<()> {
        self.end("ROLLBACK").await
    }

    /// Sends `sql`, which ends the transaction.
    async fn end(mut self, sql: &str) -> sqlx::Result<()> {
        match self.lease.conn().execute(sqlx::raw_sql(sql)).await {
            Ok(_) => {
                self.open = false;
                Ok(())
            }
            Err(err) => Err(self.failed(err)),
        }
    }

    /// After an error the session's state is unknown: the connection goes.
    fn failed(&mut self, err: sqlx::Error) -> sqlx::Error {
        self.lease.discard();
        self.open = false;
        err
    }
}

impl Drop for UnitOfWork {
    fn drop(&mut self) {
        if self.open {
            // Closed, not reused: the server rolls the transaction back.
            self.lease.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone as _;

    #[test]
    fn literals_carry_only_digits_and_a_formatted_time() {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 23, 5, 1).unwrap() + chrono::Duration::microseconds(123_456);
        assert_eq!(timestamp_literal(at), "'2026-12-06T23:05:01.123456Z'");
        assert_eq!(id_literal(Some(-1001234)), "-1001234");
        assert_eq!(id_literal(None), "NULL");
    }
}
