//! The agent's part in the first load. The rest of it arrives in a chunk
//! of its own (`SIGNED_IN` in app.rs) just after the first screen, and the
//! effects asked for before then wait in the store. What cannot wait: the
//! page's query (the shell's first render replaces the address); the saved
//! settings, restored before the first render (so the first screen comes
//! in the person's language and theme, on a page that can call, and a
//! reload goes straight back to its session); the tab's session, kept as it
//! changes; and the effects on the page itself (its language and theme) or
//! on what it was opened with (an invite link's key), which run at once.

use yew::prelude::*;

use crate::{
    hooks::{use_select, Dispatch},
    store::{Action, AudioSwitch, DeviceKind, Effect},
};

use super::{config::RuntimeConfig, js, storage};

/// Readies a new store: the page's effects run from now on, then the
/// saved settings are restored.
pub fn start(dispatch: &Dispatch) {
    RuntimeConfig::at_start();
    dispatch.set_early_runner(run);
    restore_settings(dispatch);
}

/// Keeps what a reload needs to come back, for this tab only, from the
/// first render: a hang-up or sign-out before the agent's code is in is
/// kept too.
#[hook]
pub fn use_kept_session() {
    let saved = use_select(|s| {
        let ticket = s.resume_token.clone().filter(|_| s.has_session())?;
        let peer = s.call.is_in_call().then(|| s.peer().map(str::to_owned)).flatten();
        Some(storage::Session { name: s.me.clone()?, ticket, peer })
    });
    use_effect_with(saved, |saved| storage::set_session(saved.as_ref()));
}

/// Marks the first render on screen with its handlers attached, so
/// "navigation → interactive login form" can be measured (the bench reads
/// `duet:interactive`).
#[hook]
pub fn use_interactive_mark() {
    use_effect_with((), |_| {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark("duet:interactive");
        }
    });
}

/// Runs `effect` if it is the page's own; hands back any other (the rest
/// of the agent's).
pub fn run(effect: Effect) -> Option<Effect> {
    match effect {
        Effect::UseLang { lang, remember } => {
            js::set_document_lang(lang.tag());
            if remember {
                storage::set_lang(lang);
            }
        }
        Effect::UseTheme { theme, remember } => {
            js::set_document_theme(theme);
            if remember {
                storage::set_theme(theme);
            }
        }
        // An invite link's key, kept now: the link is gone from the address
        // bar, and a reload after the agent failed to come needs the key.
        Effect::RememberCredential(c) => storage::set_credential(c.as_ref()),
        other => return Some(other),
    }
    None
}

fn restore_settings(dispatch: &Dispatch) {
    // A page that cannot call says so instead of failing later.
    let lacking = js::lacking();
    if !lacking.is_empty() {
        dispatch.dispatch(Action::DetectedLang(storage::lang().unwrap_or_else(js::browser_lang)));
        dispatch.dispatch(Action::BrowserLacks(lacking));
        return;
    }
    if storage::flag(storage::RELAY_ONLY) {
        dispatch.dispatch(Action::SetRelayOnly(true));
    }
    // On only while the browser still allows it.
    if storage::flag(storage::NOTIFY_CALLS) && js::notifications_granted() {
        dispatch.dispatch(Action::NotifyPermission(true));
    }
    if storage::flag(storage::DATA_SAVER) {
        dispatch.dispatch(Action::SetDataSaver(true));
    }
    if storage::flag(storage::CONNECT_AFTER_ACCEPT) {
        dispatch.dispatch(Action::SetConnectAfterAccept(true));
    }
    dispatch.dispatch(Action::DetectedLang(storage::lang().unwrap_or_else(js::browser_lang)));
    if storage::shortcuts_off() {
        dispatch.dispatch(Action::TurnShortcuts(false));
    }
    if let Some(theme) = storage::theme() {
        dispatch.dispatch(Action::RestoredTheme(theme));
    }
    // An invite link's key (or a site's token) wins over a remembered one.
    if let Some(credential) = js::take_credential_from_fragment() {
        dispatch.dispatch(Action::FoundCredential { credential, from_link: true });
    } else if let Some(credential) = storage::credential() {
        dispatch.dispatch(Action::FoundCredential { credential, from_link: false });
    }
    // A reload: back under the same name, into the same call.
    if let Some(saved) = storage::session() {
        // Its recent calls now too (the agent reads them at each login):
        // a call ended before the agent is in joins them, not replaces them.
        let history = storage::history(&saved.name);
        dispatch.dispatch(Action::Returned { name: saved.name, ticket: saved.ticket, peer: saved.peer });
        dispatch.dispatch(Action::HistoryRestored(history));
    }
    for kind in [DeviceKind::Camera, DeviceKind::Microphone, DeviceKind::Speaker] {
        if let Some(id) = storage::device(kind) {
            dispatch.dispatch(Action::ChooseDevice { kind, id: Some(id) });
        }
    }
    let audio = storage::audio_processing();
    for switch in AudioSwitch::ALL.into_iter().filter(|&s| !audio.get(s)) {
        dispatch.dispatch(Action::SetAudioProcessing(switch, false));
    }
}
