//! ICE servers for clients, with TURN credentials minted per user under the
//! TURN REST API scheme coturn implements with `use-auth-secret`:
//! username = "<expiry unix time>:<duet username>",
//! password = base64(HMAC-SHA1(secret, username)).
//! The secret stays here; clients get credentials that expire.

use std::{
    path::PathBuf,
    str::FromStr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::Engine;
use duet_protocol::IceServer;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// A secret that never shows up in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// Where the shared secret comes from. A file is read at every issue, so the
/// secret can be rotated without a restart.
#[derive(Debug, Clone)]
pub enum SecretSource {
    Value(Secret),
    File(PathBuf),
}

impl SecretSource {
    fn read(&self) -> Result<Secret, String> {
        match self {
            SecretSource::Value(s) => Ok(s.clone()),
            SecretSource::File(p) => std::fs::read_to_string(p)
                .map(|s| Secret(s.trim().to_owned()))
                .map_err(|e| format!("reading TURN secret file {}: {e}", p.display())),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct IceConfig {
    pub stun_urls: Vec<String>,
    pub turn_urls: Vec<String>,
    pub secret: Option<SecretSource>,
    pub ttl: Duration,
}

impl IceConfig {
    pub fn has_turn(&self) -> bool {
        !self.turn_urls.is_empty() && self.secret.is_some()
    }

    /// At start: a TURN secret that cannot be read stops the server, rather
    /// than every login going without a relay.
    pub fn check(&self) -> Result<(), String> {
        match (&self.secret, self.turn_urls.is_empty()) {
            (Some(source), false) => match source.read()? {
                Secret(s) if s.is_empty() => Err("the TURN secret is empty".into()),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Reads the secret (a file read, when it is one), so the credentials
    /// themselves can then be minted without I/O, e.g. under a lock.
    pub fn prepare(&self) -> IceIssuer<'_> {
        let secret = match (&self.secret, self.turn_urls.is_empty()) {
            (Some(source), false) => source.read().map_err(|e| tracing::error!("no TURN credentials issued: {e}")).ok(),
            _ => None,
        };
        IceIssuer { config: self, secret }
    }

    /// The ICE servers for `user` now (reads the secret first).
    pub fn servers_for(&self, user: &str) -> Vec<IceServer> {
        self.prepare().servers_for(user)
    }
}

/// Mints ICE server lists with a secret already read.
pub struct IceIssuer<'a> {
    config: &'a IceConfig,
    secret: Option<Secret>,
}

impl IceIssuer<'_> {
    /// STUN as configured, TURN with fresh credentials. An unreadable secret
    /// leaves TURN out (the log says why) rather than refusing the login.
    pub fn servers_for(&self, user: &str) -> Vec<IceServer> {
        let c = self.config;
        let mut servers = Vec::new();
        if !c.stun_urls.is_empty() {
            servers.push(IceServer { urls: c.stun_urls.clone(), username: None, credential: None });
        }
        if let Some(secret) = &self.secret {
            let expiry = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + c.ttl;
            let (username, credential) = turn_credential(secret, user, expiry.as_secs());
            servers.push(IceServer {
                urls: c.turn_urls.clone(),
                username: Some(username),
                credential: Some(credential),
            });
        }
        servers
    }
}

/// TURN REST API credentials valid until `expiry` (unix seconds).
pub fn turn_credential(secret: &Secret, user: &str, expiry: u64) -> (String, String) {
    let username = format!("{expiry}:{user}");
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.0.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_match_an_independently_computed_vector() {
        // echo -n "1700003600:alice" | openssl dgst -sha1 -hmac "north-sea-secret" -binary | base64
        let (user, pass) = turn_credential(&Secret("north-sea-secret".into()), "alice", 1_700_003_600);
        assert_eq!(user, "1700003600:alice");
        assert_eq!(pass, "XNu2e1NVrQEGzUB75NhB3SrIHpE=");
    }

    #[test]
    fn the_timestamp_is_the_expiry_and_the_secret_is_never_printed() {
        let ice = IceConfig {
            stun_urls: vec!["stun:127.0.0.1:3478".into()],
            turn_urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
            secret: Some(SecretSource::Value(Secret("s3cr3t".into()))),
            ttl: Duration::from_secs(3600),
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let servers = ice.servers_for("bob");
        assert_eq!(servers.len(), 2);
        let user = servers[1].username.clone().unwrap();
        let (expiry, name) = user.split_once(':').unwrap();
        assert_eq!(name, "bob");
        let expiry: u64 = expiry.parse().unwrap();
        assert!((now + 3599..=now + 3601).contains(&expiry), "expiry {expiry}, now {now}");
        assert!(!format!("{ice:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_secret_file_is_reread_so_the_secret_can_rotate() {
        let path = std::env::temp_dir().join(format!("duet-turn-secret-{}", std::process::id()));
        std::fs::write(&path, "one\n").unwrap();
        let ice = IceConfig {
            stun_urls: vec![],
            turn_urls: vec!["turn:x".into()],
            secret: Some(SecretSource::File(path.clone())),
            ttl: Duration::from_secs(60),
        };
        let first = ice.servers_for("a")[0].credential.clone();
        std::fs::write(&path, "two").unwrap();
        let second = ice.servers_for("a")[0].credential.clone();
        assert_ne!(first, second);
        std::fs::remove_file(&path).unwrap();
        assert!(ice.servers_for("a").is_empty(), "no TURN without a readable secret");
    }
}
