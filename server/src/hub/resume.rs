//! Coming back: a ticket resumes its own held session, or after a restart
//! wins its name back from whoever took it without one; fresh tickets for
//! the users here.

use std::sync::atomic::Ordering::Relaxed;

use duet_protocol::{ErrorCode, HangupReason, ServerMessage};

use super::{frame, ConnId, Hub, LoginRequest, Outbox, State};
use crate::ticket::Ticket;

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
        user.conn = conn;
        user.parked = false;
        user.ticketed = true;
        old.close();
        // Back without the call (it ended on the client meanwhile): end it here too.
        if req.call.is_none() {
            self.end_call(&mut st, name, HangupReason::Disconnected);
        }
        let own = |m: &ServerMessage| outbox.push(&frame(m), &self.metrics);
        let resume = Some(self.ticket_for(&st, name));
        own(&ServerMessage::Welcome { name: name.to_owned(), ice_servers: ice.servers_for(name), resume });
        own(&st.userlist(true));
        self.metrics.resumes_total.fetch_add(1, Relaxed);
        tracing::debug!(conn, user = %name, "resumed");
        Some(name.to_owned())
    }

    /// Someone returns with a valid ticket for `name` that no session here
    /// knows, issued before this server's restart: a local holder of the
    /// name who logged in without a ticket, or with an older session's,
    /// gives it up. They are told and disconnected; their client logs in
    /// again under another name.
    pub(super) fn reclaim(&self, ticket: &Ticket) {
        let name = ticket.name.as_str();
        let mut st = self.lock();
        let Some((claim, duet)) =
            st.local.get(name).filter(|u| !u.ticketed || u.since < ticket.since).map(|u| (u.claim, u.duet))
        else {
            return;
        };
        self.end_call(&mut st, name, HangupReason::Disconnected);
        let Some(user) = st.local.remove(name) else { return };
        self.metrics.users.fetch_sub(1, Relaxed);
        if !duet {
            st.mdn_clients -= 1;
        }
        st.remove_presence(name);
        st.pending.insert(name.to_owned(), None);
        st.announce.insert(name.to_owned(), None);
        let text = format!("{name} is back after a server restart and has their name again; log in under another name");
        user.outbox.push(&frame(&ServerMessage::error(ErrorCode::InvalidUsername, text)), &self.metrics);
        user.outbox.close();
        drop(st);
        self.backplane.release(name, claim);
        tracing::info!(user = %name, "name given back to its ticket holder");
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
