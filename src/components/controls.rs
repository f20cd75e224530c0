//! The call's toolbar: round icon buttons, always on screen. Every button is
//! a store command (the keyboard shortcuts send the same ones). A phone shows
//! the five it needs most and puts the rest under "More"; what this browser
//! cannot do is not offered.

use wasm_bindgen::JsValue;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::{
    components::icons::{icon, Icon},
    hooks::{use_action, use_narrow, use_select, use_texts},
    store::{Action, CallPhase, CallState},
};

/// What the toolbar shows of the state.
#[derive(Clone, PartialEq)]
struct Shown {
    ringing: bool,
    in_call: bool,
    mic_on: bool,
    camera_on: bool,
    sharing: bool,
    chat_open: bool,
    unread: u32,
    show_stats: bool,
    show_devices: bool,
    show_safety: bool,
    recording: bool,
    /// A partner whose app shows a recording notice (its data channel is open).
    can_record: bool,
}

impl Shown {
    fn of(s: &CallState) -> Self {
        Shown {
            ringing: matches!(s.call, CallPhase::Outgoing { .. }),
            in_call: matches!(s.call, CallPhase::InCall { .. }),
            mic_on: s.media.mic_on,
            camera_on: s.media.camera_on,
            sharing: s.sharing_screen,
            chat_open: s.peer_chat.open,
            unread: s.peer_chat.unread,
            show_stats: s.show_stats,
            show_devices: s.show_devices,
            show_safety: s.show_safety,
            recording: s.recording || s.recording_asked,
            can_record: s.peer_chat.ready,
        }
    }
}

/// Whether `path` (e.g. `["navigator", "mediaDevices", "getDisplayMedia"]`)
/// exists and is not `false` in this browser.
fn supports(path: &[&str]) -> bool {
    let mut v: JsValue = js_sys::global().into();
    for key in path {
        v = js_sys::Reflect::get(&v, &(*key).into()).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() || v.is_null() || v == JsValue::FALSE {
            return false;
        }
    }
    true
}

/// One round button: an icon, its accessible name (also the tooltip), and
/// for a toggle its state.
fn button(label: &str, glyph: Html, pressed: Option<bool>, onclick: Callback<MouseEvent>, class: &'static str) -> Html {
    html! {
        <button class={classes!("round", class)} aria-label={label.to_owned()} title={label.to_owned()}
                aria-pressed={pressed.map(|p| p.to_string())} {onclick}>
            { glyph }
        </button>
    }
}

