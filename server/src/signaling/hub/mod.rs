//! Who is online and who is in a call with whom: the presence and routing
//! state every connection of this node shares. Users connected to other nodes
//! of a cluster are reached through the [`Backplane`]; each user's end of a
//! call is kept by the node holding their connection.
//!
//! All state sits behind one mutex whose critical sections never await: a
//! message to a user is put on that user's outbox, bounded in bytes, without
//! waiting, so a slow client can never stall the hub (it loses lobby chat
//! first; a full outbox disconnects its owner, see [`Outbox`]).
//! Fan-out serializes a message once and shares the text between recipients.
//! Presence changes for Duet clients are batched: they collect in `pending`
//! and [`Hub::flush_presence`] (run every ~100 ms) sends one message to each
//! Duet client, so a storm of N logins costs O(N) frames per flush instead of
//! O(N²) frames in all.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{atomic::Ordering::Relaxed, Arc, Mutex, MutexGuard},
};

use duet_protocol::{ErrorCode, UserStatus};

use crate::{
    access::names::NameError,
    access::ticket::Tickets,
    access::turn::IceConfig,
    cluster::{Backplane, Memory},
    ids::NodeId,
    metrics::Metrics,
};

mod chat;
mod cluster;
mod directory;
mod invariants;
mod login;
mod outbox;
mod presence;
mod relay;
mod resume;

pub use self::{
    cluster::follow_cluster,
    outbox::{frame, Frame, Inbox, Outbox},
};
pub use crate::ids::ConnId;

/// A refusal to act on a client's message; it becomes an `error` to the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct Refusal {
    pub code: ErrorCode,
    pub text: String,
}

impl Refusal {
    fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        Refusal { code, text: text.into() }
    }
}

impl From<NameError> for Refusal {
    fn from(e: NameError) -> Self {
        Refusal::new(ErrorCode::InvalidUsername, e.to_string())
    }
}

#[derive(Debug)]
struct User {
    /// The connection serving the user now.
    conn: ConnId,
    /// The connection that claimed the name in the backplane (the first
    /// one; a resumed session keeps its claim).
    claim: ConnId,
    outbox: Outbox,
    /// Speaks Duet's additions (announced `duet` at login).
    duet: bool,
    /// This login's session id, carried in its resume tickets (Duet
    /// clients only): a ticket resumes only its own session.
    session: Option<String>,
    /// Logged in with a valid ticket for this name: the name is theirs even
    /// against someone returning with an older session's ticket.
    ticketed: bool,
    /// When this user's session began (unix ms; a resumed or reclaimed
    /// session keeps its first start), carried in its tickets.
    since: u64,
    /// The connection dropped; the name and call wait for a resume.
    parked: bool,
    /// The presence version of the last full list sent (MDN clients).
    list_seen: u64,
    /// What a directory client (protocol 2) shows and follows; others get
    /// the whole list.
    directory: Option<Box<directory::Interest>>,
}

/// What a client asks for when it logs in.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginRequest<'a> {
    pub name: &'a str,
    pub duet: bool,
    /// Wants the directory (protocol 2) rather than the whole list.
    pub directory: bool,
    /// The token of an earlier session to take over.
    pub resume: Option<&'a str>,
    /// The partner of a call the client is still in.
    pub call: Option<&'a str>,
    /// The name comes from a signed token: it is this name or nothing.
    pub fixed: bool,
}

/// Where a user's connection lives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Home {
    Local,
    Remote(NodeId),
}

/// A user anywhere in the cluster, as presence knows them.
#[derive(Debug, Clone)]
struct Entry {
    home: Home,
    status: UserStatus,
}

/// One end of a call, held by the node of the user it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CallLink {
    partner: String,
    /// The callee answered; until then the call is ringing.
    answered: bool,
    /// This end (the callee) counts the call in the `active_calls` gauge, so
    /// a call between two nodes is counted once.
    counted: bool,
    /// Restored from a ticket after a restart and waiting for the partner's
    /// proven return: only the partner's linked session (its own end of this
    /// call, answered) may speak to it. Anyone else holding the name
    /// meanwhile is a stranger, refused as busy; a departure of the name
    /// does not end it either (the user's app ends it if its media fails).
    held: bool,
    /// The partner sent an offer on this call (it rang us, a glare, a
    /// renegotiation, or the call was restored): only then may this end
    /// answer, so nobody can mark their own ring answered and so "linked".
    offered_by_partner: bool,
}

