//! propdesk: a Telegram front desk for a residential property company.
//!
//! The data flow and the layers are described in the README's architecture
//! section; each folder holds one layer.

pub mod app;
pub mod bot;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod ops;
pub mod sandbox;
pub mod services;
pub mod spreadsheet;
pub mod store;
pub mod telemetry;
