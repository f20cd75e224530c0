//! duet-server: the signaling relay and static host for the Duet web app.
//!
//! `serve` runs the whole server on a bound listener until `shutdown` fires;
//! `main.rs` only parses flags and wires signals to it, so tests run the very
//! same server in-process.

pub mod backplane;
mod config;
mod connection;
pub mod hub;
mod metrics;
mod origin;
mod rate;
pub mod session;
pub mod sim;
mod static_files;
pub mod testing;
pub mod turn;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc,
    },
    time::Duration,
};

use axum::serve::ListenerExt;
use axum::{
    extract::{ws::WebSocketUpgrade, FromRequestParts, Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use backplane::redis::RedisBackplane;
pub use config::Config;
pub use connection::close_code;
pub use hub::Hub;
pub use metrics::Metrics;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

#[derive(Clone)]
struct AppState {
    hub: Arc<Hub>,
    config: Arc<Config>,
    shutdown: CancellationToken,
    connections: TaskTracker,
    next_id: Arc<AtomicU64>,
}

/// A running server's handle for tests and `main`.
pub struct Server {
    pub hub: Arc<Hub>,
    pub addr: SocketAddr,
}

/// Errors that stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("server I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves until `shutdown` is cancelled, then closes every WebSocket with 1001
/// and waits at most the configured grace for them to finish.
pub async fn serve(listener: TcpListener, config: Config, shutdown: CancellationToken) -> Result<(), ServeError> {
    let (router, state) = build(config, shutdown)?;
    tracing::info!(addr = %listener.local_addr()?, "duet-server listening");
    run(listener, router, state).await
}

/// Starts a server on `listener` in the background (for tests and benches).
pub fn spawn(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> Result<(Server, tokio::task::JoinHandle<Result<(), ServeError>>), ServeError> {
    let addr = listener.local_addr()?;
    let (router, state) = build(config, shutdown)?;
    let hub = state.hub.clone();
    Ok((Server { hub, addr }, tokio::spawn(run(listener, router, state))))
}

async fn run(listener: TcpListener, router: Router, state: AppState) -> Result<(), ServeError> {
    // Signaling is small messages where latency matters: no Nagle delay.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(state.shutdown.clone().cancelled_owned())
        .await?;
    state.connections.close();
    if tokio::time::timeout(state.config.shutdown_grace(), state.connections.wait()).await.is_err() {
        tracing::warn!(left = state.connections.len(), "shutdown grace over; dropping remaining connections");
    }
    tracing::info!("duet-server stopped");
    Ok(())
}

fn build(config: Config, shutdown: CancellationToken) -> Result<(Router, AppState), ServeError> {
    config.validate().map_err(ServeError::Config)?;
    let metrics = Arc::new(Metrics::default());
    let hub = match config.cluster() {
        None => Arc::new(Hub::new(metrics, config.ice())),
        Some(settings) => {
            let node = settings.node.clone();
            let (backplane, links) =
                RedisBackplane::new(settings).map_err(|e| ServeError::Config(format!("--redis-url: {e}")))?;
            let hub = Arc::new(Hub::with_backplane(metrics, config.ice(), backplane));
            links.start(hub.clone(), shutdown.clone());
            tracing::info!(%node, "clustered through Redis");
            hub
        }
    };
    let state = AppState {
        hub,
        config: Arc::new(config),
        shutdown,
        connections: TaskTracker::new(),
        next_id: Arc::new(AtomicU64::new(1)),
    };
    // Presence batches go out on a clock; the task ends with the server.
    let (hub, every, stop) =
        (state.hub.clone(), Duration::from_millis(state.config.presence_interval_ms), state.shutdown.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => { hub.flush_presence(); }
            }
        }
    });
    let router = Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_text))
        // MDN's client dials the root, so an upgrade on / is a WebSocket too.
        .route("/", get(root))
        .fallback_service(static_files::service(&state.config.static_dir))
        .with_state(state.clone());
    Ok((router, state))
}

async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = state.hub.metrics.render();
    body.push_str(&format!(
        "# HELP duet_connection_tasks Connection tasks still running.\n# TYPE duet_connection_tasks gauge\nduet_connection_tasks {}\n",
        state.connections.len()
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

async fn root(State(state): State<AppState>, req: Request) -> Response {
    let wants_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !wants_ws {
        return static_files::index(&state.config.static_dir).await;
    }
    let (mut parts, _) = req.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => accept(ws, &parts.headers, state),
        Err(rejection) => rejection.into_response(),
    }
}

async fn ws_upgrade(State(state): State<AppState>, headers: axum::http::HeaderMap, ws: WebSocketUpgrade) -> Response {
    accept(ws, &headers, state)
}

fn accept(ws: WebSocketUpgrade, headers: &axum::http::HeaderMap, state: AppState) -> Response {
    let metrics = &state.hub.metrics;
    if let Err(why) = origin::check(headers, &state.config.allowed_origins) {
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        tracing::info!("refused WebSocket: {why}");
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    // Reserve a slot before upgrading so a burst cannot overshoot the cap.
    let open = metrics.connections.fetch_add(1, Relaxed);
    if open as usize >= state.config.max_connections || state.shutdown.is_cancelled() {
        metrics.connections.fetch_sub(1, Relaxed);
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        return (StatusCode::SERVICE_UNAVAILABLE, "server is at its connection limit").into_response();
    }
    let limit = state.config.max_message_bytes;
    let id = state.next_id.fetch_add(1, Relaxed);
    let slot = SlotGuard(state.hub.metrics.clone());
    ws.protocols([duet_protocol::SUBPROTOCOL])
        // Signaling messages are small: 128 KiB library buffers per client
        // would dominate memory. Writes go out as soon as they are queued.
        .read_buffer_size(4096)
        .write_buffer_size(0)
        // Room above the limit so an oversized message is seen and answered
        // with 1009 rather than cut off by the library mid-read.
        .max_message_size(limit.saturating_mul(2))
        .max_frame_size(limit.saturating_mul(2))
        .on_failed_upgrade(|e| tracing::debug!("WebSocket upgrade failed: {e}"))
        .on_upgrade(move |socket| {
            state.hub.metrics.connections_total.fetch_add(1, Relaxed);
            let task = connection::run(socket, id, state.hub.clone(), state.config.clone(), state.shutdown.clone());
            state.connections.track_future(async move {
                let _slot = slot;
                task.await
            })
        })
}

/// Frees a connection slot however the connection ends (or fails to upgrade).
struct SlotGuard(Arc<Metrics>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Relaxed);
    }
}
