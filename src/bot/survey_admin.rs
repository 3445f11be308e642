//! `/surveys` for admins: the list, a survey's card (audience, closing,
//! schedule, send, delete), and once sent its results, chart and CSV.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks, survey_answer};
use crate::domain::callback::{CLOSE_IN_DAYS, DesignOp, SurveyOp};
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::surveys::{self, Card, Refusal};
use crate::store::surveys::{Phase, SurveyRow};

fn op(id: i64, op: SurveyOp) -> CallbackData {
    CallbackData::Survey { id, op }
}

fn b(label: Text, id: i64, o: SurveyOp) -> Button {
    Button::new(label, op(id, o))
}

pub fn phase_label(phase: Phase) -> Text {
    match phase {
        Phase::Draft => Text::new("survey-phase-draft"),
        Phase::Scheduled => Text::new("survey-phase-scheduled"),
        Phase::Open => Text::new("survey-phase-open"),
        Phase::Closed => Text::new("survey-phase-closed"),
    }
}

pub fn building(name: &str) -> Text {
    Text::new("survey-building").arg("building", name)
}

fn audience(survey: &SurveyRow) -> Text {
    match &survey.buildings {
        None => Text::new("survey-audience-all"),
        Some(list) => Text::new("survey-audience-buildings").arg("list", list.join("、")),
    }
}

/// `/surveys`: admins see the community's surveys, owners theirs to answer.
pub async fn list(cx: Cx) -> HandlerResult {
    let actor = cx.actor();
    if !surveys::may_manage(&actor) {
        if actor.is_owner() {
            return survey_answer::mine(&cx).await;
        }
        fallback::say_with_home(&cx, Text::new("error-not-allowed"));
        return Ok(());
    }
    let Ok(all) = surveys::list(&mut *cx.tx().await, &actor).await? else {
        fallback::say_with_home(&cx, Text::new("error-not-allowed"));
        return Ok(());
    };
    let now = cx.now();
    let mut rows: Vec<Vec<Button>> = all
        .iter()
        .map(|s| {
            let label = Text::new("btn-survey-item").arg("title", &s.title).arg("phase", phase_label(s.phase(now)));
            vec![Button::new(label, op(s.id, SurveyOp::Open))]
        })
        .collect();
    rows.push(vec![Button::new(Text::new("btn-survey-new"), CallbackData::Design(DesignOp::New))]);
    let text = if all.is_empty() { Text::new("survey-list-empty") } else { Text::new("survey-list") };
    cx.reply(Outgoing::with(text, Markup::Inline(rows)));
    Ok(())
}

/// The card: what the survey asks, who gets it, when, and what can be done now.
fn card_message(card: &Card, clock: &surveys::Clock) -> Outgoing {
    let s = &card.survey;
    let phase = s.phase(clock.now);
    let mut lines = vec![Text::new("survey-card-head").arg("title", &s.title).arg("phase", phase_label(phase))];
    if !s.intro.is_empty() {
        lines.push(Text::plain(&s.intro));
    }
    lines.push(Text::new("survey-card-questions").arg("count", card.questions.len()));
    for (n, q) in card.questions.iter().enumerate() {
        lines.push(
            Text::new("survey-card-question")
                .arg("n", n + 1)
                .arg("kind", q.kind.label())
                .arg("prompt", &q.prompt)
                .arg("optional", if q.required { "no" } else { "yes" }),
        );
    }
    lines.push(Text::new("survey-card-audience").arg("audience", audience(s)));
    let opens = s.opens_at.map(|t| clock.time(t)).unwrap_or_else(|| Text::new("survey-opens-on-send"));
    let closes = s
        .closes_at
        .map(|t| clock.time(t))
        .unwrap_or_else(|| Text::new("survey-closes-default").arg("days", clock.settings.open_days));
    lines.push(Text::new("survey-card-dates").arg("opens", opens).arg("closes", closes));
    if s.sent_at.is_some() {
        let rate = if card.invited > 0 { card.submitted * 100 / card.invited } else { 0 };
        lines.push(
            Text::new("survey-card-responses")
                .arg("invited", card.invited)
                .arg("submitted", card.submitted)
                .arg("rate", rate),
        );
    } else {
        lines.push(Text::new("survey-card-reach").arg("count", card.invited));
    }
    let id = s.id;
    let rows = match phase {
        Phase::Draft => vec![
            vec![
                b(Text::new("btn-survey-audience"), id, SurveyOp::Audience),
                b(Text::new("btn-survey-closing"), id, SurveyOp::Closing),
            ],
            vec![
                b(Text::new("btn-survey-schedule"), id, SurveyOp::Schedule),
                b(Text::new("btn-survey-send"), id, SurveyOp::Send),
            ],
            vec![b(Text::new("btn-survey-delete"), id, SurveyOp::Delete)],
        ],
        Phase::Scheduled => vec![vec![
            b(Text::new("btn-survey-unschedule"), id, SurveyOp::Unschedule),
            b(Text::new("btn-survey-delete"), id, SurveyOp::Delete),
        ]],
        Phase::Open | Phase::Closed => {
            let mut rows = vec![
                vec![
                    b(Text::new("btn-survey-results"), id, SurveyOp::Results),
                    b(Text::new("btn-survey-by-building"), id, SurveyOp::ByBuilding),
                ],
                vec![
                    b(Text::new("btn-survey-chart"), id, SurveyOp::Chart),
                    b(Text::new("btn-survey-csv"), id, SurveyOp::Csv),
                ],
            ];
            if phase == Phase::Open {
                rows.push(vec![b(Text::new("btn-survey-close-now"), id, SurveyOp::CloseNow)]);
            }
            rows
        }
    };
    Outgoing::with(Text::lines(lines), Markup::Inline(rows))
}

