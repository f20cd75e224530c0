//! The shell: store, router, agent, and which view the state calls for.

use stylist::yew::styled_component;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::{
    agent::CallAgent,
    components::{
        CallView, Chat, DeviceCheck, IncomingCall, LangSwitch, Login, Privacy, ShortcutHelp, Status, Unsupported,
        UserList,
    },
    hooks::{use_dispatch, use_select, use_texts, StoreProvider},
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
        <StoreProvider>
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
        max-width: 64rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem;
        @media (max-width: 40rem) { padding: 0.5rem; }
        header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1rem; }
        header h1 { margin: 0; font-size: 1.4rem; flex: 1; }
        .lang-switch { display: inline-flex; gap: 0.4rem; align-items: center; }
        .lang-switch select { font: inherit; padding: 0.2rem; }
        /* A phone keeps the header to one line; the select keeps its label for screen readers. */
        @media (max-width: 40rem) {
            .lang-switch label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
        }
        .lobby { display: grid; gap: 1.5rem; grid-template-columns: minmax(14rem, 1fr) 2fr; align-items: start; }
        @media (max-width: 40rem) { .lobby { grid-template-columns: 1fr; } }
        "#
    );
    let logged_in = shown.logged_in;
    let body = if shown.lacking {
        html! { <Unsupported /> }
    } else if !logged_in {
        html! { <Login /> }
    } else if shown.call_view {
        html! { <CallView /> }
    } else {
        html! { <div class="lobby"><div><UserList /><Privacy /><DeviceCheck /></div><Chat /></div> }
    };
    html! {
        <div {class}>
            if logged_in {
                <header>
                    <h1>{ "Duet" }</h1>
                    <span>{ (t.signed_in_as)(shown.me.as_deref().unwrap_or_default()) }</span>
                    <LangSwitch />
                </header>
            }
            <Status />
            <main>{ body }</main>
            <IncomingCall />
            <ShortcutHelp />
            <CallAgent />
        </div>
    }
}
