//! The results as one chat message. Telegram refuses a message longer than
//! 4096 UTF-16 code units, and a survey may have 20 questions of 300
//! characters with 8 options each: the report is built at decreasing levels
//! of detail until it fits in both languages, and at the last level drops
//! questions from the end with a line saying how many (the CSV has them all).

use super::{Detail, QuestionResult, SurveyResults, percent};
use crate::i18n::{Locale, Text};

/// Telegram's limit for a message's text.
pub const REPORT_MAX_UTF16: usize = 4096;

/// How much of each part is shown.
#[derive(Clone, Copy)]
struct Detailing {
    texts: usize,
    text_chars: usize,
    prompt_chars: usize,
    option_chars: usize,
}

const LEVELS: [Detailing; 3] = [
    Detailing { texts: 3, text_chars: 100, prompt_chars: 120, option_chars: 40 },
    Detailing { texts: 1, text_chars: 60, prompt_chars: 60, option_chars: 20 },
    Detailing { texts: 0, text_chars: 0, prompt_chars: 30, option_chars: 12 },
];

const BAR_WIDTH: i64 = 10;

impl SurveyResults {
    /// Title, invited / answered / response rate, then each question: stars
    /// (average and distribution), choices (count and share of those who
    /// answered), free text (how many, the latest few). At most
    /// [`REPORT_MAX_UTF16`] once rendered, in any language.
    pub fn report(&self) -> Text {
        for level in LEVELS {
            let text = self.report_at(level, self.questions.len());
            if fits(&text) {
                return text;
            }
        }
        let last = LEVELS[LEVELS.len() - 1];
        let mut shown = self.questions.len();
        while shown > 0 {
            shown -= 1;
            let text = self.report_at(last, shown);
            if fits(&text) {
                return text;
            }
        }
        self.report_at(last, 0)
    }

    /// Each building's response rate and average stars, one line each.
    pub fn building_report(&self) -> Text {
        let mut lines = vec![Text::new("survey-results-by-building")];
        for b in &self.buildings {
            let line = match b.average_rating {
                Some(avg) => Text::new("survey-results-building-line").arg("average", format!("{avg:.1}")),
                None => Text::new("survey-results-building-line-unrated"),
            };
            lines.push(
                line.arg("building", b.building.as_str())
                    .arg("rate", b.response_rate())
                    .arg("submitted", b.submitted)
                    .arg("invited", b.invited),
            );
            if !fits(&Text::lines(lines.clone())) {
                lines.pop();
                lines.push(Text::new("survey-results-buildings-more"));
                break;
            }
        }
        Text::lines(lines)
    }

    fn report_at(&self, level: Detailing, questions_shown: usize) -> Text {
        let mut lines = vec![Text::new("survey-results-title").arg("title", self.title.as_str())];
        lines.push(match &self.building {
            Some(b) => Text::new("survey-results-one-building").arg("building", b.as_str()),
            None => Text::new("survey-results-all-buildings"),
        });
        lines.push(
            Text::new("survey-results-rate")
                .arg("invited", self.invited)
                .arg("submitted", self.submitted)
                .arg("rate", self.response_rate()),
        );
        for q in self.questions.iter().take(questions_shown) {
            lines.push(Text::plain(""));
            lines.extend(question_lines(q, level));
        }
        let hidden = self.questions.len() - questions_shown.min(self.questions.len());
        if hidden > 0 {
            lines.push(Text::plain(""));
            lines.push(Text::new("survey-results-more-questions").arg("count", hidden));
        }
        Text::lines(lines)
    }
}

