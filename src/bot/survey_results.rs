//! A sent survey's results, for admins: the report, the per-building view
//! (a summary with a button per building), the chart (PNG) and the CSV of
//! every answer, the last two as documents.

use teloxide::types::CallbackQuery;

use crate::bot::{Cx, HandlerResult, survey_admin};
use crate::domain::callback::SurveyOp;
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::survey_results;
use crate::services::surveys::{self, Refusal};

pub async fn button(cx: &Cx, q: &CallbackQuery, id: i64, op: SurveyOp) -> HandlerResult {
    let actor = cx.actor();
    let refuse = |text: Text| cx.answer(&q.id.0, Some(text), true);
    let readable = surveys::readable(&mut *cx.tx().await, &actor, id).await?;
    match readable {
        Ok(_) => {}
        Err(Refusal::NotDraft) => {
            refuse(Text::new("survey-no-results-yet"));
            return Ok(());
        }
        Err(r) => {
            refuse(survey_admin::refusal_text(r));
            return Ok(());
        }
    }
    let building = match op {
        SurveyOp::ResultsIn(index) => {
            let all = survey_results::compute(&mut *cx.tx().await, id, None).await?;
            match all.and_then(|r| r.buildings().get(usize::from(index)).map(|b| b.building.clone())) {
                Some(b) => Some(b),
                None => {
                    refuse(Text::new("error-button-expired"));
                    return Ok(());
                }
            }
        }
        _ => None,
    };
    let Some(results) = survey_results::compute(&mut *cx.tx().await, id, building.as_deref()).await? else {
        refuse(Text::new("error-button-expired"));
        return Ok(());
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
            let csv = survey_results::csv(&mut *cx.tx().await, id, tz).await;
            match csv {
                Ok(Some(bytes)) => cx.send_document(
                    format!("survey-{id}.csv"),
                    bytes,
                    Text::new("survey-csv-caption").arg("title", &results.title).arg("count", results.submitted),
                ),
                Ok(None) => cx.say(Text::new("error-button-expired")),
                Err(err) => return Err(crate::error::AppError::from(err)),
            }
        }
        _ => {}
    }
    Ok(())
}
