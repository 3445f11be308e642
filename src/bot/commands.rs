//! Slash commands, and the localized command menus Telegram shows.

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Message, Recipient};
use teloxide::utils::command::BotCommands;

use crate::bot::{Cx, HandlerResult, State, fallback, menu, onboarding, staff_admin, supervise, ticket_views};
use crate::domain::callback::ListKind;
use crate::i18n::{Locale, Text};

#[derive(BotCommands, Clone, Debug, PartialEq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// `/start` or `/start <invite code>` from a t.me link.
    Start(String),
    Menu,
    Help,
    Language,
    Cancel,
    Invite,
    Staff,
    Tasks,
    Queue,
    Overdue,
    /// `/stats`, or `/stats satisfaction` for another report.
    Stats(String),
    Surveys,
    /// Compose a community notice.
    Notice,
    /// The notices sent and scheduled (owners: which kinds they receive).
    Notices,
}

pub async fn handle(cx: Cx, msg: Message, command: Command, state: State) -> HandlerResult {
    match command {
        Command::Start(arg) => onboarding::start(cx, arg.trim().to_owned()).await,
        Command::Menu => menu::show_home(&cx, &state),
        Command::Help => {
            menu::help(&cx);
            Ok(())
        }
        Command::Language => {
            menu::offer_languages(&cx);
            Ok(())
        }
        Command::Cancel => menu::cancel(cx, state).await,
        Command::Invite => staff_admin::offer_trades(&cx),
        Command::Staff => staff_admin::list(cx).await,
        Command::Tasks => ticket_views::show(cx, ListKind::Tasks).await,
        Command::Queue => ticket_views::show(cx, ListKind::Queue).await,
        Command::Overdue => ticket_views::show(cx, ListKind::Overdue).await,
        Command::Surveys => crate::bot::survey_admin::list(cx).await,
        Command::Notice => crate::bot::notice_compose::start(cx).await,
        Command::Notices => crate::bot::notice_admin::list(cx).await,
        Command::Stats(report) => supervise::stats(cx, report).await,
    }
    .inspect(|_| tracing::debug!(chat = msg.chat.id.0, "command handled"))
}

/// A message that looks like a command but is none of ours.
pub fn is_unknown_command(msg: &Message) -> bool {
    msg.text().is_some_and(|t| t.starts_with('/'))
}

pub async fn unknown(cx: Cx) -> HandlerResult {
    fallback::say_with_home(&cx, Text::new("error-unknown-command"));
    Ok(())
}

fn everyone(locale: Locale) -> Vec<BotCommand> {
    [
        ("start", Text::new("cmd-start")),
        ("menu", Text::new("cmd-menu")),
        ("help", Text::new("cmd-help")),
        ("language", Text::new("cmd-language")),
        ("cancel", Text::new("cmd-cancel")),
        ("surveys", Text::new("cmd-surveys")),
        ("notices", Text::new("cmd-notices")),
    ]
    .into_iter()
    .map(|(c, d)| BotCommand::new(c, d.render(locale)))
    .collect()
}

fn for_admins(locale: Locale) -> Vec<BotCommand> {
    let mut commands = everyone(locale);
    commands.push(BotCommand::new("invite", Text::new("cmd-invite").render(locale)));
    commands.push(BotCommand::new("staff", Text::new("cmd-staff").render(locale)));
    commands.push(BotCommand::new("queue", Text::new("cmd-queue").render(locale)));
    commands.push(BotCommand::new("overdue", Text::new("cmd-overdue").render(locale)));
    commands.push(BotCommand::new("stats", Text::new("cmd-stats").render(locale)));
    commands.push(BotCommand::new("notice", Text::new("cmd-notice").render(locale)));
    commands
}

/// Registers the command menus: one per language (the default language also
/// for clients in any other), and the admins' longer menu in their chats.
pub async fn register_menus(bot: &Bot, default: Locale, admins: &[i64]) -> Result<(), teloxide::RequestError> {
    bot.set_my_commands(everyone(default)).await?;
    for locale in Locale::ALL {
        bot.set_my_commands(everyone(locale)).language_code(locale.telegram_code()).await?;
    }
    for admin in admins {
        let scope = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(*admin)) };
        // An admin who never wrote to the bot has no chat yet; their menu
        // comes with the next start.
        if let Err(err) = bot.set_my_commands(for_admins(default)).scope(scope).await {
            tracing::warn!(admin, %err, "could not set the admin command menu");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_with_an_invite_code_carries_the_code() {
        assert_eq!(Command::parse("/start abc123", "bot").unwrap(), Command::Start("abc123".into()));
        assert_eq!(Command::parse("/start", "bot").unwrap(), Command::Start(String::new()));
    }

    #[test]
    fn stats_takes_an_optional_report_name() {
        assert_eq!(Command::parse("/stats", "bot").unwrap(), Command::Stats(String::new()));
        assert_eq!(Command::parse("/stats satisfaction", "bot").unwrap(), Command::Stats("satisfaction".into()));
    }

    #[test]
    fn command_descriptions_fit_telegrams_limits() {
        for locale in Locale::ALL {
            for c in for_admins(locale) {
                assert!((1..=256).contains(&c.description.chars().count()), "{c:?}");
            }
        }
    }
}
