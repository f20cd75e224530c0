//! Pieces shared by both directions.

use serde::{Deserialize, Serialize};

/// An `RTCSessionDescriptionInit` as the browser serializes it: `{type, sdp}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDescription {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub sdp: String,
}

impl SessionDescription {
    /// Its `a=fingerprint:` line: the DTLS certificate of the peer
    /// connection that made it (a new connection has another one).
    pub fn fingerprint(&self) -> Option<&str> {
        dtls_fingerprint(&self.sdp)
    }
}

/// An SDP's `a=fingerprint:` value.
pub fn dtls_fingerprint(sdp: &str) -> Option<&str> {
    sdp.lines().find_map(|l| l.strip_prefix("a=fingerprint:")).map(str::trim)
}

/// An `RTCIceCandidate`'s JSON (`candidate.toJSON()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

/// An `RTCIceServer` handed to clients at login (Duet addition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Why a call ended, carried on `hang-up` (Duet addition; MDN clients send none,
/// which reads as [`HangupReason::Hangup`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HangupReason {
    /// A party ended an established call.
    #[default]
    Hangup,
    /// The callee refused the call.
    Declined,
    /// The callee is in another call.
    Busy,
    /// Nobody answered in time.
    Timeout,
    /// The caller gave up while it was ringing.
    Cancelled,
    /// The other party's connection to the server went away.
    Disconnected,
    /// The media connection could not be established or was lost.
    Failed,
    /// The sender's app could not set up or keep its side of the call (a
    /// part of it did not load, the browser refused a step): not the
    /// network, so a relay would not help.
    AppFailed,
    /// A reason this build does not know, from a newer peer.
    #[serde(other)]
    Other,
}

/// A user's availability as Duet clients see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum UserStatus {
    #[default]
    Available,
    /// In a call (or being called): calls to them are refused as busy.
    Busy,
}

/// One user in a presence snapshot or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub name: String,
    #[serde(default)]
    pub status: UserStatus,
}
