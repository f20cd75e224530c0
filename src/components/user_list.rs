//! The people online: a row each, with their initials, whether they are free,
//! and a button to call them; a search box once the list is long, and only
//! the rows near the window rendered once it is very long. A server that
//! keeps the list (protocol 2) sends only the rows near the window, and
//! searches itself.

use duet_protocol::UserStatus;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    components::icons::{avatar, icon, Icon},
    hooks::{use_dispatch, use_select, use_texts, use_visible_rows, VisibleRows},
    store::{name_matches, request_for, Action, Directory, Users},
};

/// More people than this, and a search box appears.
const SEARCH_FROM: usize = 8;
/// More rows than this, and only those near the window are rendered.
const VIRTUAL_FROM: usize = 100;

/// The list as it can be shown: its length, and the rows that are here
/// (consecutive, from row `first`).
struct Listed {
    total: usize,
    first: usize,
    rows: Vec<(String, UserStatus)>,
}

impl Listed {
    /// The people other than `me`: from the whole list (filtered here) or
    /// the rows the server keeps for us (searched there).
    fn new(me: &str, users: &Users, directory: Option<&Directory>, query: &str) -> Self {
        match directory {
            // Rows of another search than the one typed are not its results:
            // they show as on their way until the server answers.
            Some(d) if d.query != query.trim() => Listed { total: d.others(me), first: 0, rows: Vec::new() },
            Some(d) => {
                let mut rows = d.other_rows(me).peekable();
                let first = rows.peek().map_or(0, |(i, _, _)| *i);
                let rows = rows.map(|(_, n, s)| (n.to_owned(), s)).collect();
                Listed { total: d.others(me), first, rows }
            }
            None => {
                let rows: Vec<(String, UserStatus)> = users
                    .iter()
                    .filter(|(n, _)| *n != me && name_matches(n, query))
                    .map(|(n, s)| (n.to_owned(), s))
                    .collect();
                Listed { total: rows.len(), first: 0, rows }
            }
        }
    }

    fn row(&self, i: usize) -> Option<&(String, UserStatus)> {
        self.rows.get(i.checked_sub(self.first)?)
    }
}

#[function_component(UserList)]
pub fn user_list() -> Html {
    let (me, users, directory) =
        use_select(|s| (s.me.clone().unwrap_or_default(), s.users.clone(), s.directory.clone()));
    let dispatch = use_dispatch();
    let t = use_texts();
    let query = use_state(String::new);
    let class = "user-list";
    let listed = Listed::new(&me, &users, directory.as_ref(), &query);
    let total = listed.total;
    let long = total > VIRTUAL_FROM;
    let first_row = use_node_ref();
    let VisibleRows { rows, pitch } = use_visible_rows(first_row.clone(), if long { total } else { 0 });
    let rows = if long { rows } else { 0..total };
    // A server that keeps the list sends the rows on screen, and a search's.
    let wanted = directory.is_some().then(|| request_for(rows.clone(), &query));
    {
        let dispatch = dispatch.clone();
        use_effect_with(wanted, move |wanted| {
            if let Some(wanted) = wanted {
                dispatch.dispatch(Action::ShowRows(wanted.clone()));
            }
        });
    }
    // Searching keeps the box even when few match.
    let searchable = total > SEARCH_FROM || !query.trim().is_empty();
    let nobody = total == 0 && query.trim().is_empty();
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    html! {
        <section {class} aria-labelledby="users-heading">
            <h2 id="users-heading">{ t.online }</h2>
            if searchable {
                <input type="search" aria-label={t.search_people} placeholder={t.search_people} {oninput} />
            }
            <ul aria-label={t.online_users} class={classes!(long.then_some("long"))}>
                <li key="self">
                    { avatar(&me, "") }
                    <span class="who"><span class="name">{ (t.you)(&me) }</span></span>
                </li>
                { for rows.clone().enumerate().map(|(k, i)| {
                    // The rows not rendered keep their place: the first and
                    // last rendered rows stand in for them with margins.
                    // (Whole pixels: formatting floats costs the first load.)
                    let style = long.then(|| {
                        let px = |n: usize| (n as f64 * pitch).round() as u64;
                        let before = if k == 0 { px(i) } else { 0 };
                        let after = if i + 1 == rows.end { px(total - rows.end) } else { 0 };
                        format!("margin-top:{before}px;margin-bottom:{after}px")
                    });
                    let node = if k == 0 { first_row.clone() } else { NodeRef::default() };
                    let posinset = long.then(|| (i + 2).to_string());
                    let setsize = long.then(|| (total + 1).to_string());
                    let Some((name, status)) = listed.row(i) else {
                        // Still on its way from the server.
                        return html! {
                            <li key={format!("row:{i}")} {style} data-row={i.to_string()} ref={node}
                                class="loading" aria-posinset={posinset} aria-setsize={setsize}>
                                <span class="avatar" aria-hidden="true"></span>
                                // Two lines, as a name and its state: every row is as tall.
                                <span class="who"><span class="name">{ "\u{a0}" }</span>
                                    <span class="state">{ t.loading }</span></span>
                            </li>
                        };
                    };
                    let busy = *status == UserStatus::Busy;
                    let onclick = {
                        let dispatch = dispatch.clone();
                        let name = name.clone();
                        Callback::from(move |_| dispatch.dispatch(Action::Call(name.clone())))
                    };
                    html! {
                        <li key={format!("user:{name}")} {style} data-row={i.to_string()} ref={node}
                            aria-posinset={posinset} aria-setsize={setsize}>
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
            if nobody { <p class="empty">{ t.nobody_online }</p> }
        </section>
    }
}
