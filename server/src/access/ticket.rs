//! Signed resume tickets: proof, across a server restart, that a client held
//! a name (and was in a call with a partner).
//!
//! A ticket is `v1.<payload>.<mac>`: base64url JSON `{n, p, s, e, b, t}`
//! (name, call partner, session id, expiry in unix seconds, the boot of the
//! server that issued it, and when its session began in unix milliseconds)
//! and its HMAC-SHA256 under a key that outlives the process: kept in
//! `--state-dir` (made once, mode 0600) or given by `--secret-file`, which
//! every node of a cluster shares.
//!
//! The boot says whether a restart came between issuing and showing a
//! ticket: only then may it win its name back from someone else, and a
//! ticket whose session this boot no longer holds (signed out, expired)
//! proves nothing. The session's start says who held the name last: an
//! older session's ticket never evicts a newer one's. A session its user
//! signed out of is remembered in the state directory: its tickets stay void
//! after a restart too.

use std::{
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::access::signed_out::SignedOut;

const SECRET_FILE: &str = "resume-secret";
const SIGNED_OUT_FILE: &str = "signed-out";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ticket {
    /// The name it proves.
    #[serde(rename = "n")]
    pub name: String,
    /// The partner of the call it was issued in, if any.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The login session it belongs to (tells a resume apart from a new login).
    #[serde(rename = "s")]
    pub session: String,
    /// Unix seconds after which it proves nothing.
    #[serde(rename = "e")]
    pub expiry: u64,
    /// The boot of the server process that issued it, and that server's
    /// cluster node id.
    #[serde(rename = "b", default)]
    pub boot: String,
    #[serde(rename = "o", default)]
    pub node: String,
    /// When its session began (unix milliseconds).
    #[serde(rename = "t", default)]
    pub since: u64,
}

/// Signs and checks tickets.
#[derive(Clone)]
pub struct Tickets {
    key: [u8; 32],
    ttl: Duration,
    /// This process's boot: random, new at every start.
    boot: String,
    /// The cluster node this process is (empty for one server alone).
    node: String,
    /// Sessions signed out of: their tickets are void, across restarts too.
    signed_out: std::sync::Arc<SignedOut>,
}

impl std::fmt::Debug for Tickets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tickets(<key>, ttl {:?})", self.ttl)
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

impl Tickets {
    pub fn new(key: [u8; 32], ttl: Duration) -> Self {
        let mut boot = [0u8; 8];
        getrandom::fill(&mut boot).expect("the system random source");
        let boot = boot.iter().map(|b| format!("{b:02x}")).collect();
        Tickets { key, ttl, boot, node: String::new(), signed_out: std::sync::Arc::new(SignedOut::in_memory()) }
    }

    /// The same key, issuing as cluster node `node`.
    pub fn for_node(mut self, node: &str) -> Self {
        self.node = node.to_owned();
        self
    }

    /// The cluster node tickets are issued as (empty for one server alone).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether `t` was issued by this very process (no restart came between).
    pub fn issued_here(&self, t: &Ticket) -> bool {
        t.node == self.node && t.boot == self.boot
    }

    /// Whether `t` was issued by an earlier run of this node (it restarted since).
    pub fn from_before_this_boot(&self, t: &Ticket) -> bool {
        t.node == self.node && t.boot != self.boot
    }

    /// A key for one process only (tests, benches): its tickets die with it.
    pub fn ephemeral(ttl: Duration) -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the system random source");
        Tickets::new(key, ttl)
    }

    /// The key from `secret_file`, or from `state_dir` (made there on first
    /// start), and the sessions signed out of, kept in `state_dir`.
    pub fn load(secret_file: Option<&Path>, state_dir: &Path, ttl: Duration) -> Result<Self, String> {
        let mut tickets = Self::load_key(secret_file, state_dir, ttl)?;
        tickets.signed_out = std::sync::Arc::new(SignedOut::load(state_dir.join(SIGNED_OUT_FILE), now())?);
        Ok(tickets)
    }

    fn load_key(secret_file: Option<&Path>, state_dir: &Path, ttl: Duration) -> Result<Self, String> {
        if let Some(p) = secret_file {
            let bytes = std::fs::read(p).map_err(|e| format!("reading --secret-file {}: {e}", p.display()))?;
            let bytes = bytes.trim_ascii();
            if bytes.len() < 32 {
                return Err(format!("--secret-file {} must hold at least 32 bytes", p.display()));
            }
            return Ok(Tickets::new(
                sha2::Digest::finalize(<Sha256 as sha2::Digest>::new_with_prefix(bytes)).into(),
                ttl,
            ));
        }
        let path = state_dir.join(SECRET_FILE);
        if let Some(key) = read_key(&path)? {
            return Ok(Tickets::new(key, ttl));
        }
        let t = Tickets::ephemeral(ttl);
        if crate::private_file::create(&path, B64.encode(t.key).as_bytes())? {
            tracing::info!(path = %path.display(), "made the resume-ticket key");
            return Ok(t);
        }
        // Another process made it first: use theirs.
        let key = read_key(&path)?.ok_or(format!("{} vanished while starting", path.display()))?;
        Ok(Tickets::new(key, ttl))
    }

    /// A fresh ticket for `name` in session `session` (begun at `since`,
    /// unix ms), in a call with `partner`.
    pub fn issue(&self, name: &str, partner: Option<&str>, session: &str, since: u64) -> String {
        let t = Ticket {
            name: name.to_owned(),
            partner: partner.map(str::to_owned),
            session: session.to_owned(),
            expiry: now() + self.ttl.as_secs(),
            boot: self.boot.clone(),
            node: self.node.clone(),
            since,
        };
        let payload = B64.encode(serde_json::to_vec(&t).expect("a ticket serialises"));
        let mac = B64.encode(self.mac(&payload).finalize().into_bytes());
        format!("v1.{payload}.{mac}")
    }

    /// The ticket, if this server signed it and it has not expired.
    pub fn verify(&self, ticket: &str) -> Option<Ticket> {
        let mut parts = ticket.split('.');
        let (Some("v1"), Some(payload), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let mac = B64.decode(mac).ok()?;
        self.mac(payload).verify_slice(&mac).ok()?;
        let t: Ticket = serde_json::from_slice(&B64.decode(payload).ok()?).ok()?;
        (t.expiry >= now() && !self.signed_out.contains(&t.session)).then_some(t)
    }

    /// Voids every ticket of `session`: its user signed out.
    pub fn sign_out(&self, session: &str) {
        self.signed_out.add(session, now() + self.ttl.as_secs());
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A key for another use of the same secret (e.g. signing cluster
    /// messages), so nodes that share tickets share it too.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(payload.as_bytes());
        mac
    }
}

fn read_key(path: &Path) -> Result<Option<[u8; 32]>, String> {
    match std::fs::read(path) {
        Ok(bytes) => B64
            .decode(bytes.trim_ascii())
            .ok()
            .and_then(|k| k.try_into().ok())
            .map(Some)
            .ok_or(format!("{} is damaged; delete it to make a new one", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

/// Where state lives when `--state-dir` is not given: systemd's
/// `$STATE_DIRECTORY`, else `$XDG_STATE_HOME/duet`, else `~/.local/state/duet`,
/// else `./duet-state`.
pub fn default_state_dir() -> std::path::PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    if let Some(d) = env("STATE_DIRECTORY") {
        // systemd may list several, colon-separated; the first is ours.
        let first = d.to_string_lossy().split(':').next().unwrap_or_default().to_owned();
        return first.into();
    }
    if let Some(d) = env("XDG_STATE_HOME") {
        return d.join("duet");
    }
    if let Some(h) = env("HOME") {
        return h.join(".local/state/duet");
    }
    "duet-state".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_verify_until_they_expire_and_not_when_altered() {
        let t = Tickets::ephemeral(Duration::from_secs(60));
        let ticket = t.issue("bob", Some("alice"), "s1", 7);
        let read = t.verify(&ticket).unwrap();
        assert_eq!((read.name.as_str(), read.partner.as_deref(), read.session.as_str()), ("bob", Some("alice"), "s1"));
        assert_eq!(read.since, 7);
        assert!(!t.from_before_this_boot(&read) && t.issued_here(&read), "issued by this process");
        let elsewhere = t.clone().for_node("n2");
        assert!(!elsewhere.issued_here(&read) && !elsewhere.from_before_this_boot(&read), "another node's");
        // Another server's key, a forged payload, junk: nothing.
        assert!(Tickets::ephemeral(Duration::from_secs(60)).verify(&ticket).is_none());
        let forged_payload = B64.encode(br#"{"n":"mallory","s":"s1","e":99999999999}"#);
        let mac = ticket.rsplit('.').next().unwrap();
        assert!(t.verify(&format!("v1.{forged_payload}.{mac}")).is_none());
        assert!(t.verify("v1..").is_none() && t.verify("t0k3n").is_none());
        assert!(Tickets::ephemeral(Duration::ZERO).issue("bob", None, "s", 0).len() > 10);
        let expired = Tickets { ttl: Duration::ZERO, ..t.clone() };
        let old = expired.issue("bob", None, "s", 0);
        std::thread::sleep(Duration::from_millis(1100));
        assert!(t.verify(&old).is_none(), "expired");
    }

    #[test]
    fn the_key_is_made_once_and_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("duet-state-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = Tickets::load(None, &dir, Duration::from_secs(60)).unwrap();
        let ticket = first.issue("bob", None, "s", 0);
        let again = Tickets::load(None, &dir, Duration::from_secs(60)).unwrap();
        let read = again.verify(&ticket).expect("same key after a restart");
        assert!(again.from_before_this_boot(&read), "a restart came between");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read the key");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
