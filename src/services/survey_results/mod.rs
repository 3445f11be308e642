//! Survey results for admins: the figures ([`compute`]), a chat message of
//! them ([`SurveyResults::report`]), a chart of the ratings
//! ([`SurveyResults::chart_png`]) and every answer as CSV ([`csv`]).
//!
//! Only submitted responses count; the response rate is submitted over
//! invited (one invitation per owner and unit).

mod chart;
mod report;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use sqlx::PgConnection;

use crate::domain::UnitAddress;
use crate::domain::survey::{Question, QuestionKind};
use crate::services::people::Asker;
use crate::services::surveys::{self as survey_service, Refusal};
use crate::spreadsheet::CsvSheet;
use crate::store::survey_results as store;
use crate::store::surveys;

pub use chart::{PANEL_HEIGHT as CHART_PANEL_HEIGHT, WIDTH as CHART_WIDTH};
pub use report::REPORT_MAX_UTF16;

/// The latest free-text answers kept per question for the chat report.
pub const TEXTS_SHOWN: i64 = 3;
/// Longest a free-text answer is shown in the chat report, in characters.
pub const TEXT_SHOWN_CHARS: i32 = 100;

/// A survey's results, for all buildings or one.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyResults {
    pub survey_id: i64,
    pub title: String,
    /// The building shown; None: all.
    pub building: Option<String>,
    pub invited: i64,
    pub submitted: i64,
    pub questions: Vec<QuestionResult>,
    /// Every building the survey reached, whichever is shown.
    pub buildings: Vec<BuildingSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionResult {
    /// 0-based.
    pub position: usize,
    pub question: Question,
    /// Submitted responses that answered it.
    pub answered: i64,
    pub detail: Detail,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// `counts[0]` is 1 star … `counts[4]` 5 stars.
    Rating { counts: [i64; 5] },
    /// One count per option, in the question's order.
    Choices { counts: Vec<i64> },
    /// The latest answers, newest first (at most [`TEXTS_SHOWN`]).
    Text { latest: Vec<store::TextAnswer> },
}

/// One building at a glance: for the "by building" buttons.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingSummary {
    pub building: String,
    pub invited: i64,
    pub submitted: i64,
    /// The mean of every star given in this building, all rating questions together.
    pub average_rating: Option<f64>,
}

impl BuildingSummary {
    /// Whole percent, rounded; 0 when nobody was invited.
    pub fn response_rate(&self) -> i64 {
        percent(self.submitted, self.invited)
    }
}

impl SurveyResults {
    /// Whole percent, rounded; 0 when nobody was invited.
    pub fn response_rate(&self) -> i64 {
        percent(self.submitted, self.invited)
    }

    pub fn buildings(&self) -> &[BuildingSummary] {
        &self.buildings
    }

    /// Whether there is a rating question to chart.
    pub fn has_chart(&self) -> bool {
        self.questions.iter().any(|q| matches!(q.detail, Detail::Rating { .. }))
    }

    /// The bar charts of the rating questions as one PNG (see `chart`).
    pub fn chart_png(&self) -> anyhow::Result<Vec<u8>> {
        chart::render(self)
    }
}

impl QuestionResult {
    /// The mean stars, when anyone gave some.
    pub fn average(&self) -> Option<f64> {
        match &self.detail {
            Detail::Rating { counts } => average(counts),
            _ => None,
        }
    }
}

fn average(counts: &[i64; 5]) -> Option<f64> {
    let n: i64 = counts.iter().sum();
    let total: i64 = counts.iter().enumerate().map(|(i, c)| (i as i64 + 1) * c).sum();
    (n > 0).then(|| total as f64 / n as f64)
}

/// `part / whole` in whole percent, rounded half up; 0 for an empty whole.
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part * 200 + whole) / (2 * whole) }
}

