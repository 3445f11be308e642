//! Survey files: a survey designed in a text editor, sent to the bot as a
//! document or imported with `propdesk survey import FILE`. YAML or TOML by
//! the file's extension; `examples/survey.yaml` and `examples/survey.toml`
//! show the format, the README describes it.
//!
//! A file is refused with every problem at once, each at its line: syntax
//! errors, unknown fields, values of the wrong type, and everything
//! [`SurveySpec::check`] finds, mapped back to the line of the field concerned.
//! A file that passes becomes a [`SurveySpec`]; [`import`] saves it as a draft
//! in one statement sequence inside the caller's transaction.

mod tree;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc};
use sqlx::PgConnection;

use crate::domain::survey::{Field, QUESTIONS_MAX, Question, QuestionKind, SurveySpec};
use crate::i18n::{Locale, Text};
use crate::store::surveys as store;
use tree::{Entry, Node, Value};

/// Larger than any survey needs by far (20 questions of 300 characters are
/// some 20 KB); refused before parsing.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// A reminder more than 30 days before closing is not a reminder.
pub const REMIND_MAX_HOURS: i64 = 24 * 30;

const SURVEY_FIELDS: &str = "title, intro, questions, buildings, opens, closes, remind_before_hours";
const QUESTION_FIELDS: &str = "type, prompt, options, required";

/// One problem with a file: where (1-based line, when it has one) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct FileError {
    pub line: Option<usize>,
    pub reason: Text,
}

impl FileError {
    /// `FILE:LINE: reason`, the way compilers and linters print theirs.
    pub fn render(&self, file_name: &str, locale: Locale) -> String {
        match self.line {
            Some(line) => format!("{file_name}:{line}: {}", self.reason.render(locale)),
            None => format!("{file_name}: {}", self.reason.render(locale)),
        }
    }
}

fn error(line: Option<usize>, reason: Text) -> Vec<FileError> {
    vec![FileError { line, reason }]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Yaml,
    Toml,
}

