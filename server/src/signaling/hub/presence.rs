//! Who is online: presence changes batched for Duet clients and announced to
//! other nodes, full lists for MDN's client, and confusable-name checks.

use std::sync::Arc;

use duet_protocol::{ServerMessage, UserStatus};

use super::{frame, Entry, Frame, Home, Hub, Outbox, State};
use crate::{access::names, cluster::Broadcast, metrics::Metrics};

impl Hub {
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
        if !st.pending.is_empty() || st.views_waiting {
            let pending = std::mem::take(&mut st.pending);
            st.flush_directory(&pending, &self.metrics);
            st.pending = pending;
        }
        if st.pending.is_empty() {
            return 0;
        }
        let pending = std::mem::take(&mut st.pending);
        let n = pending.len();
        // Changes after this point are in the next flush; a snapshot built
        // before it would lack them for newcomers who did not get this one.
        st.snapshot = None;
        // Each page of changes stands on its own.
        for update in pages(pending.into_iter(), |page, _| super::directory::presence(page.into_iter())) {
            st.send_to_listed(&update, &self.metrics);
        }
        n
    }
}

impl State {
    /// Whether `name`, or a name that looks like it, is online.
    pub(super) fn taken(&self, name: &str) -> bool {
        self.everyone.contains_key(name) || names::skeletons(name).iter().any(|sk| self.skeletons.contains_key(sk))
    }

    /// Puts a user online (or updates them); MDN clients hear of it at the next flush.
    pub(super) fn add_presence(&mut self, name: &str, entry: Entry) {
        if self.everyone.insert(name.to_owned(), entry).is_none() {
            for sk in names::skeletons(name) {
                self.skeletons.entry(sk).or_insert_with(|| name.to_owned());
            }
            self.list_version += 1;
        }
    }

    pub(super) fn remove_presence(&mut self, name: &str) {
        if self.everyone.remove(name).is_some() {
            for sk in names::skeletons(name) {
                if self.skeletons.get(&sk).is_some_and(|owner| owner == name) {
                    self.skeletons.remove(&sk);
                }
            }
            self.list_version += 1;
        }
    }

    /// MDN's full list: every name online, one message.
    pub(super) fn userlist(&self) -> ServerMessage {
        ServerMessage::UserList { users: self.everyone.keys().cloned().collect(), busy: vec![], more: false }
    }

    /// What a Duet client is sent of who is online when it logs in or
    /// resumes: its directory rows, or the whole list.
    pub(super) fn send_list(&mut self, name: &str, to: &Outbox, metrics: &Metrics) {
        if self.local.get(name).is_some_and(|u| u.directory.is_some()) {
            self.send_directory(name, metrics);
        } else {
            self.send_snapshot(to, metrics);
        }
    }

    /// What a Duet client is sent at login: everyone online with their
    /// status, as a `userlist` and then `presence` pages, none over
    /// [`PAGE_BYTES`]. Built at most once per presence interval and shared
    /// by every login in it (a storm of N logins would otherwise build and
    /// copy N lists of up to N names under the lock). Whatever changed
    /// since it was built is in `pending`, which every Duet client,
    /// newcomers included, gets at the next flush.
    fn send_snapshot(&mut self, to: &Outbox, metrics: &Metrics) {
        for page in self.snapshot().iter() {
            to.push(page, metrics);
        }
    }

    /// The pages, from this interval's cache or built now.
    fn snapshot(&mut self) -> Arc<[Frame]> {
        if let Some(s) = &self.snapshot {
            return s.clone();
        }
        let mut first = true;
        let built: Arc<[Frame]> =
            pages(self.everyone.iter().map(|(n, e)| (n.clone(), Some(e.status))), |page, more| {
                let (mut all, mut busy) = (Vec::new(), Vec::new());
                for (name, status) in page {
                    if status == Some(UserStatus::Busy) {
                        busy.push(name.clone());
                    }
                    all.push(name);
                }
                if std::mem::take(&mut first) {
                    ServerMessage::UserList { users: all, busy, more }
                } else {
                    all.retain(|n| !busy.contains(n));
                    ServerMessage::PresenceUpdate { available: all, busy, left: vec![], more }
                }
            })
            .collect();
        self.snapshot = Some(built.clone());
        built
    }

    pub(super) fn roster(&self) -> Vec<(String, UserStatus)> {
        self.everyone.iter().filter(|(_, e)| e.home == Home::Local).map(|(n, e)| (n.clone(), e.status)).collect()
    }

    /// Records a local user's new status, for local clients and other nodes.
    pub(super) fn note_status(&mut self, name: &str, status: UserStatus) {
        if let Some(e) = self.everyone.get_mut(name) {
            e.status = status;
        }
        self.pending.insert(name.to_owned(), Some(status));
        self.announce.insert(name.to_owned(), Some(status));
    }

    /// MDN clients only understand the full list, so each change costs them
    /// O(users); it is built once, only when such clients are connected, and
    /// at most once per presence interval however many joined or left.
    pub(super) fn send_userlist_to_mdn(&mut self, metrics: &Metrics) {
        let version = self.list_version;
        if self.mdn_clients == 0 || !self.local.values().any(|u| !u.duet && u.list_seen < version) {
            return;
        }
        let list = frame(&self.userlist());
        for u in self.local.values_mut().filter(|u| !u.duet && u.list_seen < version) {
            u.outbox.push(&list, metrics);
            u.list_seen = version;
        }
    }
}

/// The largest presence frame. Every connection's socket writer keeps a
/// buffer as large as the largest frame it ever sent, so a list sent whole
/// would cost each Duet client O(users) bytes for as long as it stays.
const PAGE_BYTES: usize = 2 * 1024;

/// Serializes `entries` as messages of at most about [`PAGE_BYTES`] each
/// (at least one, if empty), `make` turning one page of entries, and
/// whether more pages follow it, into its message.
fn pages<I, F>(entries: I, mut make: F) -> impl Iterator<Item = Frame>
where
    I: Iterator<Item = (String, Option<UserStatus>)>,
    F: FnMut(Vec<(String, Option<UserStatus>)>, bool) -> ServerMessage,
{
    let mut entries = entries.peekable();
    let mut first = true;
    std::iter::from_fn(move || {
        if !std::mem::take(&mut first) {
            entries.peek()?;
        }
        let (mut page, mut bytes) = (Vec::new(), 0);
        // A name's JSON costs its length, quotes and a comma (escapes are
        // rare in names); a busy one is counted twice, as a `userlist` page
        // names it in `users` and in `busy`.
        let cost = |(n, status): &(String, Option<UserStatus>)| {
            (n.len() + 3) * if *status == Some(UserStatus::Busy) { 2 } else { 1 }
        };
        while let Some(entry) = entries.next_if(|e| page.is_empty() || bytes + cost(e) <= PAGE_BYTES) {
            bytes += cost(&entry);
            page.push(entry);
        }
        let more = entries.peek().is_some();
        Some(frame(&make(page, more)))
    })
}
