//! Webhook delivery, as Telegram does it: once `setWebhook` names a URL, queued updates are POSTed
//! there (JSON body = the Update, `X-Telegram-Bot-Api-Secret-Token` = the `secret_token` given), and
//! an update leaves the queue only when the answer is 2xx. A non-2xx answer or a connection error is
//! tried again later with a growing delay, and nothing behind it overtakes it.
//!
//! Up to `max_connections` (Telegram's default: 40) updates are in flight at once, the oldest
//! first; with more than one, two updates of one chat may reach the bot in either order, as with
//! Telegram. With `max_connections = 1` the next update is sent only after the previous one was
//! answered 2xx, so the bot receives them strictly in order.
//!
//! One delivery task runs while a webhook is set; `deleteWebhook` ends it (updates queue for
//! `getUpdates` again).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::Inner;
use super::params::Params;
use super::state::State;

/// Telegram's default for `max_connections`.
const DEFAULT_MAX_CONNECTIONS: usize = 40;
/// The first retry comes after this; each further failure doubles it, up to `MAX_BACKOFF`.
/// (Telegram's own delays are longer; these keep tests quick.)
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long one POST may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// What the webhook remembers beyond its URL (which stays in `State::webhook_url`).
#[derive(Debug, Default)]
pub(crate) struct WebhookState {
    pub secret: Option<String>,
    pub max_connections: usize,
    /// A delivery task is running.
    pub running: bool,
    in_flight: HashSet<i64>,
    /// Failed updates: attempts so far and when to try again.
    retry: HashMap<i64, (u32, Instant)>,
    /// Every POST answered, in order: (update_id, HTTP status or 0 for a connection error).
    pub log: Vec<(i64, u16)>,
}

/// Reads `setWebhook`'s `secret_token` and `max_connections` (the URL is read by the caller).
pub(crate) fn configure(s: &mut State, p: &Params) {
    s.webhook.secret = p.str("secret_token").filter(|t| !t.is_empty());
    s.webhook.max_connections =
        p.i64("max_connections").filter(|n| (1..=100).contains(n)).map_or(DEFAULT_MAX_CONNECTIONS, |n| n as usize);
    s.webhook.retry.clear();
}

/// Starts the delivery task if a webhook is set and none runs.
pub(crate) fn start(inner: &Arc<Inner>) {
    let start = inner.with_state(|s| {
        let start = s.webhook_url.is_some() && !s.webhook.running;
        s.webhook.running |= start;
        start
    });
    if start {
        tokio::spawn(deliver(inner.clone()));
    }
}

struct Job {
    id: i64,
    url: String,
    secret: Option<String>,
    body: Box<serde_json::value::RawValue>,
}

/// The updates to send now, oldest first: those not in flight, up to the free connections, stopping
/// at the first one still waiting to be tried again (nothing overtakes a failed update).
fn next_jobs(s: &mut State, now: Instant) -> Option<Vec<Job>> {
    let Some(url) = s.webhook_url.clone() else {
        s.webhook.running = false;
        s.webhook.in_flight.clear();
        return None;
    };
    if let Some(allowed) = &s.allowed_updates {
        // Telegram never delivers kinds the bot did not ask for.
        s.pending.retain(|u| allowed.iter().any(|a| a == u.kind));
    }
    let free = s.webhook.max_connections.max(1).saturating_sub(s.webhook.in_flight.len());
    let mut jobs = Vec::new();
    for update in s.pending.iter() {
        if jobs.len() >= free {
            break;
        }
        if s.webhook.in_flight.contains(&update.id) {
            continue;
        }
        if s.webhook.retry.get(&update.id).is_some_and(|(_, at)| *at > now) {
            break;
        }
        jobs.push(Job { id: update.id, url: url.clone(), secret: s.webhook.secret.clone(), body: update.to_text() });
    }
    for job in &jobs {
        s.webhook.in_flight.insert(job.id);
    }
    Some(jobs)
}

