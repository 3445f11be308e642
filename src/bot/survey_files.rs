//! A survey file (YAML or TOML) sent to the bot by an admin: fetched,
//! checked in full, and saved as a draft, or refused with the line and
//! reason of every problem. Nothing is saved from a file with a problem.

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::Message;

use crate::bot::fallback;
use crate::bot::{Cx, HandlerResult, survey_admin};
use crate::i18n::Text;
use crate::services::survey_file::{self, FileError};
use crate::services::surveys::{self, Refusal};

/// Larger than any survey; Telegram documents can be 20 MB.
const MAX_BYTES: u32 = survey_file::MAX_FILE_BYTES as u32;
/// Problems listed in one message; the rest are counted.
const MAX_LISTED: usize = 20;

/// An admin sent a document while nothing was in progress.
pub fn is_survey_upload(msg: &Message) -> bool {
    msg.document().is_some()
}

pub async fn received(cx: Cx, msg: Message, bot: Bot) -> HandlerResult {
    let actor = cx.actor();
    let Some(document) = msg.document() else { return Ok(()) };
    if !surveys::may_manage(&actor) {
        fallback::say_with_home(&cx, Text::new("menu-use-buttons"));
        return Ok(());
    }
    if document.file.size > MAX_BYTES {
        cx.say(Text::new("survey-file-too-large").arg("max_kb", survey_file::MAX_FILE_BYTES / 1024));
        return Ok(());
    }
    let name = document.file_name.clone().unwrap_or_default();
    let bytes = match fetch(&bot, &document.file.id.0).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(error = format!("{err:#}"), "could not fetch a survey file");
            cx.say(Text::new("survey-file-unreadable"));
            return Ok(());
        }
    };
    let clock = cx.survey_clock();
    let spec = match survey_file::parse(&name, &bytes, clock.now, clock.tz) {
        Ok(spec) => spec,
        Err(errors) => {
            cx.say(problems(&errors));
            return Ok(());
        }
    };
    let created = surveys::create(&mut *cx.tx().await, &actor, &spec, &clock).await?;
    match created {
        Ok(id) => {
            cx.say(Text::new("survey-file-imported").arg("count", spec.questions.len()));
            survey_admin::show_card(&cx, id, None).await?;
        }
        Err(Refusal::Problems(found)) => {
            let errors: Vec<FileError> =
                found.into_iter().map(|p| FileError { line: None, reason: p.reason }).collect();
            cx.say(problems(&errors));
        }
        Err(refusal) => cx.say(survey_admin::refusal_text(refusal)),
    }
    Ok(())
}

async fn fetch(bot: &Bot, file_id: &str) -> anyhow::Result<Vec<u8>> {
    let file = bot.get_file(teloxide::types::FileId(file_id.to_owned())).await?;
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes).await?;
    Ok(bytes)
}

/// "The file has 3 problems; nothing was imported:" and each with its line.
fn problems(errors: &[FileError]) -> Text {
    let mut lines = vec![Text::new("survey-file-refused").arg("count", errors.len())];
    for error in errors.iter().take(MAX_LISTED) {
        lines.push(match error.line {
            Some(line) => Text::new("survey-file-problem-at").arg("line", line).arg("reason", error.reason.clone()),
            None => Text::new("survey-file-problem").arg("reason", error.reason.clone()),
        });
    }
    if errors.len() > MAX_LISTED {
        lines.push(Text::new("survey-file-more-problems").arg("count", errors.len() - MAX_LISTED));
    }
    Text::lines(lines)
}
