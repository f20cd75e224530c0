//! Reading a [`ServerMessage`] field by field. serde's derive for an
//! internally tagged enum buffers every message into its private `Content`
//! and instantiates a deserializer per variant over it: the web app's largest
//! single item (`Deserialize for ServerMessage`, 36.5 KB of wasm before
//! wasm-opt). Here the JSON object is read once and each field taken by name,
//! with the derive's rules: a missing required field, or a field of the wrong
//! type, is `InvalidFields`; absent `#[serde(default)]` fields default;
//! unknown fields are ignored. Native builds keep the derive, and
//! `tests/server_read.rs` checks that both read every message alike.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ServerMessage;
use crate::ParseError;

struct Fields {
    kind: String,
    map: Map<String, Value>,
}

impl Fields {
    fn take<T: DeserializeOwned>(&mut self, key: &str, missing: Option<T>) -> Result<T, ParseError> {
        let bad = |detail: String| ParseError::InvalidFields { kind: self.kind.clone(), detail };
        match (self.map.remove(key), missing) {
            (Some(v), _) => serde_json::from_value(v).map_err(|e| bad(format!("{e} (field `{key}`)"))),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(bad(format!("missing field `{key}`"))),
        }
    }

    /// A field the message cannot do without.
    fn req<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, ParseError> {
        self.take(key, None)
    }

    /// A field that reads as its default when absent.
    fn opt<T: DeserializeOwned + Default>(&mut self, key: &str) -> Result<T, ParseError> {
        self.take(key, Some(T::default()))
    }
}

/// `text` as a server message: bad JSON, an unknown `type` and bad fields
/// each give their own error.
pub(crate) fn server_message(text: &str) -> Result<ServerMessage, ParseError> {
    use ServerMessage as S;
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    let Value::Object(mut map) = value else { return Err(ParseError::InvalidJson("expected an object".into())) };
    let kind = match map.remove("type") {
        Some(Value::String(t)) => t,
        Some(other) => return Err(ParseError::UnknownType(crate::not_a_type(&other))),
        None => return Err(ParseError::UnknownType(String::new())),
    };
    let mut f = Fields { kind, map };
    Ok(match f.kind.as_str() {
        "id" => S::Id { id: f.req("id")? },
        "rejectusername" => S::RejectUsername { id: f.req("id")?, name: f.req("name")? },
        "userlist" => S::UserList { users: f.req("users")?, busy: f.opt("busy")?, more: f.opt("more")? },
        "message" => S::Message { name: f.req("name")?, text: f.req("text")?, date: f.opt("date")?, id: f.opt("id")? },
        "video-offer" => S::VideoOffer {
            name: f.req("name")?,
            target: f.req("target")?,
            sdp: f.req("sdp")?,
            linked: f.opt("linked")?,
            preconnect: f.opt("preconnect")?,
        },
        "video-answer" => S::VideoAnswer {
            name: f.req("name")?,
            target: f.req("target")?,
            sdp: f.req("sdp")?,
            ringing: f.opt("ringing")?,
        },
        "call-accepted" => S::CallAccepted { name: f.opt("name")?, target: f.req("target")? },
        "new-ice-candidate" => {
            S::NewIceCandidate { name: f.opt("name")?, target: f.req("target")?, candidate: f.req("candidate")? }
        }
        "hang-up" => S::HangUp { name: f.req("name")?, target: f.req("target")?, reason: f.opt("reason")? },
        "media-state" => S::MediaState {
            name: f.opt("name")?,
            target: f.req("target")?,
            audio: f.req("audio")?,
            video: f.req("video")?,
        },
        "welcome" => S::Welcome { name: f.req("name")?, ice_servers: f.req("iceServers")?, resume: f.opt("resume")? },
        "ice-servers" => S::IceServers { ice_servers: f.req("iceServers")? },
        "resume-ticket" => S::ResumeTicket { ticket: f.req("ticket")? },
        "presence" => S::PresenceUpdate {
            available: f.opt("available")?,
            busy: f.opt("busy")?,
            left: f.opt("left")?,
            more: f.opt("more")?,
        },
        "directory" => S::Directory {
            total: f.req("total")?,
            from: f.req("from")?,
            query: f.opt("query")?,
            users: f.req("users")?,
            busy: f.opt("busy")?,
        },
        "error" => S::Error { code: f.req("code")?, text: f.req("text")? },
        _ => return Err(ParseError::UnknownType(f.kind)),
    })
}
