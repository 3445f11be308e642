//! Response-time targets (SLA) and the deadlines they give a ticket.
//! Defaults come from DOMAIN.md; every one is a setting.

use chrono::{DateTime, Duration, Utc};

use crate::domain::repair::Urgency;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// The assignee accepts within this, or the ticket goes to someone else.
    pub accept: Duration,
    /// Someone is on site within this of the request.
    pub onsite: Duration,
    /// It is fixed within this (time on hold not counted).
    pub resolve: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaPolicy {
    pub emergency: Targets,
    pub urgent: Targets,
    pub routine: Targets,
    /// The assignee is reminded this long before the on-site deadline.
    pub remind_before: Duration,
    /// A job marked done that the owner neither confirms nor disputes closes after this.
    pub confirm_within: Duration,
    /// A complaint gets its first reply to the owner within this…
    pub complaint_reply: Duration,
    /// …and a written outcome within this.
    pub complaint_outcome: Duration,
}

impl Default for SlaPolicy {
    /// Emergency (water, power, gas, lift entrapment): on site in 20 minutes,
    /// fixed the same day (12 hours). Urgent: on site in 2 hours, fixed within
    /// a day. Routine: visited the same day (12 hours), done within 3 days.
    /// Accept within 10 minutes for emergencies, 30 otherwise.
    fn default() -> Self {
        SlaPolicy {
            emergency: Targets {
                accept: Duration::minutes(10),
                onsite: Duration::minutes(20),
                resolve: Duration::hours(12),
            },
            urgent: Targets { accept: Duration::minutes(30), onsite: Duration::hours(2), resolve: Duration::hours(24) },
            routine: Targets {
                accept: Duration::minutes(30),
                onsite: Duration::hours(12),
                resolve: Duration::hours(72),
            },
            remind_before: Duration::minutes(10),
            confirm_within: Duration::hours(72),
            complaint_reply: Duration::hours(24),
            complaint_outcome: Duration::days(7),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub onsite_due: DateTime<Utc>,
    pub resolve_due: DateTime<Utc>,
}

impl SlaPolicy {
    pub fn targets(&self, urgency: Urgency) -> Targets {
        match urgency {
            Urgency::Emergency => self.emergency,
            Urgency::Urgent => self.urgent,
            Urgency::Routine => self.routine,
        }
    }

    /// Computed once, when the ticket is created.
    pub fn deadlines(&self, urgency: Urgency, created: DateTime<Utc>) -> Deadlines {
        let t = self.targets(urgency);
        Deadlines { onsite_due: created + t.onsite, resolve_due: created + t.resolve }
    }

    /// By when someone given the ticket at `assigned` must accept it.
    pub fn accept_due(&self, urgency: Urgency, assigned: DateTime<Utc>) -> DateTime<Utc> {
        assigned + self.targets(urgency).accept
    }

    /// When to remind the assignee of the on-site deadline.
    pub fn reminder_at(&self, onsite_due: DateTime<Utc>) -> DateTime<Utc> {
        onsite_due - self.remind_before
    }
}

/// The resolution deadline after a hold from `hold_since` to `resumed`: the
/// time on hold does not count against the team.
pub fn extend_for_hold(resolve_due: DateTime<Utc>, hold_since: DateTime<Utc>, resumed: DateTime<Utc>) -> DateTime<Utc> {
    resolve_due + (resumed - hold_since).max(Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64, m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(h) + Duration::minutes(m)
    }

    #[test]
    fn an_emergency_needs_someone_on_site_in_twenty_minutes() {
        let d = SlaPolicy::default().deadlines(Urgency::Emergency, at(0, 0));
        assert_eq!(d.onsite_due, at(0, 20));
        assert_eq!(d.resolve_due, at(12, 0));
    }

    #[test]
    fn routine_work_has_three_days() {
        let d = SlaPolicy::default().deadlines(Urgency::Routine, at(0, 0));
        assert_eq!(d.resolve_due, at(72, 0));
    }

    #[test]
    fn acceptance_windows_are_ten_minutes_for_emergencies_and_thirty_otherwise() {
        let p = SlaPolicy::default();
        assert_eq!(p.accept_due(Urgency::Emergency, at(0, 0)), at(0, 10));
        assert_eq!(p.accept_due(Urgency::Routine, at(0, 0)), at(0, 30));
    }

    #[test]
    fn time_on_hold_moves_the_resolution_deadline() {
        assert_eq!(extend_for_hold(at(72, 0), at(10, 0), at(34, 0)), at(96, 0));
        assert_eq!(extend_for_hold(at(72, 0), at(10, 0), at(9, 0)), at(72, 0), "a clock that went back adds nothing");
    }

    #[test]
    fn the_reminder_comes_before_the_on_site_deadline() {
        assert_eq!(SlaPolicy::default().reminder_at(at(0, 20)), at(0, 10));
    }
}
