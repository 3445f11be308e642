//! Owners joining: /start, the phone contact, and when the roster does not
//! know them, unit → name → relation → a request customer service decides.

use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks, staff_admin};
use crate::domain::{Button, CallbackData, Markup, Outgoing, Relation, UnitAddress, labels};
use crate::i18n::{Locale, Text};
use crate::services::onboarding::{
    self as service, ContactOutcome, DecideOutcome, FileOutcome, ManualRequest, PickOutcome,
};

/// `/start`, with an invite code from a staff link or without.
pub async fn start(cx: Cx, code: String) -> HandlerResult {
    if !code.is_empty() {
        return staff_admin::join(cx, code).await;
    }
    let actor = cx.actor();
    if actor.is_staff() || actor.is_owner() || actor.is_admin {
        cx.reply(Outgoing::with(Text::new("welcome-back").arg("name", actor.user.display_name()), home_markup(&actor)));
        cx.set_state(State::Idle);
        return Ok(());
    }
    if service::has_pending_request(&mut *cx.tx().await, &actor).await? {
        cx.say(Text::new("onboarding-pending"));
        cx.set_state(State::AwaitingApproval);
        return Ok(());
    }
    cx.reply(Outgoing::with(Text::new("welcome").arg("name", actor.user.display_name()), language_buttons()));
    ask_for_contact(&cx);
    Ok(())
}

pub fn language_buttons() -> Markup {
    Markup::Inline(vec![
        Locale::ALL
            .into_iter()
            .map(|l| {
                let label = match l {
                    Locale::ZhCn => Text::new("language-name-zh-cn"),
                    Locale::En => Text::new("language-name-en"),
                };
                Button::new(label, CallbackData::Language(l))
            })
            .collect(),
    ])
}

fn ask_for_contact(cx: &Cx) {
    cx.reply(Outgoing::with(Text::new("onboarding-share-contact"), Markup::RequestContact));
    cx.set_state(State::AwaitingContact);
}

/// Waiting for the contact: anything else gets the button again.
pub async fn contact(cx: Cx, msg: Message) -> HandlerResult {
    let Some(contact) = msg.contact() else {
        cx.reply(Outgoing::with(Text::new("onboarding-use-contact-button"), Markup::RequestContact));
        return Ok(());
    };
    let actor = cx.actor();
    let owner_of_contact = contact.user_id.map(|id| id.0 as i64);
    let outcome = service::share_contact(&mut *cx.tx().await, &actor, owner_of_contact, &contact.phone_number).await?;
    match outcome {
        ContactOutcome::NotOwnContact => {
            cx.reply(Outgoing::with(Text::new("onboarding-not-own-contact"), Markup::RequestContact));
        }
        ContactOutcome::Unreadable => {
            cx.reply(Outgoing::with(Text::new("onboarding-phone-unreadable"), Markup::RequestContact));
        }
        ContactOutcome::Bound { address, relation } => bound(&cx, &address, relation),
        ContactOutcome::ChooseUnit(matches) => {
            let buttons = matches
                .iter()
                .map(|m| vec![Button::new(labels::unit(&m.address), CallbackData::PickUnit(m.unit_id))])
                .collect();
            cx.reply(Outgoing::with(Text::new("onboarding-unit-found-several"), Markup::RemoveKeyboard));
            cx.reply(Outgoing::with(Text::new("onboarding-pick-unit"), Markup::Inline(buttons)));
            cx.set_state(State::ChoosingUnit);
        }
        ContactOutcome::NotOnRoster => {
            cx.reply(Outgoing::with(Text::new("onboarding-not-on-roster"), Markup::RemoveKeyboard));
            cx.set_state(State::AwaitingUnitAddress);
        }
    }
    Ok(())
}

/// Tells a newly bound owner where they are bound and shows their menu.
fn bound(cx: &Cx, address: &UnitAddress, relation: Relation) {
    cx.reply(Outgoing::with(
        Text::new("onboarding-bound").arg("unit", labels::unit(address)).arg("relation", labels::relation(relation)),
        crate::domain::Markup::Menu(crate::domain::Menu::Owner),
    ));
    cx.set_state(State::Idle);
}

/// Typing while the unit buttons are shown.
pub async fn choosing_unit(cx: Cx) -> HandlerResult {
    cx.say(Text::new("onboarding-pick-unit"));
    Ok(())
}

pub async fn unit_picked(cx: Cx, q: CallbackQuery, unit_id: i64, state: State) -> HandlerResult {
    if state != State::ChoosingUnit {
        fallback::button_expired(&cx, &q.id.0);
        return Ok(());
    }
    let actor = cx.actor();
    match service::pick_unit(&mut *cx.tx().await, &actor, unit_id).await? {
        PickOutcome::Bound { address, relation } => {
            cx.answer(&q.id.0, None, false);
            callbacks::close_buttons(&cx, &q);
            bound(&cx, &address, relation);
        }
        PickOutcome::NotYours => fallback::not_allowed(&cx, &q.id.0),
    }
    Ok(())
}

