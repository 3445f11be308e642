//! The application's error type. Users never see these: they get a short,
//! kind message (`Text::new("error-generic")`); logs get the whole chain.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("Telegram: {}", telegram_error_text(.0))]
    Telegram(#[from] teloxide::RequestError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// A Telegram error as logs may show it. teloxide's own text for an answer
/// that did not parse quotes the whole answer, and an answer to a send holds
/// the message sent (an owner's words, the phone number on a card): of that
/// error only the kind and place of the parse failure are kept.
pub fn telegram_error_text(err: &teloxide::RequestError) -> String {
    match err {
        teloxide::RequestError::InvalidJson { source, .. } => format!(
            "Telegram's answer did not parse ({:?} error at line {}, column {})",
            source.classify(),
            source.line(),
            source.column()
        ),
        other => other.to_string(),
    }
}

/// Telegram refused an edit because the message already shows exactly that
/// ("Bad Request: message is not modified"): what was asked for is done — a
/// late press clearing buttons a withdrawn card already lost, a retried edit
/// whose first answer was lost. Everywhere the bot edits (the runner's direct
/// replies, the outbox sender) asks this, so neither retries nor warns.
pub fn already_shown(err: &teloxide::RequestError) -> bool {
    use teloxide::{ApiError, RequestError};
    match err {
        RequestError::Api(ApiError::MessageNotModified) => true,
        // Telegram's wording may drift from teloxide's list: read the text.
        RequestError::Api(ApiError::Unknown(text)) => text.contains("message is not modified"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_to_what_the_message_already_shows_is_done_not_an_error() {
        use teloxide::{ApiError, RequestError};
        assert!(already_shown(&RequestError::Api(ApiError::MessageNotModified)));
        let drifted = "Bad Request: message is not modified: specified new message content is the same";
        assert!(already_shown(&RequestError::Api(ApiError::Unknown(drifted.into()))));
        assert!(!already_shown(&RequestError::Api(ApiError::MessageToEditNotFound)));
        assert!(!already_shown(&RequestError::Api(ApiError::Unknown("Bad Request: chat not found".into()))));
    }

    #[test]
    fn a_telegram_answer_that_does_not_parse_is_logged_without_its_content() {
        let raw = r#"{"ok":true,"result":{"text":"业主电话 13800000001"}}"#;
        let source = serde_json::from_str::<u8>(raw).unwrap_err();
        let err = teloxide::RequestError::InvalidJson { source: source.into(), raw: raw.into() };
        assert!(err.to_string().contains("13800000001"), "teloxide's own text quotes the answer");
        for text in [telegram_error_text(&err), AppError::from(err).to_string()] {
            assert!(!text.contains("13800000001") && !text.contains("业主"), "{text}");
            assert!(text.contains("did not parse"), "{text}");
        }
    }
}
