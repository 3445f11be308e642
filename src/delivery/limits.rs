//! Telegram's flood limits, kept once for everything the bot sends: direct
//! replies and outbox deliveries draw from the same buckets, so together
//! they stay within about 30 messages a second overall and, per chat, a
//! short burst then 1 a second and 20 a minute.
//!
//! (teloxide's Throttle adaptor keeps limits too, but only for what goes
//! through it, and it releases queued requests on a 250 ms tick: every
//! reply would wait up to a quarter second for nothing.)

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

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

pub struct RateLimits {
    overall_per_sec: u32,
    overall: DefaultDirectRateLimiter,
    per_chat_sec: DefaultKeyedRateLimiter<i64>,
    per_chat_min: DefaultKeyedRateLimiter<i64>,
}

fn quota(n: u32, per: Duration, burst: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).expect("non-zero");
    let burst = NonZeroU32::new(burst.max(1)).expect("non-zero");
    Quota::with_period(per / n.get()).expect("non-zero period").allow_burst(burst)
}

impl RateLimits {
    pub fn new(limits: SendLimits) -> Self {
        RateLimits {
            overall_per_sec: limits.overall_per_sec,
            overall: RateLimiter::direct(quota(limits.overall_per_sec, Duration::from_secs(1), limits.overall_per_sec)),
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
        }
    }

    pub fn overall_per_sec(&self) -> u32 {
        self.overall_per_sec
    }

    /// Waits until one more message to `chat` is within the limits.
    pub async fn until_ready(&self, chat: i64) {
        self.per_chat_min.until_key_ready(&chat).await;
        self.per_chat_sec.until_key_ready(&chat).await;
        self.overall.until_ready().await;
    }

    /// Forgets chats that have been quiet (the keyed state grows otherwise).
    pub fn tidy(&self) {
        self.per_chat_sec.retain_recent();
        self.per_chat_min.retain_recent();
    }
}
