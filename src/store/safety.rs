//! The safety number: a short string both ends of a call derive from the
//! DTLS certificates their browsers actually use. Media is encrypted between
//! the two browsers with keys those certificates authenticate, but the
//! certificates' fingerprints reach each browser inside SDP relayed by the
//! signaling server, which could swap them for its own and sit in the
//! middle. Then each end derives its number from different fingerprints, so
//! reading the numbers to each other exposes it.
//!
//! Both ends hash the same text: the one certificate fingerprint of each
//! description, normalised and sorted (so the order of "local" and "remote"
//! does not matter); a description naming several certificates has none. 20 digits, not 6: nothing commits a middleman to its
//! certificates before it sees ours, so it can try certificates until both
//! halves collide; a birthday search over 6 digits (20 bits) takes about a
//! thousand tries, one over 20 digits (66 bits) is out of reach while a
//! call connects.

/// Why a call has no safety number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unverifiable {
    /// A description has no fingerprint (no DTLS: nothing to verify).
    NoDtls,
    /// A description names more than one certificate. A browser uses one per
    /// connection, and which line it heeds (media or session level) is its
    /// own rule: hashing them all would let a middleman add its own beside
    /// the real one and still match. Said as a warning instead.
    SeveralCertificates,
}

/// The text both ends hash, from the local and remote descriptions: the
/// one certificate fingerprint of each, sorted.
pub fn material(local_sdp: &str, remote_sdp: &str) -> Result<String, Unverifiable> {
    let one = |sdp: &str| {
        let mut all = fingerprints(sdp).into_iter();
        let first = all.next().ok_or(Unverifiable::NoDtls)?;
        match all.all(|f| f == first) {
            true => Ok(first),
            false => Err(Unverifiable::SeveralCertificates),
        }
    };
    let (local, remote) = (one(local_sdp)?, one(remote_sdp)?);
    Ok(if local <= remote { format!("{local}\n{remote}") } else { format!("{remote}\n{local}") })
}

/// Every `a=fingerprint:` of an SDP (session or media level) as
/// "sha-256 AB:CD:…": browsers differ in case and repeat it per media.
fn fingerprints(sdp: &str) -> Vec<String> {
    sdp.lines()
        .filter_map(|l| l.trim().strip_prefix("a=fingerprint:"))
        .filter_map(|v| {
            let (algorithm, hex) = v.trim().split_once(' ')?;
            Some(format!("{} {}", algorithm.to_ascii_lowercase(), hex.trim().to_ascii_uppercase()))
        })
        .collect()
}

/// Four groups of five digits from a SHA-256 digest of [`material`]: each
/// group is 5 bytes (40 bits) modulo 100,000, as Signal renders its numbers.
pub fn digits(digest: &[u8]) -> String {
    digest
        .chunks(5)
        .take(4)
        .map(|chunk| {
            let n = chunk.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
            let group = n % 100_000;
            format!("{group:05}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The safety number of the call in progress, and whether this side said
/// it matches the partner's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyNumber {
    pub digits: String,
    pub verified: bool,
}
