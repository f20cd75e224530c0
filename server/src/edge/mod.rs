//! The HTTP edge: everything between a socket and signaling. It accepts
//! sockets under limits (`listener`, `tls`), learns who the client is behind a
//! trusted proxy (`client_addr`), checks host names and origins (`origin`),
//! puts security headers on every response, serves the app's files
//! (`static_files`, `embedded`, `cache`), and upgrades WebSockets after the
//! access check (`upgrade`), handing each to `signaling::connection`.
//!
//! It owns HTTP; nothing below it (signaling, access, limits, cluster) knows
//! about requests, routes or headers beyond the access check's `HeaderMap`.

pub mod cache;
pub mod client_addr;
pub mod embedded;
pub mod listener;
pub mod origin;
pub mod security_headers;
pub mod side;
pub mod state;
pub mod static_files;
pub mod tls;
pub mod upgrade;

use axum::{http::StatusCode, routing::get, Router};

use state::AppState;

/// The public listener's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/ws", get(upgrade::ws))
        .route("/healthz", get(|| async { "ok\n" }))
        // Metrics live on --metrics-listen only; never the app's fallback here.
        .route("/metrics", get(|| async { (StatusCode::NOT_FOUND, "not found\n") }))
        // MDN's client dials the root, so an upgrade on / is a WebSocket too.
        .route("/", get(upgrade::root))
        .fallback_service(static_files::service(&state.config.edge.static_dir))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers::apply))
        .with_state(state)
}
