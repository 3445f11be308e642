//! Satisfaction surveys (满意度调查): admins design them (the chat wizard or
//! a file), choose the buildings and dates, and launch them; at the opening
//! the scheduler (or Send now) invites every verified owner of the audience
//! through the outbox, at Telegram's pace and behind notifications; owners
//! answer one question at a time, may stop and continue where they were, and
//! may change their answers until the survey closes; once, a set time before
//! closing, those who have not finished are reminded.
//!
//! One response per owner and unit: an owner of two units in the audience is
//! invited for each (the results are read by building, and each household's
//! view counts). Family members and tenants bound to a unit are owners here.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use crate::config::SurveySettings;
use crate::domain::callback::{AnswerOp, SurveyOp};
use crate::domain::survey::{ANSWER_MAX, Answer, Problem, Question, QuestionKind, Rating, SurveySpec};
use crate::domain::{Button, CallbackData, Markup, Outgoing, labels};
use crate::i18n::Text;
use crate::services::people::Actor;
use crate::store::outbox::{self, NewMessage, Priority};
use crate::store::surveys::{self as store, Phase, ResponseRow, SurveyRow};

/// Why a survey action was not carried out. Nothing changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// No such survey or response (or a forged id).
    NotFound,
    /// Not theirs: only admins design, send and read; owners answer their own.
    NotAllowed,
    /// The design has problems.
    Problems(Vec<Problem>),
    /// Only a draft can be changed or sent.
    NotDraft,
    /// Nobody would receive it.
    EmptyAudience,
    /// A time that has passed, or after the closing.
    BadTime,
    /// The survey has closed (or not opened).
    Closed,
    /// A button from an earlier question: the owner is elsewhere now.
    Stale,
    /// The answer does not fit the question (a text where a button is expected…).
    Unfit(Text),
}

pub type Outcome<T> = Result<T, Refusal>;

/// The settings and moment survey use cases run with.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    pub now: DateTime<Utc>,
    pub settings: SurveySettings,
}

impl Clock {
    /// "12-01 20:00" in the community's zone.
    pub fn time(&self, at: DateTime<Utc>) -> Text {
        Text::plain(at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string())
    }
}

pub fn may_manage(actor: &Actor) -> bool {
    actor.is_admin
}

fn admin_only(actor: &Actor) -> Outcome<()> {
    if may_manage(actor) { Ok(()) } else { Err(Refusal::NotAllowed) }
}

/// The community an admin works in.
async fn community(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<i64> {
    crate::store::tickets::community_of_user(conn, actor.telegram_id()).await
}

/// Checks a design and saves it as a draft.
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    spec: &SurveySpec,
    clock: &Clock,
) -> sqlx::Result<Outcome<i64>> {
    if let Err(r) = admin_only(actor) {
        return Ok(Err(r));
    }
    let problems = spec.check(clock.now);
    if !problems.is_empty() {
        return Ok(Err(Refusal::Problems(problems)));
    }
    let community = community(conn, actor).await?;
    // A survey for buildings the community does not have would reach nobody.
    let unknown = crate::services::survey_file::unknown_buildings(conn, community, spec).await?;
    if !unknown.is_empty() {
        let text = Text::new("survey-file-unknown-buildings").arg("buildings", unknown.join("、"));
        return Ok(Err(Refusal::Unfit(text)));
    }
    Ok(Ok(store::insert(conn, community, spec, Some(actor.telegram_id()), clock.now).await?))
}

/// A community's surveys for the admin's list.
pub async fn list(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<Outcome<Vec<SurveyRow>>> {
    if let Err(r) = admin_only(actor) {
        return Ok(Err(r));
    }
    let community = community(conn, actor).await?;
    Ok(Ok(store::list(conn, community, 20).await?))
}

/// Everything the admin's card shows.
pub struct Card {
    pub survey: SurveyRow,
    pub questions: Vec<Question>,
    /// (invited, submitted) once sent; the reach of the audience before.
    pub invited: i64,
    pub submitted: i64,
    pub buildings: Vec<String>,
}

async fn admins_survey(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    lock: bool,
) -> sqlx::Result<Outcome<SurveyRow>> {
    if let Err(r) = admin_only(actor) {
        return Ok(Err(r));
    }
    let survey = if lock { store::lock(conn, id).await? } else { store::get(conn, id).await? };
    let community = community(conn, actor).await?;
    Ok(survey.filter(|s| s.community_id == community).ok_or(Refusal::NotFound))
}

/// The admin's survey, locked, when it is in one of `phases`; `otherwise` when not.
async fn locked_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    clock: &Clock,
    phases: &[Phase],
    otherwise: Refusal,
) -> sqlx::Result<Outcome<SurveyRow>> {
    Ok(match admins_survey(conn, actor, id, true).await? {
        Ok(s) if phases.contains(&s.phase(clock.now)) => Ok(s),
        Ok(_) => Err(otherwise),
        Err(r) => Err(r),
    })
}

