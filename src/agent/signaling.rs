//! The signaling WebSocket. Closing is dropping: the listeners go first, so
//! a deliberate close reports nothing.

use duet_protocol::{ClientMessage, ServerMessage, SUBPROTOCOL};
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::{
    hooks::Dispatch,
    store::{Action, Credential},
};

pub struct Signaling {
    ws: WebSocket,
    _listeners: [EventListener; 2],
}

impl Signaling {
    pub fn open(url: &str, credential: Option<&Credential>, dispatch: Dispatch) -> Result<Self, String> {
        // MDN's server only accepts clients that ask for the "json"
        // subprotocol. A credential rides along as a second one: browsers
        // cannot set headers on a WebSocket, and unlike the URL it stays
        // out of access logs. The server answers "json" and never echoes it.
        let protocols = js_sys::Array::of1(&SUBPROTOCOL.into());
        match credential {
            Some(Credential::Key(key)) => {
                protocols.push(&format!("duet-key.{}", base64url(key.as_bytes())).into());
            }
            Some(Credential::Token(token)) => {
                protocols.push(&format!("duet-jwt.{token}").into());
            }
            None => {}
        }
        let ws = WebSocket::new_with_str_sequence(url, &protocols).map_err(super::js::describe)?;
        let d = dispatch.clone();
        let message = EventListener::new(&ws, "message", move |e| {
            let Some(text) = e.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) else { return };
            match ServerMessage::parse(&text) {
                Ok(msg) => d.dispatch(Action::Server(msg)),
                // A newer server's message, or a baseline server relaying
                // something odd: not worth breaking the session for.
                Err(e) => gloo::console::warn!(format!("ignored signaling message: {e}")),
            }
        });
        let close = EventListener::new(&ws, "close", move |e| {
            let close = e.dyn_ref::<CloseEvent>();
            let code = close.map_or(1006, |c| c.code());
            // No reason is better than a code nobody can read.
            let reason = close.map(|c| c.reason()).unwrap_or_default();
            dispatch.dispatch(Action::SocketClosed { code, reason });
        });
        Ok(Signaling { ws, _listeners: [message, close] })
    }

    pub fn send(&self, msg: &ClientMessage) {
        if self.ws.ready_state() == WebSocket::OPEN {
            if let Err(e) = self.ws.send_with_str(&msg.to_json()) {
                gloo::console::warn!(format!("signaling send failed: {}", super::js::describe(e)));
            }
        }
    }
}

/// Base64url without padding (RFC 4648 §5): subprotocol names allow only
/// token characters.
fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

impl Signaling {
    /// Closes saying the page is going away and may be right back (a
    /// reload): the server holds our name and call a moment for it.
    pub fn close_leaving(self) {
        let _ = self.ws.close_with_code_and_reason(4000, "leaving");
    }
}

impl Drop for Signaling {
    fn drop(&mut self) {
        let _ = self.ws.close();
    }
}
