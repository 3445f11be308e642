//! Supervisors' buttons on a ticket card (转派 reassign, change urgency)
//! and /stats, the management figures.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback;
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::{StatsPeriod, TicketOp};
use crate::domain::period::Period;
use crate::domain::{Button, CallbackData, Markup, Outgoing, Urgency};
use crate::i18n::Text;
use crate::services::people::Asker;
use crate::services::supervise::{self as service, is_supervisor};
use crate::services::tickets::Refusal;

fn refuse(cx: &Cx, q: &CallbackQuery, refusal: Refusal) {
    match refusal {
        Refusal::NotAllowed => fallback::not_allowed(cx, &q.id.0),
        Refusal::NotFound => fallback::button_expired(cx, &q.id.0),
        Refusal::NotNow(status) => {
            cx.answer(&q.id.0, Some(Text::new("error-ticket-not-now").arg("status", status.label())), true)
        }
    }
}

pub async fn button(cx: Cx, q: CallbackQuery, id: i64, op: TicketOp) -> HandlerResult {
    let actor = cx.actor();
    let desk = cx.desk();
    match op {
        TicketOp::Reassign => match service::reassign_options(&mut *cx.tx().await, &actor, id).await? {
            Ok(options) if options.is_empty() => cx.answer(&q.id.0, Some(Text::new("reassign-nobody")), true),
            Ok(options) => {
                cx.answer(&q.id.0, None, false);
                let rows = options
                    .into_iter()
                    .map(|c| {
                        vec![Button::new(
                            Text::new("btn-reassign-to").arg("name", c.name).arg("open", c.open_tickets),
                            CallbackData::Ticket { id, op: TicketOp::ReassignTo(c.telegram_id) },
                        )]
                    })
                    .collect();
                cx.reply(Outgoing::with(Text::new("reassign-choose"), Markup::Inline(rows)));
            }
            Err(r) => refuse(&cx, &q, r),
        },
        TicketOp::ReassignTo(staff) => match service::reassign_to(&mut *cx.tx().await, &actor, id, staff, &desk).await?
        {
            Ok((ticket, chosen)) => {
                cx.answer(&q.id.0, None, false);
                callbacks::close_buttons(&cx, &q);
                cx.say(Text::new("reassign-done").arg("number", ticket.number).arg("name", chosen.name));
            }
            Err(r) => refuse(&cx, &q, r),
        },
        TicketOp::Urgency => {
            if !is_supervisor(&actor) {
                fallback::not_allowed(&cx, &q.id.0);
                return Ok(());
            }
            cx.answer(&q.id.0, None, false);
            let rows = Urgency::ALL
                .iter()
                .map(|u| vec![Button::new(u.label(), CallbackData::Ticket { id, op: TicketOp::SetUrgency(*u) })])
                .collect();
            cx.reply(Outgoing::with(Text::new("urgency-choose"), Markup::Inline(rows)));
        }
        TicketOp::SetUrgency(urgency) => {
            match service::set_urgency(&mut *cx.tx().await, &actor, id, urgency, &desk).await? {
                Ok(ticket) => {
                    cx.answer(&q.id.0, None, false);
                    callbacks::close_buttons(&cx, &q);
                    cx.say(
                        Text::new("urgency-done")
                            .arg("number", &ticket.number)
                            .arg("urgency", urgency.label())
                            .arg("due", desk.time(ticket.onsite_due_at)),
                    );
                }
                Err(r) => refuse(&cx, &q, r),
            }
        }
        _ => fallback::button_expired(&cx, &q.id.0),
    }
    Ok(())
}

/// The reports `/stats` can give, by the word after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    /// Plain `/stats`: the repair figures for a period chosen next.
    Figures,
    /// `/stats satisfaction` (or 满意度): the owners' ratings.
    Satisfaction,
}

impl Report {
    fn parse(arg: &str) -> Option<Report> {
        match arg.trim().to_lowercase().as_str() {
            "" => Some(Report::Figures),
            "satisfaction" | "满意度" => Some(Report::Satisfaction),
            _ => None,
        }
    }
}

/// /stats [report]. Only supervisors and admins learn which reports exist.
pub async fn stats(cx: Cx, arg: String) -> HandlerResult {
    if !is_supervisor(&cx.actor()) {
        fallback::say_with_home(&cx, Text::new("error-not-allowed"));
        return Ok(());
    }
    match Report::parse(&arg) {
        Some(Report::Figures) => offer_periods(&cx),
        Some(Report::Satisfaction) => satisfaction(&cx).await?,
        None => {
            let arg: String = arg.trim().chars().take(30).collect();
            cx.say(Text::lines([Text::new("stats-unknown-report").arg("arg", arg), Text::new("stats-usage")]));
        }
    }
    Ok(())
}

