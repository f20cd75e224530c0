//! Joining and leaving: names (MDN-style renames across the cluster), the
//! login messages, parking a dropped connection, and logging out.

use std::sync::atomic::Ordering::Relaxed;

use duet_protocol::{limits::MAX_USERNAME_CHARS, ErrorCode, HangupReason, ServerMessage, UserStatus};

use super::{directory, frame, CallLink, ConnId, Entry, Home, Hub, LoginRequest, Outbox, Refusal, State, User};
use crate::{access::names, access::ticket::Ticket, cluster::Unreachable};

/// Renames tried before a login is refused.
const MAX_RENAMES: u64 = 1000;

/// How long a login waits for a busy cluster to take its name.
const CLAIM_PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

fn now_ms() -> u64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    since_epoch.as_millis() as u64
}

/// An unguessable session id (128 random bits, hex).
fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Hub {
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
        // A session whose connection is live is taken over only if that
        // client does not answer a ping in time (its network changed and the
        // old socket is dead): a copied ticket cannot push a live owner out.
        let owner_alive = match &ticket {
            Some(t) => self.answers_ping(t).await,
            None => false,
        };
        if owner_alive {
            tracing::info!(user = %wanted, "refused to hand a live session to another connection with its ticket");
        }
        let ticket = ticket.filter(|_| !owner_alive);
        if let Some(t) = &ticket {
            if let Some(name) = self.resume(conn, &outbox, t, req) {
                return Ok(name);
            }
        }
        // A ticket from this very process whose session is not held here
        // any more (signed out, or not back in time) proves nothing: it was
        // let go.
        let ticket = ticket.filter(|t| !self.tickets.issued_here(t));
        // Only a ticket from before a restart (of this node, or of a node
        // that is gone) may take the name from whoever holds it now.
        let evicted = match &ticket {
            Some(t) if self.tickets.from_before_this_boot(t) || !self.node_alive(&t.node) => self.reclaim(t),
            _ => None,
        };
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
            let mut claimed = if taken { Ok(false) } else { self.claim_patiently(&candidate, conn).await };
            // The name was just taken back from its squatters: their release
            // may still be on its way to the cluster, so the claim waits for it.
            let mut waits = 0;
            while evicted.is_some() && candidate == wanted && !taken && matches!(claimed, Ok(false)) && waits < 20 {
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
                claimed = self.backplane.claim(&candidate, conn).await;
                waits += 1;
            }
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
        // Who held the name last wins the next dispute: the session that
        // evicted someone counts as newer than them.
        let since = match &ticket {
            Some(t) if ticketed => t.since.max(evicted.map_or(0, |e| e + 1)),
            _ => now_ms(),
        };
        st.add_presence(&name, Entry { home: Home::Local, status: UserStatus::Available });
        let list_seen = st.list_version;
        st.local.insert(
            name.clone(),
            User {
                conn,
                claim: conn,
                outbox: outbox.clone(),
                duet,
                session,
                ticketed,
                since,
                parked: false,
                list_seen,
                directory: (duet && req.directory).then(directory::Interest::new),
            },
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
            st.send_list(&name, &outbox, &self.metrics);
        } else {
            own(&st.userlist());
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

    /// Claims `name` in the cluster, waiting out a backplane too busy to
    /// answer in time (a login storm across the nodes) instead of refusing
    /// the person: each try after a longer pause, for up to [`CLAIM_PATIENCE`].
    async fn claim_patiently(&self, name: &str, conn: ConnId) -> Result<bool, Unreachable> {
        let started = tokio::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(50);
        loop {
            match self.backplane.claim(name, conn).await {
                Err(Unreachable::Overloaded) if started.elapsed() + pause < CLAIM_PATIENCE => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(1));
                }
                claimed => return claimed,
            }
        }
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
    pub(super) fn restore_call(&self, st: &mut State, me: &str, peer: &str) {
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
            // Both back and agreeing: the call counts again, and the peer's
            // held end has heard from its partner's own session.
            Some(Home::Local) if peer_proven && theirs_is_me => {
                if let Some(theirs) = st.calls.get_mut(peer) {
                    theirs.held = false;
                }
                let link = CallLink {
                    partner: peer.to_owned(),
                    answered: true,
                    counted: true,
                    held: false,
                    offered_by_partner: true,
                };
                st.calls.insert(me.to_owned(), link);
                self.metrics.active_calls.fetch_add(1, Relaxed);
                st.note_status(me, UserStatus::Busy);
                self.push_ticket(st, me);
            }
            // Not back yet, on another node, or the name is held by someone
            // who is not in this call (maybe not the partner at all: an older
            // session's ticket): hold our end for the partner's own return.
            _ => {
                st.calls.insert(
                    me.to_owned(),
                    CallLink {
                        partner: peer.to_owned(),
                        answered: true,
                        counted: false,
                        held: true,
                        offered_by_partner: true,
                    },
                );
                st.note_status(me, UserStatus::Busy);
                self.push_ticket(st, me);
            }
        }
    }

    /// Local ends of calls with `name` are over (it left, or logged in
    /// again without the call): each holder gets `hang-up` `disconnected`.
    /// Held ends are not: whoever holds the name may not be the partner.
    pub(super) fn end_calls_with(&self, st: &mut State, name: &str) {
        let waiting: Vec<String> =
            st.calls.iter().filter(|(_, l)| l.partner == name && !l.held).map(|(u, _)| u.clone()).collect();
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

    /// `conn`'s user signed out on purpose: their session's tickets are void
    /// from now on, across a restart too (what leaves the name is `logout`).
    pub fn signed_out(&self, name: &str, conn: ConnId) {
        let session = self.lock().local.get(name).filter(|u| u.conn == conn).and_then(|u| u.session.clone());
        if let Some(session) = session {
            self.tickets.sign_out(&session);
        }
    }

    /// Ends a parked session whose grace period ran out (unless it resumed).
    pub fn expire(&self, name: &str, conn: ConnId) {
        if self.lock().local.get(name).is_some_and(|u| u.conn == conn && u.parked) {
            tracing::debug!(conn, user = %name, "not resumed in time");
            self.logout(name, conn);
        }
    }
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
}
