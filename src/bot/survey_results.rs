//! Results of a sent survey, for admins: the report, by building, the chart and the CSV.

use teloxide::types::CallbackQuery;

use crate::bot::{Cx, HandlerResult};
use crate::domain::callback::SurveyOp;

pub async fn button(cx: &Cx, q: &CallbackQuery, id: i64, op: SurveyOp) -> HandlerResult {
    let _ = (cx, q, id, op);
    Ok(())
}
