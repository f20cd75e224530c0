//! Builds a server from its settings and runs it: the one place that wires
//! the parts together (access, limits, signaling's hub, the cluster, the
//! edge's listeners), so no part needs to know how the others are made.

use std::{
    net::SocketAddr,
    sync::{atomic::AtomicU64, Arc},
    time::Duration,
};

use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    access::{self, Access, AccessMode, JwtCheck, KeyRing},
    cluster::{redis::RedisBackplane, seal::SealKey},
    config::Config,
    edge::{self, client_addr::TrustedProxies, listener, origin, side, state::AppState, tls},
    limits::per_ip::{ConnCounts, PerIpRate, SharedBudget},
    metrics::Metrics,
    signaling::hub::{self, Hub},
};

/// Cluster events queued for the hub before the backplane waits for it.
const CLUSTER_EVENTS: usize = 1024;

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
    let (state, invite_key) = build(config, addr, shutdown)?;
    listener::raise_open_files_limit();
    let metrics_addr = match state.config.edge.metrics_listen {
        Some(at) => Some(side::spawn_metrics(at, state.clone()).map_err(ServeError::Config)?),
        None => None,
    };
    let redirect_addr = match state.config.edge.redirect_http {
        Some(at) => Some(side::spawn_redirect(at, addr.port(), &state).map_err(ServeError::Config)?),
        None => None,
    };
    #[cfg(unix)]
    tokio::spawn(reload_on_sighup(state.access.clone(), state.tls.clone(), state.shutdown.clone()));
    let hub = state.hub.clone();
    let tls_fingerprint = state.tls.as_ref().map(|t| t.fingerprint());
    let server = Server { hub, addr, metrics_addr, tls_fingerprint, invite_key, redirect_addr };
    Ok((server, tokio::spawn(run(listener, state))))
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

async fn run(listener: TcpListener, state: AppState) -> Result<(), ServeError> {
    let limits = state.listener_limits(state.tls.clone());
    let router = edge::router(state.clone());
    listener::serve(listener, router, limits, state.shutdown.clone()).await?;
    state.connections.close();
    if tokio::time::timeout(state.config.shutdown_grace(), state.connections.wait()).await.is_err() {
        tracing::warn!(left = state.connections.len(), "shutdown grace over; dropping remaining connections");
    }
    tracing::info!("duet-server stopped");
    Ok(())
}

/// The shared state of every handler, and the generated invite key if any.
fn build(
    config: Config,
    bound: SocketAddr,
    shutdown: CancellationToken,
) -> Result<(AppState, Option<String>), ServeError> {
    config.validate().map_err(ServeError::Config)?;
    let mut invite_key = None;
    let access = match config.access_mode(bound).map_err(ServeError::Config)? {
        AccessMode::Open => Access::Open,
        AccessMode::Key => {
            let path = match &config.auth.access_key_file {
                Some(path) => path.clone(),
                None => {
                    let (path, key) = access::generated_key_file(&config.state_dir()).map_err(ServeError::Config)?;
                    invite_key = Some(key);
                    path
                }
            };
            Access::Key(KeyRing::load(&path).map_err(ServeError::Config)?)
        }
        AccessMode::Jwt => Access::Jwt(Box::new(JwtCheck::load(config.auth.jwt_source()).map_err(ServeError::Config)?)),
    };
    config.turn.ice().check().map_err(ServeError::Config)?;
    if access.mode() == AccessMode::Open && config.turn.ice().has_turn() {
        tracing::warn!(
            "TURN is configured and --access is open: anyone who reaches this server gets relay credentials; \
             use --access key or jwt on a public server"
        );
    }
    let tickets = access::ticket::Tickets::load(
        config.auth.secret_file.as_deref(),
        &config.state_dir(),
        Duration::from_secs(config.auth.ticket_ttl_secs),
    )
    .map_err(ServeError::Config)?;
    let guard = origin::HostGuard::for_listener(bound, config.edge.tls(), &config);
    let origins = origin::OriginPolicy::new(&config.edge.allowed_origins, &config.edge.allowed_hosts, guard)
        .map_err(ServeError::Config)?;
    let tls = match (&config.edge.tls_cert, &config.edge.tls_key, config.edge.tls_self_signed) {
        (Some(cert), Some(key), _) => Some(tls::CertSource::Files { cert: cert.clone(), key: key.clone() }),
        (_, _, true) => {
            let dir = config.state_dir().join("tls");
            Some(tls::CertSource::SelfSigned { dir, names: tls::local_names(&config.edge.tls_names) })
        }
        _ => None,
    };
    let tls = tls.map(tls::Tls::load).transpose().map_err(ServeError::Config)?.map(Arc::new);
    let metrics = Arc::new(Metrics::default());
    let seal = SealKey::new(tickets.derive("duet cluster messages v1"));
    if config.cluster.redis_url.is_some() && config.auth.secret_file.is_none() {
        tracing::warn!(
            "--redis-url without --secret-file: nodes sign cluster messages and tickets with the state \
             directory's key, so only nodes sharing that directory understand each other"
        );
    }
    let hub = match config.cluster.settings(seal) {
        None => Arc::new(Hub::new(metrics, config.turn.ice()).with_tickets(tickets)),
        Some(settings) => {
            let node = settings.node.clone();
            let (backplane, links) =
                RedisBackplane::new(settings).map_err(|e| ServeError::Config(format!("--redis-url: {e}")))?;
            let hub =
                Arc::new(Hub::with_backplane(metrics.clone(), config.turn.ice(), backplane).with_tickets(tickets));
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
        proxies: TrustedProxies::from_config(&config),
        per_ip: ConnCounts::new(config.limits.max_conns_per_ip, config.limits.ipv6_prefix),
        auth_failures: Arc::new(PerIpRate::new(config.limits.auth_failures_per_minute, config.limits.ipv6_prefix)),
        logins: Arc::new(PerIpRate::new(config.limits.logins_per_minute, config.limits.ipv6_prefix)),
        chat: Arc::new(SharedBudget::new(
            config.limits.chat_per_address_per_sec,
            config.limits.chat_server_per_sec,
            5.0,
            config.limits.ipv6_prefix,
        )),
        searches: Arc::new(SharedBudget::new(
            config.limits.searches_per_address_per_sec,
            config.limits.searches_server_per_sec,
            2.0,
            config.limits.ipv6_prefix,
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
        (state.hub.clone(), Duration::from_millis(state.config.signaling.presence_interval_ms), state.shutdown.clone());
    tokio::spawn(async move {
        // The first batch one interval from now: an interval's immediate
        // first tick would send MDN clients a list at a moment nobody chose.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => { hub.flush_presence(); }
            }
        }
    });
    Ok((state, invite_key))
}
