use duet_protocol::limits::MAX_USERNAME_CHARS;
use yew::prelude::*;

use crate::{
    components::{LangSwitch, ThemeSwitch},
    hooks::{use_store, use_texts},
    store::{Action, ConnectionState, Credential},
};

#[function_component(Login)]
pub fn login() -> Html {
    let store = use_store();
    let name_ref = use_node_ref();
    let key_ref = use_node_ref();
    let t = use_texts();
    let busy = matches!(store.connection, ConnectionState::LoggingIn { .. });
    // A private server said it wants a key: ask for it here, once.
    let ask_key = store.access_refused.is_some_and(|r| r.wants_key());
    // A token from the embedding site names us: no name to pick.
    let by_token = matches!(store.credential, Some(Credential::Token(_)));
    let onsubmit = {
        let (store, name_ref, key_ref) = (store.clone(), name_ref.clone(), key_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| r.cast::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if ask_key {
                store.dispatch(Action::EnterKey(value(&key_ref)));
            }
            store.dispatch(Action::Login(value(&name_ref)));
        })
    };
    let class = "login-form";
    html! {
        <form {class} {onsubmit} aria-label={t.log_in}>
            <h1>{ "Duet" }</h1>
            if by_token {
                <p>{ t.signed_in_by_site }</p>
            } else {
                <p>{ t.tagline }</p>
                <label for="username">{ t.username }</label>
                <input id="username" ref={name_ref} type="text" name="username" autocomplete="nickname"
                    required=true maxlength={MAX_USERNAME_CHARS.to_string()} autofocus={!ask_key} disabled={busy} />
            }
            if ask_key {
                <label for="access-key">{ t.access_key }</label>
                <input id="access-key" ref={key_ref} type="password" name="access-key" autocomplete="off"
                    required=true autofocus=true disabled={busy} aria-describedby="access-key-help" />
                <p id="access-key-help" class="hint">{ t.access_key_help }</p>
            }
            <button type="submit" class="primary" disabled={busy}>
                { if busy { t.logging_in } else if by_token { t.continue_ } else { t.log_in } }
            </button>
            <div class="prefs"><LangSwitch /><ThemeSwitch /></div>
        </form>
    }
}
