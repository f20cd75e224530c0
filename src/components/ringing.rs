//! Where the incoming-call dialog goes. Its code is in the call's chunk
//! (parts.rs), fetched when the app comes up; if it is not in yet when a
//! call rings, this says who is calling, that it is loading, and offers
//! Decline (the call's own code needs the same chunk, so a call that cannot
//! fetch it ends by itself).

use yew::prelude::*;

use crate::{
    components::parts::{Deferred, Part},
    hooks::{use_action, use_select, use_texts},
    store::{Action, CallPhase},
};

#[function_component]
pub fn Ringing() -> Html {
    let caller = use_select(|s| match &s.call {
        CallPhase::Incoming { peer, .. } => Some(peer.clone()),
        _ => None,
    });
    let decline = use_action(|| Action::Decline);
    let t = use_texts();
    let Some(caller) = caller else { return html! {} };
    html! {
        <div class="incoming-call">
            <Deferred part={Part::Ringing} failed={t.ringing_failed}>
                <h2>{ (t.is_calling)(&caller) }</h2>
                <button class="danger" onclick={decline}>{ t.decline }</button>
            </Deferred>
        </div>
    }
}
