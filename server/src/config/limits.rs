//! What one client, one address or the whole server may use.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits")]
pub struct Limits {
    /// How much of an IPv6 address names one client for every per-address
    /// limit: its first N bits (32 to 128). One host often has a whole /64.
    #[arg(long, env = "DUET_IPV6_PREFIX", default_value_t = 64, value_parser = clap::value_parser!(u8).range(32..=128))]
    pub ipv6_prefix: u8,

    /// Most open connections (HTTP or WebSocket) from one client address; 0 = no limit.
    #[arg(long, env = "DUET_MAX_CONNS_PER_IP", default_value_t = 64)]
    pub max_conns_per_ip: usize,

    /// Login attempts one client address may make per minute; 0 = no limit.
    #[arg(long, env = "DUET_LOGINS_PER_MINUTE", default_value_t = 60)]
    pub logins_per_minute: u32,

    /// Failed access checks (wrong key or token) one address may make per
    /// minute before it is answered 429; 0 = no limit.
    #[arg(long, env = "DUET_AUTH_FAILURES_PER_MINUTE", default_value_t = 10)]
    pub auth_failures_per_minute: u32,

    /// Sustained lobby-chat messages per second one user may send (call signaling is not affected).
    #[arg(long, env = "DUET_CHAT_RATE_PER_SEC", default_value_t = 1.0)]
    pub chat_rate_per_sec: f64,

    /// Lobby-chat messages one user may send in a burst above that rate.
    #[arg(long, env = "DUET_CHAT_BURST", default_value_t = 5.0)]
    pub chat_burst: f64,

    /// Sustained lobby-chat messages per second from one client address, all
    /// its users together (a burst of five seconds' worth).
    #[arg(long, env = "DUET_CHAT_PER_ADDRESS_PER_SEC", default_value_t = 2.0)]
    pub chat_per_address_per_sec: f64,

    /// Sustained lobby-chat messages per second for the whole server (a
    /// burst of five seconds' worth): chat goes to everyone online.
    #[arg(long, env = "DUET_CHAT_SERVER_PER_SEC", default_value_t = 20.0)]
    pub chat_server_per_sec: f64,

    /// Largest session description (offer or answer SDP) relayed, in bytes.
    #[arg(long, env = "DUET_MAX_SDP_BYTES", default_value_t = 32 * 1024)]
    pub max_sdp_bytes: usize,

    /// Largest ICE candidate relayed, in bytes.
    #[arg(long, env = "DUET_MAX_CANDIDATE_BYTES", default_value_t = 1024)]
    pub max_candidate_bytes: usize,

    /// Sustained offers (new calls and renegotiations) per minute from one
    /// connection, with a burst of a third of that (40 by default).
    #[arg(long, env = "DUET_OFFERS_PER_MINUTE", default_value_t = 120.0)]
    pub offers_per_minute: f64,

    /// Directory rows or searches (`view`) answered at once per second for
    /// one connection, with a burst of twice that; more wait for the next
    /// presence flush (a search reads every name online).
    #[arg(long, env = "DUET_VIEWS_PER_SEC", default_value_t = 10.0)]
    pub views_per_sec: f64,

    /// Directory searches answered at once per second from one client
    /// address, all its connections together (a burst of two seconds'
    /// worth); more wait for the next presence flush.
    #[arg(long, env = "DUET_SEARCHES_PER_ADDRESS_PER_SEC", default_value_t = 20.0)]
    pub searches_per_address_per_sec: f64,

    /// Directory searches answered at once per second for the whole node
    /// (a burst of two seconds' worth); more wait for the next presence
    /// flush, which answers at most 16.
    #[arg(long, env = "DUET_SEARCHES_SERVER_PER_SEC", default_value_t = 100.0)]
    pub searches_server_per_sec: f64,

    /// Largest accepted WebSocket message, in bytes; larger ones close the connection with 1009.
    #[arg(long, env = "DUET_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub max_message_bytes: usize,

    /// Sustained messages per second one connection may send.
    #[arg(long, env = "DUET_RATE_PER_SEC", default_value_t = 50.0)]
    pub rate_per_sec: f64,

    /// Messages one connection may send in a burst above the sustained rate.
    #[arg(long, env = "DUET_RATE_BURST", default_value_t = 200.0)]
    pub rate_burst: f64,

    /// Refused messages (invalid or rate limited) a connection may cause in a burst before it is closed (1008).
    #[arg(long, env = "DUET_ABUSE_BURST", default_value_t = 50.0)]
    pub abuse_burst: f64,

    /// Bytes queued for one client before it counts as too slow and is
    /// disconnected (its session held for a resume). A quarter of it may be
    /// lobby chat; chat beyond that is not sent to a client that is behind.
    #[arg(long, env = "DUET_SEND_QUEUE_BYTES", default_value_t = 256 * 1024)]
    pub send_queue_bytes: usize,

    /// Seconds one write to a client may take before it counts as too slow and is disconnected.
    #[arg(long, env = "DUET_WRITE_TIMEOUT_SECS", default_value_t = 10.0)]
    pub write_timeout_secs: f64,

    /// Most open sockets, upgraded or not, on every listener; more are
    /// refused with 503.
    #[arg(long, env = "DUET_MAX_CONNECTIONS", default_value_t = 50_000)]
    pub max_connections: usize,
}

impl Limits {
    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.write_timeout_secs)
    }
}
