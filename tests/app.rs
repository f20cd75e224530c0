//! The app mounted in headless Chromium: what a person sees first, and how
//! it reacts when the server cannot be reached.
// Browser-only: run by `cargo xtask test` with wasm-bindgen-test-runner.
#![cfg(target_arch = "wasm32")]

mod support;

use std::time::Duration;

use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlInputElement;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_app_opens_on_a_login_form() {
    let root = mount_point();
    yew::Renderer::<duet::app::App>::with_root(root.clone()).render();
    let input = wait_for("the Username field", Duration::from_secs(5), || labelled(&root, "Username")).await;
    assert_eq!(input.tag_name(), "INPUT");
    let login = button(&root, "Log in").expect("a Log in button");
    assert_eq!(login.get_attribute("type").as_deref(), Some("submit"));
    assert!(root.query_selector("form[aria-label='Log in']").unwrap().is_some());
    // The status region exists for announcements.
    assert!(root.query_selector("[role=status]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn an_empty_name_is_refused_with_a_message_and_an_unreachable_server_is_reported() {
    let root = mount_point();
    yew::Renderer::<duet::app::App>::with_root(root.clone()).render();
    let input: HtmlInputElement =
        wait_for("the Username field", Duration::from_secs(5), || labelled(&root, "Username")).await.unchecked_into();
    // `required` stops an empty submit in the browser; a blank name gets through it.
    input.set_value("   ");
    button(&root, "Log in").unwrap().click();
    let status = || root.query_selector("[role=status]").unwrap().unwrap().text_content().unwrap_or_default();
    wait_for("the empty-name message", Duration::from_secs(5), || status().contains("username is empty").then_some(()))
        .await;

    // The test page has no signaling server behind it: the failure is said
    // plainly and the form is usable again.
    input.set_value("alice");
    button(&root, "Log in").unwrap().click();
    wait_for("the unreachable-server message", Duration::from_secs(10), || {
        status().contains("Could not reach the server").then_some(())
    })
    .await;
    assert!(button(&root, "Log in").is_some(), "back on the login form");
}
