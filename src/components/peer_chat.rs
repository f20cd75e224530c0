use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    components::ChatBox,
    hooks::{use_select, use_texts},
    store::Action,
};

/// Chat inside the call, peer to peer over a data channel: the server never
/// sees it. Usable once the channel is open.
#[styled_component(PeerChat)]
pub fn peer_chat() -> Html {
    let chat = use_select(|s| s.peer_chat.clone());
    let t = use_texts();
    let class = css!(
        r#"
        .chat-box { display: grid; gap: 0.5rem; padding: 0.75rem; background: var(--surface);
                    border: 1px solid var(--border); border-radius: 0.5rem; }
        ol { list-style: none; margin: 0; padding: 0; max-height: 12rem; overflow-y: auto; }
        li { overflow-wrap: anywhere; } b { margin-inline-end: 0.4rem; }
        form { display: flex; gap: 0.5rem; }
        input { flex: 1; min-width: 0; font: inherit; padding: 0.5rem; border: 1px solid var(--border); border-radius: 0.5rem; }
        "#
    );
    html! {
        <div {class}>
            <ChatBox id="peer-chat" heading={t.call_chat} list_label={t.call_chat_messages} field_label={t.call_message}
                     send_label={t.send_to_call} lines={chat.lines.clone()}
                     send={Action::SendPeerChat as fn(String) -> Action} disabled={!chat.ready} />
        </div>
    }
}
