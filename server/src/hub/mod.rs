//! Who is online and who is in a call with whom: the presence and routing
//! state every connection of this node shares. Users connected to other nodes
//! of a cluster are reached through the [`Backplane`]; each user's end of a
//! call is kept by the node holding their connection.
//!
//! All state sits behind one mutex whose critical sections never await: a
//! message to a user is put on that user's bounded outbox with `try_send`, so a
//! slow client can never stall the hub (a full outbox disconnects its owner).
//! Fan-out serializes a message once and shares the text between recipients.
//! Presence changes for Duet clients are batched: they collect in `pending`
//! and [`Hub::flush_presence`] (run every ~100 ms) sends one message to each
//! Duet client, so a storm of N logins costs O(N) frames per flush instead of
//! O(N²) frames in all.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{atomic::Ordering::Relaxed, Arc, Mutex, MutexGuard},
};

use duet_protocol::{
    limits::{MAX_CHAT_CHARS, MAX_USERNAME_CHARS},
    ClientMessage, ErrorCode, HangupReason, ServerMessage, UserStatus,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    backplane::{Backplane, Broadcast, Memory, NodeId, Routed, Unreachable},
    metrics::Metrics,
    names::{self, NameError},
    ticket::{Ticket, Tickets},
    turn::IceConfig,
};

mod resume;

pub type ConnId = u64;

/// A serialized message, shared by every recipient of a fan-out.
pub type Frame = Arc<str>;

/// The sending half of one connection's bounded queue.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Frame>,
    /// Cancelled when the client falls so far behind that its queue is full.
    too_slow: CancellationToken,
    /// Cancelled when another connection takes this one's place (a resume,
    /// the name's owner returning): what is queued still goes out first.
    displaced: CancellationToken,
}

impl Outbox {
    pub fn new(tx: mpsc::Sender<Frame>, too_slow: CancellationToken) -> Self {
        Outbox { tx, too_slow, displaced: CancellationToken::new() }
    }

    /// Ends the connection after what is queued for it (it closes as displaced).
    pub fn close(&self) {
        self.displaced.cancel();
    }

    /// Cancelled once [`Outbox::close`] was called.
    pub fn displaced(&self) -> CancellationToken {
        self.displaced.clone()
    }

    pub fn push(&self, frame: &Frame, metrics: &Metrics) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(frame.clone()) {
            if !self.too_slow.is_cancelled() {
                metrics.slow_consumers_total.fetch_add(1, Relaxed);
                self.too_slow.cancel();
            }
        }
    }
}

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
    /// against someone returning with another ticket.
    ticketed: bool,
    /// The connection dropped; the name and call wait for a resume.
    parked: bool,
    /// The presence version of the last full list sent (MDN clients).
    list_seen: u64,
}

/// What a client asks for when it logs in.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginRequest<'a> {
    pub name: &'a str,
    pub duet: bool,
    /// The token of an earlier session to take over.
    pub resume: Option<&'a str>,
    /// The partner of a call the client is still in.
    pub call: Option<&'a str>,
    /// The name comes from a signed token: it is this name or nothing.
    pub fixed: bool,
}

/// An unguessable session id (128 random bits, hex).
fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    /// The confusable skeleton of every name online, and whose it is.
    skeletons: HashMap<String, String>,
    /// Bumped whenever someone joins or leaves: MDN clients whose last full
    /// list is older get a new one at the next flush.
    list_version: u64,
}

#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    pub metrics: Arc<Metrics>,
    ice: IceConfig,
    backplane: Arc<dyn Backplane>,
    tickets: Tickets,
}

