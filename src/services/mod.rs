//! Use cases. Each takes the connection of the transaction it runs in (the
//! update's unit of work, or one the caller opened) so that business rows,
//! dialogue state and outbox rows commit together.

pub mod notify;
pub mod onboarding;
pub mod people;
pub mod roster;
pub mod staff;
