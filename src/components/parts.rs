//! The parts of the app that release builds fetch apart from the first load:
//! each is a wasm chunk of its own (xtask/src/split.rs cuts them out at each
//! `#[wasm_split(…)]` below), holding a root view and everything only it
//! uses. The app fetches them as soon as it is up, and the service worker
//! keeps them, so a screen rarely waits, and a tab open across a deploy
//! already holds its own build's parts. Debug builds (`trunk serve`) are one
//! module.
//!
//! Fetching can still fail (offline, or the server gone in between). The
//! state lives in the store and the agent, not in these views, so nothing is
//! lost: the place the part would fill says so and offers to try again.

use std::{
    cell::Cell,
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll, Waker},
};

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::hooks::use_texts;

/// How long a part may take to arrive before its place says it did not
/// (a download that goes on arriving goes on, and the part shows if it
/// comes; the loader drops one that has sent nothing for as long:
/// `FETCH_IDLE_MS` in xtask/src/split.rs).
pub(crate) const GIVE_UP_MS: u32 = 15_000;

/// A part's root view once its chunk is in; Err if it could not be fetched
/// (a later call fetches again).
pub type PartView = Pin<Box<dyn Future<Output = Result<Html, ()>>>>;
/// Its chunk fetched (Err as for [`PartView`]).
pub type PartFetch = Pin<Box<dyn Future<Output = Result<(), ()>>>>;

/// A part of the app fetched apart: the lobby and the call screen here,
/// the agent with the ringing dialog in app.rs (`SIGNED_IN`).
#[derive(Clone, Copy)]
pub struct Part {
    name: &'static str,
    view: fn() -> PartView,
    fetch: fn() -> PartFetch,
}

impl PartialEq for Part {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Part {
    pub const LOBBY: Part = Part::new(
        "lobby",
        || Box::pin(async { split::lobby_view().await.map_err(drop) }),
        || Box::pin(async { split::preload_lobby().await.map_err(drop) }),
    );
    pub const CALL: Part = Part::new(
        "call",
        || Box::pin(async { split::call_view().await.map_err(drop) }),
        || Box::pin(async { split::preload_call().await.map_err(drop) }),
    );

    pub const fn new(name: &'static str, view: fn() -> PartView, fetch: fn() -> PartFetch) -> Part {
        Part { name, view, fetch }
    }

    /// Fetches the part's chunk, so its screen finds it there.
    pub async fn fetch(self) -> Result<(), ()> {
        (self.fetch)().await
    }

    /// Starts fetching the part's chunk (a failure is said by `Deferred`,
    /// which fetches again).
    pub fn preload(self) {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = self.fetch().await;
        });
    }

    fn view(self) -> PartView {
        (self.view)()
    }

    /// The view at once if its chunk is in (a fetched part's future is done
    /// on its first poll), so a screen shown again does not flash "Loading…".
    fn view_now(self) -> Option<Html> {
        match self.view().as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(view)) => Some(view),
            _ => None,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct DeferredProps {
    pub part: Part,
    /// Said when the part cannot be fetched, above "Try again".
    pub failed: &'static str,
    /// Shown beside "Loading…" and "Try again" (the call screen's Hang up).
    #[prop_or_default]
    pub children: Html,
    /// A part that is no screen (the agent, with the ringing dialog):
    /// nothing shown while it loads, and its failure said in a banner over
    /// whatever screen is up (the call screen covers the page).
    #[prop_or_default]
    pub quiet: bool,
}

enum Shown {
    Loading,
    Ready(Html),
    Failed,
    /// Failed, and asked again: the same message and button (which keeps
    /// the focus), the button saying it is loading.
    Retrying,
}

/// A part's root view once its chunk is there. One `Deferred` shows one
/// part for its life (key it to show another).
#[function_component]
pub fn Deferred(props: &DeferredProps) -> Html {
    let t = use_texts();
    let shown = use_state(|| props.part.view_now().map_or(Shown::Loading, Shown::Ready));
    let attempt = use_state(|| 0u32);
    {
        let shown = shown.clone();
        let ready = matches!(*shown, Shown::Ready(_));
        use_effect_with((props.part, *attempt), move |&(part, _)| {
            // Already shown (its chunk was in): nothing to fetch.
            let give_up = (!ready).then(|| {
                let settled = Rc::new(Cell::new(false));
                let give_up = {
                    let (shown, settled) = (shown.clone(), settled.clone());
                    Timeout::new(GIVE_UP_MS, move || {
                        if !settled.get() {
                            shown.set(Shown::Failed);
                        }
                    })
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let view = part.view().await;
                    settled.set(true);
                    shown.set(match view {
                        Ok(view) => Shown::Ready(view),
                        Err(()) => Shown::Failed,
                    });
                });
                give_up
            });
            move || drop(give_up)
        });
    }
    let retrying = matches!(*shown, Shown::Retrying);
    let retry = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| {
            if !retrying {
                shown.set(Shown::Retrying);
                attempt.set(*attempt + 1);
            }
        })
    };
    match &*shown {
        Shown::Ready(view) => view.clone(),
        Shown::Loading if props.quiet => html! {},
        Shown::Loading => html! {
            <div class="deferred">
                <p role="status">{ t.loading }</p>
                { props.children.clone() }
            </div>
        },
        Shown::Failed | Shown::Retrying => html! {
            <div class={classes!("deferred", props.quiet.then_some("banner"))}>
                <p role="alert">{ props.failed }</p>
                <button onclick={retry} aria-disabled={retrying.then_some("true")}>
                    { if retrying { t.loading } else { t.try_again } }
                </button>
                { props.children.clone() }
            </div>
        },
    }
}

#[cfg(not(debug_assertions))]
mod split {
    use wasm_split_helpers::{wasm_split, SplitLoaderError};
    use yew::prelude::*;

    use crate::components::{CallView, Lobby};

    #[wasm_split(lobby, fallible, preload(preload_lobby))]
    pub fn lobby_view() -> Result<Html, SplitLoaderError> {
        Ok(html! { <Lobby /> })
    }

    #[wasm_split(call, fallible, preload(preload_call))]
    pub fn call_view() -> Result<Html, SplitLoaderError> {
        Ok(html! { <CallView /> })
    }
}

#[cfg(debug_assertions)]
mod split {
    use yew::prelude::*;

    use crate::components::{CallView, Lobby};

    pub async fn lobby_view() -> Result<Html, ()> {
        Ok(html! { <Lobby /> })
    }

    pub async fn call_view() -> Result<Html, ()> {
        Ok(html! { <CallView /> })
    }

    pub async fn preload_lobby() -> Result<(), ()> {
        Ok(())
    }

    pub async fn preload_call() -> Result<(), ()> {
        Ok(())
    }
}
