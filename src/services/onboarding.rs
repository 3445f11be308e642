//! Owners joining: by their phone contact matched against the roster, or by
//! a request that customer service approves or rejects.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::{Button, CallbackData, Markup, Menu, Outgoing, PhoneNumber, Relation, UnitAddress, labels};
use crate::i18n::{Locale, Text};
use crate::services::{notify, people::Actor};
use crate::store::{self, roster::RosterMatch, verifications::NewRequest};

#[derive(Debug)]
pub enum ContactOutcome {
    /// The contact is someone else's: only your own phone proves who you are.
    NotOwnContact,
    /// The phone could not be read as a mobile number.
    Unreadable,
    /// Bound to the only unit the roster has for this phone.
    Bound { address: UnitAddress, relation: Relation },
    /// The roster has this phone for several units: the owner picks one.
    ChooseUnit(Vec<RosterMatch>),
    /// Not on the roster: the owner is asked for the unit and their name.
    NotOnRoster,
}

/// An owner shared a contact. `contact_user_id` is the Telegram id the
/// contact belongs to (Telegram sets it when you share your own).
pub async fn share_contact(
    conn: &mut PgConnection,
    actor: &Actor,
    contact_user_id: Option<i64>,
    phone: &str,
) -> sqlx::Result<ContactOutcome> {
    if contact_user_id != Some(actor.telegram_id()) {
        return Ok(ContactOutcome::NotOwnContact);
    }
    let Ok(phone) = PhoneNumber::parse(&international(phone)) else {
        return Ok(ContactOutcome::Unreadable);
    };
    store::users::set_phone(conn, actor.telegram_id(), phone.as_str()).await?;
    let mut matches = store::roster::find_by_phone(conn, &phone).await?;
    Ok(match matches.len() {
        0 => ContactOutcome::NotOnRoster,
        1 => {
            let m = matches.remove(0);
            bind_from_roster(conn, actor, &m).await?;
            ContactOutcome::Bound { address: m.address, relation: m.relation }
        }
        _ => ContactOutcome::ChooseUnit(matches),
    })
}

/// Telegram sends a contact's number in international form without the
/// plus ("8613800138000", "14155552671"); without it a foreign number would
/// be read as a mainland one.
fn international(phone: &str) -> String {
    let trimmed = phone.trim();
    if trimmed.starts_with('+') { trimmed.to_owned() } else { format!("+{trimmed}") }
}

#[derive(Debug)]
pub enum PickOutcome {
    Bound {
        address: UnitAddress,
        relation: Relation,
    },
    /// The unit is not one the roster gives for their phone (an old or forged button).
    NotYours,
}

/// An owner with several units picked one. The choice is checked against the
/// roster again: the button's unit id may have been forged.
pub async fn pick_unit(conn: &mut PgConnection, actor: &Actor, unit_id: i64) -> sqlx::Result<PickOutcome> {
    let Some(phone) = actor.user.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()) else {
        return Ok(PickOutcome::NotYours);
    };
    let matches = store::roster::find_by_phone(conn, &phone).await?;
    let Some(m) = matches.into_iter().find(|m| m.unit_id == unit_id) else {
        return Ok(PickOutcome::NotYours);
    };
    bind_from_roster(conn, actor, &m).await?;
    Ok(PickOutcome::Bound { address: m.address, relation: m.relation })
}

async fn bind_from_roster(conn: &mut PgConnection, actor: &Actor, m: &RosterMatch) -> sqlx::Result<()> {
    store::residents::bind(conn, actor.telegram_id(), m.unit_id, &m.owner_name, m.relation, "roster").await
}

/// The unit an owner typed, if the community has it.
pub async fn find_unit(conn: &mut PgConnection, address: &UnitAddress) -> sqlx::Result<Option<i64>> {
    store::roster::find_unit(conn, None, address).await
}

pub struct ManualRequest<'a> {
    pub unit_id: i64,
    pub name: &'a str,
    pub relation: Relation,
}

