//! Everyone who wrote to the bot.

use serde_json::Value;
use sqlx::PgConnection;

use crate::i18n::Locale;
use crate::store::residents::{self, Residence};
use crate::store::staff::StaffRow;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub telegram_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub locale: String,
    pub locale_chosen: bool,
    pub phone: Option<String>,
    pub reachable: bool,
}

impl UserRow {
    pub fn locale(&self) -> Locale {
        Locale::parse(&self.locale).unwrap_or_default()
    }

    pub fn display_name(&self) -> String {
        match &self.last_name {
            Some(last) if !last.is_empty() => format!("{} {}", self.first_name, last),
            _ => self.first_name.clone(),
        }
    }
}

pub struct Seen<'a> {
    pub telegram_id: i64,
    pub first_name: &'a str,
    pub last_name: Option<&'a str>,
    pub username: Option<&'a str>,
    /// The language their Telegram client suggests.
    pub guessed_locale: Locale,
}

/// Records that someone wrote to the bot. Writing again means they can be
/// reached again (a user who blocked the bot unblocks it to write). Their
/// language follows their Telegram client until they choose one.
pub async fn record_seen(conn: &mut PgConnection, seen: Seen<'_>) -> sqlx::Result<UserRow> {
    bind_seen(sqlx::query_as(&format!("{RECORD_SEEN} RETURNING {USER_COLUMNS}")), seen).fetch_one(conn).await
}

const USER_COLUMNS: &str = "telegram_id, first_name, last_name, locale, locale_chosen, phone, reachable";

const RECORD_SEEN: &str = "INSERT INTO users (telegram_id, first_name, last_name, username, locale)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (telegram_id) DO UPDATE SET
         first_name = EXCLUDED.first_name,
         last_name = EXCLUDED.last_name,
         username = EXCLUDED.username,
         locale = CASE WHEN users.locale_chosen THEN users.locale ELSE EXCLUDED.locale END,
         reachable = TRUE,
         updated_at = now()";

fn bind_seen<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    seen: Seen<'q>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(seen.telegram_id)
        .bind(seen.first_name)
        .bind(seen.last_name)
        .bind(seen.username)
        .bind(seen.guessed_locale.as_str())
}

/// What handling someone's update starts from: the user (just recorded as
/// seen), their roles, and where their chat stands in a dialogue.
pub struct Arrival {
    pub user: UserRow,
    /// Their staff row, active or not.
    pub staff: Option<StaffRow>,
    pub residences: Vec<Residence>,
    /// The chat's saved dialogue state (`store::dialogues`).
    pub dialogue: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct ArrivalRow {
    #[sqlx(flatten)]
    user: UserRow,
    staff_name: Option<String>,
    staff_trade: Option<String>,
    staff_is_supervisor: Option<bool>,
    staff_active: Option<bool>,
    unit_ids: Vec<i64>,
    buildings: Vec<String>,
    entrances: Vec<String>,
    rooms: Vec<String>,
    relations: Vec<String>,
    dialogue: Option<Value>,
}

/// [`record_seen`], their staff row (`store::staff::get`), their units
/// (`store::residents::of_user`) and the chat's dialogue state
/// (`store::dialogues`) in one statement: one round trip where there were
/// four, at the start of every update. Run it after the chat's lock is held
/// (`store::inbox::claim`), so it reads what the previous update committed.
pub async fn record_arrival(conn: &mut PgConnection, seen: Seen<'_>, chat_id: i64) -> sqlx::Result<Arrival> {
    let sql = format!(
        "WITH seen AS ({RECORD_SEEN} RETURNING {USER_COLUMNS}),
              units AS (
                  SELECT u.id, u.building, u.entrance, u.room, r.relation
                  FROM unit_residents r JOIN units u ON u.id = r.unit_id
                  WHERE r.telegram_id = $1
                  ORDER BY u.building, u.entrance, u.room)
         SELECT seen.*,
                s.name AS staff_name, s.trade AS staff_trade,
                s.is_supervisor AS staff_is_supervisor, s.active AS staff_active,
                ARRAY(SELECT id FROM units) AS unit_ids,
                ARRAY(SELECT building FROM units) AS buildings,
                ARRAY(SELECT entrance FROM units) AS entrances,
                ARRAY(SELECT room FROM units) AS rooms,
                ARRAY(SELECT relation FROM units) AS relations,
                (SELECT state FROM dialogues WHERE chat_id = $6) AS dialogue
         FROM seen LEFT JOIN staff s ON s.telegram_id = seen.telegram_id"
    );
    let row: ArrivalRow = bind_seen(sqlx::query_as(&sql), seen).bind(chat_id).fetch_one(conn).await?;
    let staff = match (row.staff_name, row.staff_trade, row.staff_is_supervisor, row.staff_active) {
        (Some(name), Some(trade), Some(is_supervisor), Some(active)) => {
            Some(StaffRow { telegram_id: row.user.telegram_id, name, trade, is_supervisor, active })
        }
        _ => None,
    };
    let residences = (row.unit_ids.iter().zip(&row.buildings).zip(&row.entrances).zip(&row.rooms).zip(&row.relations))
        .filter_map(|((((unit_id, building), entrance), room), relation)| {
            residents::residence(*unit_id, building, entrance, room, relation)
        })
        .collect();
    Ok(Arrival { user: row.user, staff, residences, dialogue: row.dialogue })
}

pub async fn get(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE telegram_id = $1"))
        .bind(telegram_id)
        .fetch_optional(conn)
        .await
}

pub async fn choose_locale(conn: &mut PgConnection, telegram_id: i64, locale: Locale) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET locale = $2, locale_chosen = TRUE, updated_at = now() WHERE telegram_id = $1")
        .bind(telegram_id)
        .bind(locale.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_phone(conn: &mut PgConnection, telegram_id: i64, phone: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET phone = $2, updated_at = now() WHERE telegram_id = $1")
        .bind(telegram_id)
        .bind(phone)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks someone the bot cannot reach (they blocked it) or can again.
pub async fn set_reachable(conn: &mut PgConnection, telegram_id: i64, reachable: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET reachable = $2, updated_at = now() WHERE telegram_id = $1")
        .bind(telegram_id)
        .bind(reachable)
        .execute(conn)
        .await?;
    Ok(())
}
