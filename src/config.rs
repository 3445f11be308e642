//! Settings from the environment (and `.env`, loaded by `main` through
//! dotenvy), parsed once at start-up into typed values. Every bad value is
//! reported, each with what was expected, not just the first one.

use secrecy::SecretString;
use url::Url;

use crate::i18n::Locale;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where PostgreSQL is; `None` starts a private embedded cluster.
    pub database_url: Option<SecretString>,
    /// The bot token from BotFather; needed by `propdesk run` only.
    pub telegram_token: Option<SecretString>,
    /// Another Bot API server (a local one, or the emulator); teloxide's default otherwise.
    pub telegram_api_url: Option<Url>,
    /// The first admins; admins invite staff.
    pub admin_ids: Vec<i64>,
    pub default_locale: Locale,
    pub time_zone: chrono_tz::Tz,
    /// A tracing filter directive such as `info` or `propdesk=debug,info`.
    pub log_level: String,
    pub log_format: LogFormat,
    /// The port of the sandbox's web chat page.
    pub sandbox_port: u16,
    /// Messages per second the outbox sender allows itself overall.
    pub send_rate_per_sec: u32,
    /// How long an unused staff invite stays valid.
    pub invite_ttl_hours: i64,
    /// Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset.
    pub data_dir: std::path::PathBuf,
    /// Response-time targets for repairs.
    pub sla: crate::domain::sla::SlaPolicy,
    /// The share of owners' ratings that should be 4 or 5 stars, in percent.
    pub satisfaction_target_percent: i64,
    /// Satisfaction surveys: how long one stays open unless its designer says,
    /// and how long before closing those who have not answered are reminded.
    pub survey: SurveySettings,
    /// Community notices: how often the composer's progress message is
    /// edited, and the largest photo a notice may carry.
    pub notice: NoticeSettings,
    /// Webhook mode: the public URL Telegram calls (`--webhook-url` wins);
    /// None means long polling.
    pub webhook_url: Option<Url>,
    /// The secret token Telegram sends with every webhook request; required
    /// in webhook mode.
    pub webhook_secret: Option<SecretString>,
    /// Where `propdesk run` serves the webhook, /healthz, /readyz and /metrics
    /// (WEBHOOK_LISTEN, `--listen` wins); None: the mode's default, see
    /// [`Settings::listen_address`].
    pub listen: Option<std::net::SocketAddr>,
    /// The abuse limit: how many updates one chat may send in a window.
    pub flood: FloodSettings,
    /// PostgreSQL connections the update runner keeps for handling updates
    /// (besides the pool of 10 everything else shares): how many updates'
    /// units of work run at once.
    pub update_connections: usize,
    /// Days a handled update stays in the inbox (for inspecting what came
    /// in) before housekeeping deletes it.
    pub inbox_keep_days: i64,
}

