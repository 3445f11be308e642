//! Complaints (投诉), suggestions (建议) and praise (表扬): what kind of
//! ticket it is, what it is about, and its number.

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

/// What a ticket is. Repairs go to the dispatcher; the others to customer
/// service, whoever takes them first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    Repair,
    Complaint,
    Suggestion,
    Praise,
}

impl TicketKind {
    /// The kinds an owner files from 📣.
    pub const CASES: [TicketKind; 3] = [TicketKind::Complaint, TicketKind::Suggestion, TicketKind::Praise];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketKind::Repair => "repair",
            TicketKind::Complaint => "complaint",
            TicketKind::Suggestion => "suggestion",
            TicketKind::Praise => "praise",
        }
    }

    pub fn parse_code(s: &str) -> Option<TicketKind> {
        [TicketKind::Repair, TicketKind::Complaint, TicketKind::Suggestion, TicketKind::Praise]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            TicketKind::Repair => Text::new("kind-repair"),
            TicketKind::Complaint => Text::new("kind-complaint"),
            TicketKind::Suggestion => Text::new("kind-suggestion"),
            TicketKind::Praise => Text::new("kind-praise"),
        }
    }

    /// `text` in the words of this kind. A message about one ticket whose
    /// words differ between a repair (报修, 修好, 维修师傅) and a complaint,
    /// suggestion or praise selects them on `$kind` (`repair`, `complaint`,
    /// `suggestion`, `praise`: [`TicketKind::as_str`]) in the locale files;
    /// this is the one place that gives it. The timeline's every line, the
    /// rating prompt and the follow-up texts go through here.
    pub fn words(self, text: Text) -> Text {
        text.arg("kind", self.as_str())
    }

    /// Only complaints have a first-reply and an outcome deadline.
    pub fn has_deadlines(self) -> bool {
        self == TicketKind::Complaint
    }

    /// The number's prefix: BX (报修), TS (投诉), JY (建议), BY (表扬).
    pub fn prefix(self) -> &'static str {
        match self {
            TicketKind::Repair => "BX",
            TicketKind::Complaint => "TS",
            TicketKind::Suggestion => "JY",
            TicketKind::Praise => "BY",
        }
    }
}

/// What a complaint, suggestion or praise is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Noise,
    Hygiene,
    Security,
    StaffConduct,
    Parking,
    Fees,
    Other,
}

impl Subject {
    pub const ALL: [Subject; 7] = [
        Subject::Noise,
        Subject::Hygiene,
        Subject::Security,
        Subject::StaffConduct,
        Subject::Parking,
        Subject::Fees,
        Subject::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Noise => "noise",
            Subject::Hygiene => "hygiene",
            Subject::Security => "security",
            Subject::StaffConduct => "staff",
            Subject::Parking => "parking",
            Subject::Fees => "fees",
            Subject::Other => "other",
        }
    }

    pub fn parse_code(s: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Subject::Noise => Text::new("subject-noise"),
            Subject::Hygiene => Text::new("subject-hygiene"),
            Subject::Security => Text::new("subject-security"),
            Subject::StaffConduct => Text::new("subject-staff"),
            Subject::Parking => Text::new("subject-parking"),
            Subject::Fees => Text::new("subject-fees"),
            Subject::Other => Text::new("subject-other"),
        }
    }
}

/// A ticket's number: TS-20261127-0042 for a complaint (same per-community
/// daily counter as repairs).
pub fn case_number(kind: TicketKind, day: chrono::NaiveDate, sequence: i32) -> String {
    format!("{}-{}-{sequence:04}", kind.prefix(), day.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_number_reads_ts_day_sequence() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(case_number(TicketKind::Complaint, day, 7), "TS-20261127-0007");
        assert_eq!(case_number(TicketKind::Repair, day, 42), crate::domain::ticket::ticket_number(day, 42));
    }

    #[test]
    fn every_kind_and_subject_round_trips_through_its_code() {
        for k in [TicketKind::Repair, TicketKind::Complaint, TicketKind::Suggestion, TicketKind::Praise] {
            assert_eq!(TicketKind::parse_code(k.as_str()), Some(k));
        }
        for s in Subject::ALL {
            assert_eq!(Subject::parse_code(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_ticket_s_texts_speak_of_its_kind_in_both_languages() {
        use crate::i18n::Locale;
        let texts = || {
            [
                Text::new("event-created").arg("who", "王芳"),
                Text::new("event-confirm-fixed").arg("who", "王芳"),
                Text::new("ticket-ask-rating"),
                Text::new("ticket-ask-follow-up"),
                Text::new("ticket-follow-up-sent"),
                Text::new("ticket-follow-up-kept"),
            ]
        };
        for locale in Locale::ALL {
            for (n, text) in texts().into_iter().enumerate() {
                let repair = TicketKind::Repair.words(text.clone()).render(locale);
                for kind in TicketKind::CASES {
                    let case = kind.words(text.clone()).render(locale);
                    assert_ne!(case, repair, "{locale} text {n} reads as a repair for a {kind:?}");
                    for repair_word in ["报修", "修好", "维修", "repair", "technician", "fixed"] {
                        assert!(!case.contains(repair_word), "{locale} {kind:?}: {case}");
                    }
                }
            }
        }
        let asked = |kind: TicketKind| kind.words(Text::new("ticket-ask-rating")).render(Locale::ZhCn);
        assert!(asked(TicketKind::Repair).contains("维修服务"));
        assert!(asked(TicketKind::Complaint).contains("投诉"));
    }

    #[test]
    fn only_complaints_have_deadlines() {
        assert!(TicketKind::Complaint.has_deadlines());
        assert!(!TicketKind::Suggestion.has_deadlines());
        assert!(!TicketKind::Praise.has_deadlines());
    }
}
