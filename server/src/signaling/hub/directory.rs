//! The directory, for clients of protocol 2 ([`DIRECTORY_VERSION`]): not
//! everyone online, but the rows a client shows (its `view` of the sorted
//! list, or of a search) and the presence of the names it follows
//! (`watch`). What a client is sent is bounded by what it shows, so a login
//! costs O(1) bytes instead of O(users), and a storm of N logins O(N) in all.
//!
//! At each presence flush where anything changed, every directory client's
//! rows are built again — once per distinct view, shared by every client
//! with that view (most newcomers look at the top of the list) — and sent
//! only if they differ from what that client was sent last.
//!
//! [`DIRECTORY_VERSION`]: duet_protocol::DIRECTORY_VERSION

use std::{
    collections::{BTreeMap, HashMap},
    ops::Bound,
};

use duet_protocol::{
    limits::{FIRST_VIEW_ROWS, MAX_QUERY_CHARS, MAX_USERNAME_CHARS, MAX_VIEW_ROWS, MAX_WATCHED},
    search::Query,
    ErrorCode, ServerMessage, UserStatus,
};

use super::{frame, Entry, Frame, Hub, Refusal, State};
use crate::metrics::Metrics;

/// Searches rebuilt at one presence flush for clients asking faster than
/// they are answered at once (each reads every name online).
const SEARCHES_PER_FLUSH: usize = 16;

/// One name in this many of the sorted list is kept in the [`RowIndex`].
const ROW_STRIDE: usize = 64;

/// Every [`ROW_STRIDE`]th name of the sorted list of everyone online, as it
/// was when built: a view far down the list starts in O(log n + stride)
/// instead of walking the list from its top (which, at 10 views a second
/// per connection, would let a few hundred connections keep a core busy).
/// Built when a view needs it and dropped at the flush after someone joined
/// or left; rows built from an older one between flushes are off by the
/// names that came or went meanwhile, and that flush sends them again.
#[derive(Debug)]
pub(super) struct RowIndex {
    every: Vec<String>,
    /// `State::list_version` when it was built.
    version: u64,
}

impl RowIndex {
    fn build(everyone: &BTreeMap<String, Entry>, version: u64) -> Self {
        RowIndex { every: everyone.keys().step_by(ROW_STRIDE).cloned().collect(), version }
    }

    /// Everyone from about row `from` on (exactly, if nobody came or went
    /// since it was built); nobody past the end (at once: a map's range
    /// skips one name at a time).
    fn from<'a>(
        &'a self,
        everyone: &'a BTreeMap<String, Entry>,
        from: usize,
    ) -> impl Iterator<Item = (&'a String, &'a Entry)> {
        let start = self.every.get(from / ROW_STRIDE);
        start.into_iter().flat_map(move |k| {
            everyone.range::<str, _>((Bound::Included(k.as_str()), Bound::Unbounded)).skip(from % ROW_STRIDE)
        })
    }
}

/// Rows of the sorted list of everyone online, or of the names matching a search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct View {
    from: u32,
    count: u32,
    query: Box<str>,
}

/// What a directory client shows and follows.
#[derive(Debug)]
pub(super) struct Interest {
    view: View,
    /// Names whose presence the client follows wherever they are in the list.
    watch: Vec<String>,
    /// The rows last sent for `view`: sent again only when they change.
    sent: Option<Frame>,
    /// `view` was asked faster than answered at once: its rows come at the
    /// next presence flush (only the latest of a burst).
    waiting: bool,
}

impl View {
    /// What a client sees at login: the top rows.
    fn first() -> Self {
        View { from: 0, count: FIRST_VIEW_ROWS, query: "".into() }
    }
}

impl Interest {
    pub(super) fn new() -> Box<Self> {
        Box::new(Interest { view: View::first(), watch: vec![], sent: None, waiting: false })
    }
}

