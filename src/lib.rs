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