#[derive(Debug, Default)]
struct State {
    /// Users whose connection is on this node.
    local: HashMap<String, User>,
    /// Everyone online in the cluster (local users too). Sorted, so the lists
    /// sent at login and to MDN clients need no sort.
    everyone: BTreeMap<String, Entry>,
    /// The call end of each local user in a call, ringing or answered.
    calls: HashMap<String, CallLink>,
    mdn_clients: usize,
    /// Presence changes not yet sent to local Duet clients: the latest status
    /// of each user who changed, or None for one who left.
    pending: BTreeMap<String, Option<UserStatus>>,
    /// Changes of local users not yet announced to other nodes.
    announce: BTreeMap<String, Option<UserStatus>>,
    /// The confusable skeletons of every name online, and whose they are.
    skeletons: HashMap<String, String>,
    /// Bumped whenever someone joins or leaves: MDN clients whose last full
    /// list is older get a new one at the next flush.
    list_version: u64,
    /// The Duet login snapshot built in this presence interval, if any.
    snapshot: Option<Arc<[Frame]>>,
    /// The top rows of the directory built in this presence interval, if any.
    first_rows: Option<Frame>,
    /// A directory client's view waits for the next flush.
    views_waiting: bool,
    /// Where the directory's rows start, every so many names.
    row_index: Option<directory::RowIndex>,
}

#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    pub metrics: Arc<Metrics>,
    ice: IceConfig,
    backplane: Arc<dyn Backplane>,
    tickets: Tickets,
}

impl Hub {
    /// A single-process hub.
    pub fn new(metrics: Arc<Metrics>, ice: IceConfig) -> Self {
        Hub::with_backplane(metrics, ice, Arc::new(Memory::default()))
    }

    pub fn with_backplane(metrics: Arc<Metrics>, ice: IceConfig, backplane: Arc<dyn Backplane>) -> Self {
        if !backplane.clustered() {
            metrics.cluster_up.store(1, Relaxed);
        }
        let tickets = Tickets::ephemeral(std::time::Duration::from_secs(3600));
        Hub { state: Mutex::default(), metrics, ice, backplane, tickets }
    }

    /// Signs resume tickets with this key (one that survives restarts).
    pub fn with_tickets(mut self, tickets: Tickets) -> Self {
        let node = if self.backplane.clustered() { self.backplane.node().to_string() } else { String::new() };
        self.tickets = tickets.for_node(&node);
        self
    }

    pub fn ice(&self) -> &IceConfig {
        &self.ice
    }

    pub fn node(&self) -> &NodeId {
        self.backplane.node()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves no half-written invariant we
        // rely on more than on staying up, so carry on with the data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Everyone logged in anywhere, sorted.
    pub fn users_online(&self) -> Vec<String> {
        self.lock().everyone.keys().cloned().collect()
    }

    /// The partner local user `name` is in a call (or ringing) with.
    pub fn partner_of(&self, name: &str) -> Option<String> {
        self.lock().calls.get(name).map(|l| l.partner.clone())
    }

    /// Whether cluster node `node` (a ticket's issuer) is this one or one
    /// with users online now. A node that is gone cannot be asked, so its
    /// tickets count as from before a restart.
    fn node_alive(&self, node: &str) -> bool {
        node == self.tickets.node()
            || self.lock().everyone.values().any(|e| matches!(&e.home, Home::Remote(n) if &**n == node))
    }

    /// Whether `name`'s connection dropped and the name (and call) wait
    /// for it to come back.
    pub fn is_parked(&self, name: &str) -> bool {
        self.lock().local.get(name).is_some_and(|u| u.parked)
    }
}

impl State {
    fn send_to(&self, name: &str, f: &Frame, metrics: &Metrics) {
        if let Some(u) = self.local.get(name) {
            u.outbox.push(f, metrics);
        }
    }

    /// Sends `f` to every Duet client that gets the whole list (not the directory).
    fn send_to_listed(&self, f: &Frame, metrics: &Metrics) {
        for u in self.local.values().filter(|u| u.duet && u.directory.is_none()) {
            u.outbox.push(f, metrics);
        }
    }
}
