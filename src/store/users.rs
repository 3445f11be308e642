//! Everyone who wrote to the bot.

use sqlx::PgConnection;

use crate::i18n::Locale;

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
    sqlx::query_as(
        "INSERT INTO users (telegram_id, first_name, last_name, username, locale)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (telegram_id) DO UPDATE SET
             first_name = EXCLUDED.first_name,
             last_name = EXCLUDED.last_name,
             username = EXCLUDED.username,
             locale = CASE WHEN users.locale_chosen THEN users.locale ELSE EXCLUDED.locale END,
             reachable = TRUE,
             updated_at = now()
         RETURNING telegram_id, first_name, last_name, locale, locale_chosen, phone, reachable",
    )
    .bind(seen.telegram_id)
    .bind(seen.first_name)
    .bind(seen.last_name)
    .bind(seen.username)
    .bind(seen.guessed_locale.as_str())
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(
        "SELECT telegram_id, first_name, last_name, locale, locale_chosen, phone, reachable
         FROM users WHERE telegram_id = $1",
    )
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
