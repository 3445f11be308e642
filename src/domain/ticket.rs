//! The ticket state machine. Every status change anywhere goes through
//! [`transition`]; what it refuses cannot happen.
//!
//! ```text
//! Queued ──Assign──► Assigned ──Accept──► Accepted ──StartTravel──► OnTheWay
//!   ▲                 │  │                   │                          │
//!   └─Decline/Timeout─┘  │                   └──────────Arrive──────────┤
//!                        │                                              ▼
//!  Closed ◄─ConfirmFixed/AutoClose─ Done ◄──Complete── InProgress ◄─Resume─ OnHold
//!                                    │                     └──────Hold──────►┘
//!                                    └─ReportNotFixed─► Assigned (same assignee while active staff;
//!                                                         otherwise handed over: Reassign or Release)
//!  Queued/Assigned/Accepted ──Cancel──► Cancelled      any open, not Done ──Reassign──► Assigned
//!  assigned or being worked, not Done ──Release──► Queued (its assignee was deactivated, nobody else eligible)
//! ```

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nobody eligible yet: waits in the dispatcher's queue.
    Queued,
    /// Given to someone who has not accepted yet.
    Assigned,
    Accepted,
    OnTheWay,
    /// Arrived and working.
    InProgress,
    /// Waiting for parts or access; the resolution clock is paused.
    OnHold,
    /// The assignee says it is fixed; the owner confirms.
    Done,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Queued,
        Status::Assigned,
        Status::Accepted,
        Status::OnTheWay,
        Status::InProgress,
        Status::OnHold,
        Status::Done,
        Status::Closed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Assigned => "assigned",
            Status::Accepted => "accepted",
            Status::OnTheWay => "on_the_way",
            Status::InProgress => "in_progress",
            Status::OnHold => "on_hold",
            Status::Done => "done",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Cancelled)
    }

    pub fn label(self) -> Text {
        match self {
            Status::Queued => Text::new("status-queued"),
            Status::Assigned => Text::new("status-assigned"),
            Status::Accepted => Text::new("status-accepted"),
            Status::OnTheWay => Text::new("status-on-the-way"),
            Status::InProgress => Text::new("status-in-progress"),
            Status::OnHold => Text::new("status-on-hold"),
            Status::Done => Text::new("status-done"),
            Status::Closed => Text::new("status-closed"),
            Status::Cancelled => Text::new("status-cancelled"),
        }
    }
}

/// What happens to a ticket; also the event kind recorded for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Assign,
    Accept,
    Decline,
    AcceptTimeout,
    StartTravel,
    Arrive,
    Hold,
    Resume,
    Complete,
    ConfirmFixed,
    ReportNotFixed,
    Cancel,
    Reassign,
    AutoClose,
    /// Customer service takes a complaint, suggestion or praise.
    Take,
    /// The handler closes it with an outcome; the owner answers.
    Conclude,
    /// The owner says the outcome did not resolve it: back to the handler.
    Unresolved,
    /// Its assignee was deactivated and nobody else can take it now: back to
    /// the dispatcher's queue (a complaint: back to customer service's Take).
    Release,
}

