//! The signaling wire protocol, the one source of truth for app and server.
//!
//! The baseline is MDN's "Signaling and video calling" sample (webrtc-from-chat):
//! every baseline message keeps MDN's `type` and field names, so that sample's
//! unmodified client can talk to duet-server, and Duet's client can talk to a
//! server that speaks only the baseline. Duet's additions are optional fields
//! (ignored by MDN peers) and message types an MDN client never sends and only
//! logs if it receives one. `docs/protocol.md` describes every message.

mod client;
mod common;
pub mod limits;
pub mod search;
mod server;

pub use client::ClientMessage;
pub use common::{dtls_fingerprint, HangupReason, IceCandidate, IceServer, Presence, SessionDescription, UserStatus};
pub use server::{ErrorCode, ServerMessage};

/// The version Duet clients announce in `username.duet`; a server that sees it
/// sends them Duet's additions (incremental presence, ICE servers, errors).
pub const PROTOCOL_VERSION: u32 = 1;

/// The version a client announces in `username.duet` to get the directory
/// instead of the whole list: the online count and the rows it shows
/// (`view`), presence for the names it follows (`watch`), and server-side
/// search. Everything of version 1 still holds.
pub const DIRECTORY_VERSION: u32 = 2;

/// The WebSocket subprotocol MDN's client asks for.
pub const SUBPROTOCOL: &str = "json";

/// Why a text frame could not be read as a message. Kept apart from serde's
/// error so the server can answer with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON at all, or not an object.
    InvalidJson(String),
    /// JSON, but `type` is missing or names no message we know.
    UnknownType(String),
    /// A known type whose fields are missing or of the wrong type.
    InvalidFields { kind: String, detail: String },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::InvalidJson(d) => write!(f, "not a JSON object: {d}"),
            // Quoted by hand: `{t:?}` would bring Unicode's escaping tables
            // into the web app for one error text.
            ParseError::UnknownType(t) => write!(f, "unknown message type \"{t}\""),
            ParseError::InvalidFields { kind, detail } => write!(f, "invalid {kind:?} message: {detail}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Reads a message, telling apart bad JSON, an unknown type and bad fields so
/// each gets its own error code.
pub(crate) fn parse_tagged<T: serde::de::DeserializeOwned>(text: &str, known: &[&str]) -> Result<T, ParseError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    let kind = match value.as_object().map(|o| o.get("type")) {
        None => return Err(ParseError::InvalidJson("expected an object".into())),
        Some(Some(serde_json::Value::String(t))) => t.clone(),
        Some(Some(other)) => return Err(ParseError::UnknownType(not_a_type(other))),
        Some(None) => return Err(ParseError::UnknownType(String::new())),
    };
    if !known.contains(&kind.as_str()) {
        return Err(ParseError::UnknownType(kind));
    }
    serde_json::from_value(value).map_err(|e| ParseError::InvalidFields { kind, detail: e.to_string() })
}

/// What a `type` that is not a string was, in words (writing the value out
/// would bring JSON's float formatting into the web app for an error text).
pub(crate) fn not_a_type(v: &serde_json::Value) -> String {
    use serde_json::Value as V;
    let what = match v {
        V::Null => "null",
        V::Bool(_) => "a boolean",
        V::Number(_) => "a number",
        V::String(_) => "a string",
        V::Array(_) => "an array",
        V::Object(_) => "an object",
    };
    format!("({what})")
}
