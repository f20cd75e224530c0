//! Helpers for the browser tests: mounting the app and waiting for the DOM.
#![allow(dead_code)]

use std::time::Duration;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

pub fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh element in <body> for the app to render into.
pub fn mount_point() -> Element {
    let doc = document();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    root
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Polls `f` until it returns Some, failing with `what` after `limit`.
pub async fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let mut waited = 0;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if waited > limit.as_millis() as u32 {
            panic!("timed out waiting for {what}");
        }
        sleep(50).await;
        waited += 50;
    }
}

/// The button whose accessible name (aria-label, else text) is `name`.
pub fn button(root: &Element, name: &str) -> Option<HtmlElement> {
    let list = root.query_selector_all("button").ok()?;
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|b| b.get_attribute("aria-label").unwrap_or_else(|| b.text_content().unwrap_or_default()).trim() == name)
}

/// The control labelled `label` by a <label for=…>.
pub fn labelled(root: &Element, label: &str) -> Option<HtmlElement> {
    let labels = root.query_selector_all("label").ok()?;
    let l = (0..labels.length())
        .filter_map(|i| labels.item(i)?.dyn_into::<web_sys::HtmlLabelElement>().ok())
        .find(|l| l.text_content().unwrap_or_default().trim() == label)?;
    root.query_selector(&format!("#{}", l.html_for())).ok()??.dyn_into().ok()
}

/// Frames the `<video>` has shown: Chromium counts them in
/// getVideoPlaybackQuality(); Firefox leaves that at 0 for a live stream and
/// counts painted frames instead.
pub fn frames_shown(v: &web_sys::HtmlVideoElement) -> u32 {
    let quality = v.get_video_playback_quality().total_video_frames();
    let painted = js_sys::Reflect::get(v, &"mozPaintedFrames".into()).ok().and_then(|n| n.as_f64()).unwrap_or(0.0);
    quality.max(painted as u32)
}