/// Renames tried before a login is refused.
const MAX_RENAMES: u64 = 1000;

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
        self.tickets = tickets;
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

    /// Registers `requested` (renamed MDN-style on a clash: alice → alice1,
    /// across the whole cluster) and tells everyone. Returns the registered name.
    ///
    /// A valid resume ticket for the name resumes the session it belongs to
    /// or, after a restart, wins the name back from whoever took it meanwhile
    /// without one, and relinks the call it names.
    pub async fn login(&self, conn: ConnId, outbox: Outbox, req: LoginRequest<'_>) -> Result<String, Refusal> {
        let duet = req.duet;
        let wanted = names::check(req.name)?;
        let ticket =
            req.resume.filter(|_| duet).and_then(|t| self.tickets.verify(t)).filter(|t: &Ticket| t.name == wanted);
        if let Some(t) = &ticket {
            if let Some(name) = self.resume(conn, &outbox, t, req) {
                return Ok(name);
            }
            self.reclaim(&wanted);
        }
        // Any file I/O for TURN credentials happens before taking the lock.
        let ice = duet.then(|| self.ice.prepare());
        let mut n = 0;
        let name = loop {
            if n > MAX_RENAMES {
                return Err(Refusal::new(ErrorCode::InvalidUsername, format!("too many users are called {wanted}")));
            }
            let candidate = suffixed(&wanted, n);
            n += 1;
            // Presence already knows most taken names; the claim settles races.
            let taken = self.lock().taken(&candidate);
            let claimed = if taken { Ok(false) } else { self.backplane.claim(&candidate, conn).await };
            match claimed {
                Ok(true) => break candidate,
                Ok(false) if req.fixed => {
                    return Err(Refusal::new(
                        ErrorCode::InvalidUsername,
                        format!(
                            "{wanted} is already signed in (or a name that looks the same is); sign out there first"
                        ),
                    ))
                }
                Ok(false) => continue,
                Err(e) => {
                    return Err(Refusal::new(
                        ErrorCode::Unavailable,
                        format!("cannot log in right now ({e}); try again shortly"),
                    ))
                }
            }
        };
        let renamed = name != wanted;
        let mut st = self.lock();
        let session = duet.then(new_session_id);
        let ticketed = ticket.is_some() && !renamed;
        st.add_presence(&name, Entry { home: Home::Local, status: UserStatus::Available });
        let list_seen = st.list_version;
        st.local.insert(
            name.clone(),
            User { conn, claim: conn, outbox: outbox.clone(), duet, session, ticketed, parked: false, list_seen },
        );
        self.metrics.users.fetch_add(1, Relaxed);
        if !duet {
            st.mdn_clients += 1;
        }

        let own = |m: &ServerMessage| outbox.push(&frame(m), &self.metrics);
        if renamed {
            own(&ServerMessage::RejectUsername { id: conn, name: name.clone() });
        }
        if let Some(ice) = ice {
            let resume = Some(self.ticket_for(&st, &name));
            own(&ServerMessage::Welcome { name: name.clone(), ice_servers: ice.servers_for(&name), resume });
            own(&st.userlist(true));
        } else {
            own(&st.userlist(false));
        }
        st.note_status(&name, UserStatus::Available);
        // Only a ticket naming the partner relinks a call: a bare claim
        // ("I was in a call with alice") links nothing.
        let partner = ticket.as_ref().and_then(|t| t.partner.as_deref()).filter(|p| req.call == Some(*p) && ticketed);
        match partner {
            Some(peer) => self.restore_call(&mut st, &name, peer),
            // Back without the call: held ends waiting for us are over. Only
            // the name's proven owner can say so, not whoever took it.
            None if ticketed => self.end_calls_with(&mut st, &name),
            None => {}
        }
        Ok(name)
    }

    /// The connection of `name` dropped without closing: hold the name and
    /// call for the grace period. Returns false if `conn` no longer serves it.
    pub fn park(&self, name: &str, conn: ConnId) -> bool {
        let mut st = self.lock();
        match st.local.get_mut(name).filter(|u| u.conn == conn && u.session.is_some()) {
            Some(u) => {
                u.parked = true;
                true
            }
            None => false,
        }
    }

    /// A client that lost its server (which restarted) says it is still in
    /// a call with `peer`: the call is linked again once both sides say so.
    fn restore_call(&self, st: &mut State, me: &str, peer: &str) {
        if peer == me || st.calls.contains_key(me) {
            return;
        }
        let home = st.everyone.get(peer).map(|e| e.home.clone());
        let theirs = st.calls.get(peer).map(|l| l.partner.clone());
        // Only the peer's own return (with their ticket) speaks for them: a
        // holder of the name without one may be someone else.
        let peer_proven = st.local.get(peer).is_some_and(|u| u.ticketed);
        let theirs_is_me = theirs.as_deref() == Some(me);
        match home {
            // Back, and not in a call with us: that call is over.
            Some(Home::Local) if peer_proven && !theirs_is_me => {
                let over = ServerMessage::HangUp {
                    name: peer.to_owned(),
                    target: me.to_owned(),
                    reason: HangupReason::Disconnected,
                };
                st.send_to(me, &frame(&over), &self.metrics);
            }
            // Both back and agreeing: the call counts again.
            Some(Home::Local) if peer_proven => {
                st.calls.insert(me.to_owned(), CallLink { partner: peer.to_owned(), answered: true, counted: true });
                self.metrics.active_calls.fetch_add(1, Relaxed);
                st.note_status(me, UserStatus::Busy);
                self.push_ticket(st, me);
            }
            // Not back yet, or on another node: hold our end for them.
            _ => {
                st.calls.insert(me.to_owned(), CallLink { partner: peer.to_owned(), answered: true, counted: false });
                st.note_status(me, UserStatus::Busy);
                self.push_ticket(st, me);
            }
        }
    }

    /// Local ends of calls with `name` are over (it left, or logged in
    /// again without the call): each holder gets `hang-up` `disconnected`.
    fn end_calls_with(&self, st: &mut State, name: &str) {
        let waiting: Vec<String> = st.calls.iter().filter(|(_, l)| l.partner == name).map(|(u, _)| u.clone()).collect();
        for user in waiting {
            st.unlink(&user, &self.metrics);
            st.note_status(&user, UserStatus::Available);
            let over = ServerMessage::HangUp {
                name: name.to_owned(),
                target: user.clone(),
                reason: HangupReason::Disconnected,
            };
            st.send_to(&user, &frame(&over), &self.metrics);
        }
    }

    /// Removes `name` if `conn` still owns it, ending its call with a
    /// `hang-up` (reason `disconnected`) to the partner.
    pub fn logout(&self, name: &str, conn: ConnId) {
        let mut st = self.lock();
        let Some(claim) = st.local.get(name).filter(|u| u.conn == conn).map(|u| u.claim) else { return };
        self.end_call(&mut st, name, HangupReason::Disconnected);
        if let Some(user) = st.local.remove(name) {
            self.metrics.users.fetch_sub(1, Relaxed);
            if !user.duet {
                st.mdn_clients -= 1;
            }
        }
        st.remove_presence(name);
        st.pending.insert(name.to_owned(), None);
        st.announce.insert(name.to_owned(), None);
        drop(st);
        self.backplane.release(name, claim);
    }

    /// Ends a parked session whose grace period ran out (unless it resumed).
    pub fn expire(&self, name: &str, conn: ConnId) {
        if self.lock().local.get(name).is_some_and(|u| u.conn == conn && u.parked) {
            tracing::debug!(conn, user = %name, "not resumed in time");
            self.logout(name, conn);
        }
    }

    /// Broadcasts lobby chat with the sender's registered name.
    pub fn chat(&self, from: &str, text: &str, date: Option<f64>, id: Option<u64>) -> Result<(), Refusal> {
        if text.chars().count() > MAX_CHAT_CHARS {
            return Err(Refusal::new(
                ErrorCode::InvalidMessage,
                format!("chat messages are limited to {MAX_CHAT_CHARS} characters"),
            ));
        }
        if text.trim().is_empty() {
            return Err(Refusal::new(ErrorCode::InvalidMessage, "empty chat message"));
        }
        self.lock().chat_to_local(from, text, date, id, &self.metrics);
        if self.backplane.clustered() {
            let node = self.node().clone();
            self.backplane.broadcast(Broadcast::Chat { node, name: from.to_owned(), text: text.to_owned(), date, id });
        }
        Ok(())
    }

    /// Relays a call message from local user `from` to its target, stamping
    /// `from` as the sender whatever name the client wrote, and keeps `from`'s
    /// end of the call. The target's end is kept where the target is
    /// connected (see [`Hub::receive`]), so one node decides each user's busy
    /// state and races between callers resolve there.
    pub fn relay(&self, from: &str, msg: ClientMessage) -> Result<(), Refusal> {
        let mut st = self.lock();
        let is_hangup = matches!(msg, ClientMessage::HangUp { .. });
        let target = match msg.target() {
            Some(t) if !t.is_empty() => t.to_owned(),
            // MDN's client hangs up with `target: null`: it means the call
            // the sender is in (or ringing); with none, there is nothing to end.
            _ if is_hangup => match st.calls.get(from) {
                Some(link) => link.partner.clone(),
                None => return Ok(()),
            },
            _ => return Err(Refusal::new(ErrorCode::InvalidMessage, "this message has no target")),
        };
        if target == from {
            return Err(Refusal::new(ErrorCode::TargetSelf, "you cannot call yourself"));
        }
        if !st.everyone.contains_key(&target) {
            // A hang-up racing the target's departure is already done.
            return if is_hangup {
                Ok(())
            } else {
                Err(Refusal::new(ErrorCode::TargetOffline, format!("{target} is not online")))
            };
        }
        let link = st.calls.get(from).cloned();
        let in_call_with_target = link.as_ref().is_some_and(|l| l.partner == target);
        let name = from.to_owned();
        let out = match msg {
            ClientMessage::VideoOffer { sdp, .. } => {
                if let Some(l) = link.as_ref().filter(|l| l.partner != target) {
                    return Err(Refusal::new(
                        ErrorCode::AlreadyInCall,
                        format!("hang up your call with {} first", l.partner),
                    ));
                }
                if !in_call_with_target {
                    st.calls
                        .insert(name.clone(), CallLink { partner: target.clone(), answered: false, counted: false });
                    st.note_status(&name, UserStatus::Busy);
                }
                ServerMessage::VideoOffer { name, target, sdp }
            }
            ClientMessage::VideoAnswer { sdp, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                if let Some(l) = st.calls.get_mut(&name).filter(|l| !l.answered) {
                    l.answered = true;
                    l.counted = true;
                    self.metrics.active_calls.fetch_add(1, Relaxed);
                    self.push_ticket(&st, &name);
                }
                ServerMessage::VideoAnswer { name, target, sdp }
            }
            ClientMessage::NewIceCandidate { candidate, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                ServerMessage::NewIceCandidate { name, target, candidate }
            }
            ClientMessage::MediaState { audio, video, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                ServerMessage::MediaState { name, target, audio, video }
            }
            ClientMessage::HangUp { reason, .. } => {
                if !in_call_with_target {
                    return Ok(());
                }
                st.unlink(&name, &self.metrics);
                st.note_status(&name, UserStatus::Available);
                ServerMessage::HangUp { name, target, reason: reason.unwrap_or_default() }
            }
            ClientMessage::Username { .. } | ClientMessage::Message { .. } => unreachable!("has no target"),
        };
        self.deliver(&mut st, out);
        self.metrics.messages_relayed_total.fetch_add(1, Relaxed);
        Ok(())
    }

    /// Takes a call message to its target, here or on its node.
    fn deliver(&self, st: &mut State, msg: ServerMessage) {
        let Some((_, target)) = ends(&msg) else { return };
        match st.everyone.get(target).map(|e| e.home.clone()) {
            Some(Home::Local) => self.receive(st, msg),
            Some(Home::Remote(node)) => {
                if let Err(why) = self.backplane.send(&node, Routed::Relay { msg: msg.clone() }) {
                    self.undeliverable(st, &msg, &why);
                }
            }
            None => self.undeliverable(st, &msg, &Unreachable::NoSuchNode),
        }
    }

    /// A call message arrives for local user `target`: keep the target's end
    /// of the call, then hand it over.
    fn receive(&self, st: &mut State, msg: ServerMessage) {
        let Some((from, target)) = ends(&msg) else { return };
        let (from, target) = (from.to_owned(), target.to_owned());
        let partner = st.calls.get(&target).map(|l| l.partner.clone());
        let with_sender = partner.as_deref() == Some(from.as_str());
        match &msg {
            ServerMessage::VideoOffer { .. } if partner.is_some() && !with_sender => {
                // Refused for the target, as its hang-up would say.
                let busy = ServerMessage::HangUp { name: target, target: from, reason: HangupReason::Busy };
                return self.deliver(st, busy);
            }
            ServerMessage::VideoOffer { .. } if !with_sender => {
                st.calls.insert(target.clone(), CallLink { partner: from, answered: false, counted: false });
                st.note_status(&target, UserStatus::Busy);
            }
            // A renegotiation (or glare) within the call.
            ServerMessage::VideoOffer { .. } => {}
            // The rest belong to the call the target has with the sender; once
            // the target has left that call, its hang-up is on the way back.
            _ if !with_sender => return,
            ServerMessage::VideoAnswer { .. } => {
                if let Some(l) = st.calls.get_mut(&target).filter(|l| !l.answered) {
                    l.answered = true;
                    // The answer first, then the ticket that names the call.
                    st.send_to(&target, &frame(&msg), &self.metrics);
                    return self.push_ticket(st, &target);
                }
            }
            ServerMessage::HangUp { .. } => {
                st.unlink(&target, &self.metrics);
                st.note_status(&target, UserStatus::Available);
            }
            _ => {}
        }
        st.send_to(&target, &frame(&msg), &self.metrics);
    }

    /// `msg` could not reach its target's node: its sender (if here) is told
    /// and the call it was starting is undone. Nothing is dropped silently.
    fn undeliverable(&self, st: &mut State, msg: &ServerMessage, why: &Unreachable) {
        let Some((from, target)) = ends(msg) else { return };
        self.metrics.cluster_undeliverable_total.fetch_add(1, Relaxed);
        tracing::warn!(%from, %target, "could not route a message: {why}");
        if !st.local.contains_key(from) {
            return;
        }
        let unanswered = st.calls.get(from).is_some_and(|l| l.partner == target && !l.answered);
        if matches!(msg, ServerMessage::VideoOffer { .. }) && unanswered {
            st.unlink(from, &self.metrics);
            st.note_status(from, UserStatus::Available);
        }
        if !matches!(msg, ServerMessage::HangUp { .. }) {
            self.metrics.count_error(ErrorCode::Unavailable);
            let text = format!("could not reach {target}: {why}; try again shortly");
            st.send_to(from, &frame(&ServerMessage::error(ErrorCode::Unavailable, text)), &self.metrics);
        }
    }

    /// Ends local user `name`'s call on its behalf (it left): the partner gets a hang-up.
    fn end_call(&self, st: &mut State, name: &str, reason: HangupReason) {
        if let Some(partner) = st.unlink(name, &self.metrics) {
            st.note_status(name, UserStatus::Available);
            self.deliver(st, ServerMessage::HangUp { name: name.to_owned(), target: partner, reason });
        }
    }

    /// Sends the presence changes collected since the last flush to every
    /// local Duet client, as one shared message, and announces local changes
    /// to the other nodes. Returns how many changes it sent.
    pub fn flush_presence(&self) -> usize {
        let mut st = self.lock();
        st.send_userlist_to_mdn(&self.metrics);
        if !st.announce.is_empty() {
            let changes = std::mem::take(&mut st.announce).into_iter().collect();
            self.backplane.broadcast(Broadcast::Presence { node: self.node().clone(), changes });
        }
        if st.pending.is_empty() {
            return 0;
        }
        let pending = std::mem::take(&mut st.pending);
        let n = pending.len();
        let (mut available, mut busy, mut left) = (Vec::new(), Vec::new(), Vec::new());
        for (name, status) in pending {
            match status {
                Some(UserStatus::Available) => available.push(name),
                Some(UserStatus::Busy) => busy.push(name),
                None => left.push(name),
            }
        }
        let update = frame(&ServerMessage::PresenceUpdate { available, busy, left });
        st.send_to_duet(&update, &self.metrics);
        n
    }

    /// A message from another node for one of ours.
    pub fn on_routed(&self, routed: Routed) {
        let mut st = self.lock();
        match routed {
            Routed::Relay { msg } => {
                let Some((from, target)) = ends(&msg) else { return };
                if st.local.contains_key(target) {
                    return self.receive(&mut st, msg);
                }
                // The target left (or moved) while the message was on its
                // way: an offer is answered as the departure would be.
                if matches!(msg, ServerMessage::VideoOffer { .. }) {
                    let (from, target) = (from.to_owned(), target.to_owned());
                    let gone = ServerMessage::HangUp { name: target, target: from, reason: HangupReason::Disconnected };
                    self.deliver(&mut st, gone);
                }
            }
            Routed::Notice { to, msg } => st.send_to(&to, &frame(&msg), &self.metrics),
        }
    }

    /// A message from another node for everyone.
    pub fn on_broadcast(&self, b: Broadcast) {
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
            Broadcast::Chat { name, text, date, id, .. } => st.chat_to_local(&name, &text, date, id, &self.metrics),
        }
    }

    /// Tells every node who is connected here (after joining or an outage).
    pub fn announce_roster(&self) {
        let users = self.lock().roster();
        self.backplane.broadcast(Broadcast::Roster { node: self.node().clone(), users });
    }

    /// Asks every other node for its roster (after joining or an outage).
    pub fn request_rosters(&self) {
        self.backplane.broadcast(Broadcast::SyncRequest { node: self.node().clone() });
    }

    /// Forgets every user of a node that stopped (or lost the cluster):
    /// they leave everyone's list, and local calls with them end.
    pub fn drop_node(&self, node: &NodeId) {
        let mut st = self.lock();
        for name in st.users_of(node) {
            self.remote_presence(&mut st, node, name, None);
        }
    }

    /// The nodes other users are connected to.
    pub fn remote_nodes(&self) -> HashSet<NodeId> {
        let st = self.lock();
        st.everyone
            .values()
            .filter_map(|e| if let Home::Remote(n) = &e.home { Some(n.clone()) } else { None })
            .collect()
    }

    /// Local users and the connection holding each name (for claims).
    pub fn local_claims(&self) -> Vec<(String, ConnId)> {
        self.lock().local.iter().map(|(n, u)| (n.clone(), u.claim)).collect()
    }

    /// Another node took `name` while this one was cut off from the cluster:
    /// its local holder is told and disconnected.
    pub fn claim_lost(&self, name: &str, conn: ConnId) {
        let st = self.lock();
        if let Some(u) = st.local.get(name).filter(|u| u.claim == conn) {
            let text = format!("the name {name} was taken on another server while this one was cut off; log in again");
            u.outbox.push(&frame(&ServerMessage::error(ErrorCode::Unavailable, text)), &self.metrics);
            u.outbox.close();
        }
    }

    /// A queued message the backplane could not deliver.
    pub fn on_undeliverable(&self, routed: Routed, why: &Unreachable) {
        match routed {
            Routed::Relay { msg } => self.undeliverable(&mut self.lock(), &msg, why),
            Routed::Notice { to, .. } => tracing::warn!(%to, "could not route a notice: {why}"),
        }
    }

    fn remote_presence(&self, st: &mut State, node: &NodeId, name: String, status: Option<UserStatus>) {
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

    /// Everyone logged in anywhere, sorted.
    pub fn users_online(&self) -> Vec<String> {
        self.lock().everyone.keys().cloned().collect()
    }

    /// The partner local user `name` is in a call (or ringing) with.
    pub fn partner_of(&self, name: &str) -> Option<String> {
        self.lock().calls.get(name).map(|l| l.partner.clone())
    }

    /// Checks the invariants tests rely on: calls between local users pair up
    /// symmetrically, and the gauges match the state.
    pub fn check_invariants(&self) -> Result<(), String> {
        let st = self.lock();
        for (a, l) in &st.calls {
            if !st.local.contains_key(a) {
                return Err(format!("{a} is in a call but not connected here"));
            }
            if !st.local.contains_key(&l.partner) {
                continue;
            }
            let back = st.calls.get(&l.partner).ok_or(format!("{a}'s partner {} has no link", l.partner))?;
            if back.partner != *a || back.answered != l.answered {
                return Err(format!("call link {a} <-> {} is not symmetric", l.partner));
            }
        }
        let counted = st.calls.values().filter(|l| l.counted).count() as u64;
        if counted != self.metrics.active_calls.load(Relaxed) {
            return Err("active_calls gauge is off".into());
        }
        if st.local.len() as u64 != self.metrics.users.load(Relaxed) {
            return Err("users gauge is off".into());
        }
        if st.local.values().filter(|u| !u.duet).count() != st.mdn_clients {
            return Err("MDN client count is off".into());
        }
        if st.local.keys().any(|n| st.everyone.get(n).is_none_or(|e| e.home != Home::Local)) {
            return Err("a local user is missing from presence".into());
        }
        Ok(())
    }
}

