//! The store's runtime in the browser: views re-render only for what they
//! select, and every effect runs, in order, as soon as its action is applied.
// Browser-only: run by `cargo xtask test` with wasm-bindgen-test-runner.
#![cfg(target_arch = "wasm32")]

mod support;

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use duet::{
    hooks::{use_dispatch, use_select, use_store, Dispatch, StoreProvider},
    store::{Action, Effect, Lang},
};
use support::*;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static RENDERS: RefCell<HashMap<&'static str, u32>> = RefCell::default();
    static DISPATCH: RefCell<Option<Dispatch>> = RefCell::default();
}

fn rendered(name: &'static str) {
    RENDERS.with(|r| *r.borrow_mut().entry(name).or_default() += 1);
}

fn renders(name: &'static str) -> u32 {
    RENDERS.with(|r| r.borrow().get(name).copied().unwrap_or(0))
}

fn dispatch(action: Action) {
    DISPATCH.with(|d| d.borrow().as_ref().expect("mounted").dispatch(action));
}

#[function_component(Everything)]
fn everything() -> Html {
    let _ = use_store();
    rendered("everything");
    html! {}
}

#[function_component(LangOnly)]
fn lang_only() -> Html {
    let lang = use_select(|s| s.lang);
    rendered("lang");
    html! { <span id="lang">{ lang.tag() }</span> }
}

#[function_component(Grab)]
fn grab() -> Html {
    let d = use_dispatch();
    DISPATCH.with(|slot| *slot.borrow_mut() = Some(d));
    html! {}
}

#[function_component(Probe)]
fn probe() -> Html {
    html! { <StoreProvider><Grab /><Everything /><LangOnly /></StoreProvider> }
}

/// Lets Yew's scheduler run the renders an action scheduled.
async fn settle() {
    sleep(50).await;
}

/// A freshly mounted store (no agent), and its dispatcher.
async fn mounted_store() -> Dispatch {
    yew::Renderer::<Probe>::with_root(mount_point()).render();
    settle().await;
    DISPATCH.with(|d| d.borrow().clone().expect("mounted"))
}

#[wasm_bindgen_test]
async fn a_view_re_renders_only_when_what_it_selects_changes() {
    let root = mount_point();
    yew::Renderer::<Probe>::with_root(root.clone()).render();
    settle().await;
    let (all0, lang0) = (renders("everything"), renders("lang"));
    for _ in 0..10 {
        // Like the once-a-second statistics: state the language view does not show.
        dispatch(Action::ToggleStats);
        settle().await;
    }
    assert!(renders("everything") >= all0 + 10, "a whole-state view sees every change");
    assert_eq!(renders("lang"), lang0, "nothing it shows changed");
    dispatch(Action::SetLang(Lang::Ko));
    settle().await;
    assert_eq!(renders("lang"), lang0 + 1);
    assert_eq!(root.query_selector("#lang").unwrap().unwrap().text_content().as_deref(), Some("ko"));
}

#[wasm_bindgen_test]
async fn every_effect_runs_in_order_as_its_action_is_applied() {
    let d = mounted_store().await;
    let ran = Rc::new(RefCell::new(Vec::new()));
    let sink = ran.clone();
    d.set_runner(Rc::new(move |_state, e| sink.borrow_mut().push(e)));
    // Far more than the 256 the old queue kept between two renders, all
    // before Yew renders once.
    for i in 0..1000 {
        d.dispatch(Action::SetRelayOnly(i % 2 == 0));
    }
    let ran = ran.borrow();
    assert_eq!(ran.len(), 1000, "none dropped");
    assert!(ran.iter().enumerate().all(|(i, e)| *e == Effect::RememberRelayOnly(i % 2 == 0)), "in order");
}

thread_local! {
    static EARLY: RefCell<Vec<Effect>> = RefCell::default();
}

/// Like the first load's runner (agent/early.rs): the page's language here,
/// everything else handed back for the agent.
fn early(e: Effect) -> Option<Effect> {
    match e {
        Effect::UseLang { .. } => {
            EARLY.with(|r| r.borrow_mut().push(e));
            None
        }
        other => Some(other),
    }
}

#[wasm_bindgen_test]
async fn before_the_agent_the_first_loads_effects_run_and_the_rest_wait_for_it_in_order() {
    let d = mounted_store().await;
    d.set_early_runner(early);
    d.dispatch(Action::SetRelayOnly(true));
    d.dispatch(Action::SetLang(Lang::Ko));
    d.dispatch(Action::SetRelayOnly(false));
    let ran_early = EARLY.with(|r| r.borrow().clone());
    assert!(matches!(ran_early[..], [Effect::UseLang { lang: Lang::Ko, .. }]), "at once: {ran_early:?}");
    let ran = Rc::new(RefCell::new(Vec::new()));
    let sink = ran.clone();
    d.set_runner(Rc::new(move |_state, e| sink.borrow_mut().push(e)));
    assert_eq!(*ran.borrow(), [Effect::RememberRelayOnly(true), Effect::RememberRelayOnly(false)], "then, in order");
    d.dispatch(Action::SetLang(Lang::En));
    assert!(
        matches!(ran.borrow()[..], [_, _, Effect::UseLang { lang: Lang::En, .. }]),
        "the agent runs all once there"
    );
}

#[wasm_bindgen_test]
async fn what_waiting_effects_dispatch_as_the_agent_runs_them_comes_after_the_last_of_them() {
    let d = mounted_store().await;
    d.dispatch(Action::SetRelayOnly(true));
    d.dispatch(Action::SetRelayOnly(false));
    let ran = Rc::new(RefCell::new(Vec::new()));
    let (sink, again) = (ran.clone(), d.clone());
    d.set_runner(Rc::new(move |_state, e| {
        // Like a socket that fails at once: the effect reports back.
        if e == Effect::RememberRelayOnly(true) {
            again.dispatch(Action::SetDataSaver(true));
        }
        sink.borrow_mut().push(e);
    }));
    assert_eq!(
        *ran.borrow(),
        [Effect::RememberRelayOnly(true), Effect::RememberRelayOnly(false), Effect::RememberDataSaver(true)]
    );
}
