//! The home menus, help, language and /cancel.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::keyboards::MenuItem;
use crate::bot::{Cx, HandlerResult, State, callbacks, onboarding, staff_admin, supervise, ticket_views};
use crate::domain::callback::ListKind;
use crate::domain::{Markup, Outgoing};
use crate::i18n::{Locale, Text};
use crate::services::onboarding as service;
use crate::services::supervise::is_supervisor;

fn is_recognised(cx: &Cx) -> bool {
    let actor = cx.actor();
    actor.is_owner() || actor.is_staff() || actor.is_admin
}

/// `/menu`: the home keyboard again, or the way in for a newcomer.
pub fn show_home(cx: &Cx, state: &State) -> HandlerResult {
    if is_recognised(cx) {
        fallback::say_with_home(cx, Text::new("menu-home"));
    } else if *state == State::AwaitingContact {
        cx.reply(Outgoing::with(Text::new("onboarding-share-contact"), Markup::RequestContact));
    } else {
        cx.say(Text::new("onboarding-start-first"));
    }
    Ok(())
}

pub fn help(cx: &Cx) {
    let actor = cx.actor();
    let text = if actor.is_staff() {
        Text::new("help-staff")
    } else if actor.is_owner() {
        Text::new("help-owner")
    } else if actor.is_admin {
        Text::new("help-admin")
    } else {
        Text::new("help-newcomer")
    };
    cx.say(text);
}

pub fn offer_languages(cx: &Cx) {
    cx.reply(Outgoing::with(Text::new("language-choose"), onboarding::language_buttons()));
}

pub async fn language_chosen(cx: Cx, q: CallbackQuery, locale: Locale, state: State) -> HandlerResult {
    let actor = cx.actor();
    service::choose_language(&mut *cx.tx().await, &actor, locale).await?;
    cx.set_locale(locale);
    cx.answer(&q.id.0, None, false);
    callbacks::close_buttons(&cx, &q);
    // The keyboard comes again in the new language.
    let markup = if state == State::AwaitingContact { Markup::RequestContact } else { home_markup(&cx.actor()) };
    cx.reply(Outgoing::with(Text::new("language-set"), markup));
    Ok(())
}

/// `/cancel`: leave whatever is in progress.
pub async fn cancel(cx: Cx, state: State) -> HandlerResult {
    if is_recognised(&cx) {
        fallback::say_with_home(&cx, Text::new("cancelled"));
        cx.set_state(State::Idle);
    } else if state == State::AwaitingApproval {
        // The request stays with customer service; there is nothing to cancel here.
        cx.say(Text::new("onboarding-pending"));
    } else {
        cx.reply(Outgoing::with(Text::new("cancelled-onboarding"), Markup::RemoveKeyboard));
        cx.set_state(State::Idle);
    }
    Ok(())
}

/// Nothing in progress: menu presses, or anything else.
pub async fn idle(cx: Cx, msg: Message) -> HandlerResult {
    if !is_recognised(&cx) {
        // A newcomer who writes anything is shown the way in.
        return onboarding::start(cx, String::new()).await;
    }
    let actor = cx.actor();
    let item = msg.text().and_then(MenuItem::recognise);
    match item {
        Some(MenuItem::Help) => help(&cx),
        Some(MenuItem::Language) => offer_languages(&cx),
        Some(MenuItem::Repair) if actor.is_owner() => crate::bot::repair_filing::start(&cx, false).await?,
        Some(MenuItem::Patrol) if actor.is_staff() => crate::bot::repair_filing::start(&cx, true).await?,
        Some(MenuItem::Complaint) if actor.is_owner() => crate::bot::complaint_filing::start(&cx).await?,
        Some(MenuItem::MyRequests) if actor.is_owner() => ticket_views::show(cx, ListKind::Mine).await?,
        Some(MenuItem::Tasks) if actor.is_staff() => ticket_views::show(cx, ListKind::Tasks).await?,
        Some(MenuItem::Queue) if is_supervisor(&actor) => ticket_views::show(cx, ListKind::Queue).await?,
        Some(MenuItem::Overdue) if is_supervisor(&actor) => ticket_views::show(cx, ListKind::Overdue).await?,
        Some(MenuItem::Stats) if is_supervisor(&actor) => supervise::offer_periods(&cx),
        Some(MenuItem::InviteStaff) if actor.is_admin => staff_admin::offer_trades(&cx)?,
        Some(MenuItem::StaffList) if actor.is_admin => staff_admin::list(cx).await?,
        Some(MenuItem::Surveys) if actor.is_admin => crate::bot::survey_admin::list(cx).await?,
        Some(_) => fallback::say_with_home(&cx, Text::new("error-not-allowed")),
        None => fallback::say_with_home(&cx, Text::new("menu-use-buttons")),
    }
    Ok(())
}
