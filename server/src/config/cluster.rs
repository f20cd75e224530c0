//! Several nodes sharing one Redis.

use std::time::Duration;

use clap::Args;

use crate::cluster::{redis, seal::SealKey};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cluster")]
pub struct Cluster {
    /// Redis URL (redis://[:password@]host:port[/db]). Switches presence and
    /// routing from this process's memory to a cluster of duet-server nodes
    /// sharing that Redis (docs/cluster.md).
    #[arg(long, env = "DUET_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of Duet's keys and channels in Redis, so clusters can share one Redis.
    #[arg(long, env = "DUET_REDIS_PREFIX", default_value = "duet")]
    pub redis_prefix: String,

    /// This node's id in the cluster (letters, digits, '-', '_', '.'); random at each start by default.
    #[arg(long, env = "DUET_NODE_ID")]
    pub node_id: Option<String>,

    /// Seconds without a heartbeat after which a node counts as stopped and its users are removed.
    #[arg(long, env = "DUET_NODE_TIMEOUT_SECS", default_value_t = 10.0)]
    pub node_timeout_secs: f64,
}

impl Cluster {
    /// The cluster settings, when --redis-url is given.
    /// `seal`: the key cluster messages are signed with (from the ticket key).
    pub fn settings(&self, seal: SealKey) -> Option<redis::Settings> {
        let url = self.redis_url.clone()?;
        let node = self.node_id.clone().unwrap_or_else(redis::random_node_id);
        Some(redis::Settings {
            url,
            prefix: self.redis_prefix.clone(),
            node: node.into(),
            seal,
            node_timeout: Duration::from_secs_f64(self.node_timeout_secs),
        })
    }
}
