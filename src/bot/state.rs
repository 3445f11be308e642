//! Where a chat stands in a dialogue, saved in PostgreSQL with every step.
//! Each variant carries what the dialogue has collected so far.

use serde::{Deserialize, Serialize};

use crate::bot::complaint_filing::CaseDraft;
use crate::bot::repair_filing::Draft;
use crate::domain::repair::PhotoRef;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
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
    /// Filing a repair request, step by step.
    Filing(Draft),
    /// The assignee declines: why?
    DeclineReason { ticket_id: i64 },
    /// Putting a job on hold: why…
    HoldReason { ticket_id: i64 },
    /// …and until when.
    HoldUntil { ticket_id: i64, reason: String },
    /// Marking a job done: a short note…
    DoneNote { ticket_id: i64 },
    /// …then photos of the result, if any.
    DonePhotos { ticket_id: i64, note: String, photos: Vec<PhotoRef> },
    /// The owner says it is not fixed: what is still wrong?
    /// The done notice keeps its buttons until they answer (after a /cancel
    /// they can still choose), then loses them.
    NotFixedReason {
        ticket_id: i64,
        #[serde(default)]
        done_message: Option<i32>,
    },
    /// An optional comment after the stars.
    RatingComment { ticket_id: i64 },
    /// The owner adds a message or photo for the assignee.
    FollowUp { ticket_id: i64 },
    /// /stats: a custom period is being typed.
    StatsRange,
    /// Filing a complaint, suggestion or praise, step by step.
    Case(CaseDraft),
    /// Customer service types a reply for the owner…
    CaseReply { ticket_id: i64 },
    /// …or the outcome it closes with.
    CaseOutcome { ticket_id: i64 },
    /// The owner types a reply for customer service.
    CaseOwnerReply { ticket_id: i64 },
    /// The owner said the outcome did not resolve it: what is still wrong?
    /// The outcome message keeps its buttons until they answer (after a
    /// /cancel they can still choose), then loses them.
    CaseUnresolvedReason {
        ticket_id: i64,
        #[serde(default)]
        outcome_message: Option<i32>,
    },
    /// An admin designs a survey, step by step.
    SurveyDesign(crate::bot::survey_design::DesignDraft),
    /// An admin types when a survey opens.
    SurveyOpenTime { survey_id: i64 },
    /// An owner is answering a survey (where: in the response row).
    SurveyAnswering { response_id: i64 },
    /// Composing a notice, step by step.
    NoticeCompose(crate::bot::notice_compose::NoticeDraft),
}

impl State {
    /// Onboarding steps mean nothing to someone who is recognised now (a
    /// newcomer who joined as staff, an owner customer service approved):
    /// they start from their menu.
    pub fn for_actor(self, actor: &crate::services::people::Actor) -> State {
        let recognised = actor.is_owner() || actor.is_staff() || actor.is_admin;
        let onboarding = matches!(
            self,
            State::AwaitingContact
                | State::ChoosingUnit
                | State::AwaitingUnitAddress
                | State::AwaitingName { .. }
                | State::AwaitingRelation { .. }
                | State::AwaitingApproval
        );
        if recognised && onboarding { State::Idle } else { self }
    }

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
    fn a_filing_draft_round_trips_through_json() {
        let draft = crate::bot::repair_filing::Draft {
            step: crate::bot::repair_filing::Step::Photos,
            editing: false,
            patrol: false,
            category: Some(crate::domain::Category::Gas),
            unit_id: Some(3),
            common_area: None,
            location: None,
            description: Some("燃气味".into()),
            photos: Vec::new(),
            urgency: None,
            window: None,
            started_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            categories: vec![crate::domain::Category::Gas],
        };
        let s = State::Filing(draft);
        assert_eq!(State::from_saved(Some(serde_json::to_value(&s).unwrap())), s);
    }

    #[test]
    fn an_unreadable_saved_state_starts_over() {
        assert_eq!(State::from_saved(Some(serde_json::json!({"state": "gone"}))), State::Idle);
    }
}
