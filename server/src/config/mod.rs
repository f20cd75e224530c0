//! Every flag and its environment variable, grouped into one section per
//! part of the server (`--help` shows the same groups): `edge` (HTTP),
//! `auth` (the access folder's checks and tickets), `limits`, `signaling`,
//! `turn` and `cluster`. `validate.rs` makes the checks clap cannot;
//! `credentials.rs` fills file settings from systemd's credentials.
//!
//! Settings are data: config turns them into the settings of access, turn
//! and cluster, and never reaches up into the edge or signaling, which read
//! it.

mod auth;
mod cluster;
pub mod credentials;
mod edge;
mod limits;
mod signaling;
mod turn;
mod validate;

pub use self::{
    auth::Auth,
    cluster::Cluster,
    edge::{ForwardedHeader, HttpEdge},
    limits::Limits,
    signaling::Signaling,
    turn::Turn,
};

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;

use crate::access::AccessMode;

/// Duet's signaling server: relays WebRTC signaling between browsers
/// (MDN "Signaling and video calling" protocol plus Duet's additions) and
/// serves the built web app.
#[derive(Debug, Clone, Parser)]
#[command(name = "duet-server", version)]
pub struct Config {
    /// Where the server keeps state that must survive a restart (the
    /// resume-ticket key). Default: $STATE_DIRECTORY, $XDG_STATE_HOME/duet,
    /// ~/.local/state/duet, or ./duet-state.
    #[arg(long, env = "DUET_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// Seconds to let clients close after SIGTERM/Ctrl-C before exiting anyway.
    #[arg(long, env = "DUET_SHUTDOWN_GRACE_SECS", default_value_t = 5.0)]
    pub shutdown_grace_secs: f64,

    /// Log filter (tracing's EnvFilter syntax), e.g. info or duet_server=debug.
    #[arg(long, env = "DUET_LOG", default_value = "info")]
    pub log: String,

    #[command(flatten)]
    pub edge: HttpEdge,

    #[command(flatten)]
    pub auth: Auth,

    #[command(flatten)]
    pub limits: Limits,

    #[command(flatten)]
    pub signaling: Signaling,

    #[command(flatten)]
    pub turn: Turn,

    #[command(flatten)]
    pub cluster: Cluster,
}

impl Config {
    /// TURN credentials and the resume ticket are renewed at half the
    /// shorter lifetime, so a client never holds an expired one.
    pub fn refresh_every(&self) -> Duration {
        Duration::from_secs(self.turn.turn_ttl_secs.min(self.auth.ticket_ttl_secs).max(2)) / 2
    }
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs_f64(self.shutdown_grace_secs)
    }
    pub fn state_dir(&self) -> PathBuf {
        self.state_dir.clone().unwrap_or_else(crate::access::ticket::default_state_dir)
    }

    /// The access mode in force on a listener bound to `bound`: open by
    /// default on loopback; anywhere else, or behind a proxy (a loopback
    /// server told of a proxy or a public host name is public all the same),
    /// it must be chosen — except for the LAN quick start
    /// (`--tls-self-signed`), which uses a generated key.
    pub fn access_mode(&self, bound: SocketAddr) -> Result<AccessMode, String> {
        let edge = &self.edge;
        let public_through_proxy = !edge.trusted_proxies.is_empty() || !edge.allowed_hosts.is_empty();
        match self.auth.access {
            Some(mode) => Ok(mode),
            // A LAN name for the quick start's certificate is no proxy; a
            // trusted proxy always is.
            None if public_through_proxy && !(edge.tls_self_signed && edge.trusted_proxies.is_empty()) => {
                Err("--trusted-proxy or --allowed-host says this server answers the network through a proxy, \
                 so choose who may use it: --access key --access-key-file FILE, --access jwt, or --access open"
                    .into())
            }
            None if bound.ip().is_loopback() => Ok(AccessMode::Open),
            None if edge.tls_self_signed => Ok(AccessMode::Key),
            None => Err(format!(
                "listening on {bound} makes Duet reachable from the network, so choose who may use it: \
                 --access key --access-key-file FILE (a shared key; see README), --access jwt (tokens \
                 from your site), or --access open (anyone who reaches it)"
            )),
        }
    }

    /// The defaults, as if no flag were given (for tests and embedding).
    pub fn defaults() -> Self {
        Config::parse_from(["duet-server"])
    }
}
