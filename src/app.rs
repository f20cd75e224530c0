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
    hooks::{use_store, use_texts, StoreProvider},
    store::Action,
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

#[styled_component(Shell)]
fn shell() -> Html {
    let store = use_store();
    let route = use_route::<Route>().unwrap_or(Route::NotFound);
    let navigator = use_navigator();
    let logged_in = store.has_session();
    let t = use_texts();
    // The deep link already acted on, so returning to it does not redial.
    let dialed = use_mut_ref(|| None::<String>);

    {
        // Keep the address bar in step with the call, and act on /call/:user.
        let store = store.clone();
        let route = route.clone();
        let dialed = dialed.clone();
        let peer = store.peer().map(str::to_owned);
        let in_call_view = store.call.shows_call_view();
        let users_known = !store.users.is_empty();
        use_effect_with((logged_in, peer, in_call_view, route.clone(), users_known), move |_| {
            let Some(nav) = navigator else { return };
            if !logged_in {
                return;
            }
            match (&route, store.peer()) {
                (Route::Call { user }, None) if users_known && dialed.borrow().as_deref() != Some(user.as_str()) => {
                    *dialed.borrow_mut() = Some(user.clone());
                    store.dispatch(Action::Call(user.clone()));
                }
                (Route::Call { user }, None) if dialed.borrow().as_deref() == Some(user.as_str()) => {
                    nav.replace(&Route::Lobby)
                }
                (Route::Call { user }, Some(p)) if in_call_view && user != p => {
                    nav.replace(&Route::Call { user: p.to_owned() })
                }
                (Route::Login | Route::NotFound, None) => nav.replace(&Route::Lobby),
                (Route::Lobby | Route::Login | Route::NotFound, Some(p)) if in_call_view => {
                    *dialed.borrow_mut() = Some(p.to_owned());
                    nav.push(&Route::Call { user: p.to_owned() })
                }
                _ => {}
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
    let body = if !store.lacking.is_empty() {
        html! { <Unsupported /> }
    } else if !logged_in {
        html! { <Login /> }
    } else if store.call.shows_call_view() {
        html! { <CallView /> }
    } else {
        html! { <div class="lobby"><div><UserList /><Privacy /><DeviceCheck /></div><Chat /></div> }
    };
    html! {
        <div {class}>
            if logged_in {
                <header>
                    <h1>{ "Duet" }</h1>
                    <span>{ (t.signed_in_as)(store.me.as_deref().unwrap_or_default()) }</span>
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