/// Not on the roster: the unit, as the owner writes it.
pub async fn unit_address(cx: Cx, msg: Message) -> HandlerResult {
    let typed = match fallback::short_text(&msg) {
        Ok(t) => t,
        Err(problem) => {
            cx.say(Text::lines([problem, Text::new("onboarding-unit-example")]));
            return Ok(());
        }
    };
    let Ok(address) = UnitAddress::parse(&typed) else {
        cx.say(Text::lines([Text::new("onboarding-unit-unreadable"), Text::new("onboarding-unit-example")]));
        return Ok(());
    };
    match service::find_unit(&mut *cx.tx().await, &address).await? {
        None => cx.say(Text::new("onboarding-unit-unknown").arg("unit", labels::unit(&address))),
        Some(unit_id) => {
            cx.say(Text::new("onboarding-ask-name").arg("unit", labels::unit(&address)));
            cx.set_state(State::AwaitingName { unit_id });
        }
    }
    Ok(())
}

pub async fn name(cx: Cx, msg: Message, unit_id: i64) -> HandlerResult {
    match fallback::short_text(&msg) {
        Err(problem) => cx.say(Text::lines([problem, Text::new("onboarding-ask-name-again")])),
        Ok(name) => {
            let buttons = [Relation::Owner, Relation::Family, Relation::Tenant]
                .into_iter()
                .map(|r| Button::new(labels::relation(r), CallbackData::PickRelation(r)))
                .collect();
            cx.reply(Outgoing::with(Text::new("onboarding-ask-relation"), Markup::Inline(vec![buttons])));
            cx.set_state(State::AwaitingRelation { unit_id, name });
        }
    }
    Ok(())
}

/// Typing while the relation buttons are shown.
pub async fn relation_typed(cx: Cx) -> HandlerResult {
    cx.say(Text::new("onboarding-use-buttons"));
    Ok(())
}

pub async fn relation_picked(cx: Cx, q: CallbackQuery, relation: Relation, state: State) -> HandlerResult {
    let State::AwaitingRelation { unit_id, name } = state else {
        fallback::button_expired(&cx, &q.id.0);
        return Ok(());
    };
    let actor = cx.actor();
    let request = ManualRequest { unit_id, name: &name, relation };
    let admins = cx.settings().admin_ids.clone();
    let outcome = service::request_verification(&mut *cx.tx().await, &actor, request, &admins, cx.now()).await?;
    cx.answer(&q.id.0, None, false);
    match outcome {
        FileOutcome::Filed { .. } => {
            callbacks::close_buttons(&cx, &q);
            cx.say(Text::new("onboarding-request-filed"));
            cx.set_state(State::AwaitingApproval);
        }
        FileOutcome::NoPhone => ask_for_contact(&cx),
    }
    Ok(())
}

/// While customer service decides. Once decided, the next message finds
/// them verified (menu) or rejected (start again with the contact).
pub async fn awaiting_approval(cx: Cx) -> HandlerResult {
    let actor = cx.actor();
    if actor.is_owner() {
        cx.reply(Outgoing::with(Text::new("menu-home"), home_markup(&actor)));
        cx.set_state(State::Idle);
    } else if service::has_pending_request(&mut *cx.tx().await, &actor).await? {
        cx.say(Text::new("onboarding-pending"));
    } else {
        start(cx, String::new()).await?;
    }
    Ok(())
}

/// Customer service pressed Approve or Reject on a request card.
pub async fn decide(cx: Cx, q: CallbackQuery, (request_id, approve): (i64, bool)) -> HandlerResult {
    let actor = cx.actor();
    let outcome = service::decide_verification(&mut *cx.tx().await, &actor, request_id, approve, cx.now()).await?;
    match outcome {
        DecideOutcome::NotAllowed => fallback::not_allowed(&cx, &q.id.0),
        DecideOutcome::NotFound => fallback::button_expired(&cx, &q.id.0),
        DecideOutcome::AlreadyDecided { approved } => {
            let text =
                if approved { Text::new("verify-already-approved") } else { Text::new("verify-already-rejected") };
            cx.answer(&q.id.0, Some(text), true);
        }
        DecideOutcome::Decided { approve, name, address } => {
            cx.answer(&q.id.0, None, false);
            let unit = address.as_ref().map(labels::unit).unwrap_or_else(|| Text::plain("?"));
            let result = if approve {
                Text::new("verify-you-approved").arg("name", name).arg("unit", unit)
            } else {
                Text::new("verify-you-rejected").arg("name", name).arg("unit", unit)
            };
            match callbacks::message_id(&q) {
                Some(id) => cx.edit(id, Outgoing::new(result)),
                None => cx.say(result),
            }
        }
    }
    Ok(())
}
