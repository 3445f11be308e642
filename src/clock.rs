//! Time is injected: domain code asks a clock, tests move it forward instead
//! of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

/// The wall clock plus an offset that only grows: tests jump hours ahead
/// (an SLA deadline, a 24-hour draft) while time keeps flowing, so waits
/// measured in real time (the outbox's `retry_after`, backoff) still end.
/// Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct ShiftedClock(Arc<Mutex<Duration>>);

impl ShiftedClock {
    pub fn new() -> Self {
        ShiftedClock::default()
    }

    /// Moves the clock `by` ahead of the wall clock (further than before).
    pub fn advance(&self, by: Duration) {
        let mut offset = self.0.lock().expect("clock lock");
        *offset += by;
    }

    /// How far ahead of the wall clock it is.
    pub fn offset(&self) -> Duration {
        *self.0.lock().expect("clock lock")
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_runs_ahead_by_what_it_was_advanced() {
        let clock = ShiftedClock::new();
        let shared = clock.clone();
        clock.advance(Duration::hours(72));
        let ahead = shared.now() - Utc::now();
        assert!(ahead > Duration::hours(72) - Duration::seconds(5) && ahead <= Duration::hours(72), "{ahead}");
        assert_eq!(shared.offset(), Duration::hours(72));
    }

    #[test]
    fn a_shifted_clock_keeps_moving_between_advances() {
        let clock = ShiftedClock::new();
        let first = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(clock.now() > first);
    }
}
