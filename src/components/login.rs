use duet_protocol::limits::MAX_USERNAME_CHARS;
use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    components::LangSwitch,
    hooks::{use_store, use_text_submit, use_texts},
    store::{Action, ConnectionState},
};

#[styled_component(Login)]
pub fn login() -> Html {
    let store = use_store();
    let input = use_node_ref();
    let t = use_texts();
    let busy = matches!(store.connection, ConnectionState::LoggingIn { .. });
    let onsubmit = use_text_submit(input.clone(), Action::Login, false);
    let class = css!(
        r#"
        display: grid; gap: 0.75rem; max-width: 22rem; margin: 12vh auto 0; padding: 1.5rem;
        background: var(--surface); border-radius: var(--radius); box-shadow: var(--shadow);
        h1 { margin: 0; font-size: 1.75rem; }
        p { margin: 0; color: var(--muted); }
        label { font-weight: 600; }
        input { font: inherit; padding: 0.6rem 0.75rem; border: 1px solid var(--border); border-radius: 0.5rem; }
        "#
    );
    html! {
        <form {class} {onsubmit} aria-label={t.log_in}>
            <h1>{ "Duet" }</h1>
            <p>{ t.tagline }</p>
            <label for="username">{ t.username }</label>
            <input id="username" ref={input} type="text" name="username" autocomplete="nickname"
                required=true maxlength={MAX_USERNAME_CHARS.to_string()} autofocus=true disabled={busy} />
            <button type="submit" class="primary" disabled={busy}>
                { if busy { t.logging_in } else { t.log_in } }
            </button>
            <LangSwitch />
        </form>
    }
}