#[function_component(Controls)]
pub fn controls() -> Html {
    let shown = use_select(Shown::of);
    let narrow = use_narrow();
    let t = use_texts();
    let more_open = use_state_eq(|| false);
    let more_ref = use_node_ref();
    let cancel = use_action(|| Action::Cancel);
    let hang_up = use_action(|| Action::HangUp);
    let mic = use_action(|| Action::ToggleMic);
    let camera = use_action(|| Action::ToggleCamera);
    let share = use_action(|| Action::ToggleShare);
    let chat = use_action(|| Action::TogglePeerChat);
    let stats = use_action(|| Action::ToggleStats);
    let devices = use_action(|| Action::ToggleDevices);
    let safety = use_action(|| Action::ToggleSafety);
    let record = use_action(|| Action::ToggleRecording);
    let pip = use_action(|| Action::TogglePictureInPicture);
    let fullscreen = use_action(|| Action::ToggleFullscreen);
    let help = use_action(|| Action::ToggleHelp);
    let class = "call-controls";
    let can_share = supports(&["navigator", "mediaDevices", "getDisplayMedia"]);
    let can_pip = supports(&["document", "pictureInPictureEnabled"]);
    let can_fullscreen = supports(&["document", "fullscreenEnabled"]);
    let mic_label = if shown.mic_on { t.mute } else { t.unmute };
    let camera_label = if shown.camera_on { t.camera_off } else { t.camera_on };
    let toggles = html! {
        <>
            { button(mic_label, icon(Icon::Mic, !shown.mic_on), Some(!shown.mic_on), mic, "off") }
            { button(camera_label, icon(Icon::Camera, !shown.camera_on), Some(!shown.camera_on), camera, "off") }
        </>
    };
    if shown.ringing {
        return html! {
            <div {class} role="toolbar" aria-label={t.call_controls}>
                { toggles }
                <button class="end" onclick={cancel}>{ icon(Icon::HangUp, false) }{ t.cancel }</button>
            </div>
        };
    }
    if !shown.in_call {
        return html! {};
    }
    let chat_name = match shown.unread {
        0 => t.chat.to_owned(),
        n => (t.chat_unread)(n),
    };
    let chat_button = html! {
        <button class="round" aria-label={chat_name.clone()} title={chat_name} aria-pressed={shown.chat_open.to_string()} onclick={chat}>
            { icon(Icon::Chat, false) }
            if shown.unread > 0 { <span class="badge" aria-hidden="true">{ shown.unread }</span> }
        </button>
    };
    let share_label = if shown.sharing { t.stop_sharing } else { t.share_screen };
    // The less used controls: in the bar on a wide screen, under "More" on a phone.
    let extras: Vec<(&str, Icon, Option<bool>, Callback<MouseEvent>)> = [
        can_share.then_some((share_label, Icon::Screen, Some(shown.sharing), share)),
        Some((t.statistics, Icon::Stats, Some(shown.show_stats), stats)),
        Some((t.devices, Icon::Devices, Some(shown.show_devices), devices)),
        Some((t.verify_call, Icon::Shield, Some(shown.show_safety), safety)),
        // The name says the state; no aria-pressed besides.
        (shown.can_record || shown.recording).then_some((
            if shown.recording { t.stop_recording } else { t.record },
            Icon::Record,
            None,
            record,
        )),
        can_pip.then_some((t.picture_in_picture, Icon::PictureInPicture, None, pip)),
        can_fullscreen.then_some((t.full_screen, Icon::FullScreen, None, fullscreen)),
        (!narrow).then_some((t.keyboard_shortcuts, Icon::Help, None, help)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let end = html! { <button class="end" aria-label={t.hang_up} title={t.hang_up} onclick={hang_up}>{ icon(Icon::HangUp, false) }</button> };
    if !narrow {
        return html! {
            <div {class} role="toolbar" aria-label={t.call_controls}>
                { toggles }
                { chat_button }
                { for extras.into_iter().map(|(label, glyph, pressed, onclick)| button(label, icon(glyph, false), pressed, onclick, "")) }
                { end }
            </div>
        };
    }
    let toggle_more = {
        let more_open = more_open.clone();
        Callback::from(move |_: MouseEvent| more_open.set(!*more_open))
    };
    let onkeydown = {
        let (more_open, more_ref) = (more_open.clone(), more_ref.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *more_open {
                e.stop_propagation();
                more_open.set(false);
                if let Some(b) = more_ref.cast::<HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    html! {
        <div {class} role="toolbar" aria-label={t.call_controls} {onkeydown}>
            { toggles }
            { chat_button }
            <button class="round" ref={more_ref} aria-label={t.more} title={t.more} aria-expanded={more_open.to_string()}
                    aria-controls="more-menu" onclick={toggle_more}>
                { icon(Icon::More, false) }
            </button>
            { end }
            if *more_open {
                <div class="menu" id="more-menu">
                    { for extras.into_iter().map(|(label, glyph, pressed, onclick)| {
                        let more_open = more_open.clone();
                        let onclick = Callback::from(move |e: MouseEvent| {
                            more_open.set(false);
                            onclick.emit(e);
                        });
                        html! {
                            <button aria-pressed={pressed.map(|p| p.to_string())} {onclick}>
                                { icon(glyph, false) }<span>{ label }</span>
                            </button>
                        }
                    }) }
                </div>
            }
        </div>
    }
}
