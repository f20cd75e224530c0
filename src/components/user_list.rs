//! The people online: a row each, with their initials, whether they are free,
//! and a button to call them; a search box once the list is long, and only
//! the rows near the window rendered once it is very long.

use duet_protocol::UserStatus;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    components::icons::{avatar, icon, Icon},
    hooks::{use_dispatch, use_select, use_texts, use_visible_rows, VisibleRows},
    store::{name_matches, Action},
};

/// More people than this, and a search box appears.
const SEARCH_FROM: usize = 8;
/// More rows than this, and only those near the window are rendered.
const VIRTUAL_FROM: usize = 100;

#[function_component(UserList)]
pub fn user_list() -> Html {
    let (me, users) = use_select(|s| (s.me.clone().unwrap_or_default(), s.users.clone()));
    let dispatch = use_dispatch();
    let t = use_texts();
    let query = use_state(String::new);
    let class = "user-list";
    let others: Vec<(String, UserStatus)> =
        users.iter().filter(|(n, _)| *n != me).map(|(n, s)| (n.to_owned(), s)).collect();
    let shown: Vec<&(String, UserStatus)> = others.iter().filter(|(n, _)| name_matches(n, &query)).collect();
    let long = shown.len() > VIRTUAL_FROM;
    let first_row = use_node_ref();
    let VisibleRows { rows, pitch } = use_visible_rows(first_row.clone(), if long { shown.len() } else { 0 });
    let rows = if long { rows } else { 0..shown.len() };
    let total = shown.len();
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
            <ul aria-label={t.online_users} class={classes!(long.then_some("long"))}>
                <li key="self">
                    { avatar(&me, "") }
                    <span class="who"><span class="name">{ (t.you)(&me) }</span></span>
                </li>
                { for shown[rows.clone()].iter().enumerate().map(|(k, (name, status))| {
                    let i = rows.start + k;
                    let busy = *status == UserStatus::Busy;
                    // The rows not rendered keep their place: the first and
                    // last rendered rows stand in for them with margins.
                    // (Whole pixels: formatting floats costs the first load.)
                    let style = long.then(|| {
                        let px = |n: usize| (n as f64 * pitch).round() as u64;
                        let before = if k == 0 { px(i) } else { 0 };
                        let after = if i + 1 == rows.end { px(total - rows.end) } else { 0 };
                        format!("margin-top:{before}px;margin-bottom:{after}px")
                    });
                    let onclick = {
                        let dispatch = dispatch.clone();
                        let name = name.clone();
                        Callback::from(move |_| dispatch.dispatch(Action::Call(name.clone())))
                    };
                    html! {
                        <li key={format!("user:{name}")} {style} data-row={i.to_string()}
                            ref={if k == 0 { first_row.clone() } else { NodeRef::default() }}
                            aria-posinset={long.then(|| (i + 2).to_string())}
                            aria-setsize={long.then(|| (total + 1).to_string())}>
                            { avatar(name, "") }
                            <span class="who">
                                <span class="name" title={long.then(|| name.clone())}>{ name }</span>
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
