//! Who is online and who is in a call with whom: the in-memory presence and
//! routing state every connection shares.
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
    collections::{BTreeMap, HashMap},
    sync::{atomic::Ordering::Relaxed, Arc, Mutex, MutexGuard},
};

use duet_protocol::{
    limits::{normalize_username, UsernameError, MAX_CHAT_CHARS, MAX_USERNAME_CHARS},
    ClientMessage, ErrorCode, HangupReason, ServerMessage, UserStatus,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{metrics::Metrics, turn::IceConfig};

pub type ConnId = u64;

/// A serialized message, shared by every recipient of a fan-out.
pub type Frame = Arc<str>;

/// The sending half of one connection's bounded queue.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Frame>,
    /// Cancelled when the client falls so far behind that its queue is full.
    too_slow: CancellationToken,
}

impl Outbox {
    pub fn new(tx: mpsc::Sender<Frame>, too_slow: CancellationToken) -> Self {
        Outbox { tx, too_slow }
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

impl From<UsernameError> for Refusal {
    fn from(e: UsernameError) -> Self {
        Refusal::new(ErrorCode::InvalidUsername, e.to_string())
    }
}

#[derive(Debug)]
struct User {
    conn: ConnId,
    outbox: Outbox,
    /// Speaks Duet's additions (announced `duet` at login).
    duet: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CallLink {
    partner: String,
    /// The callee answered; until then the call is ringing.
    answered: bool,
}

#[derive(Debug, Default)]
struct State {
    /// Sorted, so the lists sent at login and to MDN clients need no sort.
    users: BTreeMap<String, User>,
    /// Both ends of every call, ringing or answered; a user is in at most one.
    calls: HashMap<String, CallLink>,
    mdn_clients: usize,
    /// Presence changes not yet sent to Duet clients: the latest status of
    /// each user who changed, or None for one who left.
    pending: BTreeMap<String, Option<UserStatus>>,
}

#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    pub metrics: Arc<Metrics>,
    ice: IceConfig,
}

impl Hub {
    pub fn new(metrics: Arc<Metrics>, ice: IceConfig) -> Self {
        Hub { state: Mutex::default(), metrics, ice }
    }

    pub fn ice(&self) -> &IceConfig {
        &self.ice
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves no half-written invariant we
        // rely on more than on staying up, so carry on with the data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `requested` (renamed MDN-style on a clash: alice → alice1) and
    /// tells everyone. Returns the registered name.
    pub fn login(&self, conn: ConnId, outbox: Outbox, requested: &str, duet: bool) -> Result<String, Refusal> {
        let wanted = normalize_username(requested)?;
        // Any file I/O for TURN credentials happens before taking the lock.
        let ice = duet.then(|| self.ice.prepare());
        let mut st = self.lock();
        let name = unique_name(&st.users, &wanted);
        let renamed = name != wanted;
        st.users.insert(name.clone(), User { conn, outbox: outbox.clone(), duet });
        self.metrics.users.fetch_add(1, Relaxed);
        if !duet {
            st.mdn_clients += 1;
        }

        let own = |m: &ServerMessage| outbox.push(&frame(m), &self.metrics);
        if renamed {
            own(&ServerMessage::RejectUsername { id: conn, name: name.clone() });
        }
        if let Some(ice) = ice {
            own(&ServerMessage::Welcome { name: name.clone(), ice_servers: ice.servers_for(&name) });
            own(&st.userlist(true));
        }
        st.pending.insert(name.clone(), Some(UserStatus::Available));
        st.send_userlist_to_mdn(&self.metrics);
        Ok(name)
    }

    /// Removes `name` if `conn` still owns it, ending its call with a
    /// `hang-up` (reason `disconnected`) to the partner.
    pub fn logout(&self, name: &str, conn: ConnId) {
        let mut st = self.lock();
        if st.users.get(name).is_none_or(|u| u.conn != conn) {
            return;
        }
        st.end_call(name, HangupReason::Disconnected, &self.metrics);
        if let Some(user) = st.users.remove(name) {
            self.metrics.users.fetch_sub(1, Relaxed);
            if !user.duet {
                st.mdn_clients -= 1;
            }
        }
        st.pending.insert(name.to_owned(), None);
        st.send_userlist_to_mdn(&self.metrics);
    }

    /// Broadcasts lobby chat with the sender's registered name. MDN's client
    /// puts chat into innerHTML, so its copy is HTML-escaped; Duet renders text.
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
        let st = self.lock();
        let make = |text: String| frame(&ServerMessage::Message { name: from.to_owned(), text, date, id });
        let for_duet = make(text.to_owned());
        let for_mdn = (st.mdn_clients > 0).then(|| make(escape_html(text)));
        for user in st.users.values() {
            match (&for_mdn, user.duet) {
                (Some(m), false) => user.outbox.push(m, &self.metrics),
                _ => user.outbox.push(&for_duet, &self.metrics),
            }
        }
        Ok(())
    }

    /// Relays a call message from `from` to its target, stamping `from` as the
    /// sender whatever name the client wrote, and tracks the call it belongs to.
    pub fn relay(&self, from: &str, msg: ClientMessage) -> Result<(), Refusal> {
        let Some(target) = msg.target().map(str::to_owned) else {
            return Err(Refusal::new(ErrorCode::InvalidMessage, "this message has no target"));
        };
        let mut st = self.lock();
        let is_hangup = matches!(msg, ClientMessage::HangUp { .. });
        if target == from {
            return Err(Refusal::new(ErrorCode::TargetSelf, "you cannot call yourself"));
        }
        if !st.users.contains_key(&target) {
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
        let mut freed = false;
        let out = match msg {
            ClientMessage::VideoOffer { sdp, .. } => {
                if let Some(l) = link.as_ref().filter(|l| l.partner != target) {
                    return Err(Refusal::new(
                        ErrorCode::AlreadyInCall,
                        format!("hang up your call with {} first", l.partner),
                    ));
                }
                if !in_call_with_target {
                    if st.calls.contains_key(&target) {
                        // Refused for the target, as its hang-up would say.
                        let busy =
                            ServerMessage::HangUp { name: target.clone(), target: name, reason: HangupReason::Busy };
                        st.send_to(from, &frame(&busy), &self.metrics);
                        return Ok(());
                    }
                    st.calls.insert(name.clone(), CallLink { partner: target.clone(), answered: false });
                    st.calls.insert(target.clone(), CallLink { partner: name.clone(), answered: false });
                    st.note_status(&name, UserStatus::Busy);
                    st.note_status(&target, UserStatus::Busy);
                }
                ServerMessage::VideoOffer { name, target: target.clone(), sdp }
            }
            ClientMessage::VideoAnswer { sdp, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                if !link.is_some_and(|l| l.answered) {
                    for end in [&name, &target] {
                        if let Some(l) = st.calls.get_mut(end) {
                            l.answered = true;
                        }
                    }
                    self.metrics.active_calls.fetch_add(1, Relaxed);
                }
                ServerMessage::VideoAnswer { name, target: target.clone(), sdp }
            }
            ClientMessage::NewIceCandidate { candidate, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                ServerMessage::NewIceCandidate { name, target: target.clone(), candidate }
            }
            ClientMessage::MediaState { audio, video, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                ServerMessage::MediaState { name, target: target.clone(), audio, video }
            }
            ClientMessage::HangUp { reason, .. } => {
                if !in_call_with_target {
                    return Ok(());
                }
                st.unlink(&name, &self.metrics);
                freed = true;
                ServerMessage::HangUp { name, target: target.clone(), reason: reason.unwrap_or_default() }
            }
            ClientMessage::Username { .. } | ClientMessage::Message { .. } => unreachable!("has no target"),
        };
        st.send_to(&target, &frame(&out), &self.metrics);
        if freed {
            st.note_status(from, UserStatus::Available);
            st.note_status(&target, UserStatus::Available);
        }
        self.metrics.messages_relayed_total.fetch_add(1, Relaxed);
        Ok(())
    }

    /// Sends the presence changes collected since the last flush to every
    /// Duet client, as one shared message. Returns how many changes it sent.
    pub fn flush_presence(&self) -> usize {
        let mut st = self.lock();
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

    /// Everyone logged in, sorted.
    pub fn users_online(&self) -> Vec<String> {
        self.lock().users.keys().cloned().collect()
    }

    /// The partner `name` is in a call (or ringing) with.
    pub fn partner_of(&self, name: &str) -> Option<String> {
        self.lock().calls.get(name).map(|l| l.partner.clone())
    }

    /// Checks the invariants tests rely on: calls pair up symmetrically
    /// between online users, and the gauges match the state.
    pub fn check_invariants(&self) -> Result<(), String> {
        let st = self.lock();
        for (a, l) in &st.calls {
            let back = st.calls.get(&l.partner).ok_or(format!("{a}'s partner {} has no link", l.partner))?;
            if back.partner != *a || back.answered != l.answered {
                return Err(format!("call link {a} <-> {} is not symmetric", l.partner));
            }
            if !st.users.contains_key(a) {
                return Err(format!("{a} is in a call but offline"));
            }
        }
        let answered = st.calls.values().filter(|l| l.answered).count() as u64 / 2;
        if answered != self.metrics.active_calls.load(Relaxed) {
            return Err("active_calls gauge is off".into());
        }
        if st.users.len() as u64 != self.metrics.users.load(Relaxed) {
            return Err("users gauge is off".into());
        }
        if st.users.values().filter(|u| !u.duet).count() != st.mdn_clients {
            return Err("MDN client count is off".into());
        }
        Ok(())
    }
}

impl State {
    fn userlist(&self, with_busy: bool) -> ServerMessage {
        let users: Vec<String> = self.users.keys().cloned().collect();
        let busy =
            if with_busy { users.iter().filter(|u| self.calls.contains_key(*u)).cloned().collect() } else { vec![] };
        ServerMessage::UserList { users, busy }
    }

    fn send_to(&self, name: &str, f: &Frame, metrics: &Metrics) {
        if let Some(u) = self.users.get(name) {
            u.outbox.push(f, metrics);
        }
    }

    fn send_to_duet(&self, f: &Frame, metrics: &Metrics) {
        for u in self.users.values().filter(|u| u.duet) {
            u.outbox.push(f, metrics);
        }
    }

    fn note_status(&mut self, name: &str, status: UserStatus) {
        self.pending.insert(name.to_owned(), Some(status));
    }

    /// MDN clients only understand the full list, so each change costs them
    /// O(users); it is built once and only when such clients are connected.
    fn send_userlist_to_mdn(&self, metrics: &Metrics) {
        if self.mdn_clients == 0 {
            return;
        }
        let list = frame(&self.userlist(false));
        for u in self.users.values().filter(|u| !u.duet) {
            u.outbox.push(&list, metrics);
        }
    }

    /// Removes both ends of `name`'s call, returning the partner. Telling
    /// anyone is the caller's job, hang-up first, then the presence change.
    fn unlink(&mut self, name: &str, metrics: &Metrics) -> Option<String> {
        let link = self.calls.remove(name)?;
        self.calls.remove(&link.partner);
        if link.answered {
            metrics.active_calls.fetch_sub(1, Relaxed);
        }
        Some(link.partner)
    }

    /// Ends `name`'s call on its behalf (it left): the partner gets a hang-up.
    fn end_call(&mut self, name: &str, reason: HangupReason, metrics: &Metrics) {
        if let Some(partner) = self.unlink(name, metrics) {
            let m = ServerMessage::HangUp { name: name.to_owned(), target: partner.clone(), reason };
            self.send_to(&partner, &frame(&m), metrics);
            self.note_status(&partner, UserStatus::Available);
        }
    }
}

fn not_in_call(target: &str) -> Refusal {
    Refusal::new(ErrorCode::NotInCall, format!("you are not in a call with {target}"))
}

pub fn frame(m: &ServerMessage) -> Frame {
    Arc::from(m.to_json())
}

/// MDN's rule: append 1, 2, … until the name is free; the base is shortened
/// so the result still fits the length limit.
fn unique_name<V>(users: &BTreeMap<String, V>, wanted: &str) -> String {
    if !users.contains_key(wanted) {
        return wanted.to_owned();
    }
    (1u64..)
        .map(|n| {
            let suffix = n.to_string();
            let base: String = wanted.chars().take(MAX_USERNAME_CHARS - suffix.len()).collect();
            format!("{base}{suffix}")
        })
        .find(|candidate| !users.contains_key(candidate))
        .expect("some suffix is free")
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
        let mut users = BTreeMap::new();
        users.insert("alice".to_string(), ());
        assert_eq!(unique_name(&users, "alice"), "alice1");
        users.insert("alice1".to_string(), ());
        assert_eq!(unique_name(&users, "alice"), "alice2");
        let long = "x".repeat(MAX_USERNAME_CHARS);
        users.insert(long.clone(), ());
        let renamed = unique_name(&users, &long);
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
