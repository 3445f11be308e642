//! The Telegram side: the update tree, one file per dialogue flow, keyboards,
//! and the runner that turns each inbox row into one unit of work.

pub mod callbacks;
pub mod case_work;
pub mod commands;
pub mod complaint_filing;
pub mod context;
pub mod fallback;
pub mod flood;
pub mod intake;
pub mod keyboards;
pub mod listener;
pub mod membership;
pub mod menu;
pub mod notice_admin;
pub mod notice_compose;
pub mod notice_signup;
pub mod onboarding;
pub mod render;
pub mod repair_filing;
pub mod runner;
pub mod schema;
pub mod staff_admin;
pub mod state;
pub mod supervise;
pub mod survey_admin;
pub mod survey_answer;
pub mod survey_design;
pub mod survey_files;
pub mod survey_results;
pub mod ticket_views;
pub mod ticket_work;
pub mod webhook;

pub use context::Cx;
pub use state::State;

/// What every handler returns.
pub type HandlerResult = Result<(), crate::error::AppError>;
