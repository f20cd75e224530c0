//! duet-server: the signaling relay and static host for the Duet web app.
//!
//! `serve` runs the whole server on a bound listener until `shutdown` fires;
//! `main.rs` only parses flags and wires signals to it, so tests run the very
//! same server in-process.

pub mod access;
pub mod backplane;
mod cache;
mod client_addr;
mod config;
mod connection;
pub mod credentials;
mod embedded;
pub mod hub;
pub mod ids;
mod jwt_keys;
mod listener;
mod metrics;
pub mod names;
mod origin;
mod per_ip;
mod private_file;
mod rate;
mod security_headers;
pub mod session;
mod signed_out;
pub mod sim;
mod static_files;
pub mod testing;
pub mod ticket;
pub mod tls;
pub mod turn;

/// Cluster events queued for the hub before the backplane waits for it.
const CLUSTER_EVENTS: usize = 1024;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc,
    },
    time::Duration,
};

use access::{Access, AccessMode, Admitted, JwtCheck, KeyRing};
use axum::{
    extract::{ws::WebSocketUpgrade, ConnectInfo, FromRequestParts, Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use backplane::redis::RedisBackplane;
pub use config::Config;
pub use connection::close_code;
pub use hub::Hub;
pub use metrics::Metrics;
use per_ip::{ConnCounts, PerIpRate};
pub use static_files::app_present;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

#[derive(Clone)]
struct AppState {
    hub: Arc<Hub>,
    config: Arc<Config>,
    shutdown: CancellationToken,
    connections: TaskTracker,
    next_id: Arc<AtomicU64>,
    access: Arc<Access>,
    origins: Arc<origin::OriginPolicy>,
    proxies: client_addr::TrustedProxies,
    per_ip: Arc<ConnCounts>,
    auth_failures: Arc<PerIpRate>,
    logins: Arc<PerIpRate>,
    chat: Arc<per_ip::ChatBudget>,
    /// Open sockets, WebSocket or not.
    sockets: Arc<AtomicU64>,
    tls: Option<Arc<tls::Tls>>,
}

/// A running server's handle for tests and `main`.
pub struct Server {
    pub hub: Arc<Hub>,
    pub addr: SocketAddr,
    /// Where /metrics answers, when --metrics-listen is set.
    pub metrics_addr: Option<SocketAddr>,
    /// The certificate's SHA-256, when serving HTTPS.
    pub tls_fingerprint: Option<String>,
    /// The generated access key of the LAN quick start, for invite links.
    pub invite_key: Option<String>,
    /// Where plain http is redirected from (--redirect-http).
    pub redirect_addr: Option<SocketAddr>,
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
    let (server, task) = spawn(listener, config, shutdown)?;
    tracing::info!(addr = %server.addr, "duet-server listening");
    if let Some(m) = server.metrics_addr {
        tracing::info!(addr = %m, "metrics on /metrics there");
    }
    task.await.map_err(|e| ServeError::Io(std::io::Error::other(e)))?
}

/// Starts a server on `listener` in the background (for tests and benches).
pub fn spawn(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> Result<(Server, tokio::task::JoinHandle<Result<(), ServeError>>), ServeError> {
    let addr = listener.local_addr()?;
    let (router, state, invite_key) = build(config, addr, shutdown)?;
    listener::raise_open_files_limit();
    let metrics_addr = match state.config.metrics_listen {
        Some(at) => Some(spawn_metrics(at, state.clone())?),
        None => None,
    };
    let redirect_addr = match state.config.redirect_http {
        Some(at) => Some(spawn_redirect(at, addr.port(), &state)?),
        None => None,
    };
    #[cfg(unix)]
    tokio::spawn(reload_on_sighup(state.access.clone(), state.tls.clone(), state.shutdown.clone()));
    let hub = state.hub.clone();
    let tls_fingerprint = state.tls.as_ref().map(|t| t.fingerprint());
    let server = Server { hub, addr, metrics_addr, tls_fingerprint, invite_key, redirect_addr };
    Ok((server, tokio::spawn(run(listener, router, state))))
}

/// The accept loop's limits for a listener of this server: every listener
/// shares the global and per-address socket counts, so a side listener
/// cannot be used to run the process out of descriptors.
fn limits(state: &AppState, tls: Option<Arc<tls::Tls>>) -> listener::Limits {
    listener::Limits {
        max_sockets: state.config.max_connections,
        per_ip: state.per_ip.clone(),
        proxies: state.proxies.clone(),
        header_timeout: state.config.header_timeout(),
        open: state.sockets.clone(),
        tls,
    }
}

/// Which host names a listener on `bound` answers to (DNS rebinding).
fn host_guard(bound: SocketAddr, tls: bool, config: &Config) -> origin::HostGuard {
    if bound.ip().is_loopback() {
        origin::HostGuard::Loopback
    } else if tls {
        origin::HostGuard::Tls
    } else {
        origin::HostGuard::Network { own_names: tls::local_names(&config.tls_names) }
    }
}

/// /metrics on its own listener, for the operator's monitoring only; it
/// answers only to the names a plain-http listener there may (a page on a
/// rebound name cannot read it).
fn spawn_metrics(at: SocketAddr, state: AppState) -> Result<SocketAddr, ServeError> {
    let listener = bind_std(at, "--metrics-listen")?;
    let bound = listener.local_addr()?;
    let guard = host_guard(bound, false, &state.config);
    let hosts =
        Arc::new(origin::OriginPolicy::new(&[], &state.config.allowed_hosts, guard).map_err(ServeError::Config)?);
    let host_check = move |req: Request, next: axum::middleware::Next| {
        let hosts = hosts.clone();
        async move {
            match hosts.check_host(req.headers()) {
                Ok(()) => next.run(req).await,
                Err(why) => (StatusCode::FORBIDDEN, why).into_response(),
            }
        }
    };
    let (stop, limits) = (state.shutdown.clone(), limits(&state, None));
    let router = Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(state)
        .layer(axum::middleware::from_fn(host_check));
    tokio::spawn(listener::serve(listener, router, limits, stop));
    Ok(bound)
}

fn bind_std(at: SocketAddr, flag: &str) -> Result<TcpListener, ServeError> {
    let std_listener = std::net::TcpListener::bind(at)
        .map_err(|e| ServeError::Config(format!("{flag} {at}: cannot listen there: {e}")))?;
    std_listener.set_nonblocking(true)?;
    Ok(TcpListener::from_std(std_listener)?)
}

/// Plain http on `at`, answered with a permanent redirect to the same path
/// on https (port `https_port`).
fn spawn_redirect(at: SocketAddr, https_port: u16, state: &AppState) -> Result<SocketAddr, ServeError> {
    let listener = bind_std(at, "--redirect-http")?;
    let bound = listener.local_addr()?;
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
    tokio::spawn(listener::serve(listener, router, limits(state, None), state.shutdown.clone()));
    Ok(bound)
}

/// SIGHUP re-reads what may rotate: the access keys and the certificate.
#[cfg(unix)]
async fn reload_on_sighup(access: Arc<Access>, tls: Option<Arc<tls::Tls>>, stop: CancellationToken) {
    let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            got = hup.recv() => {
                if got.is_none() { return }
                access.reload();
                if let Some(tls) = &tls {
                    tls.reload();
                }
            }
        }
    }
}

async fn run(listener: TcpListener, router: Router, state: AppState) -> Result<(), ServeError> {
    let limits = limits(&state, state.tls.clone());
    listener::serve(listener, router, limits, state.shutdown.clone()).await?;
    state.connections.close();
    if tokio::time::timeout(state.config.shutdown_grace(), state.connections.wait()).await.is_err() {
        tracing::warn!(left = state.connections.len(), "shutdown grace over; dropping remaining connections");
    }
    tracing::info!("duet-server stopped");
    Ok(())
}

type Built = (Router, AppState, Option<String>);

fn build(config: Config, bound: SocketAddr, shutdown: CancellationToken) -> Result<Built, ServeError> {
    config.validate().map_err(ServeError::Config)?;
    let mut invite_key = None;
    let access = match config.access_mode(bound).map_err(ServeError::Config)? {
        AccessMode::Open => Access::Open,
        AccessMode::Key => {
            let path = match &config.access_key_file {
                Some(path) => path.clone(),
                None => {
                    let (path, key) = access::generated_key_file(&config.state_dir()).map_err(ServeError::Config)?;
                    invite_key = Some(key);
                    path
                }
            };
            Access::Key(KeyRing::load(&path).map_err(ServeError::Config)?)
        }
        AccessMode::Jwt => Access::Jwt(Box::new(JwtCheck::load(config.jwt_source()).map_err(ServeError::Config)?)),
    };
    config.ice().check().map_err(ServeError::Config)?;
    if access.mode() == AccessMode::Open && config.ice().has_turn() {
        tracing::warn!(
            "TURN is configured and --access is open: anyone who reaches this server gets relay credentials; \
             use --access key or jwt on a public server"
        );
    }
    let tickets = ticket::Tickets::load(
        config.secret_file.as_deref(),
        &config.state_dir(),
        Duration::from_secs(config.ticket_ttl_secs),
    )
    .map_err(ServeError::Config)?;
    let guard = host_guard(bound, config.tls(), &config);
    let origins =
        origin::OriginPolicy::new(&config.allowed_origins, &config.allowed_hosts, guard).map_err(ServeError::Config)?;
    let tls = match (&config.tls_cert, &config.tls_key, config.tls_self_signed) {
        (Some(cert), Some(key), _) => Some(tls::CertSource::Files { cert: cert.clone(), key: key.clone() }),
        (_, _, true) => {
            let dir = config.state_dir().join("tls");
            Some(tls::CertSource::SelfSigned { dir, names: tls::local_names(&config.tls_names) })
        }
        _ => None,
    };
    let tls = tls.map(tls::Tls::load).transpose().map_err(ServeError::Config)?.map(Arc::new);
    let metrics = Arc::new(Metrics::default());
    let seal = backplane::seal::SealKey::new(tickets.derive("duet cluster messages v1"));
    if config.redis_url.is_some() && config.secret_file.is_none() {
        tracing::warn!(
            "--redis-url without --secret-file: nodes sign cluster messages and tickets with the state \
             directory's key, so only nodes sharing that directory understand each other"
        );
    }
    let hub = match config.cluster(seal) {
        None => Arc::new(Hub::new(metrics, config.ice()).with_tickets(tickets)),
        Some(settings) => {
            let node = settings.node.clone();
            let (backplane, links) =
                RedisBackplane::new(settings).map_err(|e| ServeError::Config(format!("--redis-url: {e}")))?;
            let hub = Arc::new(Hub::with_backplane(metrics.clone(), config.ice(), backplane).with_tickets(tickets));
            let (events, cluster) = tokio::sync::mpsc::channel(CLUSTER_EVENTS);
            tokio::spawn(hub::follow_cluster(hub.clone(), cluster));
            links.start(events, metrics, shutdown.clone());
            tracing::info!(%node, "clustered through Redis");
            hub
        }
    };
    let state = AppState {
        hub,
        access: Arc::new(access),
        origins: Arc::new(origins),
        proxies: config.proxies(),
        per_ip: ConnCounts::new(config.max_conns_per_ip, config.ipv6_prefix),
        auth_failures: Arc::new(PerIpRate::new(config.auth_failures_per_minute, config.ipv6_prefix)),
        logins: Arc::new(PerIpRate::new(config.logins_per_minute, config.ipv6_prefix)),
        chat: Arc::new(per_ip::ChatBudget::new(
            config.chat_per_address_per_sec,
            config.chat_server_per_sec,
            config.ipv6_prefix,
        )),
        sockets: Arc::default(),
        tls,
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
        // Metrics live on --metrics-listen only; never the app's fallback here.
        .route("/metrics", get(|| async { (StatusCode::NOT_FOUND, "not found\n") }))
        // MDN's client dials the root, so an upgrade on / is a WebSocket too.
        .route("/", get(root))
        .fallback_service(static_files::service(&state.config.static_dir))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers::apply))
        .with_state(state.clone());
    Ok((router, state, invite_key))
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

async fn root(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
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
        Ok(ws) => accept(ws, &parts.headers, peer, state),
        Err(rejection) => rejection.into_response(),
    }
}

