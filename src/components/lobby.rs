//! The lobby: who is online, recent calls, the lobby chat, the device check.
//! Fetched apart in release builds (`parts.rs`); its styles are the shell's.

use yew::prelude::*;

use crate::{
    components::{Chat, DeviceCheck, Invite, Privacy, RecentCalls, UserList},
    hooks::use_texts,
};

#[function_component]
pub fn Lobby() -> Html {
    let t = use_texts();
    html! {
        <div class="lobby">
            <div><Invite /><UserList /><RecentCalls /></div>
            <div>
                <details class="lobby-chat" open=true><summary>{ t.lobby_chat }</summary><Chat /></details>
                <DeviceCheck />
                <Privacy />
            </div>
        </div>
    }
}
