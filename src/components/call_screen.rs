//! The call screen: the call view, fetched apart in release builds
//! (`parts.rs`) in the chunk that also holds the call's code
//! (agent/call_code.rs). Hang up is offered while it loads, and if it fails.

use yew::prelude::*;

use crate::{
    components::parts::{Deferred, Part},
    hooks::{use_action, use_texts},
    store::Action,
};

#[function_component]
pub fn CallScreen() -> Html {
    let t = use_texts();
    let hang_up = use_action(|| Action::HangUp);
    html! {
        <Deferred part={Part::CALL} failed={t.call_screen_failed}>
            <button class="danger" onclick={hang_up}>{ t.hang_up }</button>
        </Deferred>
    }
}
