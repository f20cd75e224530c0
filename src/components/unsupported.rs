use yew::prelude::*;

use crate::{
    components::LangSwitch,
    hooks::{use_store, use_texts},
    store::Lack,
};

/// Instead of a login that cannot work: what this browser or page lacks,
/// why calls need it, and what to do.
#[function_component(Unsupported)]
pub fn unsupported() -> Html {
    let store = use_store();
    let t = use_texts();
    let class = "unsupported-browser";
    let item = |lack: &Lack| {
        let (what, why, fix) = match lack {
            Lack::SecureContext => (t.lack_secure_context, t.lack_secure_context_why, t.lack_secure_context_fix),
            Lack::MediaDevices => (t.lack_media_devices, t.lack_media_devices_why, t.lack_browser_fix),
            Lack::PeerConnection => (t.lack_peer_connection, t.lack_peer_connection_why, t.lack_browser_fix),
        };
        html! { <section><h2>{ what }</h2><p>{ why }</p><p>{ fix }</p></section> }
    };
    html! {
        <div {class} role="alert">
            <h1>{ t.lacks_title }</h1>
            { for store.lacking.iter().map(item) }
            <LangSwitch />
        </div>
    }
}