#[derive(Debug)]
pub enum FileOutcome {
    Filed {
        request_id: i64,
    },
    /// They have not shared their phone yet (the flow asks for it first).
    NoPhone,
}

/// Files a verification request and tells everyone who can decide it.
pub async fn request_verification(
    conn: &mut PgConnection,
    actor: &Actor,
    request: ManualRequest<'_>,
    admins: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<FileOutcome> {
    let Some(phone) = actor.user.phone.clone() else {
        return Ok(FileOutcome::NoPhone);
    };
    let request_id = store::verifications::file(
        conn,
        NewRequest {
            telegram_id: actor.telegram_id(),
            unit_id: request.unit_id,
            name: request.name,
            phone: &phone,
            relation: request.relation,
        },
    )
    .await?;
    let address = store::roster::unit_address(conn, request.unit_id).await?;
    let card = Outgoing::with(
        Text::new("verify-request-card")
            .arg("name", request.name)
            .arg("unit", address.as_ref().map(labels::unit).unwrap_or_else(|| Text::plain("?")))
            .arg("relation", labels::relation(request.relation))
            .arg("phone", phone.as_str()),
        Markup::Inline(vec![vec![
            Button::new(Text::new("btn-approve"), CallbackData::Verify { request_id, approve: true }),
            Button::new(Text::new("btn-reject"), CallbackData::Verify { request_id, approve: false }),
        ]]),
    );
    // Customer service decides; with nobody in that role yet, the admins do.
    let mut deciders = store::staff::verifiers(conn).await?;
    if deciders.is_empty() {
        deciders = admins.to_vec();
    }
    for chat_id in deciders {
        notify::notification(
            conn,
            chat_id,
            "verification-request",
            &card,
            now,
            Some(format!("vfy:{request_id}:{chat_id}")),
        )
        .await?;
    }
    Ok(FileOutcome::Filed { request_id })
}

#[derive(Debug)]
pub enum DecideOutcome {
    Decided { approve: bool, name: String, address: Option<UnitAddress> },
    AlreadyDecided { approved: bool },
    NotFound,
    NotAllowed,
}

/// Customer service approves or rejects a request; the owner is told either way.
pub async fn decide_verification(
    conn: &mut PgConnection,
    actor: &Actor,
    request_id: i64,
    approve: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<DecideOutcome> {
    if !actor.can_verify_owners() {
        return Ok(DecideOutcome::NotAllowed);
    }
    let Some(request) = store::verifications::get_for_update(conn, request_id).await? else {
        return Ok(DecideOutcome::NotFound);
    };
    if request.status != "pending" {
        return Ok(DecideOutcome::AlreadyDecided { approved: request.status == "approved" });
    }
    store::verifications::decide(conn, request_id, approve, actor.telegram_id(), now).await?;
    let address = store::roster::unit_address(conn, request.unit_id).await?;
    let unit = address.as_ref().map(labels::unit).unwrap_or_else(|| Text::plain("?"));
    let message = if approve {
        store::residents::bind(conn, request.telegram_id, request.unit_id, &request.name, request.relation(), "staff")
            .await?;
        Outgoing::with(Text::new("verify-approved").arg("unit", unit), Markup::Menu(Menu::Owner))
    } else {
        Outgoing::with(Text::new("verify-rejected").arg("unit", unit), Markup::RequestContact)
    };
    notify::notification(
        conn,
        request.telegram_id,
        "verification-decided",
        &message,
        now,
        Some(format!("vfy-done:{request_id}")),
    )
    .await?;
    Ok(DecideOutcome::Decided { approve, name: request.name, address })
}

/// Remembers the language someone chose.
pub async fn choose_language(conn: &mut PgConnection, actor: &Actor, locale: Locale) -> sqlx::Result<()> {
    store::users::choose_locale(conn, actor.telegram_id(), locale).await
}

/// Whether they have a verification request waiting for customer service.
pub async fn has_pending_request(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<bool> {
    Ok(store::verifications::pending_of(conn, actor.telegram_id()).await?.is_some())
}
