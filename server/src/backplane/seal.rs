//! Cluster messages are signed: Redis relays them but is not trusted to
//! write them. Each payload is `<base64url HMAC-SHA256>.<JSON>`, the MAC
//! taken over the channel's name and the JSON under a key every node derives
//! from the shared `--secret-file`, so a message forged in Redis, or moved to
//! another channel, is dropped.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

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

    fn mac(&self, channel: &str, json: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(channel.as_bytes());
        mac.update(&[0]);
        mac.update(json);
        mac
    }

    /// `json` signed for `channel`.
    pub fn seal(&self, channel: &str, json: &str) -> String {
        let tag = B64.encode(self.mac(channel, json.as_bytes()).finalize().into_bytes());
        format!("{tag}.{json}")
    }

    /// The JSON of a payload received on `channel`, if this cluster's key signed it for there.
    pub fn open<'a>(&self, channel: &str, payload: &'a [u8]) -> Option<&'a [u8]> {
        let dot = payload.iter().position(|b| *b == b'.')?;
        let (tag, json) = (&payload[..dot], &payload[dot + 1..]);
        let tag = B64.decode(tag).ok()?;
        self.mac(channel, json).verify_slice(&tag).ok()?;
        Some(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_this_cluster_signed_for_this_channel_opens() {
        let key = SealKey::new([7; 32]);
        let sealed = key.seal("duet:all", r#"{"type":"chat"}"#);
        assert_eq!(key.open("duet:all", sealed.as_bytes()), Some(&br#"{"type":"chat"}"#[..]));
        assert_eq!(key.open("duet:to:n2", sealed.as_bytes()), None, "moved to another channel");
        assert_eq!(SealKey::new([8; 32]).open("duet:all", sealed.as_bytes()), None, "another cluster's key");
        let forged = sealed.replace("chat", "chas");
        assert_eq!(key.open("duet:all", forged.as_bytes()), None, "altered");
        assert_eq!(key.open("duet:all", br#"{"type":"chat"}"#), None, "unsigned");
    }
}
