use duet_protocol::UserStatus;
use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_store, use_texts},
    store::Action,
};

#[styled_component(UserList)]
pub fn user_list() -> Html {
    let store = use_store();
    let t = use_texts();
    let me = store.me.clone().unwrap_or_default();
    let class = css!(
        r#"
        list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem;
        li { display: flex; align-items: center; gap: 0.5rem; }
        li > button { flex: 1; text-align: start; }
        .you { padding: 0.6rem 0.9rem; color: var(--muted); }
        .badge { font-size: 0.8rem; color: var(--warn); }
        "#
    );
    let others = store.users.iter().filter(|(n, _)| *n != me).count();
    html! {
        <section aria-labelledby="users-heading">
            <h2 id="users-heading">{ t.online }</h2>
            <ul {class} aria-label={t.online_users}>
                <li key="self"><span class="you">{ (t.you)(&me) }</span></li>
                { for store.users.iter().filter(|(n, _)| *n != me).map(|(name, status)| {
                    let busy = status == UserStatus::Busy;
                    let onclick = {
                        let store = store.clone();
                        let name = name.to_owned();
                        Callback::from(move |_| store.dispatch(Action::Call(name.clone())))
                    };
                    html! {
                        <li key={format!("user:{name}")}>
                            // Left enabled: a click on a busy user explains why it cannot ring.
                            <button aria-label={(t.call_user)(name)} {onclick}>{ name }</button>
                            if busy { <span class="badge">{ t.in_a_call }</span> }
                        </li>
                    }
                }) }
            </ul>
            if others == 0 { <p class="muted">{ t.nobody_online }</p> }
        </section>
    }
}
