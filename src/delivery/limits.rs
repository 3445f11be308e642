//! Telegram's flood limits, kept once for everything the bot sends: direct
//! replies and outbox deliveries draw from the same buckets, so together
//! they stay within about 30 messages a second overall and, per chat, a
//! short burst then 1 a second and 20 a minute.
//!
//! The overall rate is kept twice: a token bucket paces sends evenly (with
//! at most a thirtieth of a second's worth at once, so a notification never
//! queues behind a burst), and a sliding window allows at most the rate in
//! any `WINDOW`, which is a second and a margin: Telegram counts the sends
//! it receives, and a request reaches it a little later than it leaves here,
//! not always equally late. A token bucket alone lets its burst and the
//! following second's rate into one second of Telegram's (429s at the start)
//! and, run at exactly the rate, any jitter puts one send too many into a
//! second.
//!
//! Several replicas (webhook mode) each keep these limits for what they send,
//! which alone would let N replicas send N times the rate; so there every
//! send also takes a place in a window kept in PostgreSQL
//! (`store::send_window`): at most the overall rate in any `WINDOW`,
//! whichever replica sends. The per-chat limits stay per replica: one chat's
//! messages mostly come from the one replica handling its update, and a rare
//! 429 there is waited out.
//!
//! (teloxide's Throttle adaptor keeps limits too, but only for what goes
//! through it, and it releases queued requests on a 250 ms tick: every
//! reply would wait up to a quarter second for nothing.)

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::PgPool;

/// The span in which at most `overall_per_sec` sends leave: a second, and a
/// margin for how unevenly requests take to reach Telegram.
pub const WINDOW: Duration = Duration::from_millis(1_025);

#[derive(Debug, Clone, Copy)]
pub struct SendLimits {
    pub overall_per_sec: u32,
    pub per_chat_per_sec: u32,
    /// Messages one chat may get at once before the per-second rate applies
    /// (an answer and the question that follows it).
    pub per_chat_burst: u32,
    pub per_chat_per_min: u32,
}

impl SendLimits {
    /// Telegram's published limits, with the overall rate from settings.
    pub fn telegram(overall_per_sec: u32) -> Self {
        SendLimits { overall_per_sec, per_chat_per_sec: 1, per_chat_burst: 3, per_chat_per_min: 20 }
    }
}

/// At most `max` sends in any `WINDOW`.
struct SlidingWindow {
    max: usize,
    sent: Mutex<VecDeque<Instant>>,
}

impl SlidingWindow {
    fn new(max: u32) -> Self {
        let max = max.max(1) as usize;
        SlidingWindow { max, sent: Mutex::new(VecDeque::with_capacity(max)) }
    }

    /// Takes a place at `now`, or says how long until one frees.
    fn try_take(&self, now: Instant) -> Result<(), Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        while sent.front().is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW) {
            sent.pop_front();
        }
        match sent.front() {
            Some(oldest) if sent.len() >= self.max => Err(WINDOW - now.saturating_duration_since(*oldest)),
            _ => {
                sent.push_back(now);
                Ok(())
            }
        }
    }

    async fn until_ready(&self) {
        while let Err(wait) = self.try_take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

pub struct RateLimits {
    overall_per_sec: u32,
    overall: DefaultDirectRateLimiter,
    window: SlidingWindow,
    per_chat_sec: DefaultKeyedRateLimiter<i64>,
    per_chat_min: DefaultKeyedRateLimiter<i64>,
    /// The window shared with other replicas, when there may be some.
    shared: Option<PgPool>,
}

fn quota(n: u32, per: Duration, burst: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).expect("non-zero");
    let burst = NonZeroU32::new(burst.max(1)).expect("non-zero");
    Quota::with_period(per / n.get()).expect("non-zero period").allow_burst(burst)
}

impl RateLimits {
    pub fn new(limits: SendLimits) -> Self {
        let overall_burst = limits.overall_per_sec / 30;
        RateLimits {
            overall_per_sec: limits.overall_per_sec,
            overall: RateLimiter::direct(quota(limits.overall_per_sec, Duration::from_secs(1), overall_burst)),
            window: SlidingWindow::new(limits.overall_per_sec),
            per_chat_sec: RateLimiter::keyed(quota(
                limits.per_chat_per_sec,
                Duration::from_secs(1),
                limits.per_chat_burst,
            )),
            per_chat_min: RateLimiter::keyed(quota(
                limits.per_chat_per_min,
                Duration::from_secs(60),
                limits.per_chat_per_min,
            )),
            shared: None,
        }
    }

    /// Every send also takes a place in the window shared through `pool`
    /// (prepared with `store::send_window::prepare`).
    pub fn shared_with_replicas(mut self, pool: PgPool) -> Self {
        self.shared = Some(pool);
        self
    }

    pub fn overall_per_sec(&self) -> u32 {
        self.overall_per_sec
    }

    /// Waits until one more message to `chat` is within the limits.
    pub async fn until_ready(&self, chat: i64) {
        self.per_chat_min.until_key_ready(&chat).await;
        self.per_chat_sec.until_key_ready(&chat).await;
        self.overall.until_ready().await;
        self.window.until_ready().await;
        if let Some(pool) = &self.shared {
            self.until_shared_ready(pool).await;
        }
    }

    async fn until_shared_ready(&self, pool: &PgPool) {
        loop {
            match crate::store::send_window::take(pool, self.overall_per_sec, WINDOW).await {
                Ok(None) => return,
                Ok(Some(wait)) => tokio::time::sleep(wait.max(Duration::from_millis(1))).await,
                Err(err) => {
                    // Without the database nothing else works either; this
                    // replica's own limits still hold.
                    tracing::warn!(error = %err, "the shared send window is unreachable; sending on local limits");
                    return;
                }
            }
        }
    }

    /// Forgets chats that have been quiet (the keyed state grows otherwise).
    pub fn tidy(&self) {
        self.per_chat_sec.retain_recent();
        self.per_chat_min.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_never_holds_more_than_the_rate() {
        let window = SlidingWindow::new(3);
        let t = Instant::now();
        for ms in [0, 10, 20] {
            assert!(window.try_take(t + Duration::from_millis(ms)).is_ok());
        }
        let wait = window.try_take(t + Duration::from_millis(500)).unwrap_err();
        assert_eq!(wait, WINDOW - Duration::from_millis(500));
        assert!(window.try_take(t + WINDOW - Duration::from_millis(1)).is_err());
        assert!(window.try_take(t + WINDOW).is_ok(), "the oldest has left the window");
        assert!(window.try_take(t + WINDOW).is_err());
    }

    #[tokio::test]
    async fn sends_are_paced_then_held_to_the_window() {
        let limits = RateLimits::new(SendLimits::telegram(30));
        let start = Instant::now();
        let mut at = Vec::new();
        for chat in 0..31 {
            limits.until_ready(chat).await;
            at.push(start.elapsed());
        }
        // No burst at the start: the 30 go about 1/30 s apart.
        assert!(at[29] >= Duration::from_millis(900), "{:?}", at[29]);
        // The 31st waits until the first has left the window.
        assert!(at[30] >= WINDOW - Duration::from_millis(1), "{:?}", at[30]);
    }
}
