use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_action, use_select, use_texts},
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
        }
    }
}

/// The call's toolbar. Every button is a store command; the keyboard
/// shortcuts (see the "?" overlay) send the same ones.
#[styled_component(Controls)]
pub fn controls() -> Html {
    let shown = use_select(Shown::of);
    let t = use_texts();
    let cancel = use_action(Action::Cancel);
    let hang_up = use_action(Action::HangUp);
    let mic = use_action(Action::ToggleMic);
    let camera = use_action(Action::ToggleCamera);
    let share = use_action(Action::ToggleShare);
    let chat = use_action(Action::TogglePeerChat);
    let stats = use_action(Action::ToggleStats);
    let pip = use_action(Action::TogglePictureInPicture);
    let fullscreen = use_action(Action::ToggleFullscreen);
    let help = use_action(Action::ToggleHelp);
    let class = css!(
        r#"
        display: flex; flex-wrap: wrap; gap: 0.5rem; justify-content: center;
        button { min-height: 2.75rem; min-width: 2.75rem; }
        .badge { display: inline-block; min-width: 1.3rem; margin-inline-start: 0.35rem; padding: 0 0.3rem;
                 border-radius: 0.65rem; background: var(--danger); color: #fff; font-size: 0.8rem; }
        /* On a phone the toolbar sits at the bottom, in reach of a thumb. */
        @media (max-width: 40rem) {
            position: sticky; bottom: 0; padding: 0.5rem 0; background: var(--bg);
            button { flex: 1 1 calc(33% - 0.5rem); padding: 0.5rem 0.25rem; font-size: 0.9rem; }
        }
        "#
    );
    let toggles = html! {
        <>
            <button onclick={mic} aria-pressed={(!shown.mic_on).to_string()}>
                { if shown.mic_on { t.mute } else { t.unmute } }
            </button>
            <button onclick={camera} aria-pressed={(!shown.camera_on).to_string()}>
                { if shown.camera_on { t.camera_off } else { t.camera_on } }
            </button>
        </>
    };
    let unread = shown.unread;
    let chat_name = match unread {
        0 => t.chat.to_owned(),
        n => (t.chat_unread)(n),
    };
    let in_call = html! {
        <>
            <button onclick={share} aria-pressed={shown.sharing.to_string()}>
                { if shown.sharing { t.stop_sharing } else { t.share_screen } }
            </button>
            <button onclick={chat} aria-pressed={shown.chat_open.to_string()} aria-label={chat_name}>
                { t.chat }
                if unread > 0 { <span class="badge" aria-hidden="true">{ unread }</span> }
            </button>
            <button onclick={stats} aria-pressed={shown.show_stats.to_string()}>{ t.statistics }</button>
            <button onclick={pip}>{ t.picture_in_picture }</button>
            <button onclick={fullscreen}>{ t.full_screen }</button>
            <button onclick={help} aria-label={t.keyboard_shortcuts}>{ "?" }</button>
        </>
    };
    html! {
        <div {class} role="toolbar" aria-label={t.call_controls}>
            if shown.ringing { { toggles }<button class="danger" onclick={cancel}>{ t.cancel }</button> }
            else if shown.in_call { { toggles }{ in_call }<button class="danger" onclick={hang_up}>{ t.hang_up }</button> }
        </div>
    }
}
