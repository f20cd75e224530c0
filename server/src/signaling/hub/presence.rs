//! Who is online: presence changes batched for Duet clients and announced to
//! other nodes, full lists for MDN's client, and confusable-name checks.

use duet_protocol::{ServerMessage, UserStatus};

use super::{frame, Entry, Home, Hub, State};
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

    pub(super) fn userlist(&self, with_busy: bool) -> ServerMessage {
        let users: Vec<String> = self.everyone.keys().cloned().collect();
        let busy = if with_busy {
            self.everyone.iter().filter(|(_, e)| e.status == UserStatus::Busy).map(|(n, _)| n.clone()).collect()
        } else {
            vec![]
        };
        ServerMessage::UserList { users, busy }
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
        let list = frame(&self.userlist(false));
        for u in self.local.values_mut().filter(|u| !u.duet && u.list_seen < version) {
            u.outbox.push(&list, metrics);
            u.list_seen = version;
        }
    }
}
