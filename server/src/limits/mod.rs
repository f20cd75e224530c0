//! What one client may cost everyone else: per-address tables (connections,
//! logins, failed access checks, lobby chat) and the token bucket behind
//! every rate. Numbers in, yes or no out: it knows nothing of sockets,
//! HTTP or the hub.

pub mod per_ip;
pub mod rate;
