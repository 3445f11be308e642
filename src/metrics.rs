//! Prometheus metrics, counted at the few central places (the update runner,
//! the outbox sender, the webhook) and served at `/metrics` by `ops`.
//!
//! Each running app has its own registry (not a process-wide one), so tests
//! that run several apps in one process read their own figures.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    /// Updates the runner finished, by outcome: handled, ignored, duplicate,
    /// failed (will be tried again), gave_up.
    pub updates: IntCounterVec,
    /// Seconds from taking an inbox row to its commit (replies included).
    pub handler_seconds: Histogram,
    /// Pending outbox rows by priority (notification, broadcast); set on scrape.
    pub outbox_pending: IntGaugeVec,
    /// Outbox sends by result: sent, retry, dead, unreachable.
    pub sends: IntCounterVec,
    /// HTTP 429 (flood limit) answers from Telegram, by who got them: outbox, reply.
    pub flood_waits: IntCounterVec,
    /// Webhook requests refused for a missing or wrong secret token.
    pub webhook_rejected: IntCounter,
    /// Updates set aside unhandled by the abuse limit (`bot::flood`).
    pub throttled: IntCounter,
    /// Updates set aside as they arrived, by reason (`bot::intake`).
    pub set_aside: IntCounterVec,
    /// Updates made storable as they arrived (a NUL or a lone surrogate replaced).
    pub updates_repaired: IntCounter,
    /// 1 while this replica holds the lease (sender, scheduler), else 0.
    pub lease_held: IntGaugeVec,
    /// Queries the operator endpoints made, by endpoint: readyz, metrics
    /// (each answer serves every probe for a second: `ops`).
    pub probe_queries: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let updates = IntCounterVec::new(
            Opts::new("propdesk_updates_handled_total", "Updates the runner finished, by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let handler_seconds = Histogram::with_opts(
            HistogramOpts::new("propdesk_update_handling_seconds", "Time to handle one update, replies included")
                .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
        )
        .expect("valid metric");
        let outbox_pending = IntGaugeVec::new(
            Opts::new("propdesk_outbox_pending", "Outbox rows waiting to be sent, by priority"),
            &["priority"],
        )
        .expect("valid metric");
        let sends =
            IntCounterVec::new(Opts::new("propdesk_outbox_sends_total", "Outbox send attempts by result"), &["result"])
                .expect("valid metric");
        let flood_waits = IntCounterVec::new(
            Opts::new("propdesk_telegram_429_total", "Flood-limit (429) answers from Telegram"),
            &["source"],
        )
        .expect("valid metric");
        let webhook_rejected =
            IntCounter::new("propdesk_webhook_rejected_total", "Webhook requests without the right secret token")
                .expect("valid metric");
        let throttled =
            IntCounter::new("propdesk_updates_throttled_total", "Updates set aside by the per-chat abuse limit")
                .expect("valid metric");
        let set_aside = IntCounterVec::new(
            Opts::new("propdesk_updates_set_aside_total", "Updates set aside as they arrived, by reason"),
            &["reason"],
        )
        .expect("valid metric");
        let updates_repaired = IntCounter::new(
            "propdesk_updates_repaired_total",
            "Updates made storable as they arrived (a NUL or a lone surrogate replaced)",
        )
        .expect("valid metric");
        let lease_held = IntGaugeVec::new(
            Opts::new("propdesk_lease_held", "1 while this replica holds the lease: sender, scheduler"),
            &["lease"],
        )
        .expect("valid metric");
        let probe_queries = IntCounterVec::new(
            Opts::new("propdesk_probe_queries_total", "Database queries made by /readyz and /metrics, by endpoint"),
            &["endpoint"],
        )
        .expect("valid metric");
        for c in [
            Box::new(updates.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(handler_seconds.clone()),
            Box::new(outbox_pending.clone()),
            Box::new(sends.clone()),
            Box::new(flood_waits.clone()),
            Box::new(webhook_rejected.clone()),
            Box::new(throttled.clone()),
            Box::new(set_aside.clone()),
            Box::new(updates_repaired.clone()),
            Box::new(lease_held.clone()),
            Box::new(probe_queries.clone()),
        ] {
            registry.register(c).expect("each metric registered once");
        }
        // Known label values show as 0 from the start rather than being absent.
        for outcome in ["handled", "ignored", "duplicate", "failed", "gave_up"] {
            updates.with_label_values(&[outcome]);
        }
        for result in ["sent", "retry", "dead", "unreachable"] {
            sends.with_label_values(&[result]);
        }
        for source in ["outbox", "reply"] {
            flood_waits.with_label_values(&[source]);
        }
        for reason in crate::bot::intake::Reason::ALL {
            set_aside.with_label_values(&[reason.label()]);
        }
        for lease in ["sender", "scheduler"] {
            lease_held.with_label_values(&[lease]);
        }
        for endpoint in ["readyz", "metrics"] {
            probe_queries.with_label_values(&[endpoint]);
        }
        Metrics {
            registry,
            updates,
            handler_seconds,
            outbox_pending,
            sends,
            flood_waits,
            webhook_rejected,
            throttled,
            set_aside,
            updates_repaired,
            lease_held,
            probe_queries,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %err, "encoding the metrics failed");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_shows_before_any_traffic() {
        let m = Metrics::new();
        m.outbox_pending.with_label_values(&["notification"]).set(3);
        let text = m.render();
        for name in [
            "propdesk_updates_handled_total{outcome=\"handled\"} 0",
            "propdesk_update_handling_seconds_count 0",
            "propdesk_outbox_pending{priority=\"notification\"} 3",
            "propdesk_outbox_sends_total{result=\"dead\"} 0",
            "propdesk_telegram_429_total{source=\"outbox\"} 0",
            "propdesk_webhook_rejected_total 0",
            "propdesk_updates_throttled_total 0",
            "propdesk_updates_set_aside_total{reason=\"unstorable\"} 0",
            "propdesk_updates_repaired_total 0",
            "propdesk_lease_held{lease=\"sender\"} 0",
            "propdesk_probe_queries_total{endpoint=\"readyz\"} 0",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
