use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_action, use_store},
    store::{Action, CallPhase},
};

#[styled_component(Controls)]
pub fn controls() -> Html {
    let store = use_store();
    let cancel = use_action(Action::Cancel);
    let hang_up = use_action(Action::HangUp);
    let mic = use_action(Action::ToggleMic);
    let camera = use_action(Action::ToggleCamera);
    let class = css!(
        r#"
        display: flex; flex-wrap: wrap; gap: 0.5rem; justify-content: center;
        button { min-width: 9rem; min-height: 2.75rem; }
        "#
    );
    let (mic_on, cam_on) = (store.media.mic_on, store.media.camera_on);
    let toggles = html! {
        <>
            <button onclick={mic} aria-pressed={(!mic_on).to_string()}>
                { if mic_on { "Mute microphone" } else { "Unmute microphone" } }
            </button>
            <button onclick={camera} aria-pressed={(!cam_on).to_string()}>
                { if cam_on { "Turn camera off" } else { "Turn camera on" } }
            </button>
        </>
    };
    html! {
        <div {class} role="toolbar" aria-label="Call controls">
            { match store.call {
                CallPhase::Outgoing { .. } => html! { <>{ toggles }<button class="danger" onclick={cancel}>{ "Cancel" }</button></> },
                CallPhase::InCall { .. } => html! { <>{ toggles }<button class="danger" onclick={hang_up}>{ "Hang up" }</button></> },
                _ => html! {},
            } }
        </div>
    }
}
