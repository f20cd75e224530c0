//! A `<video>` showing a stream: the element is this component's, and it
//! changes what it shows only when the stream (or speaker) does.

use wasm_bindgen::JsCast;
use web_sys::{HtmlVideoElement, MediaStream};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct VideoProps {
    pub stream: Option<MediaStream>,
    pub label: AttrValue,
    #[prop_or_default]
    pub class: Classes,
    /// Our own media: never played back (no echo).
    #[prop_or_default]
    pub muted: bool,
    /// The speaker to play through; `None` is the system's default.
    #[prop_or_default]
    pub sink: Option<String>,
    /// The element's ref, for a parent that needs the element itself
    /// (picture-in-picture).
    #[prop_or_default]
    pub node_ref: Option<NodeRef>,
    /// A stable hook for tests and MDN's naming (`received_video`, `local_video`).
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

#[function_component(Video)]
pub fn video(props: &VideoProps) -> Html {
    let own = use_node_ref();
    let node = props.node_ref.clone().unwrap_or(own);
    {
        let node = node.clone();
        use_effect_with(props.stream.clone(), move |stream| {
            if let Some(v) = node.cast::<HtmlVideoElement>() {
                v.set_src_object(stream.as_ref());
            }
        });
    }
    {
        let node = node.clone();
        // The default output needs no call (and headless Chromium refuses one);
        // going back to it after a choice does.
        let chosen = use_mut_ref(|| false);
        use_effect_with(props.sink.clone(), move |sink| {
            let Some(v) = node.cast::<HtmlVideoElement>() else { return };
            match sink.as_deref().filter(|s| !s.is_empty()) {
                Some(id) => {
                    route_sound(&v, id);
                    *chosen.borrow_mut() = true;
                }
                None if *chosen.borrow() => route_sound(&v, ""),
                None => {}
            }
        });
    }
    html! {
        <video ref={node} id={props.id.clone()} class={props.class.clone()} autoplay=true playsinline=true
               muted={props.muted} aria-label={props.label.clone()}></video>
    }
}

/// `setSinkId`, where the browser has it (elsewhere there is no speaker
/// picker either); a refusal (the device is gone) leaves the sound where it was.
fn route_sound(video: &HtmlVideoElement, sink: &str) {
    let set = js_sys::Reflect::get(video, &"setSinkId".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(set) = set else { return };
    match set.call1(video, &sink.into()).map(|p| p.dyn_into::<js_sys::Promise>()) {
        Ok(Ok(p)) => wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = wasm_bindgen_futures::JsFuture::from(p).await {
                gloo::console::warn!("setSinkId:", e);
            }
        }),
        Ok(Err(_)) => {}
        Err(e) => gloo::console::warn!("setSinkId:", e),
    }
}
