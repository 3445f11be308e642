//! The abuse limit: a chat that sends more than `FLOOD_UPDATES` updates within
//! `FLOOD_WINDOW_SECONDS` is slowed. Its excess is set aside unhandled, and it
//! is told once per window, politely, to wait a moment; other chats are not
//! affected.
//!
//! Counted in memory, per chat (the desk works in private chats, where the
//! chat is the person), in fixed windows that start at a chat's first update:
//! no database round trip per update, and the window and the single notice
//! are exact, where a token bucket (`governor`, which the outbox uses) would
//! answer allow or deny but keep no "first refusal in this window" to send
//! the one notice from, and reads a monotonic clock tests cannot move. With
//! several replicas each counts what it handles itself, so a flood spread
//! over `n` replicas may reach `n` times the limit before it is slowed. That
//! is enough for what the limit is for (a stuck client, a script, someone
//! hammering a button) and nothing depends on it for correctness.
//!
//! Time is the app's clock when the runner takes the update. An update that
//! Telegram dated more than a window before that (a backlog after an outage
//! or a restart) is not counted: people are not slowed for what they sent
//! while the bot was away.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

use crate::config::FloodSettings;

/// What to do with one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Serve,
    /// Over the limit, the first time in this window: set it aside and say so.
    Notify,
    /// Over the limit again: set it aside quietly.
    Drop,
}

#[derive(Debug)]
struct Window {
    started: DateTime<Utc>,
    count: u32,
    told: bool,
}

/// Chats kept before windows that have ended are swept out.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct FloodGuard {
    settings: FloodSettings,
    chats: Mutex<HashMap<i64, Window>>,
}

impl FloodGuard {
    pub fn new(settings: FloodSettings) -> FloodGuard {
        FloodGuard { settings, chats: Mutex::new(HashMap::new()) }
    }

    /// Counts one update from `chat` taken at `now`; `sent_at` is Telegram's
    /// date for it, where it has one.
    pub fn check(&self, chat: i64, now: DateTime<Utc>, sent_at: Option<DateTime<Utc>>) -> Verdict {
        let window = Duration::seconds(self.settings.window_secs);
        if self.settings.updates == 0 || sent_at.is_some_and(|at| now - at > window) {
            return Verdict::Serve;
        }
        let mut chats = self.chats.lock().unwrap_or_else(PoisonError::into_inner);
        if chats.len() > SWEEP_ABOVE {
            chats.retain(|_, w| now - w.started < window);
        }
        let w = chats.entry(chat).or_insert(Window { started: now, count: 0, told: false });
        if now - w.started >= window || now < w.started {
            *w = Window { started: now, count: 0, told: false };
        }
        w.count = w.count.saturating_add(1);
        if w.count <= self.settings.updates {
            Verdict::Serve
        } else if !w.told {
            w.told = true;
            Verdict::Notify
        } else {
            Verdict::Drop
        }
    }
}

/// Telegram's date of a stored update, for the kinds that carry one.
pub fn sent_at(payload: &serde_json::Value) -> Option<DateTime<Utc>> {
    ["message", "edited_message", "my_chat_member"]
        .iter()
        .find_map(|kind| payload.get(kind)?.get("date")?.as_i64())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn guard(updates: u32, window_secs: i64) -> FloodGuard {
        FloodGuard::new(FloodSettings { updates, window_secs })
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
    }

    #[test]
    fn the_updates_past_the_limit_are_set_aside_and_the_first_of_them_says_so() {
        let g = guard(3, 10);
        let verdicts: Vec<Verdict> = (0..6).map(|i| g.check(1, t0() + Duration::seconds(i), None)).collect();
        use Verdict::*;
        assert_eq!(verdicts, vec![Serve, Serve, Serve, Notify, Drop, Drop]);
    }

    #[test]
    fn one_chats_flood_does_not_slow_another() {
        let g = guard(2, 10);
        for _ in 0..5 {
            g.check(1, t0(), None);
        }
        assert_eq!(g.check(2, t0(), None), Verdict::Serve);
        assert_eq!(g.check(2, t0(), None), Verdict::Serve);
    }

    #[test]
    fn after_the_window_the_chat_is_served_and_would_be_told_again() {
        let g = guard(1, 10);
        assert_eq!(g.check(1, t0(), None), Verdict::Serve);
        assert_eq!(g.check(1, t0(), None), Verdict::Notify);
        assert_eq!(g.check(1, t0() + Duration::seconds(9), None), Verdict::Drop);
        let later = t0() + Duration::seconds(10);
        assert_eq!(g.check(1, later, None), Verdict::Serve);
        assert_eq!(g.check(1, later, None), Verdict::Notify);
    }

    #[test]
    fn a_backlog_from_before_the_window_is_not_counted() {
        let g = guard(1, 10);
        let long_ago = Some(t0() - Duration::minutes(30));
        for _ in 0..5 {
            assert_eq!(g.check(1, t0(), long_ago), Verdict::Serve);
        }
        assert_eq!(g.check(1, t0(), Some(t0())), Verdict::Serve);
        assert_eq!(g.check(1, t0(), Some(t0())), Verdict::Notify);
    }

    #[test]
    fn a_limit_of_zero_turns_it_off() {
        let g = guard(0, 10);
        assert!((0..100).all(|_| g.check(1, t0(), None) == Verdict::Serve));
    }

    #[test]
    fn a_messages_date_is_read_from_the_stored_update() {
        let payload = serde_json::json!({"update_id": 5, "message": {"date": 1_700_000_000, "text": "hi"}});
        assert_eq!(sent_at(&payload), DateTime::from_timestamp(1_700_000_000, 0));
        assert_eq!(sent_at(&serde_json::json!({"update_id": 6, "callback_query": {"id": "1"}})), None);
    }
}
