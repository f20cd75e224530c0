//! The STUN and TURN servers handed to clients, and the TURN secret their
//! credentials are minted with.

use std::{path::PathBuf, time::Duration};

use clap::Args;

use crate::access::turn::{IceConfig, Secret, SecretSource};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "STUN and TURN")]
pub struct Turn {
    /// STUN server URL handed to clients (repeatable), e.g. stun:stun.example.org:3478.
    #[arg(long = "stun-url", env = "DUET_STUN_URLS", value_delimiter = ',')]
    pub stun_urls: Vec<String>,

    /// TURN server URL handed to clients with credentials (repeatable), e.g.
    /// turn:turn.example.org:3478?transport=udp or turns:turn.example.org:5349?transport=tcp.
    #[arg(long = "turn-url", env = "DUET_TURN_URLS", value_delimiter = ',')]
    pub turn_urls: Vec<String>,

    /// The TURN server's shared secret (coturn's static-auth-secret). Prefer --turn-secret-file.
    #[arg(long, env = "DUET_TURN_SECRET", hide_env_values = true, conflicts_with = "turn_secret_file")]
    pub turn_secret: Option<Secret>,

    /// A file holding the TURN shared secret; must be readable at start; read
    /// again at every login, so it can be rotated live (not a systemd
    /// credential, which is a copy made at start).
    #[arg(long, env = "DUET_TURN_SECRET_FILE")]
    pub turn_secret_file: Option<PathBuf>,

    /// Seconds TURN credentials stay valid; they are refreshed at half this time.
    #[arg(long, env = "DUET_TURN_TTL_SECS", default_value_t = 3600)]
    pub turn_ttl_secs: u64,
}

impl Turn {
    pub fn ice(&self) -> IceConfig {
        let secret = match (&self.turn_secret, &self.turn_secret_file) {
            (Some(s), _) => Some(SecretSource::Value(s.clone())),
            (None, Some(p)) => Some(SecretSource::File(p.clone())),
            (None, None) => None,
        };
        IceConfig {
            stun_urls: self.stun_urls.clone(),
            turn_urls: self.turn_urls.clone(),
            secret,
            ttl: Duration::from_secs(self.turn_ttl_secs),
        }
    }
}
