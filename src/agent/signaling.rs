//! The signaling WebSocket. Closing is dropping: the listeners go first, so
//! a deliberate close reports nothing.

use duet_protocol::{ClientMessage, ServerMessage, SUBPROTOCOL};
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::prelude::*;

use crate::store::{Action, CallState};

pub struct Signaling {
    ws: WebSocket,
    _listeners: [EventListener; 3],
}

impl Signaling {
    pub fn open(url: &str, dispatch: UseReducerDispatcher<CallState>) -> Result<Self, String> {
        // MDN's server only accepts clients that ask for the "json" subprotocol.
        let ws = WebSocket::new_with_str(url, SUBPROTOCOL).map_err(super::js::describe)?;
        let d = dispatch.clone();
        let open = EventListener::new(&ws, "open", move |_| d.dispatch(Action::SocketOpen));
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
            let reason = e
                .dyn_ref::<CloseEvent>()
                .map(|c| if c.reason().is_empty() { format!("code {}", c.code()) } else { c.reason() })
                .unwrap_or_else(|| "closed".into());
            dispatch.dispatch(Action::SocketClosed { reason });
        });
        Ok(Signaling { ws, _listeners: [open, message, close] })
    }

    pub fn send(&self, msg: &ClientMessage) {
        if self.ws.ready_state() == WebSocket::OPEN {
            if let Err(e) = self.ws.send_with_str(&msg.to_json()) {
                gloo::console::warn!(format!("signaling send failed: {}", super::js::describe(e)));
            }
        }
    }
}

impl Drop for Signaling {
    fn drop(&mut self) {
        let _ = self.ws.close();
    }
}
