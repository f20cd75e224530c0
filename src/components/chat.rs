use yew::prelude::*;

use crate::{
    components::ChatBox,
    hooks::{use_store, use_texts},
    store::Action,
};

/// Lobby chat through the server, as in MDN's sample.
#[function_component(Chat)]
pub fn chat() -> Html {
    let store = use_store();
    let t = use_texts();
    let class = "lobby-chat-box";
    html! {
        <div {class}>
            <ChatBox id="chat" heading={t.lobby_chat} list_label={t.chat_messages} field_label={t.message}
                     send_label={t.send} lines={store.chat.clone()} send={Action::SendChat as fn(String) -> Action} />
        </div>
    }
}
