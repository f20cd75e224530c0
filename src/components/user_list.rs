//! The people online: a row each, with their initials, whether they are free,
//! and a button to call them; a search box once the list is long.

use duet_protocol::UserStatus;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    components::icons::{avatar, icon, Icon},
    hooks::{use_dispatch, use_select, use_texts},
    store::Action,
};

/// More people than this, and a search box appears.
const SEARCH_FROM: usize = 8;

#[function_component(UserList)]
pub fn user_list() -> Html {
    let (me, users) = use_select(|s| (s.me.clone().unwrap_or_default(), s.users.clone()));
    let dispatch = use_dispatch();
    let t = use_texts();
    let query = use_state(String::new);
    let class = "user-list";
    let others: Vec<(String, UserStatus)> =
        users.iter().filter(|(n, _)| *n != me).map(|(n, s)| (n.to_owned(), s)).collect();
    // ASCII case only: Unicode's tables would cost the first load more than
    // Hangul (which has no case) gains from them.
    let wanted = query.to_ascii_lowercase();
    let shown: Vec<&(String, UserStatus)> =
        others.iter().filter(|(n, _)| wanted.is_empty() || n.to_ascii_lowercase().contains(&wanted)).collect();
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    html! {
        <section {class} aria-labelledby="users-heading">
            <h2 id="users-heading">{ t.online }</h2>
            if others.len() > SEARCH_FROM {
                <input type="search" aria-label={t.search_people} placeholder={t.search_people} {oninput} />
            }
            <ul aria-label={t.online_users}>
                <li key="self">
                    { avatar(&me, "") }
                    <span class="who"><span class="name">{ (t.you)(&me) }</span></span>
                </li>
                { for shown.into_iter().map(|(name, status)| {
                    let busy = *status == UserStatus::Busy;
                    let onclick = {
                        let dispatch = dispatch.clone();
                        let name = name.clone();
                        Callback::from(move |_| dispatch.dispatch(Action::Call(name.clone())))
                    };
                    html! {
                        <li key={format!("user:{name}")}>
                            { avatar(name, "") }
                            <span class="who">
                                <span class="name">{ name }</span>
                                <span class="state"><span class={classes!("dot", busy.then_some("busy"))}></span>
                                    { if busy { t.in_a_call } else { t.available } }</span>
                            </span>
                            // Left enabled: a click on a busy user explains why it cannot ring.
                            <button class="call success" aria-label={(t.call_user)(name)} title={(t.call_user)(name)} {onclick}>
                                { icon(Icon::Phone, false) }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            if others.is_empty() { <p class="empty">{ t.nobody_online }</p> }
        </section>
    }
}
