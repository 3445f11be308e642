//! Where a chat stands in a dialogue, saved in PostgreSQL with every step.
//! Each variant carries what the dialogue has collected so far.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum State {
    /// Nothing in progress: a recognised user sees their menu.
    #[default]
    Idle,
    /// Onboarding: waiting for the owner to share their phone contact.
    AwaitingContact,
    /// The roster has their phone for several units; inline buttons list them.
    ChoosingUnit,
    /// Not on the roster: waiting for the unit they live in (3栋2单元1201).
    AwaitingUnitAddress,
    /// …then their name…
    AwaitingName { unit_id: i64 },
    /// …then how they live there (owner, family, tenant), by button.
    AwaitingRelation { unit_id: i64, name: String },
    /// A verification request waits for customer service.
    AwaitingApproval,
}

impl State {
    /// Reads a saved state; one written by an older version that no longer
    /// parses starts over rather than failing every update of that chat.
    pub fn from_saved(value: Option<serde_json::Value>) -> State {
        value.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_with_fields_round_trips_through_json() {
        let s = State::AwaitingRelation { unit_id: 7, name: "李雷".into() };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(State::from_saved(Some(v)), s);
    }

    #[test]
    fn an_unreadable_saved_state_starts_over() {
        assert_eq!(State::from_saved(Some(serde_json::json!({"step": "gone"}))), State::Idle);
    }
}
