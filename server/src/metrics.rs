//! Counters and gauges exported at /metrics in Prometheus' text format.

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};

use duet_protocol::ErrorCode;

#[derive(Debug, Default)]
pub struct Metrics {
    pub connections: AtomicU64,
    pub connections_total: AtomicU64,
    pub connections_refused_total: AtomicU64,
    pub users: AtomicU64,
    pub active_calls: AtomicU64,
    pub messages_received_total: AtomicU64,
    pub messages_relayed_total: AtomicU64,
    pub slow_consumers_total: AtomicU64,
    /// Lobby chat not sent to a reader that was behind.
    pub chat_dropped_total: AtomicU64,
    /// Lobby chat refused for the sender's address or the server's budget.
    pub chat_refused_total: AtomicU64,
    pub resumes_total: AtomicU64,
    /// 1 while the cluster link (Redis) works; always 1 for a single process.
    pub cluster_up: AtomicU64,
    pub cluster_outages_total: AtomicU64,
    pub cluster_undeliverable_total: AtomicU64,
    errors: [AtomicU64; ErrorCode::ALL.len()],
}

impl Metrics {
    pub fn count_error(&self, code: ErrorCode) {
        if let Some(i) = ErrorCode::ALL.iter().position(|c| *c == code) {
            self.errors[i].fetch_add(1, Relaxed);
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let mut metric = |name: &str, kind: &str, help: &str, value: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}", value.load(Relaxed));
        };
        metric("duet_connections", "gauge", "Open WebSocket connections.", &self.connections);
        metric("duet_connections_total", "counter", "WebSocket connections accepted.", &self.connections_total);
        metric(
            "duet_connections_refused_total",
            "counter",
            "WebSocket upgrades refused (origin, capacity).",
            &self.connections_refused_total,
        );
        metric("duet_users", "gauge", "Users logged in on this node.", &self.users);
        metric(
            "duet_active_calls",
            "gauge",
            "Calls answered and not yet hung up, counted on the callee's node.",
            &self.active_calls,
        );
        metric(
            "duet_messages_received_total",
            "counter",
            "Messages received from clients.",
            &self.messages_received_total,
        );
        metric(
            "duet_messages_relayed_total",
            "counter",
            "Messages relayed to a target user.",
            &self.messages_relayed_total,
        );
        metric(
            "duet_resumes_total",
            "counter",
            "Sessions taken back by a reconnecting client within the grace period.",
            &self.resumes_total,
        );
        metric(
            "duet_slow_consumers_total",
            "counter",
            "Clients disconnected for not reading fast enough.",
            &self.slow_consumers_total,
        );
        metric(
            "duet_chat_dropped_total",
            "counter",
            "Lobby chat messages not sent to a client that was behind in reading.",
            &self.chat_dropped_total,
        );
        metric(
            "duet_chat_refused_total",
            "counter",
            "Lobby chat messages refused by the per-address or server-wide chat budget.",
            &self.chat_refused_total,
        );
        metric("duet_cluster_up", "gauge", "1 while the cluster link (Redis) works.", &self.cluster_up);
        metric(
            "duet_cluster_outages_total",
            "counter",
            "Times the cluster link was lost.",
            &self.cluster_outages_total,
        );
        metric(
            "duet_cluster_undeliverable_total",
            "counter",
            "Messages for users on other nodes that could not be routed (each sender got an error).",
            &self.cluster_undeliverable_total,
        );
        let _ = writeln!(
            out,
            "# HELP duet_errors_total Error messages sent to clients, by code.\n# TYPE duet_errors_total counter"
        );
        for (code, n) in ErrorCode::ALL.iter().zip(&self.errors) {
            let _ = writeln!(out, "duet_errors_total{{code=\"{}\"}} {}", code.as_str(), n.load(Relaxed));
        }
        out
    }
}