fn question_lines(q: &QuestionResult, level: Detailing) -> Vec<Text> {
    let mut lines = vec![
        Text::new("survey-results-question")
            .arg("n", q.position + 1)
            .arg("prompt", cut(&q.question.prompt, level.prompt_chars))
            .arg("kind", q.question.kind.label()),
    ];
    if q.answered == 0 {
        lines.push(Text::new("survey-results-no-answers"));
        return lines;
    }
    match &q.detail {
        Detail::Rating { counts } => {
            let n: i64 = counts.iter().sum();
            let average = q.average().map_or_else(|| "–".to_owned(), |a| format!("{a:.1}"));
            lines.push(Text::new("survey-results-average").arg("average", average).arg("count", n));
            for stars in (1..=5).rev() {
                let count = counts[stars - 1];
                lines.push(
                    Text::new("survey-results-star-line")
                        .arg("stars", stars)
                        .arg("bar", bar(count, n))
                        .arg("count", count)
                        .arg("percent", percent(count, n)),
                );
            }
        }
        Detail::Choices { counts } => {
            lines.push(Text::new("survey-results-answered").arg("count", q.answered));
            for (option, count) in q.question.options.iter().zip(counts) {
                lines.push(
                    Text::new("survey-results-option-line")
                        .arg("option", cut(option, level.option_chars))
                        .arg("count", *count)
                        .arg("percent", percent(*count, q.answered)),
                );
            }
        }
        Detail::Text { latest } => {
            lines.push(Text::new("survey-results-text-count").arg("count", q.answered));
            let shown = latest.iter().take(level.texts);
            for answer in shown.clone() {
                let text = if answer.cut { format!("{}…", answer.text) } else { answer.text.clone() };
                lines.push(Text::new("survey-results-text-line").arg("text", cut(&one_line(&text), level.text_chars)));
            }
            let more = q.answered - shown.count() as i64;
            if more > 0 {
                lines.push(Text::new("survey-results-text-more").arg("count", more));
            }
        }
    }
    lines
}

/// A bar of [`BAR_WIDTH`] cells, filled in proportion.
fn bar(count: i64, total: i64) -> String {
    let filled = if total > 0 { (count * BAR_WIDTH * 2 + total) / (2 * total) } else { 0 };
    let filled = filled.clamp(0, BAR_WIDTH) as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(BAR_WIDTH as usize - filled))
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Line breaks in an answer would break the list apart.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fits(text: &Text) -> bool {
    Locale::ALL.iter().all(|l| text.render(*l).encode_utf16().count() <= REPORT_MAX_UTF16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{OPTION_MAX, OPTIONS_MAX, PROMPT_MAX, QUESTIONS_MAX, Question, QuestionKind};
    use crate::store::survey_results::TextAnswer;

    fn result(position: usize, kind: QuestionKind, options: usize, detail: Detail) -> QuestionResult {
        QuestionResult {
            position,
            question: Question {
                kind,
                prompt: "您对小区公共区域的保洁、绿化和安保服务整体是否满意？".repeat(PROMPT_MAX / 26),
                options: (0..options).map(|i| format!("{i}{}", "选".repeat(OPTION_MAX - 2))).collect(),
                required: true,
            },
            answered: 9_999,
            detail,
        }
    }

    fn text(n: i64) -> TextAnswer {
        TextAnswer {
            position: 0,
            response_id: n,
            building: "1".into(),
            text: "电梯".repeat(50),
            cut: true,
            answered_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    fn survey(questions: Vec<QuestionResult>) -> SurveyResults {
        SurveyResults {
            survey_id: 1,
            title: "满".repeat(100),
            building: None,
            invited: 10_000,
            submitted: 9_999,
            questions,
            buildings: Vec::new(),
        }
    }

    #[test]
    fn the_largest_possible_survey_still_fits_in_one_message() {
        let questions = (0..QUESTIONS_MAX)
            .map(|n| match n % 3 {
                0 => result(n, QuestionKind::Rating, 0, Detail::Rating { counts: [1, 2, 3, 4, 9_989] }),
                1 => {
                    result(n, QuestionKind::Multiple, OPTIONS_MAX, Detail::Choices { counts: vec![1_234; OPTIONS_MAX] })
                }
                _ => result(n, QuestionKind::Text, 0, Detail::Text { latest: (0..3).map(text).collect() }),
            })
            .collect();
        let report = survey(questions).report();
        for locale in Locale::ALL {
            let shown = report.render(locale);
            assert!(shown.encode_utf16().count() <= REPORT_MAX_UTF16, "{locale}: {}", shown.len());
        }
    }

    #[test]
    fn a_small_survey_shows_everything() {
        let s = survey(vec![
            result(0, QuestionKind::Rating, 0, Detail::Rating { counts: [0, 0, 1, 1, 2] }),
            result(1, QuestionKind::Text, 0, Detail::Text { latest: vec![text(1)] }),
        ]);
        let shown = s.report().render(Locale::ZhCn);
        assert!(shown.contains("平均 4.2 分"), "{shown}");
        assert!(shown.contains("5★ █████░░░░░ 2（50%）"), "{shown}");
        assert!(!shown.contains("另有") || shown.contains("另有 9998 条"), "{shown}");
    }

    #[test]
    fn bars_are_filled_in_proportion() {
        assert_eq!(bar(0, 0), "░".repeat(10));
        assert_eq!(bar(1, 3), "███░░░░░░░");
        assert_eq!(bar(3, 3), "█".repeat(10));
    }
}
