//! The application's error type. Users never see these: they get a short,
//! kind message (`Text::new("error-generic")`); logs get the whole chain.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("Telegram: {0}")]
    Telegram(#[from] teloxide::RequestError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;
