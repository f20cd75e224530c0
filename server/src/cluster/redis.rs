//! The Redis backplane: several duet-server nodes behind one address.
//!
//! Keys (under `--redis-prefix`, default `duet`):
//! - `{p}:user:{name}` = `{node}/{conn}`: the claim on a name, with an expiry
//!   refreshed while connected; set and removed only by compare-and-set
//!   scripts, so a late logout never removes a newer claim.
//! - `{p}:node:{node}:users`: the names a node claimed, for purging it.
//! - `{p}:nodes`: hash of node → last heartbeat (Redis server time, ms).
//!
//! Channels: `{p}:to:{node}` carries [`Routed`] messages for one node's users,
//! `{p}:all` carries [`Broadcast`]s. Three tasks per node: the publisher
//! (one connection, so a node's messages keep their order), the subscriber
//! (which re-syncs after every reconnect) and the keeper (heartbeat, claim
//! refresh, purging nodes that stopped). docs/cluster.md has the design.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hasher},
    sync::{
        atomic::{AtomicBool, Ordering::Relaxed},
        Arc,
    },
    time::Duration,
};

use futures_util::{future::BoxFuture, StreamExt};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio_util::sync::CancellationToken;

use super::{redis_keys::Keys, Backplane, Broadcast, ClusterEvent, NodeId, Routed, Unreachable};
use crate::{ids::ConnId, metrics::Metrics};

/// Settings of a Redis-coordinated node.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    pub prefix: String,
    pub node: NodeId,
    /// Signs and checks every message between nodes.
    pub seal: super::seal::SealKey,
    /// A node silent this long is taken for dead and purged.
    pub node_timeout: Duration,
}

impl Settings {
    fn heartbeat(&self) -> Duration {
        self.node_timeout / 5
    }

    /// Claims outlive a missed refresh or two; purging usually removes a dead
    /// node's claims long before they expire.
    fn claim_ttl(&self) -> Duration {
        self.node_timeout * 6
    }
}

/// A random node id, unique enough for a cluster's lifetime.
pub fn random_node_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

#[derive(Debug)]
enum Out {
    Route { node: NodeId, msg: Routed },
    Broadcast(Broadcast),
    Release { name: String, conn: ConnId },
}

#[derive(Debug)]
pub struct RedisBackplane {
    keys: Arc<Keys>,
    commands: ConnectionManager,
    queue: mpsc::Sender<Out>,
    up: Arc<AtomicBool>,
    claim_ttl: Duration,
}

/// The tasks of a Redis backplane, started once the hub exists.
pub struct Links {
    settings: Settings,
    client: redis::Client,
    keys: Arc<Keys>,
    commands: ConnectionManager,
    queue: mpsc::Receiver<Out>,
    up: Arc<AtomicBool>,
}

/// Messages queued for other nodes before senders are told the link is overloaded.
const QUEUE: usize = 16 * 1024;

impl RedisBackplane {
    pub fn new(settings: Settings) -> Result<(Arc<Self>, Links), redis::RedisError> {
        let client = redis::Client::open(settings.url.as_str())?;
        // Fail fast while Redis is away: callers turn errors into answers.
        // An answer may take longer than a round trip while this node is
        // busiest (a login storm keeps its runtime from reading it): half
        // the node timeout, within which our own heartbeat must land anyway.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(settings.node_timeout / 2))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let commands = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let keys = Arc::new(Keys { prefix: settings.prefix.clone(), node: settings.node.clone() });
        let up = Arc::new(AtomicBool::new(false));
        let bp = Arc::new(RedisBackplane {
            keys: keys.clone(),
            commands: commands.clone(),
            queue: tx,
            up: up.clone(),
            claim_ttl: settings.claim_ttl(),
        });
        Ok((bp, Links { settings, client, keys, commands, queue: rx, up }))
    }
}

impl Backplane for RedisBackplane {
    fn node(&self) -> &NodeId {
        &self.keys.node
    }

