//! Logging, set up once. Tests stay quiet unless `TEST_LOG=1`.

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

pub fn init(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr: stdout carries what a command prints (a CSV export, the sandbox URL).
    let builder = fmt().with_env_filter(filter).with_target(true).with_writer(std::io::stderr);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// For tests: logs only when TEST_LOG is set.
pub fn init_for_tests() {
    if std::env::var_os("TEST_LOG").is_some() {
        init(&std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info,propdesk=debug".into()), LogFormat::Human);
    }
}
