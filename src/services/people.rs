//! Who is acting: the roles a Telegram user holds right now.

use sqlx::PgConnection;

use crate::config::Settings;
use crate::domain::Trade;
use crate::i18n::Locale;
use crate::store::{self, residents::Residence, staff::StaffRow, users::UserRow};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserRow,
    pub is_admin: bool,
    /// Present while they are an active staff member.
    pub staff: Option<StaffRow>,
    pub residences: Vec<Residence>,
}

impl Actor {
    pub fn telegram_id(&self) -> i64 {
        self.user.telegram_id
    }

    pub fn locale(&self) -> Locale {
        self.user.locale()
    }

    pub fn is_owner(&self) -> bool {
        !self.residences.is_empty()
    }

    pub fn is_staff(&self) -> bool {
        self.staff.is_some()
    }

    /// May decide owners' verification requests: customer service (its staff
    /// and its supervisors) and admins, as at a service centre's front desk.
    /// A supervisor of another trade (plumbing, security …) may not: who
    /// lives in a unit is not theirs to vouch for. `store::staff::verifiers`
    /// is who receives the requests.
    pub fn can_verify_owners(&self) -> bool {
        self.is_admin || self.staff.as_ref().is_some_and(|s| s.trade == Trade::CustomerService.as_str())
    }
}

/// Who asks for people's data or figures (the figures, satisfaction, the
/// ticket export, survey results). Every service that returns them takes
/// one and checks a person's roles as they are now, whatever their dialogue
/// state says: a supervisor deactivated while typing a custom period is
/// refused. The operator at the command line (`propdesk export …`, `propdesk
/// survey export`) already holds the database and is not checked.
#[derive(Debug, Clone, Copy)]
pub enum Asker<'a> {
    Person(&'a Actor),
    Operator,
}

pub async fn load(conn: &mut PgConnection, user: UserRow, settings: &Settings) -> sqlx::Result<Actor> {
    let staff = store::staff::get(conn, user.telegram_id).await?;
    let residences = store::residents::of_user(conn, user.telegram_id).await?;
    Ok(actor(user, staff, residences, settings))
}

/// The actor from rows already read (`store::work::begin`, at the start of every update).
pub fn actor(user: UserRow, staff: Option<StaffRow>, residences: Vec<Residence>, settings: &Settings) -> Actor {
    Actor { is_admin: settings.is_admin(user.telegram_id), user, staff: staff.filter(|s| s.active), residences }
}

/// They blocked the bot (false) or came back (true).
pub async fn set_reachable(conn: &mut PgConnection, telegram_id: i64, reachable: bool) -> sqlx::Result<()> {
    store::users::set_reachable(conn, telegram_id, reachable).await
}
