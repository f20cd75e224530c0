//! Cluster messages are signed: Redis relays them but is not trusted to
//! write them. A payload is `<tag>.<header>.<JSON>`: the header (base64url)
//! names the sending node's run (`node|boot`), a sequence number rising with
//! every message it publishes, and the time it was sent; the tag is the
//! HMAC-SHA256 of channel, header and JSON under a key every node derives
//! from the shared `--secret-file`. So a message written into Redis by
//! anyone else, moved to another channel, replayed, or held back is dropped.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a message's time may be from the receiver's clock (node clocks
/// must agree this well).
pub const WINDOW: Duration = Duration::from_secs(60);

/// The key cluster messages are signed with.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<key>)")
    }
}

impl SealKey {
    pub fn new(key: [u8; 32]) -> Self {
        SealKey(key)
    }

    fn mac(&self, channel: &str, header: &str, json: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        for part in [channel.as_bytes(), header.as_bytes(), json] {
            mac.update(part);
            mac.update(&[0]);
        }
        mac
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}

/// Signs what one run of one node publishes.
#[derive(Debug)]
pub struct Sealer {
    key: SealKey,
    /// `node|boot`: this run of this node.
    sender: String,
    seq: AtomicU64,
}

impl Sealer {
    pub fn new(key: SealKey, node: &str) -> Self {
        let mut boot = [0u8; 8];
        getrandom::fill(&mut boot).expect("the system random source");
        let boot: String = boot.iter().map(|b| format!("{b:02x}")).collect();
        Sealer { key, sender: format!("{node}|{boot}"), seq: AtomicU64::new(0) }
    }

    /// `json` signed for `channel`, sent now.
    pub fn seal(&self, channel: &str, json: &str) -> String {
        self.seal_at(channel, json, now_ms())
    }

    /// The same, stamped as sent at `sent_ms` (unix milliseconds).
    pub fn seal_at(&self, channel: &str, json: &str, sent_ms: u64) -> String {
        let seq = self.seq.fetch_add(1, Relaxed) + 1;
        let header = B64.encode(format!("{}|{seq}|{sent_ms}", self.sender));
        let tag = B64.encode(self.key.mac(channel, &header, json.as_bytes()).finalize().into_bytes());
        format!("{tag}.{header}.{json}")
    }
}

/// Why a received payload was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("not signed with this cluster's key for this channel")]
    Signature,
    #[error("sent more than a minute from now (replayed, or the nodes' clocks disagree)")]
    Stale,
    #[error("already received (replayed)")]
    Replayed,
}

/// Checks what arrives: signature, time, and that each sender's sequence
/// only rises. Senders not heard from for a window are forgotten.
#[derive(Debug)]
pub struct Opener {
    key: SealKey,
    last: HashMap<String, (u64, Instant)>,
    swept: Instant,
}

impl Opener {
    pub fn new(key: SealKey) -> Self {
        Opener { key, last: HashMap::new(), swept: Instant::now() }
    }

    /// The JSON of a payload received on `channel`, if it passes.
    pub fn open<'a>(&mut self, channel: &str, payload: &'a [u8]) -> Result<&'a [u8], Rejected> {
        let mut parts = payload.splitn(3, |b| *b == b'.');
        let (Some(tag), Some(header), Some(json)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Rejected::Signature);
        };
        let header = std::str::from_utf8(header).map_err(|_| Rejected::Signature)?;
        let tag = B64.decode(tag).map_err(|_| Rejected::Signature)?;
        self.key.mac(channel, header, json).verify_slice(&tag).map_err(|_| Rejected::Signature)?;
        let header =
            String::from_utf8(B64.decode(header).map_err(|_| Rejected::Signature)?).map_err(|_| Rejected::Signature)?;
        let mut fields = header.rsplitn(3, '|');
        let (Some(sent), Some(seq), Some(sender)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(Rejected::Signature);
        };
        let (sent, seq): (u64, u64) =
            (sent.parse().map_err(|_| Rejected::Signature)?, seq.parse().map_err(|_| Rejected::Signature)?);
        if now_ms().abs_diff(sent) > WINDOW.as_millis() as u64 {
            return Err(Rejected::Stale);
        }
        if self.swept.elapsed() > WINDOW {
            self.last.retain(|_, (_, seen)| seen.elapsed() <= WINDOW * 2);
            self.swept = Instant::now();
        }
        match self.last.get_mut(sender) {
            Some((last, _)) if seq <= *last => return Err(Rejected::Replayed),
            Some(entry) => *entry = (seq, Instant::now()),
            None => {
                self.last.insert(sender.to_owned(), (seq, Instant::now()));
            }
        }
        Ok(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fresh_messages_this_cluster_signed_for_this_channel_open() {
        let key = SealKey::new([7; 32]);
        let sealer = Sealer::new(key.clone(), "n1");
        let mut opener = Opener::new(key.clone());
        let sealed = sealer.seal("duet:all", r#"{"type":"chat"}"#);
        assert_eq!(Opener::new(key.clone()).open("duet:to:n2", sealed.as_bytes()), Err(Rejected::Signature), "moved");
        assert_eq!(opener.open("duet:all", sealed.as_bytes()), Ok(&br#"{"type":"chat"}"#[..]));
        assert_eq!(opener.open("duet:all", sealed.as_bytes()), Err(Rejected::Replayed), "the same again");
        let later = sealer.seal("duet:all", "{}");
        assert_eq!(opener.open("duet:all", later.as_bytes()), Ok(&b"{}"[..]), "the next one");
        assert_eq!(opener.open("duet:all", sealed.as_bytes()), Err(Rejected::Replayed), "an earlier one");
        let old = sealer.seal_at("duet:all", "{}", now_ms() - 5 * 60_000);
        assert_eq!(Opener::new(key.clone()).open("duet:all", old.as_bytes()), Err(Rejected::Stale), "held back");
        let other = Sealer::new(SealKey::new([8; 32]), "n1").seal("duet:all", "{}");
        assert_eq!(opener.open("duet:all", other.as_bytes()), Err(Rejected::Signature), "another cluster's key");
        let forged = sealer.seal("duet:all", r#"{"type":"chat"}"#).replace("chat", "chas");
        assert_eq!(opener.open("duet:all", forged.as_bytes()), Err(Rejected::Signature), "altered");
        assert_eq!(opener.open("duet:all", br#"{"type":"chat"}"#), Err(Rejected::Signature), "unsigned");
        // Another run of the same node starts its own sequence.
        let restarted = Sealer::new(key, "n1").seal("duet:all", "{}");
        assert_eq!(opener.open("duet:all", restarted.as_bytes()), Ok(&b"{}"[..]));
    }
}
