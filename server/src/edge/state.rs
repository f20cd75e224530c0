//! What every request handler of the public listener shares.

use std::sync::{atomic::AtomicU64, Arc};

use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    access::Access,
    config::Config,
    edge::{client_addr::TrustedProxies, listener, origin::OriginPolicy, tls::Tls},
    limits::per_ip::{ConnCounts, PerIpRate, SharedBudget},
    signaling::hub::Hub,
};

#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
    pub shutdown: CancellationToken,
    /// The WebSocket connection tasks, waited for at shutdown.
    pub connections: TaskTracker,
    pub next_id: Arc<AtomicU64>,
    pub access: Arc<Access>,
    pub origins: Arc<OriginPolicy>,
    pub proxies: TrustedProxies,
    pub per_ip: Arc<ConnCounts>,
    pub auth_failures: Arc<PerIpRate>,
    pub logins: Arc<PerIpRate>,
    pub chat: Arc<SharedBudget>,
    pub searches: Arc<SharedBudget>,
    /// Open sockets, WebSocket or not.
    pub sockets: Arc<AtomicU64>,
    pub tls: Option<Arc<Tls>>,
}

impl AppState {
    /// The accept loop's limits for a listener of this server: every listener
    /// shares the global and per-address socket counts, so a side listener
    /// cannot be used to run the process out of descriptors.
    pub fn listener_limits(&self, tls: Option<Arc<Tls>>) -> listener::Limits {
        listener::Limits {
            max_sockets: self.config.limits.max_connections,
            per_ip: self.per_ip.clone(),
            proxies: self.proxies.clone(),
            header_timeout: self.config.edge.header_timeout(),
            open: self.sockets.clone(),
            tls,
        }
    }
}