/// Sends (or, on a press, redraws) the card.
pub async fn show_card(cx: &Cx, id: i64, on: Option<i32>) -> HandlerResult {
    let actor = cx.actor();
    let card = surveys::card(&mut *cx.tx().await, &actor, id).await?;
    match card {
        Ok(card) => {
            let message = card_message(&card, &cx.survey_clock());
            match on {
                Some(message_id) => cx.edit(message_id, message),
                None => cx.reply(message),
            }
        }
        Err(refusal) => cx.say(refusal_text(refusal)),
    }
    Ok(())
}

pub fn refusal_text(refusal: Refusal) -> Text {
    match refusal {
        Refusal::NotAllowed => Text::new("error-not-allowed"),
        Refusal::NotDraft => Text::new("survey-not-draft"),
        Refusal::EmptyAudience => Text::new("survey-empty-audience"),
        Refusal::BadTime => Text::new("survey-bad-time"),
        Refusal::Closed => Text::new("survey-closed"),
        Refusal::Unfit(text) => text,
        Refusal::Problems(_) | Refusal::NotFound | Refusal::Stale => Text::new("error-button-expired"),
    }
}

/// One button per building, three to a row; each knows its place in the list
/// (what its callback data carries).
pub fn building_grid<'a>(
    names: impl IntoIterator<Item = &'a String>,
    button: impl Fn(u8, &String) -> Button,
) -> Vec<Vec<Button>> {
    let buttons: Vec<Button> =
        names.into_iter().enumerate().map(|(i, name)| button(i.min(usize::from(u8::MAX)) as u8, name)).collect();
    buttons.chunks(3).map(<[Button]>::to_vec).collect()
}

fn audience_buttons(card: &Card) -> Markup {
    let id = card.survey.id;
    let chosen = card.survey.buildings.clone().unwrap_or_default();
    let mut rows = building_grid(&card.buildings, |index, name| {
        let key = if chosen.contains(name) { Text::new("btn-survey-ticked") } else { Text::new("btn-survey-unticked") };
        Button::new(key.arg("option", building(name)), op(id, SurveyOp::Building(index)))
    });
    let all =
        if card.survey.buildings.is_none() { Text::new("btn-survey-all-ticked") } else { Text::new("btn-survey-all") };
    rows.push(vec![b(all, id, SurveyOp::AllBuildings)]);
    rows.push(vec![b(Text::new("btn-survey-done"), id, SurveyOp::Open)]);
    Markup::Inline(rows)
}

