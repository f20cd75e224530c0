//! What one duet-server needs from the others: cluster-wide name claims,
//! messages to users connected elsewhere, and broadcasts (presence, chat).
//!
//! The hub talks only to the [`Backplane`] trait. [`Memory`] is the default
//! single-process backend: claims are a set, and there is nobody else to
//! send to. [`redis::RedisBackplane`] coordinates several nodes through Redis
//! (see docs/cluster.md). Sends are queued, never awaited, so the hub's
//! critical sections stay synchronous. What the cluster says back (messages
//! for local users, broadcasts, undeliverable sends, nodes that stopped) reaches
//! the hub as [`ClusterEvent`]s on a bounded channel: the backplane never
//! holds the hub, and knows neither signaling nor HTTP.

pub mod redis;
mod redis_keys;
pub mod seal;

use std::{
    collections::HashSet,
    fmt::Debug,
    sync::{Arc, Mutex},
};

use duet_protocol::{ServerMessage, UserStatus};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::ids::ConnId;
pub use crate::ids::NodeId;

/// Why the cluster could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    #[error("the server's cluster link is down")]
    Down,
    #[error("the server's cluster link is overloaded")]
    Overloaded,
    #[error("no server holds that user's connection any more")]
    NoSuchNode,
}

/// A message for a user connected to another node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Routed {
    /// A call message (`name` is the sender, `target` the recipient); the
    /// recipient's node applies it to the call state before delivering it.
    Relay {
        msg: ServerMessage,
        /// Sent from the sender's answered end of its call with the target
        /// (see `CallLink::held`); absent from older nodes, read as not.
        #[serde(default)]
        linked: bool,
    },
    /// Delivered as it is (an error meant for one user).
    Notice { to: String, msg: ServerMessage },
}

/// A message for every node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Broadcast {
    /// Users of `node` who joined, changed status (Some) or left (None).
    Presence { node: NodeId, changes: Vec<(String, Option<UserStatus>)> },
    /// Everyone connected to `node` now; replaces what others knew of it.
    Roster { node: NodeId, users: Vec<(String, UserStatus)> },
    /// A node (re)joined and asks every other node for its roster.
    SyncRequest { node: NodeId },
    /// Lobby chat from a user of `node`.
    Chat { node: NodeId, name: String, text: String, date: Option<f64>, id: Option<u64> },
}

impl Broadcast {
    pub fn node(&self) -> &NodeId {
        match self {
            Broadcast::Presence { node, .. }
            | Broadcast::Roster { node, .. }
            | Broadcast::SyncRequest { node }
            | Broadcast::Chat { node, .. } => node,
        }
    }
}

/// What the cluster tells this node's hub, in the order it happened.
#[derive(Debug)]
pub enum ClusterEvent {
    /// A message for one of this node's users.
    Routed(Routed),
    /// A message from another node for everyone.
    Broadcast(Broadcast),
    /// A queued message that could not be delivered.
    Undeliverable { msg: Routed, why: Unreachable },
    /// The link is (re)established: rosters are exchanged both ways.
    Linked,
    /// Others had purged this node and it re-claimed its users: they are
    /// announced again.
    Relinked,
    /// Asks for every local user's name and the connection that claimed it,
    /// to claim them again.
    Claims(oneshot::Sender<Vec<(String, ConnId)>>),
    /// Another node took `name` while this one was cut off.
    ClaimLost { name: String, conn: ConnId },
    /// The nodes still sending heartbeats; users of any other are gone.
    NodesAlive(HashSet<NodeId>),
}

pub trait Backplane: Send + Sync + Debug {
    /// This node's identity.
    fn node(&self) -> &NodeId;

    /// Whether other nodes exist at all; a single process skips the work of
    /// announcing presence to nobody.
    fn clustered(&self) -> bool;

    /// Claims `name` cluster-wide for connection `conn` of this node.
    /// Ok(false): someone holds it.
    fn claim<'a>(&'a self, name: &'a str, conn: ConnId) -> BoxFuture<'a, Result<bool, Unreachable>>;

    /// Gives up a claim, only if `conn` of this node still holds it.
    fn release(&self, name: &str, conn: ConnId);

    /// Queues `msg` for `node`. A queued message that turns out to be
    /// undeliverable is handed back to the hub.
    fn send(&self, node: &NodeId, msg: Routed) -> Result<(), Unreachable>;

    /// Queues `msg` for every other node (best effort: rosters are re-synced
    /// after an outage).
    fn broadcast(&self, msg: Broadcast);
}

/// The single-process backend: the default, needing no other service.
#[derive(Debug)]
pub struct Memory {
    node: NodeId,
    claims: Mutex<HashSet<String>>,
}

impl Default for Memory {
    fn default() -> Self {
        Memory { node: Arc::from("local"), claims: Mutex::default() }
    }
}

impl Backplane for Memory {
    fn node(&self) -> &NodeId {
        &self.node
    }

    fn clustered(&self) -> bool {
        false
    }

    fn claim<'a>(&'a self, name: &'a str, _conn: ConnId) -> BoxFuture<'a, Result<bool, Unreachable>> {
        let fresh = self.claims.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_owned());
        Box::pin(std::future::ready(Ok(fresh)))
    }

    fn release(&self, name: &str, _conn: ConnId) {
        self.claims.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
    }

    fn send(&self, _node: &NodeId, _msg: Routed) -> Result<(), Unreachable> {
        // Every user is local, so the hub never routes elsewhere.
        Err(Unreachable::NoSuchNode)
    }

    fn broadcast(&self, _msg: Broadcast) {}
}
