//! Messages the server sends to clients.

use serde::{Deserialize, Serialize};

use crate::{HangupReason, IceCandidate, IceServer, ParseError, SessionDescription};

mod read;

// The web app reads these with `server_read` instead of the derive (much
// smaller code); native builds keep the derive to check the two agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type")]
pub enum ServerMessage {
    /// First message on every connection.
    #[serde(rename = "id")]
    Id { id: u64 },
    /// The requested name was taken; `name` is the one the server registered.
    #[serde(rename = "rejectusername")]
    RejectUsername { id: u64, name: String },
    /// Every logged-in user. MDN clients get it on every change; Duet clients
    /// once, at login, and then incremental presence messages.
    #[serde(rename = "userlist")]
    UserList {
        users: Vec<String>,
        /// Duet addition: users among `users` who are in a call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        busy: Vec<String>,
        /// Duet addition: the list goes on in the `presence` messages that
        /// follow, up to the one without `more` (a large lobby is sent in
        /// pages, so no message is list-sized).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    /// Lobby chat; `name` is the sender's registered name.
    #[serde(rename = "message")]
    Message {
        name: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    #[serde(rename = "video-offer")]
    VideoOffer {
        name: String,
        target: String,
        sdp: SessionDescription,
        /// Duet addition: sent from within the call the server holds for
        /// both ends (the sender's own end of it, answered), not a new ring.
        /// Only such an offer may replace the partner's peer connection
        /// without asking (a reload); absent means false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        linked: bool,
        /// Duet addition: see the client's `video-offer.preconnect`; the
        /// server clears it when the operator turned pre-connecting off.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        preconnect: bool,
    },
    #[serde(rename = "video-answer")]
    VideoAnswer {
        name: String,
        target: String,
        sdp: SessionDescription,
        /// Duet addition: answered while ringing (see the client's).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ringing: bool,
    },
    /// Duet addition: the callee accepted a call it answered while ringing.
    #[serde(rename = "call-accepted")]
    CallAccepted {
        /// A baseline server passes on what the client wrote, which may lack it.
        #[serde(default)]
        name: String,
        target: String,
    },
    #[serde(rename = "new-ice-candidate")]
    NewIceCandidate {
        /// Duet addition: who sent the candidate. A baseline server relays
        /// MDN clients' candidates without it, so it reads as empty.
        #[serde(default)]
        name: String,
        target: String,
        candidate: IceCandidate,
    },
    #[serde(rename = "hang-up")]
    HangUp {
        name: String,
        target: String,
        #[serde(default)]
        reason: HangupReason,
    },
    /// Duet addition: the peer muted/unmuted.
    #[serde(rename = "media-state")]
    MediaState {
        #[serde(default)]
        name: String,
        target: String,
        audio: bool,
        video: bool,
    },
    /// Duet addition: login confirmed, with the name registered and the ICE
    /// servers (STUN/TURN, with credentials where needed) to use.
    #[serde(rename = "welcome")]
    Welcome {
        name: String,
        #[serde(rename = "iceServers")]
        ice_servers: Vec<IceServer>,
        /// A secret for logging back in as `name` after a dropped connection
        /// (see `username.resume`); absent when the server holds no names.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
    },
    /// Duet addition: fresh ICE servers (TURN credentials) before the old
    /// ones expire; used for new connections and ICE restarts.
    #[serde(rename = "ice-servers")]
    IceServers {
        #[serde(rename = "iceServers")]
        ice_servers: Vec<IceServer>,
    },
    /// Duet addition: a fresh resume ticket (see `welcome.resume`), sent when
    /// a call is answered and before the last one expires; it replaces it.
    #[serde(rename = "resume-ticket")]
    ResumeTicket { ticket: String },
    /// Duet addition: who joined, changed availability or left since the
    /// last update. The server batches changes (every ~100 ms), so a burst
    /// of logins costs each client one message, not one per login.
    #[serde(rename = "presence")]
    PresenceUpdate {
        /// Users who joined or became free (plain names keep a storm of
        /// logins cheap to send and to read).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        available: Vec<String>,
        /// Users who joined in a call or started one.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        busy: Vec<String>,
        /// Users who left.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        left: Vec<String>,
        /// A page of the login list with more pages after it (see `userlist`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    /// Duet addition (directory clients): rows of the list of everyone
    /// online, sorted by name, as the client's `view` asked: `users` from
    /// row `from` on, of `total` in the list (or of those matching `query`).
    /// It replaces what the client showed of those rows.
    #[serde(rename = "directory")]
    Directory {
        total: u32,
        from: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        query: String,
        users: Vec<String>,
        /// Users among `users` who are in a call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        busy: Vec<String>,
    },
    /// Duet addition: the last message could not be acted on. The connection stays open.
    #[serde(rename = "error")]
    Error { code: ErrorCode, text: String },
}

/// Stable, machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The frame was not a JSON object.
    InvalidJson,
    /// `type` missing or not one the server knows.
    UnknownType,
    /// A known type with missing or mistyped fields.
    InvalidMessage,
    /// Binary frames are not part of the protocol.
    BinaryNotSupported,
    /// The message needs a login first.
    NotLoggedIn,
    /// A second `username` on a logged-in connection.
    AlreadyLoggedIn,
    /// The requested username breaks the naming rules.
    InvalidUsername,
    /// Nobody of that name is online.
    TargetOffline,
    /// A message addressed to the sender.
    TargetSelf,
    /// The message belongs to a call the sender is not in with the target.
    NotInCall,
    /// A call offer while the sender is in a call with someone else.
    AlreadyInCall,
    /// Too many messages too fast; this one was dropped.
    RateLimited,
    /// The server could not reach the part of its cluster the message needed
    /// (its coordination store is down); nothing was done, try again shortly.
    Unavailable,
    /// A code from a newer server.
    #[serde(other)]
    Other,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::InvalidJson,
        ErrorCode::UnknownType,
        ErrorCode::InvalidMessage,
        ErrorCode::BinaryNotSupported,
        ErrorCode::NotLoggedIn,
        ErrorCode::AlreadyLoggedIn,
        ErrorCode::InvalidUsername,
        ErrorCode::TargetOffline,
        ErrorCode::TargetSelf,
        ErrorCode::NotInCall,
        ErrorCode::AlreadyInCall,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid-json",
            ErrorCode::UnknownType => "unknown-type",
            ErrorCode::InvalidMessage => "invalid-message",
            ErrorCode::BinaryNotSupported => "binary-not-supported",
            ErrorCode::NotLoggedIn => "not-logged-in",
            ErrorCode::AlreadyLoggedIn => "already-logged-in",
            ErrorCode::InvalidUsername => "invalid-username",
            ErrorCode::TargetOffline => "target-offline",
            ErrorCode::TargetSelf => "target-self",
            ErrorCode::NotInCall => "not-in-call",
            ErrorCode::AlreadyInCall => "already-in-call",
            ErrorCode::RateLimited => "rate-limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Other => "other",
        }
    }
}

impl From<&ParseError> for ErrorCode {
    fn from(e: &ParseError) -> Self {
        match e {
            ParseError::InvalidJson(_) => ErrorCode::InvalidJson,
            ParseError::UnknownType(_) => ErrorCode::UnknownType,
            ParseError::InvalidFields { .. } => ErrorCode::InvalidMessage,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
const KNOWN: &[&str] = &[
    "id",
    "rejectusername",
    "userlist",
    "message",
    "video-offer",
    "video-answer",
    "call-accepted",
    "new-ice-candidate",
    "hang-up",
    "media-state",
    "welcome",
    "ice-servers",
    "resume-ticket",
    "presence",
    "directory",
    "error",
];

impl ServerMessage {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        read::server_message(text)
    }

    /// The same through serde's derive, which `parse` must agree with
    /// (tests/server_read.rs).
    #[cfg(not(target_arch = "wasm32"))]
    #[doc(hidden)]
    pub fn parse_derived(text: &str) -> Result<Self, ParseError> {
        crate::parse_tagged(text, KNOWN)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }

    pub fn error(code: ErrorCode, text: impl Into<String>) -> Self {
        ServerMessage::Error { code, text: text.into() }
    }
}
