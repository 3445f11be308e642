//! Every user-visible text: Fluent bundles from `locales/<lang>/*.ftl`, and
//! [`Text`], a message described by its key and arguments and rendered in the
//! reader's language only when it is sent. Outbox rows store `Text`, so a
//! notification is worded in the recipient's language, not the sender's.
//!
//! Keys appear in code only as `Text::new("literal")`: a test scans the
//! sources for them and fails on a key that a locale lacks.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use serde::{Deserialize, Serialize};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Telegram shows plain text: the invisible isolation marks Fluent puts
        // around arguments would only end up in copied phone numbers.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

/// The languages propdesk speaks. zh-CN is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Parses a configured or stored locale name ("zh-CN", "zh", "en", "en-US").
    pub fn parse(s: &str) -> Option<Locale> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "zh" || lower.starts_with("zh-") || lower.starts_with("zh_") {
            Some(Locale::ZhCn)
        } else if lower == "en" || lower.starts_with("en-") || lower.starts_with("en_") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// The language to greet a new user in: their Telegram client's language
    /// when we speak it, otherwise the configured default.
    pub fn from_telegram(code: Option<&str>, default: Locale) -> Locale {
        code.and_then(Locale::parse).unwrap_or(default)
    }

    /// The ISO 639-1 code Telegram uses for per-language command menus.
    pub fn telegram_code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh",
            Locale::En => "en",
        }
    }

    fn langid(self) -> &'static LanguageIdentifier {
        match self {
            Locale::ZhCn => &ZH_CN,
            Locale::En => &EN,
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message to show someone, not yet in any language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Text {
    /// A Fluent message with its arguments.
    Key { key: String, args: Vec<(String, Arg)> },
    /// Several texts, one per line.
    Lines(Vec<Text>),
    /// Words that need no translation: a name, a room number, a code.
    Plain(String),
}

/// An argument of a Fluent message. A nested [`Text`] is rendered in the same
/// language first, so "assigned to {trade}" can say 水电 or plumbing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    Str(String),
    Num(i64),
    Text(Box<Text>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Str(s.clone())
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}
impl From<u8> for Arg {
    fn from(n: u8) -> Self {
        Arg::Num(i64::from(n))
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(n as i64)
    }
}
impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(Box::new(t))
    }
}

impl Text {
    /// A message by key. Always call with a string literal (the key check reads the sources).
    pub fn new(key: &'static str) -> Text {
        Text::Key { key: key.to_owned(), args: Vec::new() }
    }

    pub fn plain(s: impl Into<String>) -> Text {
        Text::Plain(s.into())
    }

    pub fn lines(lines: impl IntoIterator<Item = Text>) -> Text {
        Text::Lines(lines.into_iter().collect())
    }

    /// Adds a named argument.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Text {
        if let Text::Key { args, .. } = &mut self {
            args.push((name.to_owned(), value.into()));
        }
        self
    }

    /// The text in `locale`. A key missing from the bundles renders as the key
    /// itself and is logged; the locale tests keep that from shipping.
    pub fn render(&self, locale: Locale) -> String {
        match self {
            Text::Plain(s) => s.clone(),
            Text::Lines(lines) => lines.iter().map(|t| t.render(locale)).collect::<Vec<_>>().join("\n"),
            Text::Key { key, args } => {
                let args: HashMap<Cow<'static, str>, FluentValue> = args
                    .iter()
                    .map(|(name, value)| {
                        let value = match value {
                            Arg::Str(s) => FluentValue::from(s.clone()),
                            Arg::Num(n) => FluentValue::from(*n),
                            Arg::Text(t) => FluentValue::from(t.render(locale)),
                        };
                        (Cow::Owned(name.clone()), value)
                    })
                    .collect();
                LOCALES.try_lookup_with_args(locale.langid(), key, &args).unwrap_or_else(|| {
                    tracing::error!(key, %locale, "missing message key");
                    key.clone()
                })
            }
        }
    }

    /// Whether `s` is what this text renders to in any language: how a press
    /// on a reply-keyboard button (which arrives as plain text) is recognised,
    /// even on a keyboard sent before the user switched language.
    pub fn matches_any_locale(&self, s: &str) -> bool {
        Locale::ALL.iter().any(|l| self.render(*l) == s)
    }
}

/// Whether a key exists in the bundle of `locale` (for the locale tests).
/// Looks in that language only (no fallback); a message that needs
/// arguments counts as present.
pub fn has_key(locale: Locale, key: &str) -> bool {
    match LOCALES.lookup_single_language::<&str>(locale.langid(), key, None) {
        Ok(_) => true,
        // fluent-templates does not export its LookupError; a formatting
        // error (a missing argument) means the message itself was found.
        Err(err) => err.to_string().starts_with("Fluent errors"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_chinese_variants_map_to_zh_cn() {
        for code in ["zh", "zh-hans", "zh-CN", "zh-hant"] {
            assert_eq!(Locale::from_telegram(Some(code), Locale::En), Locale::ZhCn);
        }
    }

    #[test]
    fn an_unknown_telegram_language_falls_back_to_the_default() {
        assert_eq!(Locale::from_telegram(Some("de"), Locale::ZhCn), Locale::ZhCn);
        assert_eq!(Locale::from_telegram(None, Locale::En), Locale::En);
    }

    #[test]
    fn text_survives_a_round_trip_through_json() {
        let t = Text::new("welcome").arg("name", "李").arg("n", 3i64).arg("inner", Text::plain("x"));
        let back: Text = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(t, back);
    }
}