/// Reads a survey file. `now` judges the dates; `tz` is the community's zone,
/// in which the file's dates and times are meant.
pub fn parse(
    file_name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<SurveySpec, Vec<FileError>> {
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let format = match extension.as_str() {
        "yaml" | "yml" => Format::Yaml,
        "toml" => Format::Toml,
        _ => return Err(error(None, Text::new("survey-file-unknown-format"))),
    };
    if bytes.len() >= MAX_FILE_BYTES {
        return Err(error(None, Text::new("survey-file-too-large").arg("max_kb", MAX_FILE_BYTES / 1024)));
    }
    let src = match std::str::from_utf8(bytes) {
        Ok(src) => src,
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(error(Some(line), Text::new("survey-file-not-utf8")));
        }
    };
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    if src.trim().is_empty() {
        return Err(error(None, Text::new("survey-file-empty")));
    }
    let root = match format {
        Format::Yaml => tree::from_yaml(src),
        Format::Toml => tree::from_toml(src).map(Some),
    };
    let root = match root {
        Ok(Some(root)) => root,
        Ok(None) => return Err(error(None, Text::new("survey-file-empty"))),
        Err(errors) => {
            return Err(errors
                .into_iter()
                .map(|e| FileError { line: e.line, reason: Text::new("survey-file-syntax").arg("detail", e.message) })
                .collect());
        }
    };

    let mut reader = Reader { tz, errors: Vec::new(), broken: Vec::new(), lines: Lines::default() };
    let spec = reader.survey(root);
    let Reader { mut errors, broken, lines, .. } = reader;
    for problem in spec.check(now) {
        if broken.contains(&problem.field) {
            continue; // already reported as a wrong value
        }
        errors.push(FileError {
            line: lines.of(&problem.field),
            reason: Text::new("survey-file-at").arg("place", lines.place(&problem.field)).arg("reason", problem.reason),
        });
    }
    if errors.is_empty() {
        Ok(spec)
    } else {
        // In reading order; problems without a line (a missing title) first.
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Saves a parsed file as a draft survey; returns its id. The caller's
/// transaction makes it all or nothing.
pub async fn import(
    conn: &mut PgConnection,
    community_id: i64,
    spec: &SurveySpec,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    store::insert(conn, community_id, spec, created_by, now).await
}

/// The file's buildings that the community does not have (a survey to them
/// would reach nobody).
pub async fn unknown_buildings(
    conn: &mut PgConnection,
    community_id: i64,
    spec: &SurveySpec,
) -> sqlx::Result<Vec<String>> {
    let Some(wanted) = &spec.buildings else { return Ok(Vec::new()) };
    let known = store::buildings(conn, community_id).await?;
    Ok(wanted.iter().filter(|b| !known.iter().any(|k| k == b.trim())).cloned().collect())
}

/// Where each field of the design was written, to point check problems at lines.
#[derive(Default)]
struct Lines {
    title: Option<usize>,
    intro: Option<usize>,
    questions: Option<usize>,
    buildings: Option<usize>,
    opens: Option<usize>,
    closes: Option<usize>,
    /// One per question kept in the spec, in order.
    items: Vec<ItemLines>,
}

struct ItemLines {
    /// 1-based place in the file's list (items that could not be read are
    /// not in the spec, so this can differ from the spec's index + 1).
    number: usize,
    line: usize,
    prompt: Option<usize>,
    options: Option<usize>,
    option: Vec<usize>,
}

impl Lines {
    fn of(&self, field: &Field) -> Option<usize> {
        let item = |n: &usize| self.items.get(*n);
        match field {
            Field::Title => self.title,
            Field::Intro => self.intro,
            Field::Questions => self.questions,
            Field::Prompt(n) => item(n).map(|i| i.prompt.unwrap_or(i.line)),
            Field::Options(n) => item(n).map(|i| i.options.unwrap_or(i.line)),
            Field::Option(n, o) => item(n).map(|i| i.option.get(*o).copied().or(i.options).unwrap_or(i.line)),
            Field::Buildings => self.buildings,
            Field::Dates => self.closes.or(self.opens),
        }
    }

    fn place(&self, field: &Field) -> Text {
        let number = |n: &usize| self.items.get(*n).map_or(n + 1, |i| i.number);
        match field {
            Field::Title => Text::plain("title"),
            Field::Intro => Text::plain("intro"),
            Field::Questions => Text::plain("questions"),
            Field::Prompt(n) => Text::new("survey-file-place-question").arg("n", number(n)),
            Field::Options(n) => Text::new("survey-file-place-options").arg("n", number(n)),
            Field::Option(n, o) => Text::new("survey-file-place-option").arg("n", number(n)).arg("option", o + 1),
            Field::Buildings => Text::plain("buildings"),
            Field::Dates => Text::plain(if self.closes.is_some() { "closes" } else { "opens" }),
        }
    }
}

struct Reader {
    tz: chrono_tz::Tz,
    errors: Vec<FileError>,
    /// Fields whose value was refused already: `check` would only repeat it.
    broken: Vec<Field>,
    lines: Lines,
}

/// What a value should have been, for the wrong-type message.
#[derive(Clone, Copy)]
enum Expected {
    Text,
    List,
    Table,
    Bool,
    Integer,
    Date,
}

impl Expected {
    fn label(self) -> Text {
        match self {
            Expected::Text => Text::new("survey-file-type-text"),
            Expected::List => Text::new("survey-file-type-list"),
            Expected::Table => Text::new("survey-file-type-table"),
            Expected::Bool => Text::new("survey-file-type-bool"),
            Expected::Integer => Text::new("survey-file-type-integer"),
            Expected::Date => Text::new("survey-file-type-date"),
        }
    }
}

impl Reader {
    fn report(&mut self, line: usize, place: Text, reason: Text) {
        self.errors.push(FileError {
            line: Some(line),
            reason: Text::new("survey-file-at").arg("place", place).arg("reason", reason),
        });
    }

    fn wrong_type(&mut self, node: &Node, place: Text, expected: Expected) {
        self.report(node.line, place, Text::new("survey-file-wrong-type").arg("expected", expected.label()));
    }

    fn unknown_field(&mut self, entry: &Entry, place: Text, known: &str) {
        self.report(
            entry.key_line,
            place,
            Text::new("survey-file-unknown-field").arg("field", entry.key.as_str()).arg("known", known),
        );
    }

    fn text(&mut self, node: &Node, place: Text) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Null => None,
            _ => {
                self.wrong_type(node, place, Expected::Text);
                None
            }
        }
    }

    /// A building or an option: text, or a number written bare (`- 1`).
    fn label(&mut self, node: &Node, place: Text) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => {
                self.wrong_type(node, place, Expected::Text);
                None
            }
        }
    }

    fn survey(&mut self, root: Node) -> SurveySpec {
        let mut spec = SurveySpec::default();
        let Value::Map(entries) = root.value else {
            self.errors.push(FileError { line: Some(root.line), reason: Text::new("survey-file-not-a-table") });
            self.broken.extend([Field::Title, Field::Questions]);
            return spec;
        };
        for entry in entries {
            let place = Text::plain(entry.key.clone());
            let node = &entry.value;
            match entry.key.as_str() {
                "title" => {
                    self.lines.title = Some(node.line);
                    match self.text(node, place) {
                        Some(title) => spec.title = title,
                        None if node.value != Value::Null => self.broken.push(Field::Title),
                        None => {}
                    }
                }
                "intro" => {
                    self.lines.intro = Some(node.line);
                    spec.intro = self.text(node, place).unwrap_or_default();
                }
                "questions" => {
                    self.lines.questions = Some(node.line);
                    match &node.value {
                        Value::List(items) => {
                            for (i, item) in items.iter().enumerate() {
                                if let Some((question, lines)) = self.question(item, i + 1) {
                                    spec.questions.push(question);
                                    self.lines.items.push(lines);
                                }
                            }
                            // Refused items were reported; do not also count them missing.
                            if spec.questions.len() < items.len() && items.len() <= QUESTIONS_MAX {
                                self.broken.push(Field::Questions);
                            }
                        }
                        Value::Null => {}
                        _ => {
                            self.wrong_type(node, place, Expected::List);
                            self.broken.push(Field::Questions);
                        }
                    }
                }
                "buildings" => {
                    self.lines.buildings = Some(node.line);
                    spec.buildings = match &node.value {
                        Value::Null => None,
                        Value::List(items) => {
                            let labels: Vec<Option<String>> =
                                items.iter().map(|b| self.label(b, Text::plain("buildings"))).collect();
                            if labels.iter().any(Option::is_none) {
                                self.broken.push(Field::Buildings);
                            }
                            Some(labels.into_iter().flatten().collect())
                        }
                        // One building needs no list.
                        Value::Str(_) | Value::Int(_) => self.label(node, place).map(|b| vec![b]),
                        _ => {
                            self.wrong_type(node, place, Expected::List);
                            self.broken.push(Field::Buildings);
                            None
                        }
                    };
                }
                "opens" => {
                    self.lines.opens = Some(node.line);
                    spec.opens_at = self.date(node, place, false);
                }
                "closes" => {
                    self.lines.closes = Some(node.line);
                    spec.closes_at = self.date(node, place, true);
                }
                "remind_before_hours" => match node.value {
                    Value::Null => {}
                    Value::Int(h) if (1..=REMIND_MAX_HOURS).contains(&h) => spec.remind_before_hours = Some(h as u32),
                    Value::Int(_) => self.report(
                        node.line,
                        place,
                        Text::new("survey-file-remind-range").arg("max", REMIND_MAX_HOURS),
                    ),
                    _ => self.wrong_type(node, place, Expected::Integer),
                },
                _ => self.unknown_field(&entry, Text::plain(entry.key.clone()), SURVEY_FIELDS),
            }
        }
        spec
    }

    /// One item of `questions`; `number` is 1-based. None when it cannot
    /// become a question at all (not a table, no type): reported here.
    fn question(&mut self, item: &Node, number: usize) -> Option<(Question, ItemLines)> {
        let here = || Text::new("survey-file-place-question").arg("n", number);
        let field = |name: &str| Text::new("survey-file-place-question-field").arg("n", number).arg("field", name);
        let Value::Map(entries) = &item.value else {
            self.wrong_type(item, here(), Expected::Table);
            return None;
        };
        let mut lines = ItemLines { number, line: item.line, prompt: None, options: None, option: Vec::new() };
        let mut kind = None;
        let mut kind_given = false;
        let mut prompt = None;
        let mut options = Vec::new();
        let mut required = true;
        let (mut prompt_broken, mut options_broken) = (false, false);
        for entry in entries {
            let node = &entry.value;
            match entry.key.as_str() {
                "type" => {
                    kind_given = true;
                    match &node.value {
                        Value::Str(s) => match parse_kind(s) {
                            Some(k) => kind = Some(k),
                            None => self.report(
                                node.line,
                                field("type"),
                                Text::new("survey-file-unknown-type").arg("type", s.as_str()),
                            ),
                        },
                        _ => self.wrong_type(node, field("type"), Expected::Text),
                    }
                }
                "prompt" | "text" => {
                    if prompt.is_some() {
                        self.report(entry.key_line, here(), Text::new("survey-file-prompt-twice"));
                        continue;
                    }
                    lines.prompt = Some(node.line);
                    let text = self.text(node, field(&entry.key));
                    prompt_broken = text.is_none() && node.value != Value::Null;
                    prompt = Some(text.unwrap_or_default());
                }
                "options" => {
                    lines.options = Some(node.line);
                    match &node.value {
                        Value::List(items) => {
                            for (i, option) in items.iter().enumerate() {
                                let place = Text::new("survey-file-place-option").arg("n", number).arg("option", i + 1);
                                // A refused option still takes its place, so later ones keep their lines.
                                options.push(self.label(option, place).unwrap_or_else(|| "?".into()));
                                lines.option.push(option.line);
                            }
                        }
                        Value::Null => {}
                        _ => {
                            self.wrong_type(node, field("options"), Expected::List);
                            options_broken = true;
                        }
                    }
                }
                "required" => match node.value {
                    Value::Bool(b) => required = b,
                    Value::Null => {}
                    _ => self.wrong_type(node, field("required"), Expected::Bool),
                },
                _ => self.unknown_field(entry, here(), QUESTION_FIELDS),
            }
        }
        let kind = match kind {
            Some(kind) => kind,
            None => {
                if !kind_given {
                    self.report(item.line, here(), Text::new("survey-file-missing-type"));
                }
                return None;
            }
        };
        // Its index in the spec: it is pushed right after this returns.
        let index = self.lines.items.len();
        if prompt_broken {
            self.broken.push(Field::Prompt(index));
        }
        if options_broken {
            self.broken.push(Field::Options(index));
        }
        let question = Question { kind, prompt: prompt.unwrap_or_default(), options, required };
        Some((question, lines))
    }

    /// A local date-time or date in the community's zone. A date alone opens
    /// at the start of that day and closes at its end (closes: 2026-12-15
    /// means owners can answer all of the 15th).
    fn date(&mut self, node: &Node, place: Text, closing: bool) -> Option<DateTime<Utc>> {
        let s = match &node.value {
            Value::Null => return None,
            Value::Str(s) | Value::DateTime(s) => s.trim(),
            _ => {
                self.wrong_type(node, place, Expected::Date);
                return None;
            }
        };
        match parse_local(s, self.tz, closing) {
            Some(t) => Some(t),
            None => {
                self.report(node.line, place, Text::new("survey-file-bad-date").arg("value", s));
                None
            }
        }
    }
}

/// The type names the format accepts: the codes, and the words a Chinese
/// author may write instead.
fn parse_kind(s: &str) -> Option<QuestionKind> {
    let s = s.trim();
    QuestionKind::parse_code(&s.to_ascii_lowercase()).or(match s {
        "评分" | "打分" => Some(QuestionKind::Rating),
        "单选" => Some(QuestionKind::Single),
        "多选" => Some(QuestionKind::Multiple),
        "文字" | "填空" | "问答" => Some(QuestionKind::Text),
        _ => None,
    })
}

fn parse_local(s: &str, tz: chrono_tz::Tz, closing: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            let day = if closing { day.succ_opt()? } else { day };
            Some(day.and_time(NaiveTime::MIN))
        })?;
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;
