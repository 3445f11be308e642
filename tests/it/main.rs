//! Integration tests: the real bot, real PostgreSQL, people played through
//! the Bot API emulator.

mod arbitrary_updates;
mod bad_input;
mod complaints;
mod drill_kit;
mod drills;
mod flood;
mod intake;
mod locales;
mod log_privacy;
mod notices;
mod onboarding;
mod process;
mod reliability;
mod repairs;
mod replicas;
mod satisfaction;
mod schedule;
mod staff;
mod support;
mod surveys;
mod ticket_views;
mod unit_of_work;
mod webhook;
