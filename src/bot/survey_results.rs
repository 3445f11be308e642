//! A sent survey's results, for admins: the report, the per-building view
//! (a summary with a button per building), the chart (PNG) and the CSV of
//! every answer, the last two as documents.

use teloxide::types::CallbackQuery;

use crate::bot::fallback;
use crate::bot::{Cx, HandlerResult, survey_admin};
use crate::domain::callback::SurveyOp;
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::people::Asker;
use crate::services::survey_results;
use crate::services::surveys::Refusal;

pub async fn button(cx: &Cx, q: &CallbackQuery, id: i64, op: SurveyOp) -> HandlerResult {
    let actor = cx.actor();
    let asker = Asker::Person(&actor);
    let refuse = |refusal: Refusal| {
        let text = match refusal {
            Refusal::NotDraft => Text::new("survey-no-results-yet"),
            r => survey_admin::refusal_text(r),
        };
        cx.answer(&q.id.0, Some(text), true)
    };
    let building = match op {
        SurveyOp::ResultsIn(index) => {
            let all = survey_results::compute(&mut *cx.tx().await, asker, id, None).await?;
            match all.map(|r| r.buildings().get(usize::from(index)).map(|b| b.building.clone())) {
                Ok(Some(b)) => Some(b),
                Ok(None) => {
                    fallback::button_expired(cx, &q.id.0);
                    return Ok(());
                }
                Err(refusal) => {
                    refuse(refusal);
                    return Ok(());
                }
            }
        }
        _ => None,
    };
    let results = match survey_results::compute(&mut *cx.tx().await, asker, id, building.as_deref()).await? {
        Ok(results) => results,
        Err(refusal) => {
            refuse(refusal);
            return Ok(());
        }
    };
    cx.answer(&q.id.0, None, false);
    match op {
        SurveyOp::Results | SurveyOp::ResultsIn(_) => cx.say(results.report()),
        SurveyOp::ByBuilding => {
            let rows = survey_admin::building_grid(results.buildings().iter().map(|b| &b.building), |index, name| {
                Button::new(survey_admin::building(name), CallbackData::Survey { id, op: SurveyOp::ResultsIn(index) })
            });
            cx.reply(Outgoing::with(results.building_report(), Markup::Inline(rows)));
        }
        SurveyOp::Chart if !results.has_chart() => cx.say(Text::new("survey-no-chart")),
        SurveyOp::Chart => match results.chart_png() {
            Ok(png) => cx.send_document(
                format!("survey-{id}.png"),
                png,
                Text::new("survey-chart-caption").arg("title", &results.title),
            ),
            Err(err) => {
                tracing::error!(survey = id, error = format!("{err:#}"), "drawing the survey chart failed");
                cx.say(Text::new("error-generic"));
            }
        },
        SurveyOp::Csv => {
            let tz = cx.settings().time_zone;
            let csv = survey_results::csv(&mut *cx.tx().await, asker, id, tz).await;
            match csv {
                Ok(Ok(bytes)) => cx.send_document(
                    format!("survey-{id}.csv"),
                    bytes,
                    Text::new("survey-csv-caption").arg("title", &results.title).arg("count", results.submitted),
                ),
                Ok(Err(refusal)) => cx.say(survey_admin::refusal_text(refusal)),
                Err(err) => return Err(crate::error::AppError::from(err)),
            }
        }
        _ => {}
    }
    Ok(())
}
