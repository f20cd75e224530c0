//! The parts of the app that release builds fetch apart from the first load:
//! each is a wasm chunk of its own (xtask/src/split.rs cuts them out at each
//! `#[wasm_split(…)]` below), holding a root view and everything only it
//! uses. The lobby's chunk is fetched as soon as the app is up, the call
//! screen's at sign-in, and the service worker keeps both, so a screen
//! rarely waits. Debug builds (`trunk serve`) are one module.
//!
//! Fetching can still fail (offline, or the server gone in between). The
//! state lives in the store and the agent, not in these views, so nothing is
//! lost: the place the part would fill says so and offers to try again.

use std::{ffi::c_void, future::Future, pin::Pin};

use yew::prelude::*;

use crate::{
    components::{CallView, Lobby},
    hooks::use_texts,
};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Part {
    Lobby,
    Call,
}

impl Part {
    /// Starts fetching the part's chunk, so its screen finds it there.
    pub fn preload(self) {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = self.fetch().await;
        });
    }

    /// Fetches and instantiates the chunk; after a success this costs
    /// nothing, after a failure it fetches again.
    async fn fetch(self) -> Result<(), ()> {
        // SAFETY: each loader calls `done` exactly once, with `data`.
        match self {
            Part::Lobby => chunk::fetch(|done, data| unsafe { chunk::__wasm_split_load_lobby(done, data) }).await,
            Part::Call => chunk::fetch(|done, data| unsafe { chunk::__wasm_split_load_call(done, data) }).await,
        }
    }

    /// The part's root view, from its chunk. Called only once `fetch`
    /// succeeded: the splitter's own loader would panic on a failed fetch.
    fn view(self) -> Pin<Box<dyn Future<Output = Html>>> {
        match self {
            Part::Lobby => Box::pin(lobby_view()),
            Part::Call => Box::pin(call_view()),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct DeferredProps {
    pub part: Part,
    /// Said when the part cannot be fetched, above "Try again" and `children`.
    pub failed: &'static str,
    #[prop_or_default]
    pub children: Html,
}

enum Shown {
    Loading,
    Ready(Html),
    Failed,
}

/// A part's root view once its chunk is there.
#[function_component]
pub fn Deferred(props: &DeferredProps) -> Html {
    let t = use_texts();
    let shown = use_state(|| Shown::Loading);
    let attempt = use_state(|| 0u32);
    {
        let shown = shown.clone();
        use_effect_with((props.part, *attempt), move |&(part, _)| {
            shown.set(Shown::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                shown.set(match part.fetch().await {
                    Ok(()) => Shown::Ready(part.view().await),
                    Err(()) => Shown::Failed,
                });
            });
        });
    }
    let retry = Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1));
    match &*shown {
        Shown::Ready(view) => view.clone(),
        Shown::Loading => html! { <p class="deferred" role="status">{ t.loading }</p> },
        Shown::Failed => html! {
            <div class="deferred" role="alert">
                <p>{ props.failed }</p>
                <button onclick={retry}>{ t.try_again }</button>
                { props.children.clone() }
            </div>
        },
    }
}

#[cfg(not(debug_assertions))]
#[wasm_split_helpers::wasm_split(lobby)]
fn lobby_view() -> Html {
    html! { <Lobby /> }
}

#[cfg(not(debug_assertions))]
#[wasm_split_helpers::wasm_split(call)]
fn call_view() -> Html {
    html! { <CallView /> }
}

#[cfg(debug_assertions)]
async fn lobby_view() -> Html {
    html! { <Lobby /> }
}

#[cfg(debug_assertions)]
async fn call_view() -> Html {
    html! { <CallView /> }
}

type Done = unsafe extern "C" fn(*const c_void, bool);

#[cfg(not(debug_assertions))]
mod chunk {
    use std::ffi::c_void;

    use wasm_bindgen::{JsValue, UnwrapThrowExt};

    use super::Done;

    // The splitter's loaders (`__wasm_split_load_<chunk>`): each calls
    // `done` once, with `data` and whether the chunk is in.
    #[link(wasm_import_module = "__wasm_split_placeholder__")]
    unsafe extern "C" {
        pub fn __wasm_split_load_lobby(done: Done, data: *const c_void);
        pub fn __wasm_split_load_call(done: Done, data: *const c_void);
    }

    unsafe extern "C" fn done(data: *const c_void, ok: bool) {
        // SAFETY: `data` is the box leaked in `fetch`, handed back once.
        let resolve = unsafe { Box::from_raw(data as *mut js_sys::Function) };
        let _ = resolve.call1(&JsValue::NULL, &JsValue::from_bool(ok));
    }

    pub async fn fetch(load: impl FnOnce(Done, *const c_void)) -> Result<(), ()> {
        let mut resolve = None;
        let outcome = js_sys::Promise::new(&mut |res, _| resolve = Some(res));
        let resolve = Box::new(resolve.expect_throw("a promise runs its executor at once"));
        load(done, Box::into_raw(resolve) as *const c_void);
        match wasm_bindgen_futures::JsFuture::from(outcome).await {
            Ok(ok) if ok.as_bool() == Some(true) => Ok(()),
            _ => Err(()),
        }
    }
}

#[cfg(debug_assertions)]
mod chunk {
    use std::ffi::c_void;

    use super::Done;

    pub unsafe fn __wasm_split_load_lobby(_: Done, _: *const c_void) {}
    pub unsafe fn __wasm_split_load_call(_: Done, _: *const c_void) {}

    pub async fn fetch(_: impl FnOnce(Done, *const c_void)) -> Result<(), ()> {
        Ok(())
    }
}
