//! Messages a client sends to the server.

use serde::{Deserialize, Serialize};

use crate::{HangupReason, IceCandidate, ParseError, SessionDescription};

/// Everything a client may send. Field names are MDN's; `name` and `id` that a
/// client puts on relayed messages are read but never trusted: the server
/// stamps the sender's registered name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientMessage {
    /// Log in (or, for MDN clients, ask for a name).
    #[serde(rename = "username")]
    Username {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "whole_ms")]
        date: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Duet addition: the Duet protocol version this client speaks.
        /// Its presence opts the connection in to Duet's additions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duet: Option<u32>,
        /// Duet addition: the token from this user's last `welcome`, to take
        /// the name (and call) back after the connection dropped.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
        /// Duet addition: the user this client is still in a call with, so a
        /// server that lost track of it (restarted) learns it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<String>,
    },
    /// Public lobby chat, broadcast to every logged-in user.
    #[serde(rename = "message")]
    Message {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "whole_ms")]
        date: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    #[serde(rename = "video-offer")]
    VideoOffer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        target: String,
        sdp: SessionDescription,
        /// Duet addition: the caller sends no media until the call is
        /// accepted, so the callee may answer at once (`ringing`) and connect
        /// while it rings. Absent means false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        preconnect: bool,
    },
    #[serde(rename = "video-answer")]
    VideoAnswer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        target: String,
        sdp: SessionDescription,
        /// Duet addition: an answer to a `preconnect` offer while the call
        /// still rings; `call-accepted` follows if the callee accepts. A
        /// plain answer (absent, false) accepts the call.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ringing: bool,
    },
    /// Duet addition: the callee accepted a call it answered while ringing.
    #[serde(rename = "call-accepted")]
    CallAccepted {
        /// The sender, as MDN's client writes it on its messages: a baseline
        /// server passes messages on verbatim.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        target: String,
    },
    #[serde(rename = "new-ice-candidate")]
    NewIceCandidate { target: String, candidate: IceCandidate },
    #[serde(rename = "hang-up")]
    HangUp {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// MDN's sample client clears its target before it sends this, so a
        /// null or missing target reads as empty: "the call I am in".
        #[serde(default, deserialize_with = "null_as_empty")]
        target: String,
        /// Duet addition; absent from MDN clients.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<HangupReason>,
    },
    /// Duet addition: the sender muted/unmuted its microphone or camera.
    #[serde(rename = "media-state")]
    MediaState { target: String, audio: bool, video: bool },
    /// Duet addition (directory clients): the rows this client shows, from
    /// row `from` of everyone online sorted by name, or of those whose name
    /// matches `query` when it is not empty. The server answers with a
    /// `directory` at once and again whenever those rows change.
    #[serde(rename = "view")]
    View {
        from: u32,
        count: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        query: String,
    },
    /// Duet addition (directory clients): the names whose presence this
    /// client follows wherever they are in the list (its recent contacts,
    /// its call partner); replaces the last set. Answered with a `presence`
    /// at once, and later ones as they change.
    #[serde(rename = "watch")]
    Watch { names: Vec<String> },
}

const KNOWN: &[&str] = &[
    "username",
    "message",
    "video-offer",
    "video-answer",
    "call-accepted",
    "new-ice-candidate",
    "hang-up",
    "media-state",
    "view",
    "watch",
];

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

impl ClientMessage {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        crate::parse_tagged(text, KNOWN)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client messages always serialize")
    }

    /// The user a relayed message is addressed to.
    pub fn target(&self) -> Option<&str> {
        match self {
            ClientMessage::VideoOffer { target, .. }
            | ClientMessage::VideoAnswer { target, .. }
            | ClientMessage::CallAccepted { target, .. }
            | ClientMessage::NewIceCandidate { target, .. }
            | ClientMessage::HangUp { target, .. }
            | ClientMessage::MediaState { target, .. } => Some(target),
            ClientMessage::Username { .. }
            | ClientMessage::Message { .. }
            | ClientMessage::View { .. }
            | ClientMessage::Watch { .. } => None,
        }
    }
}

/// `date` is `Date.now()`, whole milliseconds: written as an integer, so
/// the web app carries no float formatting (its tables weigh ~10 KB) for a
/// field it never sets. Any number is still read.
fn whole_ms<S: serde::Serializer>(date: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(ms) => s.serialize_i64(*ms as i64),
        None => s.serialize_none(),
    }
}