pub async fn card(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<Card>> {
    let survey = match admins_survey(conn, actor, id, false).await? {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let questions = store::questions(conn, id).await?;
    let (invited, submitted) = if survey.sent_at.is_some() {
        store::counts(conn, id).await?
    } else {
        (store::audience_size(conn, survey.community_id, survey.buildings.as_deref()).await?, 0)
    };
    let buildings = store::buildings(conn, survey.community_id).await?;
    Ok(Ok(Card { survey, questions, invited, submitted, buildings }))
}

/// A change to a draft: who gets it, when it closes.
async fn change_draft(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    clock: &Clock,
    op: SurveyOp,
) -> sqlx::Result<Outcome<()>> {
    let survey = match locked_in(conn, actor, id, clock, &[Phase::Draft], Refusal::NotDraft).await? {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    match op {
        SurveyOp::AllBuildings => store::set_buildings(conn, id, None).await?,
        SurveyOp::Building(index) => {
            let all = store::buildings(conn, survey.community_id).await?;
            let Some(building) = all.get(usize::from(index)) else { return Ok(Err(Refusal::NotFound)) };
            let mut chosen = survey.buildings.clone().unwrap_or_default();
            if let Some(at) = chosen.iter().position(|b| b == building) {
                chosen.remove(at);
            } else {
                chosen.push(building.clone());
            }
            chosen.sort_by_key(|b| all.iter().position(|x| x == b));
            // Nothing chosen means everyone, as before any choice.
            store::set_buildings(conn, id, (!chosen.is_empty()).then_some(chosen.as_slice())).await?
        }
        SurveyOp::CloseIn(days) => {
            let day = clock.now.with_timezone(&clock.tz).date_naive() + Duration::days(i64::from(days));
            store::set_closes_at(conn, id, evening(clock.tz, day)).await?
        }
        _ => return Ok(Err(Refusal::NotFound)),
    }
    Ok(Ok(()))
}

pub async fn choose_audience(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    op: SurveyOp,
    clock: &Clock,
) -> sqlx::Result<Outcome<()>> {
    change_draft(conn, actor, id, clock, op).await
}

pub async fn close_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    days: u8,
    clock: &Clock,
) -> sqlx::Result<Outcome<()>> {
    change_draft(conn, actor, id, clock, SurveyOp::CloseIn(days)).await
}

/// Surveys close at 20:00 local time, so the reminder the day before comes
/// in the evening too.
fn evening(tz: Tz, day: chrono::NaiveDate) -> DateTime<Utc> {
    let at = day.and_hms_opt(20, 0, 0).expect("20:00 exists");
    tz.from_local_datetime(&at).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&at))
}

