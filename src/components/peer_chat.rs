use yew::prelude::*;

use crate::{
    components::ChatBox,
    hooks::{use_select, use_texts},
    store::Action,
};

/// Chat inside the call, peer to peer over a data channel: the server never
/// sees it. Usable once the channel is open.
#[function_component(PeerChat)]
pub fn peer_chat() -> Html {
    let chat = use_select(|s| s.peer_chat.clone());
    let t = use_texts();
    let class = "call-chat";
    html! {
        <div {class}>
            <ChatBox id="peer-chat" heading={t.call_chat} list_label={t.call_chat_messages} field_label={t.call_message}
                     send_label={t.send_to_call} lines={chat.lines.clone()}
                     send={Action::SendPeerChat as fn(String) -> Action} disabled={!chat.ready} />
        </div>
    }
}
