//! Injected failures and Telegram's flood limits.

use std::time::{Duration, Instant};

use super::bot_api::ApiFailure;
use super::state::State;
use super::types::{Fault, FaultKind, Limits, SendRecord};

/// Methods that count against the flood limits.
pub(crate) fn is_send_method(method: &str) -> bool {
    let m = method.to_ascii_lowercase();
    m.starts_with("send") && m != "sendchataction"
}

/// Uses up one matching fault, if any, and returns the failure to answer with.
pub(crate) fn take_fault(state: &mut State, method: &str, chat_id: Option<i64>) -> Option<ApiFailure> {
    let index = state.faults.iter().position(|f| matches(f, method, chat_id))?;
    let fault = &mut state.faults[index];
    let failure = failure_for(&fault.kind);
    fault.times -= 1;
    if fault.times == 0 {
        state.faults.remove(index);
    }
    Some(failure)
}

fn matches(fault: &Fault, method: &str, chat_id: Option<i64>) -> bool {
    let method_matches = match &fault.method {
        Some(m) => m.eq_ignore_ascii_case(method),
        None => !method.eq_ignore_ascii_case("getUpdates"),
    };
    let chat_matches = fault.chat_id.is_none() || fault.chat_id == chat_id;
    fault.times > 0 && method_matches && chat_matches
}

fn failure_for(kind: &FaultKind) -> ApiFailure {
    match kind {
        FaultKind::RetryAfter(seconds) => ApiFailure::retry_after(*seconds),
        FaultKind::ServerError(status) => ApiFailure::server_error(*status),
        FaultKind::Forbidden => ApiFailure::blocked(),
    }
}

/// Checks and records one send to `chat_id` against the limits (if they are on), in the send log too.
pub(crate) fn check_flood(state: &mut State, chat_id: i64, now: Instant) -> Result<(), ApiFailure> {
    let Some(limits) = state.limits.clone() else {
        return Ok(());
    };
    let verdict = judge(state, &limits, chat_id, now);
    state.send_log.push(SendRecord { at: now, chat_id, refused: verdict.is_err() });
    verdict
}

fn judge(state: &mut State, limits: &Limits, chat_id: i64, now: Instant) -> Result<(), ApiFailure> {
    let window = Duration::from_secs(1);
    let per_chat = state.sends_per_chat.entry(chat_id).or_default();
    prune(per_chat, now, window);
    if per_chat.len() >= limits.per_chat_per_sec as usize {
        return Err(ApiFailure::retry_after(wait_seconds(per_chat.front(), now, window)));
    }
    prune(&mut state.sends_global, now, window);
    if state.sends_global.len() >= limits.global_per_sec as usize {
        return Err(ApiFailure::retry_after(wait_seconds(state.sends_global.front(), now, window)));
    }
    state.sends_per_chat.entry(chat_id).or_default().push_back(now);
    state.sends_global.push_back(now);
    Ok(())
}

fn prune(sent: &mut std::collections::VecDeque<Instant>, now: Instant, window: Duration) {
    while sent.front().is_some_and(|t| now.duration_since(*t) >= window) {
        sent.pop_front();
    }
}

/// Whole seconds until the oldest send leaves the window, at least 1 (Telegram sends an integer).
fn wait_seconds(oldest: Option<&Instant>, now: Instant, window: Duration) -> u32 {
    let left = oldest.map_or(window, |t| window.saturating_sub(now.duration_since(*t)));
    left.as_secs_f64().ceil().max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_used_up_after_its_times() {
        let mut s = State::new(1, "b");
        s.faults.push(Fault::new(FaultKind::Forbidden).method("sendMessage").times(2));
        assert!(take_fault(&mut s, "sendMessage", Some(5)).is_some());
        assert!(take_fault(&mut s, "getMe", None).is_none());
        assert!(take_fault(&mut s, "sendMessage", Some(5)).is_some());
        assert!(take_fault(&mut s, "sendMessage", Some(5)).is_none());
    }

    #[test]
    fn a_fault_without_a_method_spares_get_updates() {
        let mut s = State::new(1, "b");
        s.faults.push(Fault::new(FaultKind::ServerError(500)));
        assert!(take_fault(&mut s, "getUpdates", None).is_none());
        assert!(take_fault(&mut s, "sendPhoto", Some(1)).is_some());
    }

    #[test]
    fn a_second_send_to_one_chat_within_a_second_is_refused() {
        let mut s = State::new(1, "b");
        s.limits = Some(Limits::default());
        let t = Instant::now();
        assert!(check_flood(&mut s, 7, t).is_ok());
        assert!(check_flood(&mut s, 8, t).is_ok());
        let refused = check_flood(&mut s, 7, t + Duration::from_millis(300)).unwrap_err();
        assert_eq!(refused.retry_after, Some(1));
        assert!(check_flood(&mut s, 7, t + Duration::from_millis(1000)).is_ok());
    }

    #[test]
    fn the_global_limit_counts_every_chat() {
        let mut s = State::new(1, "b");
        s.limits = Some(Limits { per_chat_per_sec: 1, global_per_sec: 3 });
        let t = Instant::now();
        for chat in 0..3 {
            assert!(check_flood(&mut s, chat, t).is_ok());
        }
        assert!(check_flood(&mut s, 99, t).is_err());
    }

    #[test]
    fn the_send_log_keeps_accepted_and_refused_sends_while_limits_are_on() {
        let mut s = State::new(1, "b");
        let t = Instant::now();
        assert!(check_flood(&mut s, 7, t).is_ok());
        assert!(s.send_log.is_empty(), "nothing is logged with the limits off");
        s.limits = Some(Limits::default());
        assert!(check_flood(&mut s, 7, t).is_ok());
        assert!(check_flood(&mut s, 7, t).is_err());
        let refused: Vec<bool> = s.send_log.iter().map(|r| r.refused).collect();
        assert_eq!(refused, [false, true]);
    }

    #[test]
    fn send_methods_are_recognised() {
        assert!(is_send_method("sendMessage"));
        assert!(is_send_method("sendMediaGroup"));
        assert!(!is_send_method("sendChatAction"));
        assert!(!is_send_method("editMessageText"));
    }
}
