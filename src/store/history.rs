//! Recent calls, kept in this browser only (nothing of it goes to the
//! server): who, which way, how it ended, when and for how long.

/// How many calls the list keeps; older ones fall off.
pub const HISTORY_KEEP: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted: the call connected (or was being connected).
    Answered,
    /// It rang here and nobody took it.
    Missed,
    /// The callee said no (which side did, the direction says).
    Declined,
    /// It rang there until the ring timed out.
    NoAnswer,
    /// The caller gave up before an answer.
    Cancelled,
    /// The call could not be made or connected.
    Failed,
}

impl Outcome {
    const ALL: [Outcome; 6] =
        [Outcome::Answered, Outcome::Missed, Outcome::Declined, Outcome::NoAnswer, Outcome::Cancelled, Outcome::Failed];

    fn code(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Missed => "missed",
            Outcome::Declined => "declined",
            Outcome::NoAnswer => "no-answer",
            Outcome::Cancelled => "cancelled",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub peer: String,
    pub outgoing: bool,
    pub outcome: Outcome,
    /// When it ended (an answered call: when it connected), ms since 1970.
    pub at_ms: u64,
    /// How long it was connected.
    pub seconds: u32,
    /// A missed call the person has looked at.
    pub seen: bool,
}

impl CallRecord {
    pub fn unseen_missed(&self) -> bool {
        self.outcome == Outcome::Missed && !self.seen
    }
}

/// The list as stored: a line per call, newest first, fields split by tabs
/// (names cannot hold control characters). Plain text instead of JSON keeps
/// serde's derive out of the first load.
pub fn encode(records: &[CallRecord]) -> String {
    records
        .iter()
        .map(|r| {
            let way = if r.outgoing { "out" } else { "in" };
            let seen = if r.seen { "seen" } else { "new" };
            format!("{}\t{way}\t{}\t{}\t{}\t{seen}", r.peer, r.outcome.code(), r.at_ms, r.seconds)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What [`encode`] wrote; a line that does not read is skipped, not fatal
/// (storage is the user's to edit, or an older version's).
pub fn decode(text: &str) -> Vec<CallRecord> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let peer = f.next().filter(|p| !p.is_empty())?.to_owned();
            let outgoing = match f.next()? {
                "out" => true,
                "in" => false,
                _ => return None,
            };
            let code = f.next()?;
            let outcome = Outcome::ALL.into_iter().find(|o| o.code() == code)?;
            let at_ms = f.next()?.parse().ok()?;
            let seconds = f.next()?.parse().ok()?;
            let seen = f.next()? == "seen";
            Some(CallRecord { peer, outgoing, outcome, at_ms, seconds, seen })
        })
        .take(HISTORY_KEEP)
        .collect()
}