/// Records an answer: 2xx takes the update off the queue, anything else schedules another try.
fn finished(s: &mut State, id: i64, status: u16, now: Instant) {
    s.webhook.in_flight.remove(&id);
    s.webhook.log.push((id, status));
    if (200..300).contains(&status) {
        s.pending.retain(|u| u.id != id);
        s.webhook.retry.remove(&id);
    } else {
        let attempts = s.webhook.retry.get(&id).map_or(0, |(n, _)| *n) + 1;
        let delay = FIRST_BACKOFF.saturating_mul(1 << attempts.min(10)).min(MAX_BACKOFF);
        s.webhook.retry.insert(id, (attempts, now + delay));
    }
    // Wakes the delivery loop (and getWebhookInfo readers) like a new update would.
    s.updates_version += 1;
}

/// When the next waiting retry falls due, if any.
fn next_retry(s: &State) -> Option<Instant> {
    s.webhook.retry.values().map(|(_, at)| *at).min()
}

async fn post(client: &reqwest::Client, job: Job) -> (i64, u16) {
    let mut request =
        client.post(&job.url).header(reqwest::header::CONTENT_TYPE, "application/json").body(job.body.get().to_owned());
    if let Some(secret) = &job.secret {
        request = request.header(SECRET_HEADER, secret);
    }
    match request.send().await {
        Ok(answer) => (job.id, answer.status().as_u16()),
        Err(err) => {
            tracing::debug!(update_id = job.id, error = %err, "webhook delivery failed; will retry");
            (job.id, 0)
        }
    }
}

async fn deliver(inner: Arc<Inner>) {
    let client = match reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build() {
        Ok(client) => client,
        Err(err) => {
            tracing::warn!(error = %err, "the emulator's webhook client could not be built");
            inner.with_state(|s| s.webhook.running = false);
            return;
        }
    };
    let mut changes = inner.updates_tx.subscribe();
    let mut posts: JoinSet<(i64, u16)> = JoinSet::new();
    loop {
        let Some(jobs) = inner.with_state(|s| next_jobs(s, Instant::now())) else {
            posts.abort_all();
            return;
        };
        for job in jobs {
            let client = client.clone();
            posts.spawn(async move { post(&client, job).await });
        }
        let retry_at = inner.with_state(|s| next_retry(s));
        let sleep = retry_at.map_or(Duration::from_millis(200), |at| {
            at.saturating_duration_since(Instant::now()).clamp(Duration::from_millis(1), Duration::from_millis(200))
        });
        tokio::select! {
            Some(done) = posts.join_next(), if !posts.is_empty() => {
                if let Ok((id, status)) = done {
                    inner.with_state(|s| finished(s, id, status, Instant::now()));
                }
            }
            _ = changes.changed() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn webhook_state(max_connections: usize) -> State {
        let mut s = State::new(1, "b");
        s.webhook_url = Some("http://127.0.0.1:1/hook".into());
        s.webhook.max_connections = max_connections;
        s
    }

    #[test]
    fn one_connection_sends_the_next_update_only_after_a_2xx() {
        let mut s = webhook_state(1);
        let a = s.queue_update("message", json!({}));
        let b = s.queue_update("message", json!({}));
        let t = Instant::now();
        let first: Vec<i64> = next_jobs(&mut s, t).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(first, vec![a]);
        assert!(next_jobs(&mut s, t).unwrap().is_empty(), "one in flight at a time");
        finished(&mut s, a, 502, t);
        assert!(next_jobs(&mut s, t).unwrap().is_empty(), "the failed one waits, and nothing overtakes it");
        let later = t + MAX_BACKOFF;
        assert_eq!(next_jobs(&mut s, later).unwrap()[0].id, a);
        finished(&mut s, a, 200, later);
        assert_eq!(next_jobs(&mut s, later).unwrap()[0].id, b);
        assert_eq!(s.pending.len(), 1, "only the answered update left the queue");
    }

    #[test]
    fn several_connections_send_the_oldest_at_once() {
        let mut s = webhook_state(2);
        let ids: Vec<i64> = (0..3).map(|_| s.queue_update("message", json!({}))).collect();
        let jobs: Vec<i64> = next_jobs(&mut s, Instant::now()).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(jobs, ids[..2]);
    }

    #[test]
    fn without_a_webhook_the_task_ends() {
        let mut s = webhook_state(1);
        s.webhook.running = true;
        s.webhook_url = None;
        assert!(next_jobs(&mut s, Instant::now()).is_none());
        assert!(!s.webhook.running);
    }
}