/// The results of a survey, for every building (`building` None) or one:
/// for an admin of its community once it was sent, or the operator;
/// NotFound when there is no such survey.
pub async fn compute(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    survey_id: i64,
    building: Option<&str>,
) -> sqlx::Result<Result<SurveyResults, Refusal>> {
    let survey = match readable(conn, asker, survey_id).await? {
        Ok(survey) => survey,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let questions = surveys::questions(conn, survey_id).await?;
    let per_building = store::building_counts(conn, survey_id).await?;
    let ratings = store::rating_counts(conn, survey_id).await?;
    let answered = store::answered_counts(conn, survey_id, building).await?;
    let choices = store::choice_counts(conn, survey_id, building).await?;
    let texts = store::recent_texts(conn, survey_id, building, TEXTS_SHOWN, TEXT_SHOWN_CHARS).await?;

    let shown = |b: &str| building.is_none_or(|wanted| wanted == b);
    let (invited, submitted) =
        per_building.iter().filter(|b| shown(&b.building)).fold((0, 0), |(i, s), b| (i + b.invited, s + b.submitted));

    let questions = questions
        .into_iter()
        .enumerate()
        .map(|(position, question)| {
            let at = position as i16;
            let detail = match question.kind {
                QuestionKind::Rating => {
                    let mut counts = [0i64; 5];
                    for r in ratings.iter().filter(|r| r.position == at && shown(&r.building)) {
                        if let Some(slot) = counts.get_mut((r.rating - 1) as usize) {
                            *slot += r.count;
                        }
                    }
                    Detail::Rating { counts }
                }
                QuestionKind::Single | QuestionKind::Multiple => {
                    let mut counts = vec![0i64; question.options.len()];
                    for c in choices.iter().filter(|c| c.position == at) {
                        // An index past the options (an edited question) is not counted.
                        if let Some(slot) = usize::try_from(c.choice).ok().and_then(|i| counts.get_mut(i)) {
                            *slot += c.count;
                        }
                    }
                    Detail::Choices { counts }
                }
                QuestionKind::Text => {
                    Detail::Text { latest: texts.iter().filter(|t| t.position == at).cloned().collect() }
                }
            };
            let answered = answered.iter().find(|a| a.position == at).map_or(0, |a| a.count);
            QuestionResult { position, question, answered, detail }
        })
        .collect();

    let buildings = per_building
        .into_iter()
        .map(|b| {
            let (total, n) = ratings
                .iter()
                .filter(|r| r.building == b.building)
                .fold((0i64, 0i64), |(t, n), r| (t + r.rating as i64 * r.count, n + r.count));
            BuildingSummary {
                building: b.building,
                invited: b.invited,
                submitted: b.submitted,
                average_rating: (n > 0).then(|| total as f64 / n as f64),
            }
        })
        .collect();

    Ok(Ok(SurveyResults {
        survey_id,
        title: survey.title,
        building: building.map(str::to_owned),
        invited,
        submitted,
        questions,
        buildings,
    }))
}

/// The fixed columns before one column per question.
pub const CSV_FIXED_HEADER: [&str; 5] = ["response_id", "building", "unit", "name", "submitted_at"];

/// Every submitted response as one CSV row: its id, building, unit
/// (1栋2单元301), the resident's name, the submission time in `tz`, then one
/// column per question headed "Q1 <prompt>": stars as a number, choices as
/// their option texts joined by "; ", text as written, empty when skipped.
/// UTF-8 with a byte-order mark, like the ticket export, so Excel reads the
/// Chinese. Refused as [`compute`] is.
pub async fn csv(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    survey_id: i64,
    tz: chrono_tz::Tz,
) -> anyhow::Result<Result<Vec<u8>, Refusal>> {
    let mut out = Vec::new();
    match write_csv(conn, asker, survey_id, tz, &mut out).await? {
        Ok(_) => Ok(Ok(out)),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// [`csv`] into a writer; returns the rows written.
pub async fn write_csv(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    survey_id: i64,
    tz: chrono_tz::Tz,
    out: impl std::io::Write,
) -> anyhow::Result<Result<usize, Refusal>> {
    if let Err(refusal) = readable(conn, asker, survey_id).await.context("reading the survey")? {
        return Ok(Err(refusal));
    }
    let questions = surveys::questions(conn, survey_id).await.context("reading the survey's questions")?;
    let mut csv = CsvSheet::new(out).context("writing the export")?;
    let header = CSV_FIXED_HEADER
        .iter()
        .map(|h| h.to_string())
        .chain(questions.iter().enumerate().map(|(n, q)| format!("Q{} {}", n + 1, q.prompt)));
    csv.row(header).context("writing the export")?;

    let mut rows = store::export_rows(conn, survey_id);
    let mut current: Option<Vec<String>> = None;
    let mut current_id = None;
    let mut written = 0;
    while let Some(row) = rows.try_next().await.context("reading answers for the export")? {
        if current_id != Some(row.response_id) {
            if let Some(record) = current.take() {
                csv.row(&record).context("writing the export")?;
                written += 1;
            }
            current_id = Some(row.response_id);
            current = Some(first_columns(&row, tz, questions.len()));
        }
        if let (Some(record), Some(position)) = (current.as_mut(), row.position)
            && let Some(question) = questions.get(position as usize)
        {
            record[CSV_FIXED_HEADER.len() + position as usize] = answer_cell(question, &row);
        }
    }
    if let Some(record) = current.take() {
        csv.row(&record).context("writing the export")?;
        written += 1;
    }
    csv.flush().context("writing the export")?;
    Ok(Ok(written))
}

/// The survey, if `asker` may read its results: an admin of its community
/// once it was sent ([`survey_service::readable`]), or the operator (any
/// survey that exists). NotFound when there is no such survey.
async fn readable(
    conn: &mut PgConnection,
    asker: Asker<'_>,
    survey_id: i64,
) -> sqlx::Result<Result<surveys::SurveyRow, Refusal>> {
    match asker {
        Asker::Person(actor) => survey_service::readable(conn, actor, survey_id).await,
        Asker::Operator => Ok(surveys::get(conn, survey_id).await?.ok_or(Refusal::NotFound)),
    }
}

fn first_columns(row: &store::ExportRow, tz: chrono_tz::Tz, questions: usize) -> Vec<String> {
    let unit = UnitAddress::new(&row.building, &row.entrance, &row.room)
        .map(|u| u.display_zh())
        .unwrap_or_else(|_| format!("{}-{}-{}", row.building, row.entrance, row.room));
    let mut record = vec![
        row.response_id.to_string(),
        row.building.clone(),
        unit,
        row.name.clone(),
        local_time(row.submitted_at, tz),
    ];
    record.resize(CSV_FIXED_HEADER.len() + questions, String::new());
    record
}

fn local_time(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn answer_cell(question: &Question, row: &store::ExportRow) -> String {
    if let Some(rating) = row.rating {
        return rating.to_string();
    }
    if let Some(choices) = &row.choices {
        return choices
            .iter()
            .map(|i| {
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| question.options.get(i))
                    .cloned()
                    .unwrap_or_else(|| format!("#{i}"))
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    row.text.clone().unwrap_or_default()
}
