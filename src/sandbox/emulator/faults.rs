//! Injected failures and Telegram's flood limits.

use std::time::{Duration, Instant};

use super::bot_api::ApiFailure;
use super::state::State;
use super::types::{Chaos, ChaosRecord, Fault, FaultKind, Limits, SendRecord};

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
        FaultKind::Stall => ApiFailure::stall(),
    }
}

/// The chaos mode and its counters.
#[derive(Debug)]
pub(crate) struct ChaosState {
    pub config: Chaos,
    requests: u64,
    sends: u64,
    burst_left: u32,
    pub log: Vec<ChaosRecord>,
}

impl ChaosState {
    pub(crate) fn new(config: Chaos) -> Self {
        ChaosState { config, requests: 0, sends: 0, burst_left: 0, log: Vec::new() }
    }
}

/// Counts one request against the chaos mode (if on) and returns the failure it decides, if any.
pub(crate) fn take_chaos(state: &mut State, method: &str, chat_id: Option<i64>) -> Option<ApiFailure> {
    let chaos = state.chaos.as_mut()?;
    let aimed = match &chaos.config.chats {
        Some(chats) => chat_id.is_some_and(|c| chats.contains(&c)),
        None => true,
    };
    if method.eq_ignore_ascii_case("getUpdates") || !aimed {
        return None;
    }
    let failure = decide(chaos, is_send_method(method));
    chaos.log.push(ChaosRecord { method: method.to_owned(), chat_id, failed_with: failure.as_ref().map(|f| f.code) });
    failure
}

fn decide(chaos: &mut ChaosState, send: bool) -> Option<ApiFailure> {
    let config = &chaos.config;
    chaos.requests += 1;
    if send {
        chaos.sends += 1;
        if config.burst_every > 0 && chaos.sends.is_multiple_of(u64::from(config.burst_every)) {
            chaos.burst_left = config.burst_len;
        }
        if chaos.burst_left > 0 {
            chaos.burst_left -= 1;
            return Some(ApiFailure::retry_after(config.retry_after.max(1)));
        }
    }
    let every = u64::from(config.server_error_every);
    if every > 0 && chaos.requests.is_multiple_of(every) {
        let mut failure = ApiFailure::server_error(config.server_error_status);
        failure.http_ok = config.status_in_body;
        return Some(failure);
    }
    None
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
    fn chaos_fails_every_nth_request_and_bursts_429s_over_sends() {
        let mut s = State::new(1, "b");
        s.chaos = Some(ChaosState::new(Chaos::new(10, 25, 3, 2)));
        let codes: Vec<Option<u16>> =
            (0..50).map(|_| take_chaos(&mut s, "sendMessage", Some(7)).map(|f| f.code)).collect();
        let failed_at = |code: u16| -> Vec<usize> {
            codes.iter().enumerate().filter(|(_, c)| **c == Some(code)).map(|(i, _)| i + 1).collect()
        };
        assert_eq!(failed_at(429), [25, 26, 27, 50]);
        assert_eq!(failed_at(502), [10, 20, 30, 40]);
        assert!(take_chaos(&mut s, "getUpdates", None).is_none(), "polling is spared");
        assert_eq!(s.chaos.as_ref().unwrap().log.len(), 50);
    }

    #[test]
    fn chaos_limited_to_chats_spares_the_others() {
        let mut s = State::new(1, "b");
        s.chaos = Some(ChaosState::new(Chaos::new(100, 0, 0, 1).only_chats([7])));
        assert!(take_chaos(&mut s, "sendMessage", Some(8)).is_none());
        assert!(take_chaos(&mut s, "sendMessage", None).is_none());
        assert_eq!(take_chaos(&mut s, "sendMessage", Some(7)).map(|f| f.code), Some(502));
    }

    #[test]
    fn send_methods_are_recognised() {
        assert!(is_send_method("sendMessage"));
        assert!(is_send_method("sendMediaGroup"));
        assert!(!is_send_method("sendChatAction"));
        assert!(!is_send_method("editMessageText"));
    }
}
