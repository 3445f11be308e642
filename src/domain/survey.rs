//! Satisfaction surveys (满意度调查): what a survey asks, the limits a
//! design must keep, and the answers an owner can give. A design comes from
//! the chat wizard or from a file (`services::survey_file`); both end up as
//! a [`SurveySpec`] checked by [`SurveySpec::check`] before anything is saved.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::Text;

pub const TITLE_MAX: usize = 100;
pub const INTRO_MAX: usize = 1000;
pub const PROMPT_MAX: usize = 300;
/// Options become buttons: short labels, a handful of them.
pub const OPTION_MAX: usize = 40;
pub const OPTIONS_MIN: usize = 2;
pub const OPTIONS_MAX: usize = 8;
pub const QUESTIONS_MAX: usize = 20;
/// Longest free-text answer, in characters.
pub const ANSWER_MAX: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 1 to 5 stars.
    Rating,
    /// One of the options.
    Single,
    /// Any of the options.
    Multiple,
    /// Free text.
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] =
        [QuestionKind::Rating, QuestionKind::Single, QuestionKind::Multiple, QuestionKind::Text];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Rating => "rating",
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Text => "text",
        }
    }

    pub fn parse_code(s: &str) -> Option<QuestionKind> {
        QuestionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            QuestionKind::Rating => Text::new("survey-kind-rating"),
            QuestionKind::Single => Text::new("survey-kind-single"),
            QuestionKind::Multiple => Text::new("survey-kind-multiple"),
            QuestionKind::Text => Text::new("survey-kind-text"),
        }
    }

    pub fn has_options(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default)]
    pub options: Vec<String>,
    pub required: bool,
}

/// Everything a survey is, before it is saved.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SurveySpec {
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
    /// None: every building.
    pub buildings: Option<Vec<String>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// The reminder to those who have not answered, this long before closing.
    pub remind_before_hours: Option<u32>,
}

/// Where in a design a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Title,
    Intro,
    Questions,
    /// Question `n` (0-based) as a whole, or its prompt.
    Prompt(usize),
    Options(usize),
    /// Option `i` of question `n`.
    Option(usize, usize),
    Buildings,
    Dates,
}

/// One problem with a design: where, and why (a text for the reader).
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub field: Field,
    pub reason: Text,
}

fn too_long(max: usize) -> Text {
    Text::new("survey-error-too-long").arg("max", max)
}

/// A prompt, title or option: trimmed, not empty, not too long.
pub fn clean(s: &str, max: usize) -> Result<String, Text> {
    let s = s.trim();
    if s.is_empty() {
        Err(Text::new("survey-error-empty"))
    } else if s.chars().count() > max {
        Err(too_long(max))
    } else {
        Ok(s.to_owned())
    }
}

impl Question {
    /// The problems with this question (`n` is its 0-based place).
    pub fn problems(&self, n: usize) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Err(reason) = clean(&self.prompt, PROMPT_MAX) {
            out.push(Problem { field: Field::Prompt(n), reason });
        }
        if self.kind.has_options() {
            if !(OPTIONS_MIN..=OPTIONS_MAX).contains(&self.options.len()) {
                out.push(Problem {
                    field: Field::Options(n),
                    reason: Text::new("survey-error-option-count").arg("min", OPTIONS_MIN).arg("max", OPTIONS_MAX),
                });
            }
            for (i, option) in self.options.iter().enumerate() {
                if let Err(reason) = clean(option, OPTION_MAX) {
                    out.push(Problem { field: Field::Option(n, i), reason });
                } else if self.options[..i].iter().any(|o| o.trim() == option.trim()) {
                    out.push(Problem { field: Field::Option(n, i), reason: Text::new("survey-error-option-twice") });
                }
            }
        } else if !self.options.is_empty() {
            out.push(Problem {
                field: Field::Options(n),
                reason: Text::new("survey-error-options-not-allowed").arg("kind", self.kind.label()),
            });
        }
        out
    }
}