impl Hub {
    /// `name` shows `count` rows from row `from` (of the matches of `query`):
    /// sends them now (or, with `now` false, a client asking faster than its
    /// budget, at the next flush), and again whenever they change.
    pub fn view(&self, name: &str, from: u32, count: u32, query: &str, now: bool) -> Result<(), Refusal> {
        if count > MAX_VIEW_ROWS {
            return Err(Refusal::new(
                ErrorCode::InvalidMessage,
                format!("a view shows at most {MAX_VIEW_ROWS} rows; ask for the rows on screen"),
            ));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(Refusal::new(
                ErrorCode::InvalidMessage,
                format!("a search is at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let mut st = self.lock();
        let State { local, everyone, views_waiting, row_index, list_version, .. } = &mut *st;
        let user = local.get_mut(name).ok_or_else(not_logged_in)?;
        let interest = user.directory.as_mut().ok_or_else(not_a_directory_client)?;
        interest.view = View { from, count, query: query.trim().into() };
        interest.waiting = !now;
        if !now {
            *views_waiting = true;
            return Ok(());
        }
        let index = row_index.get_or_insert_with(|| RowIndex::build(everyone, *list_version));
        let rows = frame(&rows(everyone, index, &interest.view));
        user.outbox.push(&rows, &self.metrics);
        interest.sent = Some(rows);
        Ok(())
    }

    /// `name` follows the presence of `names` (replacing whom it followed):
    /// where each is now comes at once, changes at each flush.
    pub fn watch(&self, name: &str, mut names: Vec<String>) -> Result<(), Refusal> {
        if names.len() > MAX_WATCHED {
            return Err(Refusal::new(ErrorCode::InvalidMessage, format!("follow at most {MAX_WATCHED} names")));
        }
        if names.iter().any(|n| n.chars().count() > MAX_USERNAME_CHARS) {
            return Err(Refusal::new(ErrorCode::InvalidMessage, "a followed name is longer than any username"));
        }
        names.sort_unstable();
        names.dedup();
        let mut st = self.lock();
        let State { local, everyone, .. } = &mut *st;
        let user = local.get_mut(name).ok_or_else(not_logged_in)?;
        let interest = user.directory.as_mut().ok_or_else(not_a_directory_client)?;
        let now = names.iter().map(|n| (n.clone(), everyone.get(n).map(|e| e.status)));
        user.outbox.push(&frame(&presence(now)), &self.metrics);
        interest.watch = names;
        Ok(())
    }
}

fn not_logged_in() -> Refusal {
    Refusal::new(ErrorCode::NotLoggedIn, "log in with a username message first")
}

fn not_a_directory_client() -> Refusal {
    Refusal::new(
        ErrorCode::InvalidMessage,
        format!("view and watch need `username.duet` {} or later", duet_protocol::DIRECTORY_VERSION),
    )
}

impl State {
    /// Sends a directory client what it shows (after a login or a resume):
    /// its rows, and where the names it follows are.
    pub(super) fn send_directory(&mut self, name: &str, metrics: &Metrics) {
        let State { local, everyone, first_rows, row_index, list_version, .. } = self;
        let Some(user) = local.get_mut(name) else { return };
        let Some(interest) = user.directory.as_mut() else { return };
        // Every login of a storm sees the top of the list: built once per
        // presence interval, like the whole list for version 1.
        let first = interest.view == View::first();
        let rows = match first_rows {
            Some(cached) if first => cached.clone(),
            _ => {
                let index = row_index.get_or_insert_with(|| RowIndex::build(everyone, *list_version));
                let built = frame(&rows(everyone, index, &interest.view));
                if first {
                    *first_rows = Some(built.clone());
                }
                built
            }
        };
        user.outbox.push(&rows, metrics);
        interest.sent = Some(rows);
        if !interest.watch.is_empty() {
            let now = interest.watch.iter().map(|n| (n.clone(), everyone.get(n).map(|e| e.status)));
            user.outbox.push(&frame(&presence(now)), metrics);
        }
    }

    /// After the changes in `pending`: each directory client's rows where
    /// they changed, and the changes of the names it follows.
    pub(super) fn flush_directory(&mut self, pending: &BTreeMap<String, Option<UserStatus>>, metrics: &Metrics) {
        if !pending.is_empty() {
            self.first_rows = None;
        }
        if self.row_index.as_ref().is_some_and(|i| i.version != self.list_version) {
            self.row_index = None;
        }
        let State { local, everyone, views_waiting, row_index, list_version, .. } = self;
        *views_waiting = false;
        // Searches asked faster than answered at once read every name: a
        // few per flush, the rest at the next ones.
        let mut scans_left = SEARCHES_PER_FLUSH;
        // The rows of each distinct view, or None where no change touches
        // them: a search's rows change only if a name that matches it
        // changed (so a client holding a search costs O(changes), not a
        // scan of everyone, at each flush).
        let mut built: HashMap<View, Option<Frame>> = HashMap::new();
        for user in local.values_mut() {
            let Some(interest) = user.directory.as_mut() else { continue };
            let rows = match built.get(&interest.view) {
                Some(Some(f)) => Some(f.clone()),
                // Untouched by the changes: only a waiting view needs its rows.
                Some(None) if !interest.waiting => None,
                _ => {
                    let v = &interest.view;
                    let searching = !v.query.is_empty();
                    let touched = interest.waiting
                        || (!pending.is_empty() && !searching)
                        || (searching && {
                            let query = Query::new(&v.query);
                            pending.keys().any(|name| query.matches(name))
                        });
                    if touched && searching && scans_left == 0 {
                        // Its turn comes at a later flush.
                        interest.waiting = true;
                        *views_waiting = true;
                        None
                    } else {
                        scans_left -= usize::from(touched && searching);
                        let f = touched.then(|| {
                            let index = row_index.get_or_insert_with(|| RowIndex::build(everyone, *list_version));
                            frame(&rows(everyone, index, v))
                        });
                        built.insert(v.clone(), f.clone());
                        f
                    }
                }
            };
            if rows.is_some() {
                interest.waiting = false;
            }
            if let Some(rows) = rows.filter(|r| interest.sent.as_ref() != Some(r)) {
                user.outbox.push(&rows, metrics);
                interest.sent = Some(rows);
            }
            let mut followed = interest.watch.iter().filter_map(|n| Some((n.clone(), *pending.get(n)?))).peekable();
            if followed.peek().is_some() {
                user.outbox.push(&frame(&presence(followed)), metrics);
            }
        }
    }
}

/// The rows `view` shows: for the whole list, from the index's nearest
/// name; for a search, one pass over everyone online, counting the matches
/// and keeping those in the view's range.
fn rows(everyone: &BTreeMap<String, Entry>, index: &RowIndex, view: &View) -> ServerMessage {
    let (from, count) = (view.from as usize, view.count as usize);
    let (mut users, mut busy) = (Vec::new(), Vec::new());
    let total = if view.query.is_empty() {
        for (name, entry) in index.from(everyone, from).take(count) {
            if entry.status == UserStatus::Busy {
                busy.push(name.clone());
            }
            users.push(name.clone());
        }
        everyone.len()
    } else {
        let query = Query::new(&view.query);
        let mut total = 0;
        for (name, entry) in everyone.iter().filter(|(name, _)| query.matches(name)) {
            if (from..from + count).contains(&total) {
                if entry.status == UserStatus::Busy {
                    busy.push(name.clone());
                }
                users.push(name.clone());
            }
            total += 1;
        }
        total
    };
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    ServerMessage::Directory { total, from: view.from, query: view.query.to_string(), users, busy }
}

/// Where each of some names is now: `None` is not online.
pub(super) fn presence(names: impl Iterator<Item = (String, Option<UserStatus>)>) -> ServerMessage {
    let (mut available, mut busy, mut left) = (Vec::new(), Vec::new(), Vec::new());
    for (name, status) in names {
        match status {
            Some(UserStatus::Available) => available.push(name),
            Some(UserStatus::Busy) => busy.push(name),
            None => left.push(name),
        }
    }
    ServerMessage::PresenceUpdate { available, busy, left, more: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signaling::hub::Home;

    fn online(n: usize) -> BTreeMap<String, Entry> {
        let busy = |i: usize| if i.is_multiple_of(7) { UserStatus::Busy } else { UserStatus::Available };
        (0..n).map(|i| (format!("user{i:05}"), Entry { home: Home::Local, status: busy(i) })).collect()
    }

    fn page(everyone: &BTreeMap<String, Entry>, index: &RowIndex, from: u32, count: u32) -> (Vec<String>, Vec<String>) {
        match rows(everyone, index, &View { from, count, query: "".into() }) {
            ServerMessage::Directory { users, busy, total, .. } => {
                assert_eq!(total as usize, everyone.len());
                (users, busy)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rows_from_the_index_are_the_rows_of_the_sorted_list_at_every_offset() {
        let everyone = online(1000);
        let index = RowIndex::build(&everyone, 0);
        for from in [0, 1, 63, 64, 65, 127, 128, 500, 950, 999, 1000, 5000] {
            let (users, busy) = page(&everyone, &index, from, 50);
            let want: Vec<&String> = everyone.keys().skip(from as usize).take(50).collect();
            assert_eq!(users.iter().collect::<Vec<_>>(), want, "from {from}");
            let want_busy: Vec<&String> =
                want.iter().copied().filter(|n| everyone[*n].status == UserStatus::Busy).collect();
            assert_eq!(busy.iter().collect::<Vec<_>>(), want_busy, "from {from}");
        }
        let (users, _) = page(&BTreeMap::new(), &RowIndex::build(&BTreeMap::new(), 0), 0, 50);
        assert!(users.is_empty());
    }

    #[test]
    fn an_index_older_than_the_list_still_gives_rows_near_the_asked_ones() {
        let mut everyone = online(1000);
        let index = RowIndex::build(&everyone, 0);
        // One of its names left and ten newcomers sort before everyone.
        everyone.remove("user00128");
        for i in 0..10 {
            everyone.insert(format!("a{i}"), Entry { home: Home::Local, status: UserStatus::Available });
        }
        let (users, _) = page(&everyone, &index, 130, 3);
        // Consecutive names of today's list, off by at most the 11 changes.
        let now: Vec<&String> = everyone.keys().collect();
        let at = now.iter().position(|n| **n == users[0]).unwrap();
        assert!(at.abs_diff(130) <= 11, "{users:?} starts at row {at}");
        assert_eq!(users.iter().collect::<Vec<_>>(), now[at..at + 3]);
    }
}
