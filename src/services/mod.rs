//! Use cases. Each takes the connection of the transaction it runs in (the
//! update's unit of work, or one the caller opened) so that business rows,
//! dialogue state and outbox rows commit together.

pub mod access;
pub mod complaints;
pub mod dispatch;
pub mod export;
pub mod notices;
pub mod notify;
pub mod onboarding;
pub mod options;
pub mod people;
pub mod repairs;
pub mod roster;
pub mod satisfaction;
pub mod sla_watch;
pub mod staff;
pub mod stats;
pub mod supervise;
pub mod survey_file;
pub mod survey_results;
pub mod surveys;
pub mod ticket_views;
pub mod tickets;
pub mod work;