impl State {
    /// Whether `name`, or a name that looks like it, is online.
    fn taken(&self, name: &str) -> bool {
        self.everyone.contains_key(name) || self.skeletons.contains_key(&names::skeleton(name))
    }

    /// Puts a user online (or updates them); MDN clients hear of it at the next flush.
    fn add_presence(&mut self, name: &str, entry: Entry) {
        if self.everyone.insert(name.to_owned(), entry).is_none() {
            self.skeletons.entry(names::skeleton(name)).or_insert_with(|| name.to_owned());
            self.list_version += 1;
        }
    }

    fn remove_presence(&mut self, name: &str) {
        if self.everyone.remove(name).is_some() {
            let sk = names::skeleton(name);
            if self.skeletons.get(&sk).is_some_and(|owner| owner == name) {
                self.skeletons.remove(&sk);
            }
            self.list_version += 1;
        }
    }

    fn userlist(&self, with_busy: bool) -> ServerMessage {
        let users: Vec<String> = self.everyone.keys().cloned().collect();
        let busy = if with_busy {
            self.everyone.iter().filter(|(_, e)| e.status == UserStatus::Busy).map(|(n, _)| n.clone()).collect()
        } else {
            vec![]
        };
        ServerMessage::UserList { users, busy }
    }

    fn roster(&self) -> Vec<(String, UserStatus)> {
        self.everyone.iter().filter(|(_, e)| e.home == Home::Local).map(|(n, e)| (n.clone(), e.status)).collect()
    }

