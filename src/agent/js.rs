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

/// Whether media elements can pick their audio output (`setSinkId`).
pub fn can_set_sink_id() -> bool {
    let proto = js_sys::Reflect::get(&js_sys::global(), &"HTMLMediaElement".into())
        .and_then(|c| js_sys::Reflect::get(&c, &"prototype".into()));
    proto.is_ok_and(|p| js_sys::Reflect::has(&p, &"setSinkId".into()).unwrap_or(false))
}

/// Calls `obj.method(...args)`, an API web-sys does not bind (or binds only
/// as unstable), and logs a missing method or a rejected promise instead of
/// throwing.
fn call_promise(obj: &JsValue, method: &str, args: &js_sys::Array) {
    let f = js_sys::Reflect::get(obj, &method.into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(f) = f else { return gloo::console::warn!(format!("{method} is not supported here")) };
    match f.apply(obj, args) {
        Ok(p) if p.is_instance_of::<js_sys::Promise>() => {
            let method = method.to_owned();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(p)).await {
                    gloo::console::warn!(format!("{method}: {}", describe(e)));
                }
            });
        }
        Ok(_) => {}
        Err(e) => gloo::console::warn!(format!("{method}: {}", describe(e))),
    }
}

/// Shows `element` in the display mode (fullscreen, picture-in-picture)
/// the document field `current` reports, or leaves it with `exit`.
fn toggle_mode(element: Option<web_sys::Element>, current: &str, enter: &str, exit: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let none = js_sys::Array::new();
    let active = js_sys::Reflect::get(&doc, &current.into()).is_ok_and(|v| !v.is_null() && !v.is_undefined());
    if active {
        call_promise(&doc, exit, &none);
    } else if let Some(e) = element {
        call_promise(&e, enter, &none);
    }
}

pub fn toggle_picture_in_picture(video: Option<web_sys::Element>) {
    toggle_mode(video, "pictureInPictureElement", "requestPictureInPicture", "exitPictureInPicture");
}

pub fn toggle_fullscreen(element: Option<web_sys::Element>) {
    toggle_mode(element, "fullscreenElement", "requestFullscreen", "exitFullscreen");
}

/// The first of the browser's preferred languages that Duet speaks.
pub fn browser_lang() -> crate::store::Lang {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return Default::default() };
    let tags: Vec<String> = nav.languages().iter().filter_map(|v| v.as_string()).collect();
    let fallback = nav.language();
    crate::store::Lang::preferred(tags.iter().map(String::as_str).chain(fallback.as_deref()))
}

/// `<html lang=…>`, so screen readers pronounce the page right.
pub fn set_document_lang(tag: &str) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", tag);
    }
}

/// `<html data-theme=…>`: the stylesheet's light or dark tokens, or (none)
/// the system's choice.
pub fn set_document_theme(theme: crate::store::Theme) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    let _ = match theme {
        crate::store::Theme::System => root.remove_attribute("data-theme"),
        t => root.set_attribute("data-theme", t.tag()),
    };
}

/// A credential in the page's URL fragment — an invite link's `#key=…` or an
/// embedding site's `#token=…` — removed from the address bar once read, so
/// it does not linger in history or get copied along with the link. (The
/// fragment never reaches a server, so it stays out of logs too.)
pub fn take_credential_from_fragment() -> Option<crate::store::Credential> {
    use crate::store::Credential;
    let window = web_sys::window()?;
    let location = window.location();
    let hash = location.hash().ok()?;
    let found = hash.trim_start_matches('#').split('&').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        let v = String::from(js_sys::decode_uri_component(v).ok()?);
        match k {
            "key" if !v.is_empty() => Some(Credential::Key(v)),
            "token" if !v.is_empty() => Some(Credential::Token(v)),
            _ => None,
        }
    })?;
    let clean = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
    }
    Some(found)
}

/// What this page cannot do that calls need. An insecure page hides the
/// camera API too, so it reports only the cause.
pub fn lacking() -> Vec<crate::store::Lack> {
    use crate::store::Lack;
    let Some(window) = web_sys::window() else { return vec![] };
    if !window.is_secure_context() {
        return vec![Lack::SecureContext];
    }
    let has = |target: &JsValue, name: &str| {
        js_sys::Reflect::get(target, &name.into()).is_ok_and(|v| !v.is_undefined() && !v.is_null())
    };
    let mut lacking = vec![];
    if !has(&window.navigator(), "mediaDevices") {
        lacking.push(Lack::MediaDevices);
    }
    if !has(&window, "RTCPeerConnection") {
        lacking.push(Lack::PeerConnection);
    }
    lacking
}

/// SHA-256 of `data` by the browser's SubtleCrypto (secure contexts only,
/// as calls are).
pub async fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    use js_sys::Reflect;
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    let digest: js_sys::Function = Reflect::get(&subtle, &"digest".into()).ok()?.dyn_into().ok()?;
    let promise = digest.call2(&subtle, &"SHA-256".into(), &js_sys::Uint8Array::from(data)).ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A video track's short side as it is sent now (`getSettings()`; 0
/// unknown): what "360p" counts, for a landscape camera its height, for a
/// phone held upright or a tall window its width.
pub fn track_lines(track: &web_sys::MediaStreamTrack) -> f64 {
    use js_sys::Reflect;
    let settings = Reflect::get(track, &"getSettings".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(track).ok());
    let side = |name: &str| {
        settings.as_ref().and_then(|s| Reflect::get(s, &name.into()).ok()).and_then(|v| v.as_f64()).unwrap_or(0.0)
    };
    match (side("width"), side("height")) {
        (w, h) if w > 0.0 && h > 0.0 => w.min(h),
        (w, h) => w.max(h),
    }
}

/// The browser has notifications and this site may show them (some have no
/// `Notification` at all: reading its permission there would throw).
pub fn notifications_granted() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false)
        && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
}

/// Loads the script at `src` (same origin) as a module, after the app is up.
pub fn load_script(src: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Ok(script) = doc.create_element("script") {
        let _ = script.set_attribute("type", "module");
        let _ = script.set_attribute("src", src);
        if let Some(head) = doc.head() {
            let _ = head.append_child(&script);
        }
    }
}

/// Fires `name` on the window (for web/pwa.js).
pub fn dispatch_window_event(name: &str) {
    if let (Some(w), Ok(e)) = (web_sys::window(), web_sys::Event::new(name)) {
        let _ = w.dispatch_event(&e);
    }
}
