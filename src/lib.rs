//! Duet's web app. The call store is plain Rust and builds everywhere; the
//! views and the agent exist only in the browser build.

pub mod i18n;
pub mod store;

#[cfg(target_arch = "wasm32")]
pub mod agent;
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod hooks;

// The browser-only modules' own unit tests run in the browser too.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
