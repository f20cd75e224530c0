//! The phone ringing: who is calling, Accept or Decline. The dialog keeps the
//! keyboard inside it and gives the focus back when it closes; the tab's
//! title says who is calling, for a person looking at another tab.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::{
    components::icons::{avatar, icon, Icon},
    hooks::{use_action, use_dispatch, use_select, use_system_notification, use_texts, SystemNote},
    store::{Action, CallPhase},
};

/// A green phone as the tab's icon while it rings, so a person on another tab
/// sees the call; the returned element is removed when the ringing stops.
fn ringing_icon(doc: &web_sys::Document) -> Option<web_sys::Element> {
    const PHONE: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E\
        %3Ccircle cx='12' cy='12' r='12' fill='%231a7f37'/%3E%3Cpath d='M8 6h2l1 3-1.5 1a6 6 0 0 0 3 3L14 11.5l3 1v2a1.5 1.5 0 0 1-1.5 1.5A9.5 9.5 0 0 1 6.5 7.5 1.5 1.5 0 0 1 8 6' \
        fill='white'/%3E%3C/svg%3E";
    let link = doc.create_element("link").ok()?;
    link.set_attribute("rel", "icon").ok()?;
    link.set_attribute("href", PHONE).ok()?;
    doc.head()?.append_child(&link).ok()?;
    Some(link)
}

/// Asks whether to take a call (MDN's sample answers by itself).
#[function_component(IncomingCall)]
pub fn incoming_call() -> Html {
    let (caller, notify) = use_select(|s| {
        let caller = match &s.call {
            CallPhase::Incoming { peer, .. } => Some(peer.clone()),
            _ => None,
        };
        (caller, s.notify_calls)
    });
    let dispatch = use_dispatch();
    let accept = use_action(|| Action::Accept);
    let decline = use_action(|| Action::Decline);
    let accept_ref = use_node_ref();
    let decline_ref = use_node_ref();
    let t = use_texts();
    {
        // Keyboard users land on Accept as soon as it rings, and go back to
        // where they were when it stops; the tab says who is calling.
        let accept_ref = accept_ref.clone();
        let title = caller.as_ref().map(|c| format!("{} — Duet", (t.is_calling)(c)));
        use_effect_with(caller.clone(), move |c| {
            // Nothing to take or give back while it does not ring (the
            // dialog mounts when the agent comes, wherever the focus is).
            let doc = c.is_some().then(|| web_sys::window().and_then(|w| w.document())).flatten();
            let before = doc.as_ref().and_then(|d| d.active_element()).and_then(|e| e.dyn_into::<HtmlElement>().ok());
            let old_title = doc.as_ref().map(|d| d.title());
            if c.is_some() {
                if let Some(b) = accept_ref.cast::<HtmlElement>() {
                    let _ = b.focus();
                }
                if let (Some(d), Some(title)) = (&doc, &title) {
                    d.set_title(title);
                }
            }
            let icon = c.as_ref().and(doc.as_ref()).and_then(ringing_icon);
            move || {
                if let Some(icon) = icon {
                    icon.remove();
                }
                if let (Some(d), Some(old)) = (&doc, old_title) {
                    d.set_title(&old);
                }
                if let Some(b) = before {
                    let _ = b.focus();
                }
            }
        });
    }
    // In the background, the system says it too, with the same two buttons
    // where it can.
    let note = caller.as_ref().map(|c| SystemNote {
        kind: "ring",
        title: (t.is_calling)(c),
        body: "Duet".to_owned(),
        actions: vec![("accept", t.accept), ("decline", t.decline)],
    });
    let chosen = {
        let dispatch = dispatch.clone();
        Callback::from(move |id: &'static str| {
            dispatch.dispatch(if id == "accept" { Action::Accept } else { Action::Decline })
        })
    };
    use_system_notification(note, notify, chosen);
    let Some(caller) = caller else { return html! {} };
    let onkeydown = {
        let (accept_ref, decline_ref) = (accept_ref.clone(), decline_ref.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => dispatch.dispatch(Action::Decline),
            // Two buttons: Tab and Shift+Tab go from one to the other, never out.
            "Tab" => {
                e.prevent_default();
                let on_accept = accept_ref.cast::<web_sys::Element>().is_some_and(|a| {
                    web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.active_element())
                        .is_some_and(|f| f == a)
                });
                let next = if on_accept { &decline_ref } else { &accept_ref };
                if let Some(b) = next.cast::<HtmlElement>() {
                    let _ = b.focus();
                }
            }
            _ => {}
        })
    };
    let class = "incoming-call";
    html! {
        <div {class} {onkeydown}>
            <div class="card" role="alertdialog" aria-modal="true" aria-labelledby="incoming-title">
                { avatar(&caller, "") }
                <h2 id="incoming-title">{ (t.is_calling)(&caller) }</h2>
                <div class="actions">
                    <button ref={accept_ref} class="success" onclick={accept}>{ icon(Icon::Phone, false) }{ t.accept }</button>
                    <button ref={decline_ref} class="danger" onclick={decline}>{ icon(Icon::HangUp, false) }{ t.decline }</button>
                </div>
            </div>
        </div>
    }
}