impl Action {
    pub const ALL: [Action; 18] = [
        Action::Assign,
        Action::Accept,
        Action::Decline,
        Action::AcceptTimeout,
        Action::StartTravel,
        Action::Arrive,
        Action::Hold,
        Action::Resume,
        Action::Complete,
        Action::ConfirmFixed,
        Action::ReportNotFixed,
        Action::Cancel,
        Action::Reassign,
        Action::AutoClose,
        Action::Take,
        Action::Conclude,
        Action::Unresolved,
        Action::Release,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::AcceptTimeout => "accept_timeout",
            Action::StartTravel => "start_travel",
            Action::Arrive => "arrive",
            Action::Hold => "hold",
            Action::Resume => "resume",
            Action::Complete => "complete",
            Action::ConfirmFixed => "confirm_fixed",
            Action::ReportNotFixed => "report_not_fixed",
            Action::Cancel => "cancel",
            Action::Reassign => "reassign",
            Action::AutoClose => "auto_close",
            Action::Take => "take",
            Action::Conclude => "conclude",
            Action::Unresolved => "unresolved",
            Action::Release => "release",
        }
    }

    pub fn parse_code(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a ticket that is {from:?} cannot {action:?}")]
pub struct Refused {
    pub from: Status,
    pub action: Action,
}

/// The status after `action`, or why it cannot happen now.
pub fn transition(from: Status, action: Action) -> Result<Status, Refused> {
    use Action::*;
    use Status::*;
    let to = match (from, action) {
        (Queued, Assign) => Assigned,
        (Assigned, Accept) => Accepted,
        (Assigned, Decline | AcceptTimeout) => Queued,
        (Accepted, StartTravel) => OnTheWay,
        (Accepted | OnTheWay, Arrive) => InProgress,
        (InProgress, Hold) => OnHold,
        (OnHold, Resume) => InProgress,
        (InProgress | OnHold, Complete) => Done,
        (Done, ConfirmFixed | AutoClose) => Closed,
        (Done, ReportNotFixed) => Assigned,
        (Queued | Assigned | Accepted, Cancel) => Cancelled,
        (Queued | Assigned | Accepted | OnTheWay | InProgress | OnHold, Reassign) => Assigned,
        // Complaints, suggestions, praise: Queued ─Take─► Accepted ─Conclude─► Done
        // ─ConfirmFixed─► Closed, or Done ─Unresolved─► Accepted (same handler while
        // active staff; otherwise then Release, back to customer service).
        (Queued, Take) => Accepted,
        (Accepted, Conclude) => Done,
        (Done, Unresolved) => Accepted,
        (Assigned | Accepted | OnTheWay | InProgress | OnHold, Release) => Queued,
        _ => return Err(Refused { from, action }),
    };
    Ok(to)
}

/// A ticket's human-friendly number: BX-20261127-0042 (报修, day, sequence).
pub fn ticket_number(day: chrono::NaiveDate, sequence: i32) -> String {
    format!("BX-{}-{sequence:04}", day.format("%Y%m%d"))
}

/// A rating of 1 to 5 stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    pub fn new(stars: u8) -> Option<Rating> {
        (1..=5).contains(&stars).then_some(Rating(stars))
    }

    pub fn stars(self) -> u8 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Status::*;

    /// Every allowed transition; everything else is refused.
    const ALLOWED: [(Status, Action, Status); 31] = [
        (Queued, Assign, Assigned),
        (Assigned, Accept, Accepted),
        (Assigned, Decline, Queued),
        (Assigned, AcceptTimeout, Queued),
        (Accepted, StartTravel, OnTheWay),
        (Accepted, Arrive, InProgress),
        (OnTheWay, Arrive, InProgress),
        (InProgress, Hold, OnHold),
        (OnHold, Resume, InProgress),
        (InProgress, Complete, Done),
        (OnHold, Complete, Done),
        (Done, ConfirmFixed, Closed),
        (Done, AutoClose, Closed),
        (Done, ReportNotFixed, Assigned),
        (Queued, Cancel, Cancelled),
        (Assigned, Cancel, Cancelled),
        (Accepted, Cancel, Cancelled),
        (Queued, Reassign, Assigned),
        (Assigned, Reassign, Assigned),
        (Accepted, Reassign, Assigned),
        (OnTheWay, Reassign, Assigned),
        (InProgress, Reassign, Assigned),
        (OnHold, Reassign, Assigned),
        (Queued, Take, Accepted),
        (Accepted, Conclude, Done),
        (Done, Unresolved, Accepted),
        (Assigned, Release, Queued),
        (Accepted, Release, Queued),
        (OnTheWay, Release, Queued),
        (InProgress, Release, Queued),
        (OnHold, Release, Queued),
    ];

    #[test]
    fn every_allowed_transition_is_allowed_and_every_other_is_refused() {
        for from in Status::ALL {
            for action in Action::ALL {
                let expected = ALLOWED.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(transition(from, action), Ok(to), "{from:?} + {action:?}"),
                    None => {
                        assert_eq!(transition(from, action), Err(Refused { from, action }), "{from:?} + {action:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn a_finished_ticket_cannot_be_worked_again() {
        for action in Action::ALL {
            assert!(transition(Closed, action).is_err());
            assert!(transition(Cancelled, action).is_err());
        }
        assert!(transition(Done, Complete).is_err(), "done twice is one effect");
    }

    #[test]
    fn work_started_cannot_be_cancelled_by_the_owner() {
        for from in [OnTheWay, InProgress, OnHold, Done] {
            assert!(transition(from, Cancel).is_err(), "{from:?}");
        }
    }

    #[test]
    fn ticket_numbers_read_like_the_service_centres() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(ticket_number(day, 42), "BX-20261127-0042");
    }

    #[test]
    fn a_rating_is_one_to_five_stars() {
        assert!(Rating::new(0).is_none());
        assert!(Rating::new(6).is_none());
        assert_eq!(Rating::new(5).map(Rating::stars), Some(5));
    }

    #[test]
    fn every_status_and_action_round_trips_through_its_code() {
        for s in Status::ALL {
            assert_eq!(Status::parse_code(s.as_str()), Some(s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse_code(a.as_str()), Some(a));
        }
    }
}
