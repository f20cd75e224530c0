//! Crossing between the protocol's types and the browser's objects by JSON,
//! so the wire types stay the one definition of every shape.

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};

pub fn to_js<T: Serialize, J: JsCast>(value: &T) -> J {
    let json = serde_json::to_string(value).expect("protocol types serialize");
    js_sys::JSON::parse(&json).expect("serde_json writes valid JSON").unchecked_into()
}

pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let json: String = js_sys::JSON::stringify(value).map_err(describe)?.into();
    serde_json::from_str(&json).map_err(|e| e.to_string())
}

/// A readable message from a thrown JS value (DOMException name and message).
pub fn describe(e: JsValue) -> String {
    if let Some(ex) = e.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", ex.name(), ex.message());
    }
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// The `name` of a thrown DOMException (e.g. "NotAllowedError").
pub fn error_name(e: &JsValue) -> String {
    e.dyn_ref::<web_sys::DomException>().map(|x| x.name()).unwrap_or_default()
}

/// The `<video>` with this id, if the view currently shows it.
pub fn video(id: &str) -> Option<web_sys::HtmlVideoElement> {
    web_sys::window()?.document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// Shows `stream` in the `<video id=…>` unless it already does.
pub fn show(id: &str, stream: Option<&web_sys::MediaStream>) {
    if let Some(v) = video(id) {
        let current = v.src_object();
        if current.as_ref().map(|s| s.id()) != stream.map(|s| s.id()) {
            v.set_src_object(stream);
        }
    }
}
