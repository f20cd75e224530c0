//! The clocks of a signaling session: login deadline, heartbeat, resume
//! graces, presence batching, and whether calls connect while they ring.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Signaling")]
pub struct Signaling {
    /// Milliseconds between presence updates to Duet clients (changes are batched).
    #[arg(long, env = "DUET_PRESENCE_INTERVAL_MS", default_value_t = 100)]
    pub presence_interval_ms: u64,

    /// Seconds a new connection has to log in before it is closed.
    #[arg(long, env = "DUET_LOGIN_TIMEOUT_SECS", default_value_t = 10.0)]
    pub login_timeout_secs: f64,

    /// Seconds between heartbeat pings; a peer silent for two intervals is dropped.
    #[arg(long, env = "DUET_PING_INTERVAL_SECS", default_value_t = 25.0)]
    pub ping_interval_secs: f64,

    /// Seconds a Duet user whose connection dropped (without closing) keeps
    /// their name and call, so a reconnect resumes them; 0 ends them at once.
    #[arg(long, env = "DUET_RESUME_GRACE_SECS", default_value_t = 15.0)]
    pub resume_grace_secs: f64,

    /// Seconds a Duet user whose page closed its connection saying it may
    /// come right back (a reload) keeps their name and call; a closed tab
    /// looks the same, so this is how long its partner waits to hear.
    #[arg(long, env = "DUET_RELOAD_GRACE_SECS", default_value_t = 3.0)]
    pub reload_grace_secs: f64,

    /// Let a Duet callee answer while it rings (`true`), so Accept only
    /// switches media on; no media flows before Accept either way. `false`
    /// makes every call connect after Accept, so a caller learns nothing
    /// of the callee's network (candidates) before they accept.
    #[arg(long, env = "DUET_PRECONNECT", default_value_t = true, action = clap::ArgAction::Set)]
    pub preconnect: bool,
}

impl Signaling {
    pub fn login_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.login_timeout_secs)
    }
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs_f64(self.ping_interval_secs)
    }
    pub fn resume_grace(&self) -> Duration {
        Duration::from_secs_f64(self.resume_grace_secs)
    }
    pub fn reload_grace(&self) -> Duration {
        Duration::from_secs_f64(self.reload_grace_secs)
    }
}
