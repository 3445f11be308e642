//! Everyone who wrote to the bot.

use sqlx::PgConnection;

use crate::i18n::Locale;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub telegram_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
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

const USER_COLUMNS: &str = "telegram_id, first_name, last_name, username, locale, locale_chosen, phone, reachable";

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

/// Whether `seen` tells something the stored row does not (a new name,
/// username or guessed language; back after blocking the bot), or there is
/// no row yet: then `record_seen` writes it. Most updates change nothing,
/// and write nothing.
pub fn needs_recording(user: Option<&UserRow>, seen: &Seen<'_>) -> bool {
    let Some(user) = user else { return true };
    user.first_name != seen.first_name
        || user.last_name.as_deref() != seen.last_name
        || user.username.as_deref() != seen.username
        || !user.reachable
        || (!user.locale_chosen && user.locale != seen.guessed_locale.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> UserRow {
        UserRow {
            telegram_id: 7,
            first_name: "芳".into(),
            last_name: Some("王".into()),
            username: Some("wangfang".into()),
            locale: "zh-CN".into(),
            locale_chosen: false,
            phone: None,
            reachable: true,
        }
    }

    fn seen(first_name: &str, locale: Locale) -> Seen<'_> {
        Seen { telegram_id: 7, first_name, last_name: Some("王"), username: Some("wangfang"), guessed_locale: locale }
    }

    #[test]
    fn an_update_that_tells_nothing_new_writes_nothing() {
        assert!(!needs_recording(Some(&stored()), &seen("芳", Locale::ZhCn)));
    }

    #[test]
    fn a_first_contact_a_new_name_or_a_return_after_blocking_is_recorded() {
        assert!(needs_recording(None, &seen("芳", Locale::ZhCn)));
        assert!(needs_recording(Some(&stored()), &seen("小芳", Locale::ZhCn)));
        let blocked = UserRow { reachable: false, ..stored() };
        assert!(needs_recording(Some(&blocked), &seen("芳", Locale::ZhCn)));
    }

    #[test]
    fn a_new_client_language_counts_only_until_they_choose_one() {
        assert!(needs_recording(Some(&stored()), &seen("芳", Locale::En)));
        let chosen = UserRow { locale_chosen: true, ..stored() };
        assert!(!needs_recording(Some(&chosen), &seen("芳", Locale::En)));
    }
}
