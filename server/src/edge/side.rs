//! The side listeners: /metrics for the operator's monitoring, and plain
//! http redirected to https. Both count against the same socket limits as
//! the public listener.

use std::{
    net::SocketAddr,
    sync::{atomic::Ordering::Relaxed, Arc},
};

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::IntoResponse,
    routing::get,
    Router,
};
use tokio::net::TcpListener;

use crate::edge::{
    listener,
    origin::{HostGuard, OriginPolicy},
    state::AppState,
};

/// /metrics on its own listener, for the operator's monitoring only; it
/// answers only to the names a plain-http listener there may (a page on a
/// rebound name cannot read it).
pub fn spawn_metrics(at: SocketAddr, state: AppState) -> Result<SocketAddr, String> {
    let listener = bind(at, "--metrics-listen")?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let guard = HostGuard::for_listener(bound, false, &state.config);
    let hosts = Arc::new(OriginPolicy::new(&[], &state.config.edge.allowed_hosts, guard)?);
    let host_check = move |req: Request, next: axum::middleware::Next| {
        let hosts = hosts.clone();
        async move {
            match hosts.check_host(req.headers()) {
                Ok(()) => next.run(req).await,
                Err(why) => (StatusCode::FORBIDDEN, why).into_response(),
            }
        }
    };
    let (stop, limits) = (state.shutdown.clone(), state.listener_limits(None));
    let router = Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(state)
        .layer(axum::middleware::from_fn(host_check));
    tokio::spawn(listener::serve(listener, router, limits, stop));
    Ok(bound)
}

/// Plain http on `at`, answered with a permanent redirect to the same path
/// on https (port `https_port`).
pub fn spawn_redirect(at: SocketAddr, https_port: u16, state: &AppState) -> Result<SocketAddr, String> {
    let listener = bind(at, "--redirect-http")?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let redirect = move |headers: HeaderMap, uri: axum::http::Uri| async move {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let name =
            host.rsplit_once(':').filter(|(h, _)| !h.ends_with(']') || h.starts_with('[')).map_or(host, |(h, p)| {
                if p.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
        let port = if https_port == 443 { String::new() } else { format!(":{https_port}") };
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        axum::response::Redirect::permanent(&format!("https://{name}{port}{path}"))
    };
    let router = Router::new().fallback(redirect);
    tokio::spawn(listener::serve(listener, router, state.listener_limits(None), state.shutdown.clone()));
    Ok(bound)
}

fn bind(at: SocketAddr, flag: &str) -> Result<TcpListener, String> {
    let cannot = |e: std::io::Error| format!("{flag} {at}: cannot listen there: {e}");
    let std_listener = std::net::TcpListener::bind(at).map_err(cannot)?;
    std_listener.set_nonblocking(true).map_err(cannot)?;
    TcpListener::from_std(std_listener).map_err(cannot)
}

async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = state.hub.metrics.render();
    body.push_str(&format!(
        "# HELP duet_connection_tasks Connection tasks still running.\n# TYPE duet_connection_tasks gauge\nduet_connection_tasks {}\n",
        state.connections.len()
    ));
    body.push_str(&format!(
        "# HELP duet_sockets_open Open sockets on every listener, upgraded or not.\n# TYPE duet_sockets_open gauge\nduet_sockets_open {}\n",
        state.sockets.load(Relaxed)
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
