use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    components::ChatBox,
    hooks::{use_store, use_texts},
    store::Action,
};

/// Lobby chat through the server, as in MDN's sample.
#[styled_component(Chat)]
pub fn chat() -> Html {
    let store = use_store();
    let t = use_texts();
    let class = css!(
        r#"
        .chat-box { display: grid; gap: 0.5rem; }
        ol { list-style: none; margin: 0; padding: 0.5rem; height: 14rem; overflow-y: auto;
             background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem; }
        li { padding: 0.15rem 0; overflow-wrap: anywhere; }
        b { margin-inline-end: 0.4rem; }
        form { display: flex; gap: 0.5rem; }
        input { flex: 1; font: inherit; padding: 0.5rem; border: 1px solid var(--border); border-radius: 0.5rem; }
        "#
    );
    html! {
        <div {class}>
            <ChatBox id="chat" heading={t.lobby_chat} list_label={t.chat_messages} field_label={t.message}
                     send_label={t.send} lines={store.chat.clone()} send={Action::SendChat as fn(String) -> Action} />
        </div>
    }
}
