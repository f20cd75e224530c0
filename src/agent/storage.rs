//! Preferences kept in localStorage between visits.
//!
//! Values are JSON (as gloo's storage wrote them before), through the
//! browser's own JSON: the first load reads them (early.rs), and carries no
//! JSON code of its own.

use wasm_bindgen::JsValue;

use crate::store::{decode_history, encode_history, AudioProcessing, AudioSwitch, CallRecord, Credential, DeviceKind};

/// "Relay only" is on.
pub const RELAY_ONLY: &str = "duet.relayOnly";
/// The user turned off connecting while a call rings.
pub const CONNECT_AFTER_ACCEPT: &str = "duet.connectAfterAccept";
/// Call notifications are on (the browser allowed them).
pub const NOTIFY_CALLS: &str = "duet.notifyCalls";
/// The data saver is on.
pub const DATA_SAVER: &str = "duet.dataSaver";

/// The value stored under `key`, as the browser's JSON reads it.
fn read(storage: Option<web_sys::Storage>, key: &str) -> Option<JsValue> {
    let text = storage?.get_item(key).ok()??;
    js_sys::JSON::parse(&text).ok()
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn read_bool(key: &str) -> Option<bool> {
    read(local(), key)?.as_bool()
}

fn read_string(key: &str) -> Option<String> {
    read(local(), key)?.as_string()
}

/// Stores `value` as JSON in `storage`.
fn write_to(storage: Option<web_sys::Storage>, key: &str, value: &JsValue) {
    let json = js_sys::JSON::stringify(value).ok().and_then(|j| j.as_string());
    if let (Some(storage), Some(json)) = (storage, json) {
        // Private browsing may refuse storage; the setting then lasts the visit.
        let _ = storage.set_item(key, &json);
    }
}

fn write(key: &str, value: &JsValue) {
    write_to(local(), key, value);
}

fn write_string(key: &str, value: &str) {
    write(key, &JsValue::from_str(value));
}

fn delete(key: &str) {
    if let Some(storage) = local() {
        let _ = storage.remove_item(key);
    }
}

/// A switch the person left on; off unless stored.
pub fn flag(key: &str) -> bool {
    read_bool(key).unwrap_or(false)
}

pub fn set_flag(key: &str, on: bool) {
    // Private browsing may refuse storage; the setting then lasts the visit.
    write(key, &JsValue::from_bool(on));
}

fn device_key(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Camera => "duet.camera",
        DeviceKind::Microphone => "duet.microphone",
        DeviceKind::Speaker => "duet.speaker",
    }
}

/// The device of `kind` chosen on an earlier visit.
pub fn device(kind: DeviceKind) -> Option<String> {
    read_string(device_key(kind)).filter(|id| !id.is_empty())
}

pub fn set_device(kind: DeviceKind, id: Option<&str>) {
    match id {
        Some(id) => {
            write_string(device_key(kind), id);
        }
        None => delete(device_key(kind)),
    }
}

fn audio_key(switch: AudioSwitch) -> &'static str {
    match switch {
        AudioSwitch::NoiseSuppression => "duet.noiseSuppression",
        AudioSwitch::EchoCancellation => "duet.echoCancellation",
        AudioSwitch::AutoGain => "duet.autoGainControl",
    }
}

/// The microphone's processing as left on an earlier visit (on if unsaid).
pub fn audio_processing() -> AudioProcessing {
    let mut audio = AudioProcessing::default();
    for switch in AudioSwitch::ALL {
        audio.set(switch, read_bool(audio_key(switch)).unwrap_or(true));
    }
    audio
}

pub fn set_audio_processing(audio: AudioProcessing) {
    for switch in AudioSwitch::ALL {
        match audio.get(switch) {
            true => delete(audio_key(switch)),
            false => write(audio_key(switch), &JsValue::FALSE),
        }
    }
}

/// Each name's recent calls under their own key.
fn history_key(me: &str) -> String {
    format!("duet.history.{me}")
}

/// The recent calls this browser kept for `me`.
pub fn history(me: &str) -> Vec<CallRecord> {
    read_string(&history_key(me)).map(|t| decode_history(&t)).unwrap_or_default()
}

pub fn set_history(me: &str, history: &[CallRecord]) {
    match history {
        [] => delete(&history_key(me)),
        _ => write_string(&history_key(me), &encode_history(history)),
    }
}

const LANG: &str = "duet.lang";

/// The language the user picked on an earlier visit.
pub fn lang() -> Option<crate::store::Lang> {
    read_string(LANG).and_then(|t| crate::store::Lang::from_tag(&t))
}

pub fn set_lang(lang: crate::store::Lang) {
    write_string(LANG, lang.tag());
}

const SESSION: &str = "duet.session";

/// What a reloaded page needs to take its place back: our name, the resume
/// ticket, and the call we were in. In sessionStorage: one tab's, gone with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub name: String,
    pub ticket: String,
    pub peer: Option<String>,
}

pub fn session() -> Option<Session> {
    let saved = read(web_sys::window()?.session_storage().ok()?, SESSION)?;
    let field = |name| js_sys::Reflect::get(&saved, &JsValue::from_str(name)).ok();
    Some(Session {
        name: field("name")?.as_string()?,
        ticket: field("ticket")?.as_string()?,
        // Absent or null: not in a call.
        peer: field("peer").and_then(|p| p.as_string()),
    })
}

pub fn set_session(s: Option<&Session>) {
    let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    let Some(s) = s else {
        if let Some(storage) = storage {
            let _ = storage.remove_item(SESSION);
        }
        return;
    };
    // {"name":…,"ticket":…,"peer":… or null}
    let o = js_sys::Object::new();
    let peer = s.peer.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    for (k, v) in [("name", JsValue::from_str(&s.name)), ("ticket", JsValue::from_str(&s.ticket)), ("peer", peer)] {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &v);
    }
    write_to(storage, SESSION, &o);
}

const SHORTCUTS_OFF: &str = "duet.shortcutsOff";

/// Single-key shortcuts were turned off on an earlier visit.
pub fn shortcuts_off() -> bool {
    read_bool(SHORTCUTS_OFF).unwrap_or(false)
}

pub fn set_shortcuts(on: bool) {
    if on {
        delete(SHORTCUTS_OFF);
    } else {
        write(SHORTCUTS_OFF, &JsValue::TRUE);
    }
}

const THEME: &str = "duet.theme";

/// Light, dark or the system's, as picked on an earlier visit.
pub fn theme() -> Option<crate::store::Theme> {
    read_string(THEME).and_then(|t| crate::store::Theme::from_tag(&t))
}

pub fn set_theme(theme: crate::store::Theme) {
    write_string(THEME, theme.tag());
}

const ACCESS_KEY: &str = "duet.accessKey";
const ACCESS_TOKEN: &str = "duet.accessToken";

/// The access key or sign-in token remembered from an earlier visit.
pub fn credential() -> Option<Credential> {
    let get = |k| read_string(k).filter(|v| !v.is_empty());
    get(ACCESS_KEY).map(Credential::Key).or_else(|| get(ACCESS_TOKEN).map(Credential::Token))
}

pub fn set_credential(c: Option<&Credential>) {
    delete(ACCESS_KEY);
    delete(ACCESS_TOKEN);
    match c {
        Some(Credential::Key(k)) => write_string(ACCESS_KEY, k),
        Some(Credential::Token(t)) => write_string(ACCESS_TOKEN, t),
        None => {}
    }
}