/// A press on a survey button.
pub async fn button(cx: Cx, q: CallbackQuery, (id, o): (i64, SurveyOp)) -> HandlerResult {
    let actor = cx.actor();
    let clock = cx.survey_clock();
    let message_id = callbacks::message_id(&q);
    let refused = |cx: &Cx, r: Refusal| cx.answer(&q.id.0, Some(refusal_text(r)), true);
    match o {
        SurveyOp::Open => {
            cx.answer(&q.id.0, None, false);
            show_card(&cx, id, message_id).await?;
        }
        SurveyOp::Audience | SurveyOp::AllBuildings | SurveyOp::Building(_) => {
            if o != SurveyOp::Audience
                && let Err(r) = surveys::choose_audience(&mut *cx.tx().await, &actor, id, o, &clock).await?
            {
                refused(&cx, r);
                return Ok(());
            }
            let card = surveys::card(&mut *cx.tx().await, &actor, id).await?;
            match card {
                Ok(card) if card.survey.phase(clock.now) == Phase::Draft => {
                    cx.answer(&q.id.0, None, false);
                    let text = Text::new("survey-choose-audience").arg("count", card.invited);
                    let message = Outgoing::with(text, audience_buttons(&card));
                    match message_id {
                        Some(m) => cx.edit(m, message),
                        None => cx.reply(message),
                    }
                }
                Ok(_) => refused(&cx, Refusal::NotDraft),
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::Closing => {
            cx.answer(&q.id.0, None, false);
            let row = CLOSE_IN_DAYS
                .iter()
                .map(|d| Button::new(Text::new("btn-survey-days").arg("days", *d), op(id, SurveyOp::CloseIn(*d))))
                .collect();
            cx.reply(Outgoing::with(Text::new("survey-choose-closing"), Markup::Inline(vec![row])));
        }
        SurveyOp::CloseIn(days) => {
            let outcome = surveys::close_in(&mut *cx.tx().await, &actor, id, days, &clock).await?;
            match outcome {
                Ok(()) => {
                    cx.answer(&q.id.0, Some(Text::new("survey-saved")), false);
                    callbacks::close_buttons(&cx, &q);
                    show_card(&cx, id, None).await?;
                }
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::Schedule => {
            let card = surveys::card(&mut *cx.tx().await, &actor, id).await?;
            if !matches!(card, Ok(ref c) if c.survey.phase(clock.now) == Phase::Draft) {
                refused(&cx, Refusal::NotDraft);
                return Ok(());
            }
            cx.answer(&q.id.0, None, false);
            cx.reply(Outgoing::with(Text::new("survey-ask-open-time"), Markup::RemoveKeyboard));
            cx.set_state(State::SurveyOpenTime { survey_id: id });
        }
        SurveyOp::Send => {
            let outcome = surveys::launch(&mut *cx.tx().await, &actor, id, None, true, &clock).await?;
            match outcome {
                Ok(launch) => {
                    cx.answer(&q.id.0, None, false);
                    cx.reply(Outgoing::with(
                        Text::new("survey-confirm-send")
                            .arg("count", launch.reach)
                            .arg("closes", clock.time(launch.closes_at)),
                        Markup::Inline(vec![vec![
                            b(Text::new("btn-survey-confirm-send"), id, SurveyOp::ConfirmSend),
                            b(Text::new("btn-cancel"), id, SurveyOp::Open),
                        ]]),
                    ));
                }
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::ConfirmSend => {
            let outcome = surveys::launch(&mut *cx.tx().await, &actor, id, None, false, &clock).await?;
            match outcome {
                Ok(launch) => {
                    cx.answer(&q.id.0, None, false);
                    callbacks::close_buttons(&cx, &q);
                    cx.say(launched_text(&launch, &clock));
                    // The card again: its phase, and once sent the results buttons.
                    show_card(&cx, id, None).await?;
                }
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::Unschedule => {
            let outcome = surveys::unschedule(&mut *cx.tx().await, &actor, id, &clock).await?;
            match outcome {
                Ok(()) => {
                    cx.answer(&q.id.0, Some(Text::new("survey-unscheduled")), false);
                    show_card(&cx, id, message_id).await?;
                }
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::Delete => {
            let outcome = surveys::delete(&mut *cx.tx().await, &actor, id, &clock).await?;
            match outcome {
                Ok(()) => {
                    cx.answer(&q.id.0, None, false);
                    match message_id {
                        Some(m) => cx.edit(m, Outgoing::new(Text::new("survey-deleted"))),
                        None => cx.say(Text::new("survey-deleted")),
                    }
                }
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::CloseNow => {
            let outcome = surveys::close_now(&mut *cx.tx().await, &actor, id, &clock).await?;
            match outcome {
                Ok(()) => {
                    cx.answer(&q.id.0, Some(Text::new("survey-closed-now")), false);
                    show_card(&cx, id, message_id).await?;
                }
                Err(r) => refused(&cx, r),
            }
        }
        SurveyOp::Results | SurveyOp::ByBuilding | SurveyOp::ResultsIn(_) | SurveyOp::Chart | SurveyOp::Csv => {
            crate::bot::survey_results::button(&cx, &q, id, o).await?;
        }
    }
    Ok(())
}

/// What a launch did: sent now, or (a file's opening time ahead) scheduled.
fn launched_text(launch: &surveys::Launch, clock: &surveys::Clock) -> Text {
    if launch.opens_at > clock.now {
        Text::new("survey-scheduled")
            .arg("opens", clock.time(launch.opens_at))
            .arg("closes", clock.time(launch.closes_at))
            .arg("count", launch.reach)
    } else {
        Text::new("survey-sent").arg("count", launch.reach).arg("closes", clock.time(launch.closes_at))
    }
}

/// The opening time, typed.
pub async fn open_time(cx: Cx, msg: Message, survey_id: i64) -> HandlerResult {
    let clock = cx.survey_clock();
    let Some(at) = msg.text().and_then(|t| surveys::parse_local_time(t, clock.tz)) else {
        cx.say(Text::new("survey-bad-time-format"));
        return Ok(());
    };
    if at <= clock.now {
        cx.say(Text::new("survey-bad-time"));
        return Ok(());
    }
    let actor = cx.actor();
    let launched = surveys::launch(&mut *cx.tx().await, &actor, survey_id, Some(at), false, &clock).await?;
    match launched {
        Ok(launch) => {
            cx.reply(Outgoing::with(launched_text(&launch, &clock), home_markup(&actor)));
            cx.set_state(State::Idle);
        }
        Err(Refusal::BadTime) => cx.say(Text::new("survey-bad-time")),
        Err(r) => {
            fallback::say_with_home(&cx, refusal_text(r));
            cx.set_state(State::Idle);
        }
    }
    Ok(())
}
