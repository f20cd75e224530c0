//! `window.duetDiagnostics`: a read-only view of the agent for the browser
//! console and the end-to-end tests, who check through it that calls leak
//! neither peer connections nor camera tracks.
//!
//! - `pc`: the current RTCPeerConnection, or null (for `getStats()`)
//! - `openPeerConnections`: created and not yet closed
//! - `localStreams`: the most recent camera/microphone streams (ended or not)

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MediaStream, RtcPeerConnection};

/// How many past local streams to keep for inspection.
const KEEP_STREAMS: u32 = 32;

fn object() -> Option<Object> {
    let window = web_sys::window()?;
    let key = JsValue::from_str("duetDiagnostics");
    let existing = Reflect::get(&window, &key).ok().filter(|v| v.is_object());
    Some(match existing {
        Some(o) => o.into(),
        None => {
            let o = Object::new();
            let _ = Reflect::set(&o, &"pc".into(), &JsValue::NULL);
            let _ = Reflect::set(&o, &"openPeerConnections".into(), &0.into());
            let _ = Reflect::set(&o, &"localStreams".into(), &Array::new());
            let _ = Reflect::set(&window, &key, &o);
            o
        }
    })
}

fn add_open(delta: i32) {
    if let Some(o) = object() {
        let n = Reflect::get(&o, &"openPeerConnections".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let _ = Reflect::set(&o, &"openPeerConnections".into(), &(n + f64::from(delta)).into());
    }
}

pub fn peer_opened() {
    add_open(1);
}

pub fn peer_closed(pc: &RtcPeerConnection) {
    add_open(-1);
    if let Some(o) = object() {
        let current = Reflect::get(&o, &"pc".into()).unwrap_or(JsValue::NULL);
        if current == JsValue::from(pc.clone()) {
            let _ = Reflect::set(&o, &"pc".into(), &JsValue::NULL);
        }
    }
}

pub fn current_peer(pc: &RtcPeerConnection) {
    if let Some(o) = object() {
        let _ = Reflect::set(&o, &"pc".into(), pc);
    }
}

pub fn local_stream(s: &MediaStream) {
    if let Some(list) =
        object().and_then(|o| Reflect::get(&o, &"localStreams".into()).ok()).map(|v| v.unchecked_into::<Array>())
    {
        list.push(s);
        while list.length() > KEEP_STREAMS {
            list.shift();
        }
    }
}
