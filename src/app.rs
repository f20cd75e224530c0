//! The shell: store, router, agent, and which view the state calls for.

use stylist::yew::styled_component;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::{
    agent::{start_early, use_interactive_mark, use_kept_session},
    components::{
        icons::{avatar, icon, Icon},
        parts::{Deferred, Part},
        CallScreen, LangSwitch, Login, Status, ThemeSwitch, Unsupported,
    },
    hooks::{use_action, use_dispatch, use_select, use_texts, Dispatch, StoreProvider},
    store::{Action, CallState},
};

#[derive(Debug, Clone, PartialEq, Routable)]
pub enum Route {
    #[at("/")]
    Login,
    #[at("/lobby")]
    Lobby,
    /// A shareable click-to-call link: log in, and the call starts.
    #[at("/call/:user")]
    Call { user: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <StoreProvider init={Callback::from(|d: Dispatch| start_early(&d))}>
            <BrowserRouter>
                <Shell />
            </BrowserRouter>
        </StoreProvider>
    }
}

/// Where the address bar should be for `s`: the store decides, the route
/// follows (the route is read only once, at start, for a `/call/<name>` link).
fn route_for(s: &CallState) -> Route {
    match (s.has_session(), s.call.shows_call_view().then(|| s.peer()).flatten()) {
        (true, Some(peer)) => Route::Call { user: peer.to_owned() },
        (true, None) => Route::Lobby,
        (false, _) => match &s.dial {
            Some(user) => Route::Call { user: user.clone() },
            None => Route::Login,
        },
    }
}

/// What the shell shows of the state.
#[derive(Clone, PartialEq)]
struct Shown {
    route: Route,
    lacking: bool,
    logged_in: bool,
    call_view: bool,
    me: Option<String>,
}

impl Shown {
    fn of(s: &CallState) -> Self {
        Shown {
            route: route_for(s),
            lacking: !s.lacking.is_empty(),
            logged_in: s.has_session(),
            call_view: s.call.shows_call_view(),
            me: s.me.clone(),
        }
    }
}

#[styled_component(Shell)]
fn shell() -> Html {
    let shown = use_select(Shown::of);
    let dispatch = use_dispatch();
    let opened_on = use_route::<Route>();
    use_kept_session();
    let navigator = use_navigator();
    let t = use_texts();
    {
        // Opened on a click-to-call link: the store rings them after login.
        use_effect_with((), move |_| {
            if let Some(Route::Call { user }) = opened_on {
                dispatch.dispatch(Action::OpenedCallLink(user));
            }
        });
    }
    {
        // The address bar follows the state (never the other way round).
        use_effect_with(shown.route.clone(), move |route| {
            if let Some(nav) = navigator {
                nav.replace(route);
            }
        });
    }

    let class = css!(
        r#"
        max-width: 72rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem;
        @media (max-width: 40rem) { padding: 0.75rem; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; }
        header h1 { margin: 0; font-size: 1.5rem; flex: 1; }
        .me { display: inline-flex; align-items: center; gap: 0.5rem; }
        .lang-switch { display: inline-flex; gap: 0.4rem; align-items: center; }
        .lang-switch select { font: inherit; padding: 0.3rem 0.5rem; min-height: 2.75rem; }
        .sign-out { display: inline-flex; gap: 0.4rem; align-items: center; }
        /* A phone keeps the header compact; the selects keep their labels for screen readers. */
        @media (max-width: 40rem) {
            .lang-switch label, .sign-out span { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
        }
        .lobby { display: grid; gap: 1.5rem; grid-template-columns: minmax(16rem, 1.2fr) 1fr; align-items: start; }
        .lobby > div { display: grid; gap: 1rem; align-content: start; }
        .invite { display: grid; gap: 0.25rem; justify-items: start; }
        .invite button { display: inline-flex; gap: 0.5rem; align-items: center; }
        .invite p { margin: 0; min-height: 1.5rem; color: var(--muted); }
        .invite input { width: 100%; min-width: 16rem; padding: 0.4rem; }
        /* The summary names the chat; its own heading stays for screen readers. */
        details.lobby-chat h2 { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
        details.lobby-chat > summary { cursor: pointer; font-weight: 600; min-height: 2.75rem; display: flex; align-items: center; }
        @media (max-width: 40rem) { .lobby { grid-template-columns: 1fr; } }
        "#
    );
    let logged_in = shown.logged_in;
    // Release builds fetch these parts apart (components/parts.rs), as
    // soon as the app is up: the agent first (nothing works without it, and
    // on a slow link the others would share its bandwidth).
    use_effect_with((), |_| {
        wasm_bindgen_futures::spawn_local(async {
            let _ = SIGNED_IN.fetch().await;
            Part::LOBBY.preload();
            Part::CALL.preload();
        })
    });
    use_interactive_mark();
    let sign_out = use_action(|| Action::SignOut);
    let body = if shown.lacking {
        html! { <Unsupported /> }
    } else if !logged_in {
        html! { <Login /> }
    } else if shown.call_view {
        html! { <CallScreen /> }
    } else {
        html! { <Deferred part={Part::LOBBY} failed={t.lobby_failed} /> }
    };
    let me = shown.me.clone().unwrap_or_default();
    html! {
        <div {class}>
            if logged_in && !shown.call_view {
                <header>
                    <h1>{ "Duet" }</h1>
                    <span class="me">{ avatar(&me, "") }<span>{ (t.signed_in_as)(&me) }</span></span>
                    <LangSwitch />
                    <ThemeSwitch />
                    <button class="sign-out" onclick={sign_out} aria-label={t.sign_out} title={t.sign_out}>
                        { icon(Icon::SignOut, false) }<span>{ t.sign_out }</span>
                    </button>
                </header>
            }
            <Status />
            // The agent's code (signaling, the call's set-up) comes after
            // the first screen, with the ringing dialog; what is asked of it
            // meanwhile waits in the store. Nothing shows until it rings,
            // unless its code cannot be fetched.
            <Deferred part={SIGNED_IN} failed={t.app_failed} quiet=true />
            <main>{ body }</main>
        </div>
    }
}

/// The agent, and the ringing dialog (a call can ring only once the agent
/// is in): release builds fetch them apart, first, once the first screen
/// is up (components/parts.rs).
const SIGNED_IN: Part = Part::new(
    "agent",
    || Box::pin(async { split::agent_view().await.map_err(drop) }),
    || Box::pin(async { split::preload_agent().await.map_err(drop) }),
);

#[cfg(not(debug_assertions))]
mod split {
    use wasm_split_helpers::{wasm_split, SplitLoaderError};
    use yew::prelude::*;

    use crate::{agent::CallAgent, components::IncomingCall};

    #[wasm_split(agent, fallible, preload(preload_agent))]
    pub fn agent_view() -> Result<Html, SplitLoaderError> {
        Ok(html! { <><CallAgent /><IncomingCall /></> })
    }
}

#[cfg(debug_assertions)]
mod split {
    use yew::prelude::*;

    use crate::{agent::CallAgent, components::IncomingCall};

    pub async fn agent_view() -> Result<Html, ()> {
        Ok(html! { <><CallAgent /><IncomingCall /></> })
    }

    pub async fn preload_agent() -> Result<(), ()> {
        Ok(())
    }
}
