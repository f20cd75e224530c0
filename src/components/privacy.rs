use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    hooks::{use_store, use_texts},
    store::Action,
};

/// The privacy settings: "Relay only" (calls go through the TURN relay, so
/// the other person never learns your IP address, at some cost in quality)
/// and "Connect while it rings" (faster calls; a caller learns candidates
/// before they are accepted), and call notifications (asking the browser's
/// permission only when turned on).
#[function_component(Privacy)]
pub fn privacy() -> Html {
    let store = use_store();
    let t = use_texts();
    let onchange = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            store.dispatch(Action::SetRelayOnly(on));
        })
    };
    let on_ring = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            store.dispatch(Action::SetConnectAfterAccept(!on));
        })
    };
    let on_notify = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            store.dispatch(Action::SetNotifyCalls(on));
        })
    };
    let class = "privacy-settings";
    html! {
        <div {class}>
            <label>
                <input type="checkbox" checked={store.relay_only} {onchange} aria-describedby="relay-help" />
                { t.relay_only }
            </label>
            <p id="relay-help">{ t.relay_help }</p>
            <label>
                <input type="checkbox" checked={!store.connect_after_accept} onchange={on_ring} aria-describedby="ring-help" />
                { t.connect_while_ringing }
            </label>
            <p id="ring-help">{ t.connect_while_ringing_help }</p>
            <label>
                <input type="checkbox" checked={store.notify_calls} onchange={on_notify} aria-describedby="notify-help" />
                { t.notify_calls }
            </label>
            <p id="notify-help">{ t.notify_calls_help }</p>
        </div>
    }
}
