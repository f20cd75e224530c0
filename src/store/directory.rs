//! The lobby's rows when the server keeps the list (protocol 2): how many
//! are online and the rows this app shows, not everyone.

use duet_protocol::{
    limits::{FIRST_VIEW_ROWS, MAX_VIEW_ROWS},
    search::Query,
    UserStatus,
};

/// Rows of the sorted list of everyone online (or of a search's matches),
/// as the server last sent them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Directory {
    /// How many are online (or match `query`), this user included.
    pub total: u32,
    /// The list position of the first of `rows`.
    pub from: u32,
    /// The search these rows answer; empty for everyone.
    pub query: String,
    pub rows: Vec<(String, UserStatus)>,
}

/// The rows the app asks for: `count` from `from` of the matches of `query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRequest {
    pub from: u32,
    pub count: u32,
    pub query: String,
}

/// What the server shows a client at login without being asked: the top rows.
impl Default for RowRequest {
    fn default() -> Self {
        RowRequest { from: 0, count: FIRST_VIEW_ROWS, query: String::new() }
    }
}

impl Directory {
    pub fn status(&self, name: &str) -> Option<UserStatus> {
        self.rows.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }

    /// Whether `me` is one of the `total` (everyone is, or `me` matches).
    fn counts(&self, me: &str) -> bool {
        Query::new(&self.query).matches(me)
    }

    /// How many people other than `me` the list has.
    pub fn others(&self, me: &str) -> usize {
        (self.total as usize).saturating_sub(usize::from(self.counts(me)))
    }

    /// The rows other than `me`, each at its place in the list without `me`:
    /// a row after `me` (in the list's byte order, the server's) moves up one.
    pub fn other_rows<'a>(&'a self, me: &'a str) -> impl Iterator<Item = (usize, &'a str, UserStatus)> + 'a {
        // Top rows built before we arrived (shared by the logins of one
        // presence interval) lack us: nothing to skip until the next ones.
        let counted = self.counts(me) && (self.from > 0 || self.rows.iter().any(|(n, _)| n == me));
        self.rows.iter().enumerate().filter(move |(_, (n, _))| n != me).map(move |(k, (n, s))| {
            let at = self.from as usize + k;
            let shift = usize::from(counted && me < n.as_str());
            (at - shift, n.as_str(), *s)
        })
    }
}

/// Rows to ask for to show `rows` of the list without `me` (searching for
/// `query`): whole pages around them, so scrolling asks again only at a
/// page boundary, and one more row, which `me` may take.
/// The top rows, which the server sends at login, are asked as they are.
pub fn request_for(rows: std::ops::Range<usize>, query: &str) -> RowRequest {
    const PAGE: usize = 25;
    let query = query.trim();
    if query.is_empty() && rows.end < FIRST_VIEW_ROWS as usize {
        return RowRequest::default();
    }
    let from = (rows.start / PAGE * PAGE).saturating_sub(PAGE);
    let end = (rows.end.div_ceil(PAGE) * PAGE + PAGE).min(from + MAX_VIEW_ROWS as usize - 1);
    RowRequest { from: from as u32, count: (end - from + 1) as u32, query: query.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(from: u32, names: &[&str], total: u32) -> Directory {
        let rows = names.iter().map(|n| (n.to_string(), UserStatus::Available)).collect();
        Directory { total, from, query: String::new(), rows }
    }

    #[test]
    fn rows_keep_their_place_in_the_list_without_me() {
        // bob is 0 in the list of others; the server's list has me first.
        let d = dir(0, &["ann", "bob", "cid"], 3);
        assert_eq!(d.others("bob"), 2);
        let rows: Vec<_> = d.other_rows("bob").map(|(i, n, _)| (i, n)).collect();
        assert_eq!(rows, [(0, "ann"), (1, "cid")]);
        // Rows further down, with me above them: each one up.
        let d = dir(40, &["m40", "m41"], 100);
        assert_eq!(d.other_rows("a").map(|(i, _, _)| i).collect::<Vec<_>>(), [39, 40]);
        // Me below them: where the server has them.
        assert_eq!(d.other_rows("zz").map(|(i, _, _)| i).collect::<Vec<_>>(), [40, 41]);
    }

    #[test]
    fn top_rows_from_before_i_arrived_start_at_the_top() {
        // "Aaron" sorts before everyone but is not in rows built before
        // they logged in: the rows are not shifted up past the top.
        let d = dir(0, &["alice", "bob"], 2);
        let rows: Vec<_> = d.other_rows("Aaron").map(|(i, n, _)| (i, n)).collect();
        assert_eq!(rows, [(0, "alice"), (1, "bob")]);
    }

    #[test]
    fn a_search_counts_me_only_if_i_match() {
        let mut d = dir(0, &["minji"], 1);
        d.query = "min".into();
        assert_eq!(d.others("bob"), 1, "bob does not match: the one is someone else");
        assert_eq!(d.other_rows("bob").count(), 1);
        d.rows.push(("mina".into(), UserStatus::Busy));
        d.total = 2;
        assert_eq!(d.others("mina"), 1);
        assert_eq!(d.status("mina"), Some(UserStatus::Busy));
    }

    #[test]
    fn scrolling_asks_in_pages_and_never_over_the_limit() {
        assert_eq!(request_for(0..30, ""), RowRequest::default(), "the top rows come without asking");
        let near_top = request_for(30..60, "");
        assert_eq!((near_top.from, near_top.count), (0, 101));
        assert_eq!(request_for(33..63, ""), near_top, "a few rows further: the same request");
        assert_eq!(request_for(0..30, "a").count, 76, "a search is asked for");
        let middle = request_for(740..770, " ㅁㅈ ");
        assert_eq!((middle.from, middle.query.as_str()), (700, "ㅁㅈ"));
        assert!(middle.from as usize + middle.count as usize > 770, "covers the rows shown and one more");
        let tall = request_for(0..200, "");
        assert_eq!(tall.count, MAX_VIEW_ROWS);
    }
}
