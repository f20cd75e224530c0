use duet_protocol::limits::MAX_CHAT_CHARS;
use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_store, use_text_submit, use_texts},
    store::Action,
};

/// Lobby chat through the server, as in MDN's sample; text is rendered as
/// text, never as HTML.
#[styled_component(Chat)]
pub fn chat() -> Html {
    let store = use_store();
    let input = use_node_ref();
    let t = use_texts();
    let onsubmit = use_text_submit(input.clone(), Action::SendChat, true);
    let class = css!(
        r#"
        display: grid; gap: 0.5rem;
        ol { list-style: none; margin: 0; padding: 0.5rem; height: 14rem; overflow-y: auto;
             background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem; }
        li { padding: 0.15rem 0; overflow-wrap: anywhere; }
        b { margin-inline-end: 0.4rem; }
        form { display: flex; gap: 0.5rem; }
        input { flex: 1; font: inherit; padding: 0.5rem; border: 1px solid var(--border); border-radius: 0.5rem; }
        "#
    );
    html! {
        <section {class} aria-labelledby="chat-heading">
            <h2 id="chat-heading">{ t.lobby_chat }</h2>
            <ol aria-label={t.chat_messages} aria-live="polite">
                { for store.chat.iter().map(|l| html! { <li><b>{ &l.from }</b>{ &l.text }</li> }) }
            </ol>
            <form {onsubmit}>
                <label for="chat-input" class="visually-hidden">{ t.message }</label>
                <input id="chat-input" ref={input} type="text" maxlength={MAX_CHAT_CHARS.to_string()} autocomplete="off" />
                <button type="submit">{ t.send }</button>
            </form>
        </section>
    }
}