    fn clustered(&self) -> bool {
        true
    }

    fn claim<'a>(&'a self, name: &'a str, conn: ConnId) -> BoxFuture<'a, Result<bool, Unreachable>> {
        Box::pin(async move {
            if !self.up.load(Relaxed) {
                return Err(Unreachable::Down);
            }
            let mut c = self.commands.clone();
            let got: i64 = self.keys.claim(name, conn, self.claim_ttl).query_async(&mut c).await.map_err(|e| {
                tracing::debug!(user = %name, timeout = e.is_timeout(), "claim not answered: {e:?}");
                // A claim not answered in time is a busy moment (a login
                // storm), worth waiting out; anything else is a lost link.
                if e.is_timeout() {
                    Unreachable::Overloaded
                } else {
                    Unreachable::Down
                }
            })?;
            Ok(got == 1)
        })
    }

    fn release(&self, name: &str, conn: ConnId) {
        // Queued behind this node's messages; if the queue is full the claim
        // expires on its own (or goes with a purge).
        let _ = self.queue.try_send(Out::Release { name: name.to_owned(), conn });
    }

    fn send(&self, node: &NodeId, msg: Routed) -> Result<(), Unreachable> {
        if !self.up.load(Relaxed) {
            return Err(Unreachable::Down);
        }
        self.queue.try_send(Out::Route { node: node.clone(), msg }).map_err(|_| Unreachable::Overloaded)
    }

    fn broadcast(&self, msg: Broadcast) {
        // While down, nothing is sent; the roster is re-sent on reconnect.
        if self.up.load(Relaxed) {
            let _ = self.queue.try_send(Out::Broadcast(msg));
        }
    }
}

impl Links {
    /// Starts the publisher, subscriber and keeper; they stop with `shutdown`.
    pub fn start(self, hub: mpsc::Sender<ClusterEvent>, metrics: Arc<Metrics>, shutdown: CancellationToken) {
        let link = Arc::new(Link {
            hub,
            metrics,
            keys: self.keys,
            commands: self.commands,
            up: self.up,
            lost: Notify::new(),
            sealer: super::seal::Sealer::new(self.settings.seal.clone(), &self.settings.node),
            settings: self.settings,
        });
        tokio::spawn(link.clone().publish(self.queue, shutdown.clone()));
        tokio::spawn(link.clone().subscribe(self.client, shutdown.clone()));
        tokio::spawn(link.keep(shutdown));
    }
}

struct Link {
    /// Where events for the hub go; a full channel holds the link back.
    hub: mpsc::Sender<ClusterEvent>,
    metrics: Arc<Metrics>,
    keys: Arc<Keys>,
    commands: ConnectionManager,
    up: Arc<AtomicBool>,
    /// Raised by a failing command so the subscriber reconnects at once.
    lost: Notify,
    /// Signs what this node publishes.
    sealer: super::seal::Sealer,
    settings: Settings,
}