impl SurveySpec {
    /// Every problem at once, so a file's author can fix them in one go.
    pub fn check(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Err(reason) = clean(&self.title, TITLE_MAX) {
            out.push(Problem { field: Field::Title, reason });
        }
        if self.intro.chars().count() > INTRO_MAX {
            out.push(Problem { field: Field::Intro, reason: too_long(INTRO_MAX) });
        }
        if self.questions.is_empty() || self.questions.len() > QUESTIONS_MAX {
            out.push(Problem {
                field: Field::Questions,
                reason: Text::new("survey-error-question-count").arg("max", QUESTIONS_MAX),
            });
        }
        for (n, q) in self.questions.iter().enumerate() {
            out.extend(q.problems(n));
        }
        if let Some(buildings) = &self.buildings
            && (buildings.is_empty() || buildings.iter().any(|b| b.trim().is_empty()))
        {
            out.push(Problem { field: Field::Buildings, reason: Text::new("survey-error-buildings") });
        }
        match (self.opens_at, self.closes_at) {
            (Some(open), Some(close)) if close <= open => {
                out.push(Problem { field: Field::Dates, reason: Text::new("survey-error-close-before-open") })
            }
            (_, Some(close)) if close <= now => {
                out.push(Problem { field: Field::Dates, reason: Text::new("survey-error-close-past") })
            }
            _ => {}
        }
        out
    }
}

/// A star rating, 1 to 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(n: u8) -> Option<Rating> {
        (1..=5).contains(&n).then_some(Rating(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// One answer as saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Rating(Rating),
    /// Option indexes, in order (single choice: exactly one).
    Choices(Vec<u8>),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind, options: &[&str]) -> Question {
        Question {
            kind,
            prompt: "您对小区保洁满意吗？".into(),
            options: options.iter().map(|s| s.to_string()).collect(),
            required: true,
        }
    }

    fn spec(questions: Vec<Question>) -> SurveySpec {
        SurveySpec { title: "2026年第四季度满意度调查".into(), questions, ..SurveySpec::default() }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_survey_with_one_question_of_each_kind_is_accepted() {
        let s = spec(vec![
            q(QuestionKind::Rating, &[]),
            q(QuestionKind::Single, &["是", "否"]),
            q(QuestionKind::Multiple, &["保洁", "绿化", "安保"]),
            q(QuestionKind::Text, &[]),
        ]);
        assert_eq!(s.check(now()), vec![]);
    }

    #[test]
    fn a_survey_without_questions_or_title_is_refused() {
        let s = SurveySpec::default();
        let fields: Vec<Field> = s.check(now()).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, vec![Field::Title, Field::Questions]);
    }

    #[test]
    fn a_choice_question_needs_two_to_eight_distinct_options() {
        assert_eq!(q(QuestionKind::Single, &["是"]).problems(0)[0].field, Field::Options(0));
        assert_eq!(q(QuestionKind::Multiple, &["a", "b", "a"]).problems(2)[0].field, Field::Option(2, 2));
        let nine: Vec<String> = (0..9).map(|i| i.to_string()).collect();
        let nine: Vec<&str> = nine.iter().map(String::as_str).collect();
        assert_eq!(q(QuestionKind::Single, &nine).problems(1)[0].field, Field::Options(1));
    }

    #[test]
    fn a_rating_question_with_options_is_refused() {
        assert_eq!(q(QuestionKind::Rating, &["a", "b"]).problems(0)[0].field, Field::Options(0));
    }

    #[test]
    fn a_close_date_in_the_past_or_before_opening_is_refused() {
        let mut s = spec(vec![q(QuestionKind::Rating, &[])]);
        s.closes_at = Some(now() - chrono::Duration::hours(1));
        assert_eq!(s.check(now())[0].field, Field::Dates);
        s.opens_at = Some(now() + chrono::Duration::days(2));
        s.closes_at = Some(now() + chrono::Duration::days(1));
        assert_eq!(s.check(now())[0].field, Field::Dates);
    }

    #[test]
    fn ratings_outside_one_to_five_do_not_exist() {
        assert!(Rating::parse(0).is_none());
        assert!(Rating::parse(6).is_none());
        assert_eq!(Rating::parse(5).map(Rating::get), Some(5));
    }

    #[test]
    fn an_overlong_option_is_refused() {
        let long = "长".repeat(OPTION_MAX + 1);
        assert_eq!(q(QuestionKind::Single, &["好", &long]).problems(0)[0].field, Field::Option(0, 1));
    }
}
