//! The call screen, loaded on demand. Release builds cut the call view and
//! what only it uses (controls, panels, the tiles' videos) into a wasm chunk
//! of their own (xtask/src/split.rs), so the first load carries what signing
//! in and the lobby need; the shell starts fetching the chunk at sign-in
//! (`preload`), and the service worker keeps it, so a call rarely waits.
//! Debug builds (`trunk serve`) stay one module.
//!
//! Fetching can still fail (offline, or the server gone between sign-in and
//! the call). The call itself lives in the agent and goes on; this screen
//! then says so and offers to try again or hang up, never a blank page.

use yew::prelude::*;

use crate::{
    components::CallView,
    hooks::{use_action, use_texts},
    store::Action,
};

enum Chunk {
    Loading,
    Ready(Html),
    Failed,
}

#[function_component]
pub fn CallScreen() -> Html {
    let t = use_texts();
    let chunk = use_state(|| Chunk::Loading);
    let attempt = use_state(|| 0u32);
    {
        let chunk = chunk.clone();
        use_effect_with(*attempt, move |_| {
            chunk.set(Chunk::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                chunk.set(match load().await {
                    Ok(()) => Chunk::Ready(call_view().await),
                    Err(()) => Chunk::Failed,
                });
            });
        });
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1))
    };
    let hang_up = use_action(|| Action::HangUp);
    match &*chunk {
        Chunk::Ready(view) => view.clone(),
        Chunk::Loading => html! { <p class="call-screen" role="status">{ t.loading }</p> },
        Chunk::Failed => html! {
            <div class="call-screen" role="alert">
                <p>{ t.call_screen_failed }</p>
                <button onclick={retry}>{ t.try_again }</button>
                <button class="danger" onclick={hang_up}>{ t.hang_up }</button>
            </div>
        },
    }
}

/// Starts fetching the call screen's chunk, so a call finds it there.
pub fn preload() {
    wasm_bindgen_futures::spawn_local(async {
        let _ = load().await;
    });
}

#[cfg(not(debug_assertions))]
#[wasm_split_helpers::wasm_split(call)]
fn call_view() -> Html {
    html! { <CallView /> }
}

#[cfg(debug_assertions)]
async fn call_view() -> Html {
    html! { <CallView /> }
}

/// Fetches and instantiates the chunk; a second call after a success costs
/// nothing, one after a failure fetches again. (The chunk's loader, made by
/// the splitter, calls `done` once with the outcome; `call_view` would panic
/// on a failed load, so it is only called after this succeeded.)
#[cfg(not(debug_assertions))]
async fn load() -> Result<(), ()> {
    use std::ffi::c_void;

    use wasm_bindgen::{JsValue, UnwrapThrowExt};

    #[link(wasm_import_module = "__wasm_split_placeholder__")]
    unsafe extern "C" {
        fn __wasm_split_load_call(done: unsafe extern "C" fn(*const c_void, bool), data: *const c_void);
    }
    unsafe extern "C" fn done(data: *const c_void, ok: bool) {
        // SAFETY: `data` is the box leaked below, handed back exactly once.
        let resolve = unsafe { Box::from_raw(data as *mut js_sys::Function) };
        let _ = resolve.call1(&JsValue::NULL, &JsValue::from_bool(ok));
    }
    let mut resolve = None;
    let outcome = js_sys::Promise::new(&mut |res, _| resolve = Some(res));
    let resolve = Box::new(resolve.expect_throw("a promise runs its executor at once"));
    // SAFETY: the loader calls `done` exactly once, with this pointer.
    unsafe { __wasm_split_load_call(done, Box::into_raw(resolve) as *const c_void) };
    match wasm_bindgen_futures::JsFuture::from(outcome).await {
        Ok(ok) if ok.as_bool() == Some(true) => Ok(()),
        _ => Err(()),
    }
}

#[cfg(debug_assertions)]
async fn load() -> Result<(), ()> {
    Ok(())
}
