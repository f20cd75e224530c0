use stylist::yew::styled_component;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::{
    hooks::{use_action, use_dispatch, use_select, use_texts},
    store::{Action, CallPhase},
};

/// Asks whether to take a call (MDN's sample answers by itself).
#[styled_component(IncomingCall)]
pub fn incoming_call() -> Html {
    let caller = use_select(|s| match &s.call {
        CallPhase::Incoming { peer, .. } => Some(peer.clone()),
        _ => None,
    });
    let dispatch = use_dispatch();
    let accept = use_action(Action::Accept);
    let decline = use_action(Action::Decline);
    let accept_ref = use_node_ref();
    let t = use_texts();
    {
        // Keyboard users land on Accept as soon as it rings.
        let accept_ref = accept_ref.clone();
        use_effect_with(caller.clone(), move |c| {
            if c.is_some() {
                if let Some(b) = accept_ref.cast::<HtmlElement>() {
                    let _ = b.focus();
                }
            }
        });
    }
    let Some(caller) = caller else { return html! {} };
    let onkeydown = {
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                dispatch.dispatch(Action::Decline);
            }
        })
    };
    let class = css!(
        r#"
        position: fixed; inset: 0; display: grid; place-items: center; background: rgba(0,0,0,0.45); z-index: 10;
        .card { background: var(--surface); padding: 1.5rem; border-radius: var(--radius); box-shadow: var(--shadow);
                display: grid; gap: 1rem; min-width: min(20rem, 90vw); text-align: center; }
        .card h2 { margin: 0; }
        .actions { display: flex; gap: 0.75rem; justify-content: center; }
        .actions button { min-width: 7rem; min-height: 2.75rem; }
        "#
    );
    html! {
        <div {class} {onkeydown}>
            <div class="card" role="alertdialog" aria-modal="true" aria-labelledby="incoming-title">
                <h2 id="incoming-title">{ (t.is_calling)(&caller) }</h2>
                <div class="actions">
                    <button ref={accept_ref} class="primary" onclick={accept}>{ t.accept }</button>
                    <button class="danger" onclick={decline}>{ t.decline }</button>
                </div>
            </div>
        </div>
    }
}
