use duet_protocol::limits::MAX_CHAT_CHARS;
use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_store, use_text_submit, use_texts},
    store::Action,
};

/// Chat inside the call, peer to peer over a data channel: the server never
/// sees it.
#[styled_component(PeerChat)]
pub fn peer_chat() -> Html {
    let store = use_store();
    let input = use_node_ref();
    let t = use_texts();
    let onsubmit = use_text_submit(input.clone(), Action::SendPeerChat, true);
    let class = css!(
        r#"
        display: grid; gap: 0.5rem; padding: 0.75rem; background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem;
        ol { list-style: none; margin: 0; padding: 0; max-height: 12rem; overflow-y: auto; }
        li { overflow-wrap: anywhere; } b { margin-inline-end: 0.4rem; }
        form { display: flex; gap: 0.5rem; }
        input { flex: 1; min-width: 0; font: inherit; padding: 0.5rem; border: 1px solid var(--border); border-radius: 0.5rem; }
        "#
    );
    let ready = store.peer_chat.ready;
    html! {
        <section {class} aria-labelledby="peer-chat-heading">
            <h2 id="peer-chat-heading">{ t.call_chat }</h2>
            <ol aria-label={t.call_chat_messages} aria-live="polite">
                { for store.peer_chat.lines.iter().map(|l| html! { <li><b>{ &l.from }</b>{ &l.text }</li> }) }
            </ol>
            <form {onsubmit}>
                <label for="peer-chat-input" class="visually-hidden">{ t.call_message }</label>
                <input id="peer-chat-input" ref={input} type="text" maxlength={MAX_CHAT_CHARS.to_string()}
                       autocomplete="off" disabled={!ready} />
                <button type="submit" disabled={!ready}>{ t.send_to_call }</button>
            </form>
        </section>
    }
}
