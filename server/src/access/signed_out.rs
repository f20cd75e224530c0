//! Sessions their users signed out of, remembered in the state directory so
//! that a ticket of such a session stays void across a restart (within one
//! run, a ticket whose session is not held proves nothing anyway). An entry
//! lasts as long as the session's newest ticket could: the ticket lifetime.
//! Each node keeps its own: a cluster node that is gone for good takes its
//! list with it (docs/security.md).

use std::{collections::HashMap, path::PathBuf, sync::Mutex};

pub struct SignedOut {
    file: Option<PathBuf>,
    /// Session id → when its last ticket expires (unix seconds).
    sessions: Mutex<HashMap<String, u64>>,
}

impl SignedOut {
    /// Kept in memory only (tests, benches).
    pub fn in_memory() -> Self {
        SignedOut { file: None, sessions: Mutex::default() }
    }

    /// The list kept in `file`, without the entries that have run out (the
    /// file is rewritten without them).
    pub fn load(file: PathBuf, now: u64) -> Result<Self, String> {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("reading {}: {e}", file.display())),
        };
        let sessions: HashMap<String, u64> = text
            .lines()
            .filter_map(|l| {
                let (session, until) = l.split_once(' ')?;
                let until: u64 = until.parse().ok()?;
                (until >= now).then(|| (session.to_owned(), until))
            })
            .collect();
        let kept: String = sessions.iter().map(|(s, until)| format!("{s} {until}\n")).collect();
        crate::private_file::replace(&file, kept.as_bytes())?;
        Ok(SignedOut { file: Some(file), sessions: Mutex::new(sessions) })
    }

    pub fn add(&self, session: &str, until: u64) {
        // Session ids are the server's own (no spaces or newlines); anything
        // else is not written rather than corrupting the list.
        if session.is_empty() || session.contains(char::is_whitespace) {
            return;
        }
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(session.to_owned(), until);
        if let Some(file) = &self.file {
            if let Err(e) = crate::private_file::append(file, format!("{session} {until}\n").as_bytes()) {
                tracing::warn!("could not remember a sign-out across restarts: {e}");
            }
        }
    }

    pub fn contains(&self, session: &str) -> bool {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).contains_key(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_out_outlives_a_restart_until_its_tickets_would_have_expired() {
        let file = std::env::temp_dir().join(format!("duet-signed-out-{}", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let first = SignedOut::load(file.clone(), 1000).unwrap();
        first.add("s-old", 1500);
        first.add("s-new", 5000);
        first.add("not one", 5000);
        assert!(first.contains("s-old") && !first.contains("not one"));
        let restarted = SignedOut::load(file.clone(), 2000).unwrap();
        assert!(restarted.contains("s-new"), "remembered across the restart");
        assert!(!restarted.contains("s-old"), "its tickets have expired: forgotten");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "s-new 5000\n", "and dropped from the file");
        std::fs::remove_file(&file).unwrap();
    }
}
