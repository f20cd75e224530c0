//! Coming back: a ticket resumes its own held session, or after a restart
//! wins its name back from whoever took it without one; fresh tickets for
//! the users here.

use std::sync::atomic::Ordering::Relaxed;

use duet_protocol::{ErrorCode, HangupReason, ServerMessage};

use super::{frame, ConnId, Hub, LoginRequest, Outbox, State};

/// How long the live connection of a session being resumed has to answer a
/// ping before it counts as dead.
const PROBE: std::time::Duration = std::time::Duration::from_secs(2);
use crate::{access::names, access::ticket::Ticket};

impl Hub {
    /// Takes over the session `ticket` belongs to, if it is held here: the
    /// user keeps name, presence and call, and an old connection that is
    /// somehow still open is closed.
    pub(super) fn resume(
        &self,
        conn: ConnId,
        outbox: &Outbox,
        ticket: &Ticket,
        req: LoginRequest<'_>,
    ) -> Option<String> {
        let name = ticket.name.as_str();
        let ice = self.ice.prepare();
        let mut st = self.lock();
        let user = st.local.get_mut(name).filter(|u| u.session.as_deref() == Some(ticket.session.as_str()))?;
        let old = std::mem::replace(&mut user.outbox, outbox.clone());
        // The returning client may speak another version than the one it left.
        match (req.directory, &user.directory) {
            (true, None) => user.directory = Some(super::directory::Interest::new()),
            (false, Some(_)) => user.directory = None,
            _ => {}
        }
        user.conn = conn;
        user.parked = false;
        // A resume proves this session, not a claim from before a restart:
        // `ticketed` stays what the login made it.
        old.close();
        // Back without the call (it ended on the client meanwhile): end it here too.
        if req.call.is_none() {
            self.end_call(&mut st, name, HangupReason::Disconnected);
        }
        let own = |m: &ServerMessage| outbox.push(&frame(m), &self.metrics);
        let resume = Some(self.ticket_for(&st, name));
        own(&ServerMessage::Welcome { name: name.to_owned(), ice_servers: ice.servers_for(name), resume });
        st.send_list(name, outbox, &self.metrics);
        self.metrics.resumes_total.fetch_add(1, Relaxed);
        tracing::debug!(conn, user = %name, "resumed");
        Some(name.to_owned())
    }

    /// Whether the live connection of the session `ticket` belongs to (if
    /// held here and not parked) answers a ping within [`PROBE`].
    pub(super) async fn answers_ping(&self, ticket: &Ticket) -> bool {
        let live = {
            let st = self.lock();
            st.local
                .get(ticket.name.as_str())
                .filter(|u| u.session.as_deref() == Some(ticket.session.as_str()) && !u.parked)
                .map(|u| u.outbox.clone())
        };
        let Some(old) = live else { return false };
        let before = old.heard();
        old.probe();
        let deadline = tokio::time::Instant::now() + PROBE;
        while tokio::time::Instant::now() < deadline {
            if old.heard() > before {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        false
    }

    /// Someone returns with a valid ticket for `name` that no session here
    /// knows, issued before a restart: local holders of the name (or of a
    /// look-alike of it) who logged in without a ticket, or with an older
    /// session's, give it up. They are told and disconnected; their client
    /// logs in again under another name. Returns the latest session start
    /// among them.
    pub(super) fn reclaim(&self, ticket: &Ticket) -> Option<u64> {
        let name = ticket.name.as_str();
        let mut st = self.lock();
        let holders: Vec<(String, ConnId, bool, u64)> = st
            .local
            .iter()
            .filter(|(n, u)| {
                (n.as_str() == name || names::look_alike(n, name)) && (!u.ticketed || u.since < ticket.since)
            })
            .map(|(n, u)| (n.clone(), u.claim, u.duet, u.since))
            .collect();
        let mut released = Vec::new();
        for (holder, claim, duet, _) in &holders {
            self.end_call(&mut st, holder, HangupReason::Disconnected);
            let Some(user) = st.local.remove(holder) else { continue };
            self.metrics.users.fetch_sub(1, Relaxed);
            if !duet {
                st.mdn_clients -= 1;
            }
            st.remove_presence(holder);
            st.pending.insert(holder.clone(), None);
            st.announce.insert(holder.clone(), None);
            let text =
                format!("{name} is back after a server restart and has their name again; log in under another name");
            user.outbox.push(&frame(&ServerMessage::error(ErrorCode::InvalidUsername, text)), &self.metrics);
            user.outbox.close();
            released.push((holder.clone(), *claim));
            tracing::info!(user = %holder, owner = %name, "name given back to its ticket holder");
        }
        drop(st);
        for (holder, claim) in released {
            self.backplane.release(&holder, claim);
        }
        holders.iter().map(|h| h.3).max()
    }

    /// A signed ticket for local user `name`, naming the partner of an answered call.
    pub(super) fn ticket_for(&self, st: &State, name: &str) -> String {
        let user = st.local.get(name);
        let session = user.and_then(|u| u.session.as_deref()).unwrap_or_default();
        let since = user.map_or(0, |u| u.since);
        let partner = st.calls.get(name).filter(|l| l.answered).map(|l| l.partner.as_str());
        self.tickets.issue(name, partner, session, since)
    }

    /// Sends local Duet user `name` a fresh ticket.
    pub(super) fn push_ticket(&self, st: &State, name: &str) {
        if st.local.get(name).is_some_and(|u| u.duet) {
            let t = ServerMessage::ResumeTicket { ticket: self.ticket_for(st, name) };
            st.send_to(name, &frame(&t), &self.metrics);
        }
    }

    /// A fresh ticket for `name` if `conn` still serves it (before the old one expires).
    pub fn send_ticket(&self, name: &str, conn: ConnId) {
        let st = self.lock();
        if st.local.get(name).is_some_and(|u| u.conn == conn) {
            self.push_ticket(&st, name);
        }
    }
}
