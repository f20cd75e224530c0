use stylist::yew::styled_component;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    hooks::{use_store, use_texts},
    store::Action,
};

/// The "Relay only" setting: calls go through the TURN relay, so the other
/// person never learns your IP address (at some cost in quality).
#[styled_component(Privacy)]
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
    let class = css!(
        r#"
        display: grid; gap: 0.25rem; margin-top: 1rem;
        label { display: flex; gap: 0.5rem; align-items: center; font-weight: 600; }
        p { margin: 0; font-size: 0.9rem; color: var(--muted); }
        "#
    );
    html! {
        <div {class}>
            <label>
                <input type="checkbox" checked={store.relay_only} {onchange} aria-describedby="relay-help" />
                { t.relay_only }
            </label>
            <p id="relay-help">{ t.relay_help }</p>
        </div>
    }
}
