//! "Recent calls": this browser's list of calls, newest first, with a badge
//! for missed calls until the list is opened, a "Call back" button each
//! (greyed while they are offline or busy, and the row says which), and
//! "Clear history". A call
//! missed while the tab is in the background is a system notification too.

use duet_protocol::UserStatus;
use wasm_bindgen::JsValue;
use web_sys::HtmlDetailsElement;
use yew::prelude::*;

use crate::{
    components::icons::{avatar, icon, Icon},
    hooks::{use_dispatch, use_select, use_system_notification, use_texts, SystemNote},
    store::{format_duration, Action, CallRecord, Lang, Outcome},
};

/// An entry and where its person is now (`None`: not logged in).
type Row = (CallRecord, Option<UserStatus>);

/// When, in the reader's language and time zone ("3 Dec 2026, 14:05").
fn when(at_ms: u64, lang: Lang) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    js_sys::Date::new(&JsValue::from(at_ms as f64)).to_locale_string(lang.tag(), &options).into()
}

#[function_component(RecentCalls)]
pub fn recent_calls() -> Html {
    let (rows, lang, free, notify) = use_select(|s| {
        let rows: Vec<Row> = s.history.iter().map(|r| (r.clone(), s.status_of(&r.peer))).collect();
        (rows, s.lang, s.call.is_idle(), s.notify_calls)
    });
    let dispatch = use_dispatch();
    let t = use_texts();
    let open = use_state_eq(|| false);
    let unseen = rows.iter().filter(|(r, _)| r.unseen_missed()).count() as u32;
    {
        // Looking at the list is seeing its missed calls, new ones included.
        let dispatch = dispatch.clone();
        use_effect_with((*open, unseen), move |&(open, unseen)| {
            if open && unseen > 0 {
                dispatch.dispatch(Action::SeeMissedCalls);
            }
        });
    }
    // A call missed while away (since this view was shown: not an old
    // one still unseen), until the list is looked at.
    let since = *use_state(|| js_sys::Date::now() as u64);
    let missed = rows.iter().find(|(r, _)| r.unseen_missed() && r.at_ms >= since).map(|(r, _)| SystemNote {
        kind: "missed",
        title: (t.missed_call_from)(&r.peer),
        body: "Duet".to_owned(),
        actions: Vec::new(),
    });
    use_system_notification(missed, notify, Callback::noop());
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| open.set(e.target_unchecked_into::<HtmlDetailsElement>().open()))
    };
    let clear = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::ClearHistory))
    };
    let outcome = |o: Outcome| match o {
        Outcome::Answered => t.outcome_answered,
        Outcome::Missed => t.outcome_missed,
        Outcome::Declined => t.outcome_declined,
        Outcome::NoAnswer => t.outcome_no_answer,
        Outcome::Cancelled => t.outcome_cancelled,
        Outcome::Failed => t.outcome_failed,
    };
    html! {
        <section class="recent-calls" aria-labelledby="recent-heading">
            <details {ontoggle}>
                <summary>
                    <h2 id="recent-heading">{ t.recent_calls }</h2>
                    if unseen > 0 { <span class="missed-badge">{ (t.missed_count)(unseen) }</span> }
                </summary>
                if rows.is_empty() {
                    <p class="empty">{ t.no_calls_yet }</p>
                } else {
                    <ul>
                        { for rows.iter().enumerate().map(|(n, (r, status))| {
                            let call_back = {
                                let (dispatch, peer) = (dispatch.clone(), r.peer.clone());
                                Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Call(peer.clone())))
                            };
                            let way = if r.outgoing { t.outgoing_call } else { t.incoming_call };
                            let mut what = format!("{way} · {}", outcome(r.outcome));
                            if r.outcome == Outcome::Answered {
                                what = format!("{what} · {}", format_duration(u64::from(r.seconds)));
                            }
                            let name = (t.call_back)(&r.peer);
                            // Why the button is greyed, where a person sees it.
                            let away = match status {
                                None => Some(t.not_online),
                                Some(UserStatus::Busy) => Some(t.in_a_call),
                                Some(UserStatus::Available) => None,
                            };
                            let away_id = format!("recent-away-{n}");
                            html! {
                                <li key={n} class={classes!((r.outcome == Outcome::Missed).then_some("missed"))}>
                                    { avatar(&r.peer, "") }
                                    <span class="who">
                                        <span class="name">{ &r.peer }</span>
                                        <span class="what">{ what }</span>
                                        <span class="what">{ when(r.at_ms, lang) }</span>
                                        if let Some(away) = away {
                                            <span class="what away" id={away_id.clone()}>{ away }</span>
                                        }
                                    </span>
                                    <button class="call success" aria-label={name.clone()} title={name}
                                            aria-describedby={away.map(|_| away_id)}
                                            disabled={!(away.is_none() && free)} onclick={call_back}>
                                        { icon(Icon::Phone, false) }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                    <button onclick={clear}>{ t.clear_history }</button>
                }
            </details>
        </section>
    }
}