/// A typed date and time ("2026-12-01 09:00", or a date: 09:00 that day)
/// in the community's zone.
pub fn parse_local_time(input: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let input = input.trim().replace('：', ":").replace(['／', '/'], "-");
    let local = NaiveDateTime::parse_from_str(&input, "%Y-%m-%d %H:%M")
        .ok()
        .or_else(|| chrono::NaiveDate::parse_from_str(&input, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(9, 0, 0)))?;
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

/// The closing a launch uses: the chosen one, or the default length.
fn closing_for(survey: &SurveyRow, opens_at: DateTime<Utc>, clock: &Clock) -> DateTime<Utc> {
    survey.closes_at.unwrap_or_else(|| {
        let day = opens_at.with_timezone(&clock.tz).date_naive() + Duration::days(clock.settings.open_days);
        evening(clock.tz, day)
    })
}

/// What Send will do, for the confirmation.
pub struct Launch {
    pub reach: i64,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// Launches a draft: at `opens_at` (None: now). Sending now invites at once,
/// in this transaction; a later opening is the scheduler's. `dry_run` only
/// reports what would happen.
pub async fn launch(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    opens_at: Option<DateTime<Utc>>,
    dry_run: bool,
    clock: &Clock,
) -> sqlx::Result<Outcome<Launch>> {
    let survey = match locked_in(conn, actor, id, clock, &[Phase::Draft], Refusal::NotDraft).await? {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let opens_at = opens_at.or(survey.opens_at.filter(|t| *t > clock.now)).unwrap_or(clock.now);
    let closes_at = closing_for(&survey, opens_at, clock);
    if opens_at < clock.now || closes_at <= opens_at || closes_at <= clock.now {
        return Ok(Err(Refusal::BadTime));
    }
    let reach = store::audience_size(conn, survey.community_id, survey.buildings.as_deref()).await?;
    if reach == 0 {
        return Ok(Err(Refusal::EmptyAudience));
    }
    if !dry_run {
        store::launch(conn, id, opens_at, closes_at, clock.now).await?;
        if opens_at <= clock.now
            && let Some(survey) = store::lock(conn, id).await?
        {
            open(conn, &survey, clock).await?;
        }
    }
    Ok(Ok(Launch { reach, opens_at, closes_at }))
}

/// A scheduled survey goes back to being a draft.
pub async fn unschedule(conn: &mut PgConnection, actor: &Actor, id: i64, clock: &Clock) -> sqlx::Result<Outcome<()>> {
    if let Err(r) = locked_in(conn, actor, id, clock, &[Phase::Scheduled], Refusal::NotDraft).await? {
        return Ok(Err(r));
    }
    store::unlaunch(conn, id).await?;
    Ok(Ok(()))
}

/// Drafts and scheduled surveys can be deleted; sent ones are kept.
pub async fn delete(conn: &mut PgConnection, actor: &Actor, id: i64, clock: &Clock) -> sqlx::Result<Outcome<()>> {
    if let Err(r) = locked_in(conn, actor, id, clock, &[Phase::Draft, Phase::Scheduled], Refusal::NotDraft).await? {
        return Ok(Err(r));
    }
    store::delete(conn, id).await?;
    Ok(Ok(()))
}

/// An open survey closes now.
pub async fn close_now(conn: &mut PgConnection, actor: &Actor, id: i64, clock: &Clock) -> sqlx::Result<Outcome<()>> {
    if let Err(r) = locked_in(conn, actor, id, clock, &[Phase::Open], Refusal::Closed).await? {
        return Ok(Err(r));
    }
    store::set_closes_at(conn, id, clock.now).await?;
    Ok(Ok(()))
}

/// The admin may read this survey's results (sent ones only).
pub async fn readable(conn: &mut PgConnection, actor: &Actor, id: i64) -> sqlx::Result<Outcome<SurveyRow>> {
    match admins_survey(conn, actor, id, false).await? {
        Ok(s) if s.sent_at.is_some() => Ok(Ok(s)),
        Ok(_) => Ok(Err(Refusal::NotDraft)),
        Err(r) => Ok(Err(r)),
    }
}

fn answer_button(label: Text, response: i64, position: u8, op: AnswerOp) -> Button {
    Button::new(label, CallbackData::Answer { response, position, op })
}

/// Invites the audience: a response row and an outbox invitation for every
/// owner and unit, behind notifications. Returns how many were invited.
async fn open(conn: &mut PgConnection, survey: &SurveyRow, clock: &Clock) -> sqlx::Result<usize> {
    let questions = store::questions(conn, survey.id).await?;
    let closes_at = survey.closes_at.unwrap_or(clock.now);
    let invited = store::invite_audience(conn, survey, clock.now).await?;
    let homes = unit_labels(conn, &invited).await?;
    for response in &invited {
        let unit = homes(response.unit_id);
        let mut lines = vec![Text::new("survey-invitation").arg("title", &survey.title)];
        if !survey.intro.is_empty() {
            lines.push(Text::plain(&survey.intro));
        }
        lines.push(
            Text::new("survey-invitation-details")
                .arg("unit", unit)
                .arg("count", questions.len())
                .arg("closes", clock.time(closes_at)),
        );
        let message = Outgoing::with(
            Text::lines(lines),
            Markup::Inline(vec![vec![answer_button(
                Text::new("btn-survey-start"),
                response.id,
                0,
                AnswerOp::Continue,
            )]]),
        );
        outbox::enqueue(
            conn,
            NewMessage {
                chat_id: response.telegram_id,
                kind: "survey-invitation",
                priority: Priority::Broadcast,
                message: &message,
                not_before: clock.now,
                dedup_key: Some(format!("survey:{}:{}", survey.id, response.id)),
            },
        )
        .await?;
    }
    store::mark_sent(conn, survey.id, clock.now).await?;
    Ok(invited.len())
}

async fn unit_label(conn: &mut PgConnection, unit_id: i64) -> sqlx::Result<Text> {
    Ok(match crate::store::roster::unit_address(conn, unit_id).await? {
        Some(address) => labels::unit(&address),
        None => Text::plain("—"),
    })
}

/// The homes of many responses, read in one query: a lookup from unit id to label.
async fn unit_labels(conn: &mut PgConnection, responses: &[ResponseRow]) -> sqlx::Result<impl Fn(i64) -> Text + use<>> {
    let ids: Vec<i64> = responses.iter().map(|r| r.unit_id).collect();
    let addresses = crate::store::roster::unit_addresses(conn, &ids).await?;
    Ok(move |unit_id| addresses.get(&unit_id).map(labels::unit).unwrap_or_else(|| Text::plain("—")))
}

/// What the scheduler did about surveys.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SurveySweep {
    pub opened: usize,
    pub reminded: usize,
}

/// Opens the surveys whose time has come and sends the reminders due, each
/// survey in its own transaction with its row locked and re-checked.
pub async fn sweep(pool: &PgPool, clock: &Clock) -> SurveySweep {
    let mut done = SurveySweep::default();
    let due = async {
        let mut conn = pool.acquire().await?;
        let open = store::due_to_open(&mut conn, clock.now).await?;
        let remind = store::due_to_remind(&mut conn, clock.now, clock.settings.reminder_hours as i32).await?;
        Ok::<_, sqlx::Error>((open, remind))
    };
    let (to_open, to_remind) = match due.await {
        Ok(due) => due,
        Err(err) => {
            tracing::error!(error = %err, "looking for due surveys failed");
            return done;
        }
    };
    for id in to_open {
        let once = async {
            let mut tx = pool.begin().await?;
            let n = match store::lock(&mut tx, id).await? {
                Some(s) if s.phase(clock.now) == Phase::Scheduled && s.opens_at.is_some_and(|t| t <= clock.now) => {
                    open(&mut tx, &s, clock).await?
                }
                _ => 0,
            };
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        };
        match once.await {
            Ok(n) => {
                tracing::info!(survey = id, invited = n, "survey opened");
                done.opened += 1;
            }
            Err(err) => tracing::error!(survey = id, error = %err, "opening a survey failed"),
        }
    }
    for id in to_remind {
        match remind(pool, id, clock).await {
            Ok(n) => {
                tracing::info!(survey = id, reminded = n, "survey reminder sent");
                done.reminded += 1;
            }
            Err(err) => tracing::error!(survey = id, error = %err, "reminding about a survey failed"),
        }
    }
    done
}

async fn remind(pool: &PgPool, id: i64, clock: &Clock) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    let Some(survey) = store::lock(&mut tx, id).await? else { return Ok(0) };
    if survey.phase(clock.now) != Phase::Open || survey.reminded_at.is_some() {
        return Ok(0);
    }
    let pending = store::remind(&mut tx, id, clock.now).await?;
    let homes = unit_labels(&mut tx, &pending).await?;
    for response in &pending {
        let unit = homes(response.unit_id);
        let message = Outgoing::with(
            Text::new("survey-reminder")
                .arg("title", &survey.title)
                .arg("unit", unit)
                .arg("closes", clock.time(survey.closes_at.unwrap_or(clock.now))),
            Markup::Inline(vec![vec![answer_button(
                Text::new("btn-survey-continue"),
                response.id,
                0,
                AnswerOp::Continue,
            )]]),
        );
        outbox::enqueue(
            &mut tx,
            NewMessage {
                chat_id: response.telegram_id,
                kind: "survey-reminder",
                priority: Priority::Broadcast,
                message: &message,
                not_before: clock.now,
                dedup_key: Some(format!("survey-remind:{}", response.id)),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(pending.len())
}

/// Where an owner stands in a response, for the bot to show.
#[derive(Debug, Clone)]
pub enum Progress {
    /// The question to answer now, with the answer already given (editing).
    Asking {
        response: i64,
        title: String,
        unit: Text,
        position: u8,
        total: usize,
        question: Question,
        current: Option<Answer>,
    },
    /// Every question done: submitted (again, when editing).
    Finished { response: i64, title: String, closes: Text, edited: bool },
    /// Already submitted: the answers stand, and can be changed.
    Submitted { response: i64, closes: Text },
    /// Paused: the place is kept.
    Paused { title: String, closes: Text },
}

/// The owner's response and its survey, open; locked.
async fn owners_response(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    clock: &Clock,
) -> sqlx::Result<Outcome<(ResponseRow, SurveyRow, Vec<Question>)>> {
    let Some(response) = store::lock_response(conn, id).await? else { return Ok(Err(Refusal::NotFound)) };
    if response.telegram_id != actor.telegram_id() {
        return Ok(Err(Refusal::NotAllowed));
    }
    let Some(survey) = store::get(conn, response.survey_id).await? else { return Ok(Err(Refusal::NotFound)) };
    if survey.phase(clock.now) != Phase::Open {
        return Ok(Err(Refusal::Closed));
    }
    let questions = store::questions(conn, survey.id).await?;
    Ok(Ok((response, survey, questions)))
}

async fn progress_at(
    conn: &mut PgConnection,
    response: &ResponseRow,
    survey: &SurveyRow,
    questions: &[Question],
    position: usize,
    clock: &Clock,
) -> sqlx::Result<Progress> {
    let closes = clock.time(survey.closes_at.unwrap_or(clock.now));
    let Some(question) = questions.get(position) else {
        return Ok(Progress::Submitted { response: response.id, closes });
    };
    Ok(Progress::Asking {
        response: response.id,
        title: survey.title.clone(),
        unit: unit_label(conn, response.unit_id).await?,
        position: position as u8,
        total: questions.len(),
        question: question.clone(),
        current: store::answer(conn, response.id, position as i16).await?,
    })
}

/// Moves to `position`; past the last question the response is submitted.
async fn go_to(
    conn: &mut PgConnection,
    response: &ResponseRow,
    survey: &SurveyRow,
    questions: &[Question],
    position: usize,
    clock: &Clock,
) -> sqlx::Result<Progress> {
    let position = position.min(questions.len());
    store::set_position(conn, response.id, position as i16, clock.now).await?;
    if position == questions.len() {
        store::submit(conn, response.id, clock.now).await?;
        return Ok(Progress::Finished {
            response: response.id,
            title: survey.title.clone(),
            closes: clock.time(survey.closes_at.unwrap_or(clock.now)),
            edited: response.submitted_at.is_some(),
        });
    }
    progress_at(conn, response, survey, questions, position, clock).await
}

/// The owner says where they are (a Continue button, or typing at a step).
pub async fn current(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    clock: &Clock,
) -> sqlx::Result<Outcome<Progress>> {
    // The Continue button does exactly this.
    press(conn, actor, id, 0, AnswerOp::Continue, clock).await
}

/// A press at question `position`. A button from another question than the
/// current one is stale and changes nothing.
pub async fn press(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    position: u8,
    op: AnswerOp,
    clock: &Clock,
) -> sqlx::Result<Outcome<Progress>> {
    let (response, survey, questions) = match owners_response(conn, actor, id, clock).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    let here = usize::try_from(response.position).unwrap_or(0);
    match op {
        AnswerOp::Continue => return Ok(Ok(progress_at(conn, &response, &survey, &questions, here, clock).await?)),
        AnswerOp::Edit if here == questions.len() => {
            return Ok(Ok(go_to(conn, &response, &survey, &questions, 0, clock).await?));
        }
        // Already changing their answers: carry on where they are.
        AnswerOp::Edit => return Ok(Ok(progress_at(conn, &response, &survey, &questions, here, clock).await?)),
        _ if usize::from(position) != here => return Ok(Err(Refusal::Stale)),
        _ => {}
    }
    let Some(question) = questions.get(here) else { return Ok(Err(Refusal::Stale)) };
    let at = here as i16;
    let options = question.options.len();
    let next = match op {
        AnswerOp::Rate(n) if question.kind == QuestionKind::Rating => {
            let Some(rating) = Rating::parse(n) else {
                return Ok(Err(Refusal::Unfit(Text::new("survey-use-buttons"))));
            };
            store::save_answer(conn, response.id, at, &Answer::Rating(rating), clock.now).await?;
            here + 1
        }
        AnswerOp::Choose(i) if question.kind == QuestionKind::Single && usize::from(i) < options => {
            store::save_answer(conn, response.id, at, &Answer::Choices(vec![i]), clock.now).await?;
            here + 1
        }
        AnswerOp::Toggle(i) if question.kind == QuestionKind::Multiple && usize::from(i) < options => {
            let mut chosen = match store::answer(conn, response.id, at).await? {
                Some(Answer::Choices(c)) => c,
                _ => Vec::new(),
            };
            if let Some(p) = chosen.iter().position(|c| *c == i) {
                chosen.remove(p);
            } else {
                chosen.push(i);
                chosen.sort_unstable();
            }
            if chosen.is_empty() {
                store::clear_answer(conn, response.id, at).await?;
            } else {
                store::save_answer(conn, response.id, at, &Answer::Choices(chosen), clock.now).await?;
            }
            store::set_position(conn, response.id, at, clock.now).await?;
            // Stay on this question: the bot redraws its ticks.
            here
        }
        AnswerOp::Done if question.kind == QuestionKind::Multiple => {
            let answered = store::answer(conn, response.id, at).await?.is_some();
            if !answered && question.required {
                return Ok(Err(Refusal::Unfit(Text::new("survey-pick-one"))));
            }
            here + 1
        }
        AnswerOp::Skip if !question.required => {
            store::clear_answer(conn, response.id, at).await?;
            here + 1
        }
        AnswerOp::Skip => return Ok(Err(Refusal::Unfit(Text::new("survey-required")))),
        AnswerOp::Back => here.saturating_sub(1),
        AnswerOp::Pause => {
            return Ok(Ok(Progress::Paused {
                title: survey.title.clone(),
                closes: clock.time(survey.closes_at.unwrap_or(clock.now)),
            }));
        }
        _ => return Ok(Err(Refusal::Unfit(Text::new("survey-use-buttons")))),
    };
    Ok(Ok(go_to(conn, &response, &survey, &questions, next, clock).await?))
}

/// Typed text at the current question: the answer to a free-text question;
/// anywhere else, a request to use the buttons.
pub async fn typed(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    text: Option<&str>,
    clock: &Clock,
) -> sqlx::Result<Outcome<Progress>> {
    let (response, survey, questions) = match owners_response(conn, actor, id, clock).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    let here = usize::try_from(response.position).unwrap_or(0);
    let Some(question) = questions.get(here) else { return Ok(Err(Refusal::Stale)) };
    if question.kind != QuestionKind::Text {
        let hint = if question.kind == QuestionKind::Rating {
            Text::new("survey-rate-with-buttons")
        } else {
            Text::new("survey-use-buttons")
        };
        return Ok(Err(Refusal::Unfit(hint)));
    }
    let text = match text.map(str::trim) {
        None | Some("") => return Ok(Err(Refusal::Unfit(Text::new("error-text-expected")))),
        Some(t) if t.chars().count() > ANSWER_MAX => {
            return Ok(Err(Refusal::Unfit(Text::new("error-too-long").arg("max", ANSWER_MAX))));
        }
        Some(t) => t,
    };
    store::save_answer(conn, response.id, here as i16, &Answer::Text(text.to_owned()), clock.now).await?;
    Ok(Ok(go_to(conn, &response, &survey, &questions, here + 1, clock).await?))
}

/// An owner's surveys still open, for `/surveys`.
pub async fn open_for(
    conn: &mut PgConnection,
    actor: &Actor,
    clock: &Clock,
) -> sqlx::Result<Vec<(ResponseRow, String, Text)>> {
    let mut out = Vec::new();
    for response in store::open_for(conn, actor.telegram_id(), clock.now).await? {
        let Some(survey) = store::get(conn, response.survey_id).await? else { continue };
        if survey.phase(clock.now) != Phase::Open {
            continue;
        }
        let unit = unit_label(conn, response.unit_id).await?;
        out.push((response, survey.title, unit));
    }
    Ok(out)
}
