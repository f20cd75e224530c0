//! The user list as the lobby shows it.

use std::collections::BTreeMap;

use duet_protocol::UserStatus;

/// Online users by name (sorted), with their availability.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Users(BTreeMap<String, UserStatus>);

impl Users {
    /// Replaces the list with a full snapshot (`userlist`).
    pub fn replace(&mut self, users: &[String], busy: &[String]) {
        self.0 = users
            .iter()
            .map(|u| (u.clone(), if busy.contains(u) { UserStatus::Busy } else { UserStatus::Available }))
            .collect();
    }

    pub fn set(&mut self, name: &str, status: UserStatus) {
        self.0.insert(name.to_owned(), status);
    }

    pub fn remove(&mut self, name: &str) {
        self.0.remove(name);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn status(&self, name: &str) -> Option<UserStatus> {
        self.0.get(name).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, UserStatus)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