    fn users_of(&self, node: &NodeId) -> Vec<String> {
        self.everyone
            .iter()
            .filter(|(_, e)| matches!(&e.home, Home::Remote(n) if n == node))
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn send_to(&self, name: &str, f: &Frame, metrics: &Metrics) {
        if let Some(u) = self.local.get(name) {
            u.outbox.push(f, metrics);
        }
    }

    fn send_to_duet(&self, f: &Frame, metrics: &Metrics) {
        for u in self.local.values().filter(|u| u.duet) {
            u.outbox.push(f, metrics);
        }
    }

    /// MDN's client puts chat into innerHTML, so its copy is HTML-escaped;
    /// Duet renders text.
    fn chat_to_local(&self, from: &str, text: &str, date: Option<f64>, id: Option<u64>, metrics: &Metrics) {
        let make = |text: String| frame(&ServerMessage::Message { name: from.to_owned(), text, date, id });
        let for_duet = make(text.to_owned());
        let for_mdn = (self.mdn_clients > 0).then(|| make(escape_html(text)));
        for user in self.local.values() {
            match (&for_mdn, user.duet) {
                (Some(m), false) => user.outbox.push(m, metrics),
                _ => user.outbox.push(&for_duet, metrics),
            }
        }
    }

    /// Records a local user's new status, for local clients and other nodes.
    fn note_status(&mut self, name: &str, status: UserStatus) {
        if let Some(e) = self.everyone.get_mut(name) {
            e.status = status;
        }
        self.pending.insert(name.to_owned(), Some(status));
        self.announce.insert(name.to_owned(), Some(status));
    }

    /// MDN clients only understand the full list, so each change costs them
    /// O(users); it is built once, only when such clients are connected, and
    /// at most once per presence interval however many joined or left.
    fn send_userlist_to_mdn(&mut self, metrics: &Metrics) {
        let version = self.list_version;
        if self.mdn_clients == 0 || !self.local.values().any(|u| !u.duet && u.list_seen < version) {
            return;
        }
        let list = frame(&self.userlist(false));
        for u in self.local.values_mut().filter(|u| !u.duet && u.list_seen < version) {
            u.outbox.push(&list, metrics);
            u.list_seen = version;
        }
    }

    /// Removes local user `name`'s end of its call, returning the partner.
    /// Telling anyone is the caller's job.
    fn unlink(&mut self, name: &str, metrics: &Metrics) -> Option<String> {
        let link = self.calls.remove(name)?;
        if link.counted {
            metrics.active_calls.fetch_sub(1, Relaxed);
        }
        Some(link.partner)
    }
}

/// The sender and target of a call message.
fn ends(m: &ServerMessage) -> Option<(&str, &str)> {
    match m {
        ServerMessage::VideoOffer { name, target, .. }
        | ServerMessage::VideoAnswer { name, target, .. }
        | ServerMessage::NewIceCandidate { name, target, .. }
        | ServerMessage::MediaState { name, target, .. }
        | ServerMessage::HangUp { name, target, .. } => Some((name, target)),
        _ => None,
    }
}

fn not_in_call(target: &str) -> Refusal {
    Refusal::new(ErrorCode::NotInCall, format!("you are not in a call with {target}"))
}

pub fn frame(m: &ServerMessage) -> Frame {
    Arc::from(m.to_json())
}

/// MDN's rule: the `n`th candidate for `wanted` is wanted, wanted1,
/// wanted2, …; the base is shortened so the result still fits the length limit.
fn suffixed(wanted: &str, n: u64) -> String {
    if n == 0 {
        return wanted.to_owned();
    }
    let suffix = n.to_string();
    let base: String = wanted.chars().take(MAX_USERNAME_CHARS - suffix.len()).collect();
    format!("{base}{suffix}")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashing_names_get_mdn_style_suffixes_within_the_limit() {
        assert_eq!(suffixed("alice", 0), "alice");
        assert_eq!(suffixed("alice", 1), "alice1");
        assert_eq!(suffixed("alice", 12), "alice12");
        let long = "x".repeat(MAX_USERNAME_CHARS);
        let renamed = suffixed(&long, 1);
        assert_eq!(renamed.chars().count(), MAX_USERNAME_CHARS);
        assert!(renamed.ends_with('1'));
    }

    #[test]
    fn html_is_escaped_for_mdn_clients() {
        assert_eq!(
            escape_html("<img src=x onerror=alert(1)> & 'q'"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39;"
        );
    }
}