/// /stats satisfaction: the last six months of owners' ratings.
async fn satisfaction(cx: &Cx) -> HandlerResult {
    let (actor, desk) = (cx.actor(), cx.desk());
    let today = desk.now.with_timezone(&desk.tz).date_naive();
    let target = cx.settings().satisfaction_target_percent;
    let asker = Asker::Person(&actor);
    match crate::services::satisfaction::satisfaction(&mut *cx.tx().await, asker, today, desk.tz, target).await? {
        Ok(report) => cx.say(report.report()),
        Err(_) => fallback::say_with_home(cx, Text::new("error-not-allowed")),
    }
    Ok(())
}

/// /stats: which period?
pub fn offer_periods(cx: &Cx) {
    if !is_supervisor(&cx.actor()) {
        fallback::say_with_home(cx, Text::new("error-not-allowed"));
        return;
    }
    let b = |label: Text, p| Button::new(label, CallbackData::Stats(p));
    cx.reply(Outgoing::with(
        Text::new("stats-choose-period"),
        Markup::Inline(vec![
            vec![
                b(Text::new("btn-this-week"), StatsPeriod::ThisWeek),
                b(Text::new("btn-this-month"), StatsPeriod::ThisMonth),
            ],
            vec![
                b(Text::new("btn-last-month"), StatsPeriod::LastMonth),
                b(Text::new("btn-custom-period"), StatsPeriod::Custom),
            ],
        ]),
    ));
}

async fn report(cx: &Cx, period: Period) -> HandlerResult {
    let (actor, desk) = (cx.actor(), cx.desk());
    let today = desk.now.with_timezone(&desk.tz).date_naive();
    let (from, to) = period.utc_range(today, desk.tz);
    // Checked again here, not only when the period was offered: they may have
    // been deactivated while typing a custom one.
    let figures =
        crate::services::stats::figures_at(&mut *cx.tx().await, Asker::Person(&actor), from, to, desk.now).await?;
    let Ok(figures) = figures else {
        fallback::say_with_home(cx, Text::new("error-not-allowed"));
        return Ok(());
    };
    let (first, end) = period.range(today);
    let last = end.pred_opt().unwrap_or(end);
    let export = Button::new(Text::new("btn-export-csv"), CallbackData::Export { from: first, to: last });
    cx.reply(Outgoing::with(figures.report(period.label()), Markup::Inline(vec![vec![export]])));
    Ok(())
}

/// The CSV of a period's tickets, as a file in the chat.
pub async fn export(cx: Cx, q: CallbackQuery, (from, to): (chrono::NaiveDate, chrono::NaiveDate)) -> HandlerResult {
    let (actor, desk) = (cx.actor(), cx.desk());
    let start = crate::domain::period::start_of_day(from, desk.tz);
    let end = crate::domain::period::start_of_day(to.succ_opt().unwrap_or(to), desk.tz);
    let max = crate::services::export::TELEGRAM_DOCUMENT_MAX;
    let asker = Asker::Person(&actor);
    let export =
        crate::services::export::tickets_csv_at_most(&mut *cx.tx().await, asker, start, end, desk.tz, max).await?;
    let Ok(export) = export else {
        fallback::not_allowed(&cx, &q.id.0);
        return Ok(());
    };
    cx.answer(&q.id.0, None, false);
    let Some((bytes, rows)) = export else {
        let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        cx.say(
            Text::new("stats-export-too-large")
                .arg("max", max / (1024 * 1024))
                .arg("from", iso(from))
                .arg("to", iso(to)),
        );
        return Ok(());
    };
    let name = format!("tickets-{}-{}.csv", from.format("%Y%m%d"), to.format("%Y%m%d"));
    cx.send_document(name, bytes, Text::new("stats-export-caption").arg("rows", rows));
    Ok(())
}

pub async fn period_chosen(cx: Cx, q: CallbackQuery, period: StatsPeriod) -> HandlerResult {
    if !is_supervisor(&cx.actor()) {
        fallback::not_allowed(&cx, &q.id.0);
        return Ok(());
    }
    cx.answer(&q.id.0, None, false);
    let period = match period {
        StatsPeriod::ThisWeek => Period::ThisWeek,
        StatsPeriod::ThisMonth => Period::ThisMonth,
        StatsPeriod::LastMonth => Period::LastMonth,
        StatsPeriod::Custom => {
            cx.say(Text::new("stats-ask-range"));
            cx.set_state(State::StatsRange);
            return Ok(());
        }
    };
    report(&cx, period).await
}

/// A typed custom range: "2026-11-01 2026-11-30".
pub async fn range_typed(cx: Cx, msg: Message) -> HandlerResult {
    match msg.text().map(Period::parse_custom) {
        Some(Ok(period)) => {
            cx.set_state(State::Idle);
            report(&cx, period).await?;
        }
        Some(Err(problem)) => cx.say(problem),
        None => cx.say(Text::new("stats-ask-range")),
    }
    Ok(())
}