impl Link {
    fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Hands `event` to the hub (nothing to do once the hub is gone: the
    /// server is stopping).
    async fn tell(&self, event: ClusterEvent) {
        let _ = self.hub.send(event).await;
    }

    fn set_down(&self, why: &str) {
        if self.up.swap(false, Relaxed) {
            self.metrics().cluster_up.store(0, Relaxed);
            self.metrics().cluster_outages_total.fetch_add(1, Relaxed);
            tracing::warn!(node = %self.keys.node, "cluster link down ({why}); serving local users only");
        }
        self.lost.notify_one();
    }

    /// Sends queued messages in order, pipelined in batches.
    async fn publish(self: Arc<Self>, mut queue: mpsc::Receiver<Out>, shutdown: CancellationToken) {
        let mut batch = Vec::with_capacity(256);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                n = queue.recv_many(&mut batch, 256) => if n == 0 { return },
            }
            let mut pipe = redis::pipe();
            for out in &batch {
                match out {
                    Out::Route { node, msg } => {
                        let channel = self.keys.to(node);
                        let sealed = self.sealer.seal(&channel, &json(msg));
                        pipe.cmd("PUBLISH").arg(channel).arg(sealed);
                    }
                    Out::Broadcast(b) => {
                        let channel = self.keys.all();
                        let sealed = self.sealer.seal(&channel, &json(b));
                        pipe.cmd("PUBLISH").arg(channel).arg(sealed);
                    }
                    Out::Release { name, conn } => {
                        pipe.add_command(self.keys.release(name, *conn));
                    }
                }
            }
            let mut c = self.commands.clone();
            let results: Result<Vec<redis::Value>, _> = pipe.query_async(&mut c).await;
            let results = match results {
                Ok(r) => r,
                Err(e) => {
                    self.set_down(&e.to_string());
                    Vec::new()
                }
            };
            for (i, out) in batch.drain(..).enumerate() {
                if let Out::Route { msg, .. } = out {
                    match results.get(i) {
                        Some(redis::Value::Int(n)) if *n > 0 => {}
                        // Nobody subscribes to that node's channel: it stopped.
                        Some(_) => self.tell(ClusterEvent::Undeliverable { msg, why: Unreachable::NoSuchNode }).await,
                        None => self.tell(ClusterEvent::Undeliverable { msg, why: Unreachable::Down }).await,
                    }
                }
            }
        }
    }

    /// Listens to this node's channel and the broadcast channel; after every
    /// (re)connect re-claims local users and re-syncs rosters with everyone.
    async fn subscribe(self: Arc<Self>, client: redis::Client, shutdown: CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        // Kept across reconnects: a sequence seen once is never taken again.
        let mut opener = super::seal::Opener::new(self.settings.seal.clone());
        loop {
            let connected = tokio::time::timeout(Duration::from_secs(2), async {
                let mut ps = client.get_async_pubsub().await?;
                ps.subscribe(self.keys.to(&self.keys.node)).await?;
                ps.subscribe(self.keys.all()).await?;
                Ok::<_, redis::RedisError>(ps)
            })
            .await;
            let ps = match connected {
                Ok(Ok(ps)) => ps,
                Ok(Err(e)) => {
                    self.set_down(&e.to_string());
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
                Err(_) => {
                    self.set_down("connecting timed out");
                    continue;
                }
            };
            if let Err(e) = self.resync().await {
                self.set_down(&e.to_string());
                continue;
            }
            backoff = Duration::from_millis(100);
            let mut stream = ps.into_on_message();
            let all = self.keys.all();
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    // A permit left from an earlier outage is no news.
                    _ = self.lost.notified() => if !self.up.load(Relaxed) { break },
                    m = stream.next() => {
                        let Some(m) = m else { break };
                        let channel = m.get_channel_name();
                        let payload = match opener.open(channel, m.get_payload_bytes()) {
                            Ok(p) => p,
                            Err(why) => {
                                tracing::warn!(
                                    %channel,
                                    "dropped a cluster message: {why} (every node needs the same \
                                     --secret-file and a synchronised clock; is Redis private?)"
                                );
                                continue;
                            }
                        };
                        if channel == all {
                            match serde_json::from_slice::<Broadcast>(payload) {
                                Ok(b) => self.tell(ClusterEvent::Broadcast(b)).await,
                                Err(e) => tracing::warn!("unreadable cluster broadcast: {e}"),
                            }
                        } else {
                            match serde_json::from_slice::<Routed>(payload) {
                                Ok(r) => self.tell(ClusterEvent::Routed(r)).await,
                                Err(e) => tracing::warn!("unreadable routed message: {e}"),
                            }
                        }
                    }
                }
            }
            self.set_down("subscription ended");
        }
    }

    /// Makes Redis agree with this node again: heartbeat, claims for every
    /// local user, then rosters both ways.
    async fn resync(&self) -> Result<(), redis::RedisError> {
        self.heartbeat().await?;
        self.reclaim().await?;
        if !self.up.swap(true, Relaxed) {
            self.metrics().cluster_up.store(1, Relaxed);
            tracing::info!(node = %self.keys.node, "cluster link up; re-syncing presence");
        }
        self.tell(ClusterEvent::Linked).await;
        Ok(())
    }

    async fn heartbeat(&self) -> Result<(i64, bool), redis::RedisError> {
        let mut c = self.commands.clone();
        let (now, fresh): (i64, i64) = self.keys.heartbeat().query_async(&mut c).await?;
        Ok((now, fresh == 1))
    }

    /// Claims every local user's name again; a name someone else took
    /// meanwhile is lost (its holder here is told and disconnected).
    async fn reclaim(&self) -> Result<(), redis::RedisError> {
        let (reply, claims) = oneshot::channel();
        self.tell(ClusterEvent::Claims(reply)).await;
        let Ok(claims) = claims.await else { return Ok(()) };
        for chunk in claims.chunks(512) {
            let mut pipe = redis::pipe();
            for (name, conn) in chunk {
                pipe.add_command(self.keys.claim(name, *conn, self.settings.claim_ttl()));
            }
            let mut c = self.commands.clone();
            let got: Vec<i64> = pipe.query_async(&mut c).await?;
            for ((name, conn), ok) in chunk.iter().zip(got) {
                if ok != 1 {
                    tracing::warn!(user = %name, "name taken elsewhere while this node was cut off");
                    self.tell(ClusterEvent::ClaimLost { name: name.clone(), conn: *conn }).await;
                }
            }
        }
        Ok(())
    }

    /// Heartbeat, claim refresh, and purging nodes that stopped.
    async fn keep(self: Arc<Self>, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(self.settings.heartbeat());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let refresh_every = 5u32;
        let mut n = 0u32;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    self.leave().await;
                    return;
                }
                _ = tick.tick() => {}
            }
            if !self.up.load(Relaxed) {
                continue;
            }
            n = n.wrapping_add(1);
            if let Err(e) = self.keep_once(n.is_multiple_of(refresh_every)).await {
                self.set_down(&e.to_string());
            }
        }
    }

    async fn keep_once(&self, refresh: bool) -> Result<(), redis::RedisError> {
        let (now, fresh) = self.heartbeat().await?;
        if fresh || refresh {
            // Missing from the heartbeats means others purged this node
            // while it was cut off: its claims must be made again.
            if fresh {
                tracing::warn!(node = %self.keys.node, "this node was purged by others; re-claiming");
            }
            self.reclaim().await?;
            if fresh {
                self.tell(ClusterEvent::Relinked).await;
            }
        }
        let mut c = self.commands.clone();
        let beats: HashMap<String, i64> = redis::cmd("HGETALL").arg(self.keys.nodes()).query_async(&mut c).await?;
        let timeout = self.settings.node_timeout.as_millis() as i64;
        for (node, beat) in &beats {
            if node.as_str() != &*self.keys.node && now - beat > timeout {
                let purged: i64 = self.keys.purge(node).query_async(&mut c).await?;
                tracing::info!(%node, purged, "node stopped sending heartbeats; removed its users");
            }
        }
        // Users of nodes no longer beating (purged here or by another node).
        let alive =
            beats.iter().filter(|(_, beat)| now - **beat <= timeout).map(|(node, _)| NodeId::from(node.as_str()));
        self.tell(ClusterEvent::NodesAlive(alive.collect())).await;
        Ok(())
    }

    /// A clean stop: this node's claims and heartbeat go at once, so others
    /// need not wait for the timeout. Connections closing first have
    /// already released their own claims.
    async fn leave(&self) {
        let mut c = self.commands.clone();
        let purge = self.keys.purge(&self.keys.node);
        let _ = tokio::time::timeout(Duration::from_secs(1), purge.query_async::<i64>(&mut c)).await;
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("cluster messages serialize")
}
