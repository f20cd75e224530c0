//! Events from the other nodes, handed over by the backplane through a
//! channel: routed messages, broadcasts, roster syncs, nodes that stopped.

use std::collections::HashSet;

use duet_protocol::{limits::MAX_CHAT_CHARS, ErrorCode, HangupReason, ServerMessage, UserStatus};
use tokio::sync::mpsc;

use super::{frame, relay::ends, Entry, Home, Hub, State};
use crate::{
    access::names,
    cluster::{Broadcast, ClusterEvent, Routed, Unreachable},
    ids::{ConnId, NodeId},
};

/// Applies the backplane's events to `hub` in the order they came, until the
/// backplane stops.
pub async fn follow_cluster(hub: std::sync::Arc<Hub>, mut events: mpsc::Receiver<ClusterEvent>) {
    while let Some(event) = events.recv().await {
        hub.on_cluster(event);
    }
}

impl Hub {
    fn on_cluster(&self, event: ClusterEvent) {
        match event {
            ClusterEvent::Routed(r) => self.on_routed(r),
            ClusterEvent::Broadcast(b) => self.on_broadcast(b),
            ClusterEvent::Undeliverable { msg, why } => self.on_undeliverable(msg, &why),
            ClusterEvent::Linked => {
                self.announce_roster();
                self.request_rosters();
            }
            ClusterEvent::Relinked => self.announce_roster(),
            ClusterEvent::Claims(reply) => {
                let _ = reply.send(self.local_claims());
            }
            ClusterEvent::ClaimLost { name, conn } => self.claim_lost(&name, conn),
            ClusterEvent::NodesAlive(alive) => {
                for node in self.remote_nodes().difference(&alive) {
                    self.drop_node(node);
                }
            }
        }
    }

    /// A message from another node for one of ours.
    fn on_routed(&self, routed: Routed) {
        let mut st = self.lock();
        match routed {
            Routed::Relay { msg, linked } => {
                let Some((from, target)) = ends(&msg) else { return };
                if names::check(from).as_deref() != Ok(from) {
                    return tracing::warn!(%from, "dropped a relayed message from a name this node refuses");
                }
                if st.local.contains_key(target) {
                    return self.receive(&mut st, msg, linked);
                }
                // The target left (or moved) while the message was on its
                // way: an offer is answered as the departure would be.
                if matches!(msg, ServerMessage::VideoOffer { .. }) {
                    let (from, target) = (from.to_owned(), target.to_owned());
                    let gone = ServerMessage::HangUp { name: target, target: from, reason: HangupReason::Disconnected };
                    self.deliver(&mut st, gone, false);
                }
            }
            Routed::Notice { to, msg } => st.send_to(&to, &frame(&msg), &self.metrics),
        }
    }

    /// A message from another node for everyone.
    fn on_broadcast(&self, b: Broadcast) {
        if b.node() == self.node() {
            return;
        }
        let mut st = self.lock();
        match b {
            Broadcast::Presence { node, changes } => {
                for (name, status) in changes {
                    self.remote_presence(&mut st, &node, name, status);
                }
            }
            Broadcast::Roster { node, users } => {
                let listed: HashSet<&str> = users.iter().map(|(n, _)| n.as_str()).collect();
                let gone = st.users_of(&node).into_iter().filter(|n| !listed.contains(n.as_str())).collect::<Vec<_>>();
                for name in gone {
                    self.remote_presence(&mut st, &node, name, None);
                }
                for (name, status) in users {
                    self.remote_presence(&mut st, &node, name, Some(status));
                }
            }
            Broadcast::SyncRequest { .. } => {
                drop(st);
                self.announce_roster();
            }
            Broadcast::Chat { name, text, date, id, .. } => {
                // Held to the rules a local sender is: another node is no
                // reason to believe a name or a text this node would refuse.
                if names::check(&name).as_deref() != Ok(&name) || text.chars().count() > MAX_CHAT_CHARS {
                    return tracing::warn!(%name, "dropped cluster chat this node would not have accepted");
                }
                st.chat_to_local(&name, &text, date, id, &self.metrics)
            }
        }
    }

    /// Tells every node who is connected here (after joining or an outage).
    fn announce_roster(&self) {
        let users = self.lock().roster();
        self.backplane.broadcast(Broadcast::Roster { node: self.node().clone(), users });
    }

    /// Asks every other node for its roster (after joining or an outage).
    fn request_rosters(&self) {
        self.backplane.broadcast(Broadcast::SyncRequest { node: self.node().clone() });
    }

    /// Forgets every user of a node that stopped (or lost the cluster):
    /// they leave everyone's list, and local calls with them end.
    fn drop_node(&self, node: &NodeId) {
        let mut st = self.lock();
        for name in st.users_of(node) {
            self.remote_presence(&mut st, node, name, None);
        }
    }

    /// The nodes other users are connected to.
    fn remote_nodes(&self) -> HashSet<NodeId> {
        let st = self.lock();
        st.everyone
            .values()
            .filter_map(|e| if let Home::Remote(n) = &e.home { Some(n.clone()) } else { None })
            .collect()
    }

    /// Local users and the connection holding each name (for claims).
    fn local_claims(&self) -> Vec<(String, ConnId)> {
        self.lock().local.iter().map(|(n, u)| (n.clone(), u.claim)).collect()
    }

    /// Another node took `name` while this one was cut off from the cluster:
    /// its local holder is told and disconnected.
    fn claim_lost(&self, name: &str, conn: ConnId) {
        let st = self.lock();
        if let Some(u) = st.local.get(name).filter(|u| u.claim == conn) {
            let text = format!("the name {name} was taken on another server while this one was cut off; log in again");
            u.outbox.push(&frame(&ServerMessage::error(ErrorCode::Unavailable, text)), &self.metrics);
            u.outbox.close();
        }
    }

    /// A queued message the backplane could not deliver.
    fn on_undeliverable(&self, routed: Routed, why: &Unreachable) {
        match routed {
            Routed::Relay { msg, .. } => self.undeliverable(&mut self.lock(), &msg, why),
            Routed::Notice { to, .. } => tracing::warn!(%to, "could not route a notice: {why}"),
        }
    }

    fn remote_presence(&self, st: &mut State, node: &NodeId, name: String, status: Option<UserStatus>) {
        if status.is_some() && names::check(&name).as_deref() != Ok(&name) {
            return tracing::warn!(%name, %node, "ignored a user from another node with a name this node refuses");
        }
        let here = st.everyone.get(&name).map(|e| e.home.clone());
        match (status, here) {
            // A local user's claim is authoritative; a stale report loses.
            (_, Some(Home::Local)) => return,
            (Some(status), _) => {
                st.add_presence(&name, Entry { home: Home::Remote(node.clone()), status });
            }
            (None, Some(Home::Remote(n))) if n == *node => {
                st.remove_presence(&name);
                self.end_calls_with(st, &name);
            }
            (None, _) => return,
        }
        st.pending.insert(name, status);
    }
}

impl State {
    fn users_of(&self, node: &NodeId) -> Vec<String> {
        self.everyone
            .iter()
            .filter(|(_, e)| matches!(&e.home, Home::Remote(n) if n == node))
            .map(|(n, _)| n.clone())
            .collect()
    }
}
