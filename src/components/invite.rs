//! "Copy my call link": the `/call/<you>` address others open to ring you.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::{
    components::icons::{icon, Icon},
    hooks::{use_select, use_texts},
};

#[derive(Clone, PartialEq)]
enum Copy {
    Not,
    Done,
    /// The browser would not write to the clipboard: the link is shown to copy by hand.
    Failed(String),
}

/// The link that calls `me` on this server.
fn call_link(me: &str) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}/call/{}", String::from(js_sys::encode_uri_component(me)))
}

/// `navigator.clipboard.writeText(text)`, where the browser allows it.
async fn write_clipboard(text: &str) -> bool {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return false };
    let clipboard = js_sys::Reflect::get(&nav, &"clipboard".into()).unwrap_or_default();
    let write =
        js_sys::Reflect::get(&clipboard, &"writeText".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(write) = write else { return false };
    match write.call1(&clipboard, &text.into()).map(|p| p.dyn_into::<js_sys::Promise>()) {
        Ok(Ok(p)) => JsFuture::from(p).await.is_ok(),
        _ => false,
    }
}

#[function_component(Invite)]
pub fn invite() -> Html {
    let me = use_select(|s| s.me.clone().unwrap_or_default());
    let t = use_texts();
    let copied = use_state_eq(|| Copy::Not);
    let onclick = {
        let copied = copied.clone();
        Callback::from(move |_| {
            let (link, copied) = (call_link(&me), copied.clone());
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(if write_clipboard(&link).await { Copy::Done } else { Copy::Failed(link) });
            });
        })
    };
    html! {
        <div class="invite">
            <button class="primary" {onclick}>{ icon(Icon::Link, false) }<span>{ t.invite }</span></button>
            <p class="invite-status" role="status">
                { match &*copied {
                    Copy::Not => html! {},
                    Copy::Done => html! { { t.link_copied } },
                    Copy::Failed(link) => html! {
                        <input type="text" readonly=true value={link.clone()} aria-label={t.invite} />
                    },
                } }
            </p>
        </div>
    }
}
