//! Community notices (公告 / 通知): what one is, who it reaches and the
//! rules its text and photo must keep. Pure: the store and services use it.
//!
//! Formatting: a notice is sent exactly as typed, as plain text with no
//! parse mode. Whatever `*`, `_`, `<b>` or `[x](y)` an admin types reaches
//! owners as those characters, and nothing typed can make Telegram refuse
//! the message ("can't parse entities"): there is nothing to escape.

use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, Text};

/// Telegram's limit for a message's text…
pub const TEXT_MAX: usize = 4096;
/// …and for a photo's caption (a notice with a photo is one captioned photo).
pub const CAPTION_MAX: usize = 1024;
/// Entrances listed as buttons at most (the rest: choose by building).
pub const ENTRANCES_MAX: usize = 48;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 社区活动: festivals, parent-child events; may take sign-ups.
    Activity,
    /// 停水停电 / 设施检修.
    Outage,
    /// 业主大会.
    Meeting,
    /// 一般通知.
    General,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] =
        [NoticeKind::Activity, NoticeKind::Outage, NoticeKind::Meeting, NoticeKind::General];
    /// What an owner may mute: never outages or meetings.
    pub const MUTABLE: [NoticeKind; 2] = [NoticeKind::Activity, NoticeKind::General];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Activity => "activity",
            NoticeKind::Outage => "outage",
            NoticeKind::Meeting => "meeting",
            NoticeKind::General => "general",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// One letter, for callback data.
    pub fn code(self) -> &'static str {
        &self.as_str()[..1]
    }

    pub fn parse_code(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn mutable(self) -> bool {
        NoticeKind::MUTABLE.contains(&self)
    }

    pub fn label(self) -> Text {
        match self {
            NoticeKind::Activity => Text::new("notice-kind-activity"),
            NoticeKind::Outage => Text::new("notice-kind-outage"),
            NoticeKind::Meeting => Text::new("notice-kind-meeting"),
            NoticeKind::General => Text::new("notice-kind-general"),
        }
    }
}

/// Who a notice reaches, besides staff when they are included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "scope")]
pub enum Audience {
    /// Every verified owner (owners, family, tenants bound to a unit).
    #[default]
    All,
    /// Those of these buildings.
    Buildings { buildings: Vec<String> },
    /// Those of these entrances, each "building/entrance".
    Entrances { entrances: Vec<String> },
}

impl Audience {
    /// (buildings, entrances) for the store; both None: everyone.
    pub fn filters(&self) -> (Option<Vec<String>>, Option<Vec<String>>) {
        match self {
            Audience::All => (None, None),
            Audience::Buildings { buildings } => (Some(buildings.clone()), None),
            Audience::Entrances { entrances } => (None, Some(entrances.clone())),
        }
    }

    pub fn from_filters(buildings: Option<Vec<String>>, entrances: Option<Vec<String>>) -> Audience {
        match (buildings, entrances) {
            (Some(buildings), _) => Audience::Buildings { buildings },
            (None, Some(entrances)) => Audience::Entrances { entrances },
            (None, None) => Audience::All,
        }
    }
}

/// "building/entrance", the key an entrance is chosen by.
pub fn entrance_key(building: &str, entrance: &str) -> String {
    format!("{building}/{entrance}")
}

/// Telegram counts a text's length in UTF-16 code units.
pub fn telegram_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Why a notice's text will not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    /// Over the limit (4096, or 1024 as a photo's caption).
    TooLong {
        max: usize,
        len: usize,
    },
}

impl TextProblem {
    pub fn reason(self) -> Text {
        match self {
            TextProblem::Empty => Text::new("notice-text-empty"),
            TextProblem::TooLong { max, len } => Text::new("notice-text-too-long").arg("max", max).arg("len", len),
        }
    }
}

/// A notice's text as typed, trimmed; refused when empty or over `max`.
pub fn check_text(text: &str, max: usize) -> Result<String, TextProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextProblem::Empty);
    }
    let len = telegram_len(text);
    if len > max { Err(TextProblem::TooLong { max, len }) } else { Ok(text.to_owned()) }
}

/// The two versions of a notice's text: owners get the one in their
/// language, or the only one there is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Bodies {
    pub zh: Option<String>,
    pub en: Option<String>,
}

impl Bodies {
    pub fn for_locale(&self, locale: Locale) -> &str {
        let (mine, other) = match locale {
            Locale::ZhCn => (&self.zh, &self.en),
            Locale::En => (&self.en, &self.zh),
        };
        mine.as_deref().or(other.as_deref()).unwrap_or_default()
    }

    pub fn set(&mut self, locale: Locale, text: Option<String>) {
        match locale {
            Locale::ZhCn => self.zh = text,
            Locale::En => self.en = text,
        }
    }

    /// The longest version, for the caption check.
    pub fn longest(&self) -> usize {
        [&self.zh, &self.en].iter().filter_map(|b| b.as_deref()).map(telegram_len).max().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.zh.is_none() && self.en.is_none()
    }
}

/// A sign-up's capacity as typed: a whole number from 1 to 100 000.
pub fn parse_capacity(s: &str) -> Option<i32> {
    let s = s.trim();
    s.parse::<i32>().ok().filter(|n| (1..=100_000).contains(n) && s.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_gets_their_language_or_the_only_version() {
        let both = Bodies { zh: Some("停水通知".into()), en: Some("Water off".into()) };
        assert_eq!(both.for_locale(Locale::En), "Water off");
        assert_eq!(both.for_locale(Locale::ZhCn), "停水通知");
        let zh_only = Bodies { zh: Some("停水通知".into()), en: None };
        assert_eq!(zh_only.for_locale(Locale::En), "停水通知");
    }

    #[test]
    fn text_over_telegrams_limit_is_refused_with_its_length() {
        assert_eq!(check_text(&"水".repeat(4096), TEXT_MAX), Ok("水".repeat(4096)));
        assert_eq!(check_text(&"水".repeat(4097), TEXT_MAX), Err(TextProblem::TooLong { max: 4096, len: 4097 }));
        // An emoji is two UTF-16 units, as Telegram counts.
        assert_eq!(check_text(&"🎉".repeat(513), CAPTION_MAX), Err(TextProblem::TooLong { max: 1024, len: 1026 }));
        assert_eq!(check_text("   ", TEXT_MAX), Err(TextProblem::Empty));
    }

    #[test]
    fn only_activities_and_general_notices_may_be_muted() {
        assert!(NoticeKind::Activity.mutable() && NoticeKind::General.mutable());
        assert!(!NoticeKind::Outage.mutable() && !NoticeKind::Meeting.mutable());
    }

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse_code(k.code()), Some(k));
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn a_capacity_is_a_plain_positive_number() {
        assert_eq!(parse_capacity(" 50 "), Some(50));
        for bad in ["0", "-3", "+5", "五十", "1e3", "100001"] {
            assert_eq!(parse_capacity(bad), None, "{bad}");
        }
    }
}