async fn ws_upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    accept(ws, &headers, peer, state)
}

/// Decides, before upgrading, whether this client may have a WebSocket:
/// origin, per-address limits, then access control. A refused credential is
/// still upgraded, only to close at once with a code and reason the app can
/// show — nothing else happens on that socket.
fn accept(ws: WebSocketUpgrade, headers: &HeaderMap, peer: SocketAddr, state: AppState) -> Response {
    let metrics = &state.hub.metrics;
    let refuse = |status: StatusCode, why: String| {
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        tracing::info!(%peer, "refused WebSocket: {why}");
        (status, why).into_response()
    };
    let https = state.tls.is_some() || state.proxies.forwarded_https(peer.ip(), headers);
    if let Err(why) = state.origins.check(headers, https) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    let client = state.proxies.client(peer.ip(), headers);
    // Clients behind a trusted proxy are counted here, by forwarded address
    // (the accept loop counted everyone else by socket).
    let forwarded_slot = if state.proxies.trusts(client_addr::canonical(peer.ip())) {
        match state.per_ip.acquire(client) {
            Some(slot) => slot,
            None => return refuse(StatusCode::TOO_MANY_REQUESTS, "too many connections from your address".into()),
        }
    } else {
        None
    };
    if !state.auth_failures.has_left(client) {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed access attempts from your address; wait a minute".into(),
        );
    }
    let admitted = state.access.check(headers);
    if let Err(denied) = &admitted {
        state.auth_failures.try_take(client);
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        tracing::info!(%client, "refused access: {denied}");
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
    let peer_info = session::Peer { ip: client, logins: state.logins.clone(), chat: state.chat.clone() };
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
        .on_upgrade(move |socket| async move {
            let identity = match admitted {
                Ok(Admitted::Anyone) => None,
                Ok(Admitted::Named(name)) => Some(name),
                Err(denied) => return connection::refuse(socket, denied).await,
            };
            state.hub.metrics.connections_total.fetch_add(1, Relaxed);
            let admission = session::Admission { peer: Some(peer_info), identity };
            let task =
                connection::run(socket, id, state.hub.clone(), state.config.clone(), state.shutdown.clone(), admission);
            state
                .connections
                .track_future(async move {
                    let _slot = (slot, forwarded_slot);
                    task.await
                })
                .await
        })
}

/// Frees a connection slot however the connection ends (or fails to upgrade).
struct SlotGuard(Arc<Metrics>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Relaxed);
    }
}