/// More than `updates` updates from one chat within `window_secs` are set
/// aside, with one notice per window (`bot::flood`). `updates` 0: no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodSettings {
    pub updates: u32,
    pub window_secs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeSettings {
    pub progress_every_secs: i64,
    pub photo_max_kb: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveySettings {
    pub open_days: i64,
    pub reminder_hours: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("the configuration has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let mut problems = Vec::new();
        let value = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = match value("DATABASE_URL") {
            Some(v) if v.starts_with("postgres://") || v.starts_with("postgresql://") => Some(SecretString::from(v)),
            Some(_) => {
                problems.push(
                    "DATABASE_URL must start with postgres:// (or leave it unset for the embedded database)".into(),
                );
                None
            }
            None => None,
        };

        let telegram_token = value("TELOXIDE_TOKEN").map(SecretString::from);

        let telegram_api_url = value("TELOXIDE_API_URL").and_then(|v| match Url::parse(&v) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => Some(url),
            _ => {
                problems.push(format!("TELOXIDE_API_URL must be an http(s) URL, got {v:?}"));
                None
            }
        });

        let mut admin_ids = Vec::new();
        for part in value("ADMIN_TELEGRAM_IDS").unwrap_or_default().split([',', ' ']) {
            if part.is_empty() {
                continue;
            }
            match part.parse::<i64>() {
                Ok(id) if id > 0 => admin_ids.push(id),
                _ => problems.push(format!(
                    "ADMIN_TELEGRAM_IDS must be numeric Telegram user ids separated by commas; {part:?} is not one"
                )),
            }
        }

        let default_locale = match value("DEFAULT_LOCALE") {
            None => Locale::ZhCn,
            Some(v) => Locale::parse(&v).unwrap_or_else(|| {
                problems.push(format!("DEFAULT_LOCALE must be zh-CN or en, got {v:?}"));
                Locale::ZhCn
            }),
        };

        let time_zone = match value("TIME_ZONE") {
            None => chrono_tz::Asia::Shanghai,
            Some(v) => v.parse().unwrap_or_else(|_| {
                problems.push(format!("TIME_ZONE must be an IANA zone such as Asia/Shanghai, got {v:?}"));
                chrono_tz::Asia::Shanghai
            }),
        };

        let log_level = value("LOG_LEVEL").unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            problems.push(format!(
                "LOG_LEVEL must be a level (error, warn, info, debug, trace) or a tracing filter, got {log_level:?}"
            ));
        }

        let log_format = match value("LOG_FORMAT").as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(v) => {
                problems.push(format!("LOG_FORMAT must be human or json, got {v:?}"));
                LogFormat::Human
            }
        };

        let mut number = |name: &str, default: i64, min: i64, max: i64| -> i64 {
            match value(name) {
                None => default,
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if (min..=max).contains(&n) => n,
                    _ => {
                        problems.push(format!("{name} must be a whole number from {min} to {max}, got {v:?}"));
                        default
                    }
                },
            }
        };
        let sandbox_port = number("SANDBOX_PORT", 8080, 1, 65535) as u16;
        let send_rate_per_sec = number("SEND_RATE_PER_SEC", 30, 1, 1000) as u32;
        let invite_ttl_hours = number("INVITE_TTL_HOURS", 72, 1, 24 * 365);
        // DOMAIN.md: a satisfaction rate of at least 90% is the usual target.
        let satisfaction_target_percent = number("SATISFACTION_TARGET_PERCENT", 90, 1, 100);

        let defaults = crate::domain::sla::SlaPolicy::default();
        let minutes = |d: chrono::Duration| d.num_minutes();
        let hours = |d: chrono::Duration| d.num_hours();
        let day = 24 * 60;
        let sla = crate::domain::sla::SlaPolicy {
            emergency: crate::domain::sla::Targets {
                accept: chrono::Duration::minutes(number(
                    "ACCEPT_MINUTES_EMERGENCY",
                    minutes(defaults.emergency.accept),
                    1,
                    day,
                )),
                onsite: chrono::Duration::minutes(number(
                    "ONSITE_MINUTES_EMERGENCY",
                    minutes(defaults.emergency.onsite),
                    1,
                    day,
                )),
                resolve: chrono::Duration::hours(number(
                    "RESOLVE_HOURS_EMERGENCY",
                    hours(defaults.emergency.resolve),
                    1,
                    24 * 30,
                )),
            },
            urgent: crate::domain::sla::Targets {
                accept: chrono::Duration::minutes(number("ACCEPT_MINUTES", minutes(defaults.urgent.accept), 1, day)),
                onsite: chrono::Duration::minutes(number(
                    "ONSITE_MINUTES_URGENT",
                    minutes(defaults.urgent.onsite),
                    1,
                    day * 7,
                )),
                resolve: chrono::Duration::hours(number(
                    "RESOLVE_HOURS_URGENT",
                    hours(defaults.urgent.resolve),
                    1,
                    24 * 30,
                )),
            },
            routine: crate::domain::sla::Targets {
                accept: chrono::Duration::minutes(number("ACCEPT_MINUTES", minutes(defaults.routine.accept), 1, day)),
                onsite: chrono::Duration::minutes(number(
                    "ONSITE_MINUTES_ROUTINE",
                    minutes(defaults.routine.onsite),
                    1,
                    day * 7,
                )),
                resolve: chrono::Duration::hours(number(
                    "RESOLVE_HOURS_ROUTINE",
                    hours(defaults.routine.resolve),
                    1,
                    24 * 90,
                )),
            },
            remind_before: chrono::Duration::minutes(number(
                "REMIND_MINUTES_BEFORE_ONSITE",
                minutes(defaults.remind_before),
                1,
                day,
            )),
            confirm_within: chrono::Duration::hours(number(
                "CONFIRM_HOURS",
                hours(defaults.confirm_within),
                1,
                24 * 30,
            )),
            complaint_reply: chrono::Duration::hours(number(
                "COMPLAINT_REPLY_HOURS",
                hours(defaults.complaint_reply),
                1,
                24 * 30,
            )),
            complaint_outcome: chrono::Duration::days(number(
                "COMPLAINT_OUTCOME_DAYS",
                defaults.complaint_outcome.num_days(),
                1,
                365,
            )),
        };
        let survey = SurveySettings {
            open_days: number("SURVEY_OPEN_DAYS", 7, 1, 90),
            reminder_hours: number("SURVEY_REMINDER_HOURS", 24, 1, 24 * 30),
        };
        let notice = NoticeSettings {
            progress_every_secs: number("NOTICE_PROGRESS_SECONDS", 3, 1, 60),
            photo_max_kb: number("NOTICE_PHOTO_MAX_KB", 5 * 1024, 1, 10 * 1024),
        };
        let flood = FloodSettings {
            updates: number("FLOOD_UPDATES", 20, 0, 10_000) as u32,
            window_secs: number("FLOOD_WINDOW_SECONDS", 10, 1, 3600),
        };
        let update_connections = number("UPDATE_CONNECTIONS", 8, 1, 64) as usize;
        let inbox_keep_days = number("INBOX_KEEP_DAYS", 7, 1, 365);
        let data_dir = value("DATA_DIR").unwrap_or_else(|| ".propdesk".into()).into();

        let webhook_url = value("WEBHOOK_URL").and_then(|v| match Url::parse(&v) {
            Ok(url) if url.scheme() == "https" || url.scheme() == "http" => Some(url),
            _ => {
                problems.push(format!("WEBHOOK_URL must be an https URL Telegram can reach, got {v:?}"));
                None
            }
        });
        let webhook_secret = match value("WEBHOOK_SECRET") {
            Some(v) if crate::bot::webhook::valid_secret(&v) => Some(SecretString::from(v)),
            Some(_) => {
                // The value itself is not repeated: it is a secret.
                problems.push("WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -".into());
                None
            }
            None => None,
        };
        let listen = value("WEBHOOK_LISTEN").and_then(|v| match v.parse() {
            Ok(addr) => Some(addr),
            Err(_) => {
                problems.push(format!("WEBHOOK_LISTEN must be an address and port such as 127.0.0.1:8443, got {v:?}"));
                None
            }
        });

        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Settings {
            database_url,
            telegram_token,
            telegram_api_url,
            admin_ids,
            default_locale,
            time_zone,
            log_level,
            log_format,
            sandbox_port,
            send_rate_per_sec,
            invite_ttl_hours,
            data_dir,
            sla,
            satisfaction_target_percent,
            survey,
            notice,
            webhook_url,
            webhook_secret,
            listen,
            flood,
            update_connections,
            inbox_keep_days,
        })
    }

    /// Settings for tests and the sandbox: everything default.
    pub fn for_local() -> Settings {
        Settings::from_lookup(|_| None).expect("defaults are valid")
    }

    /// Where `propdesk run` serves its HTTP endpoints: WEBHOOK_LISTEN /
    /// `--listen` when set; else, with long polling, only this machine
    /// (127.0.0.1:8443: nothing there needs to be reachable from outside, and
    /// the endpoints are unauthenticated), and with a webhook every address
    /// (0.0.0.0:8443), as Telegram, through the reverse proxy, must reach it.
    pub fn listen_address(&self, webhook: bool) -> std::net::SocketAddr {
        let default = if webhook { [0, 0, 0, 0] } else { [127, 0, 0, 1] };
        self.listen.unwrap_or(std::net::SocketAddr::from((default, 8443)))
    }

    pub fn is_admin(&self, telegram_id: i64) -> bool {
        self.admin_ids.contains(&telegram_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn nothing_set_gives_the_documented_defaults() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert!(s.database_url.is_none());
        assert_eq!(s.default_locale, Locale::ZhCn);
        assert_eq!(s.time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(s.sandbox_port, 8080);
        assert_eq!(s.log_format, LogFormat::Human);
    }

    #[test]
    fn every_bad_value_is_reported_at_once() {
        let err = Settings::from_lookup(lookup(&[
            ("ADMIN_TELEGRAM_IDS", "12,abc"),
            ("DEFAULT_LOCALE", "fr"),
            ("TIME_ZONE", "Mars/Base"),
            ("SANDBOX_PORT", "99999"),
            ("LOG_FORMAT", "xml"),
        ]))
        .unwrap_err();
        assert_eq!(err.0.len(), 5, "{err}");
        let text = err.to_string();
        for needle in ["ADMIN_TELEGRAM_IDS", "DEFAULT_LOCALE", "TIME_ZONE", "SANDBOX_PORT", "LOG_FORMAT"] {
            assert!(text.contains(needle), "{text}");
        }
    }

    #[test]
    fn admin_ids_are_read_as_a_list() {
        let s = Settings::from_lookup(lookup(&[("ADMIN_TELEGRAM_IDS", "1001, 1002")])).unwrap();
        assert_eq!(s.admin_ids, vec![1001, 1002]);
        assert!(s.is_admin(1002));
    }

    #[test]
    fn env_example_documents_every_variable_read() {
        let read = std::sync::Mutex::new(Vec::new());
        Settings::from_lookup(|name| {
            read.lock().unwrap().push(name.to_owned());
            None
        })
        .unwrap();
        let example = std::fs::read_to_string(".env.example").unwrap();
        for name in read.into_inner().unwrap() {
            assert!(example.contains(&format!("{name}=")), ".env.example lacks {name}");
        }
    }

    #[test]
    fn webhook_settings_are_checked() {
        let s = Settings::from_lookup(lookup(&[])).unwrap();
        assert_eq!(s.listen_address(false).to_string(), "127.0.0.1:8443", "long polling: this machine only");
        assert_eq!(s.listen_address(true).to_string(), "0.0.0.0:8443", "webhook: reachable by the proxy");
        assert!(s.webhook_url.is_none() && s.webhook_secret.is_none());
        let bad: &'static [(&str, &str)] =
            &[("WEBHOOK_SECRET", "not secret!"), ("WEBHOOK_LISTEN", "8443"), ("WEBHOOK_URL", "ftp://x")];
        let err = Settings::from_lookup(lookup(bad)).unwrap_err().to_string();
        assert!(err.contains("WEBHOOK_SECRET") && err.contains("WEBHOOK_LISTEN") && err.contains("WEBHOOK_URL"));
        assert!(!err.contains("not secret!"), "the secret is not repeated: {err}");
        let good: &'static [(&str, &str)] = &[("WEBHOOK_SECRET", "s3cr3t_-X"), ("WEBHOOK_LISTEN", "127.0.0.1:9000")];
        let s = Settings::from_lookup(lookup(good)).unwrap();
        assert_eq!(s.listen_address(false).to_string(), "127.0.0.1:9000");
        assert_eq!(s.listen_address(true).to_string(), "127.0.0.1:9000", "a setting wins in both modes");
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn the_abuse_limit_is_read_and_zero_turns_it_off() {
        let s = Settings::from_lookup(lookup(&[])).unwrap();
        assert_eq!(s.flood, FloodSettings { updates: 20, window_secs: 10 });
        let s = Settings::from_lookup(lookup(&[("FLOOD_UPDATES", "0"), ("FLOOD_WINDOW_SECONDS", "60")])).unwrap();
        assert_eq!(s.flood, FloodSettings { updates: 0, window_secs: 60 });
        let err = Settings::from_lookup(lookup(&[("FLOOD_WINDOW_SECONDS", "0")])).unwrap_err().to_string();
        assert!(err.contains("FLOOD_WINDOW_SECONDS"), "{err}");
    }

    #[test]
    fn the_token_never_prints() {
        let s = Settings::from_lookup(lookup(&[("TELOXIDE_TOKEN", "123:SECRET")])).unwrap();
        assert!(!format!("{s:?}").contains("SECRET"));
    }
}
