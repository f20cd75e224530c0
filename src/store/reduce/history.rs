//! Recent calls: every ending of a call becomes an entry (the agent adds
//! when and how long), kept in the browser under the person's name.

use super::super::{CallEffect, CallPhase, CallRecord, CallState, Effect, Msg, Notice, Outcome, HISTORY_KEEP};

pub(super) fn recorded(s: &mut CallState, record: CallRecord) {
    s.history.insert(0, record);
    s.history.truncate(HISTORY_KEEP);
    save(s);
}

/// The person looked at the list: its missed calls are seen.
pub(super) fn see_missed(s: &mut CallState) {
    if s.history.iter().any(CallRecord::unseen_missed) {
        for r in &mut s.history {
            r.seen = true;
        }
        save(s);
    }
}

pub(super) fn clear(s: &mut CallState) {
    if !s.history.is_empty() {
        s.history.clear();
        save(s);
    }
}

/// What every ending of a call does before its media goes, however it
/// ends: the recording is saved with what there is (the partner's app
/// learns it ended with the call) and the call goes into the recent calls
/// (the agent still knows when it connected).
pub(in crate::store) fn close_books(s: &mut CallState, peer: &str, notice: &Notice) {
    if std::mem::take(&mut s.recording) {
        s.effects.push(CallEffect::StopRecording);
    }
    if let Some(outcome) = outcome(&s.call, notice) {
        s.effects.push(Effect::RecordCall { peer: peer.to_owned(), outgoing: s.call_outgoing, outcome });
    }
    s.call_outgoing = false;
}

/// How a call in `phase` ended, as the recent calls say it, from what the
/// person is told.
fn outcome(phase: &CallPhase, notice: &Notice) -> Option<Outcome> {
    Some(match phase {
        CallPhase::Idle => return None,
        CallPhase::Incoming { .. } if matches!(notice.msg, Msg::YouDeclined(_)) => Outcome::Declined,
        CallPhase::Incoming { .. } => Outcome::Missed,
        CallPhase::Outgoing { .. } => match notice.msg {
            Msg::Cancelled(_) => Outcome::Cancelled,
            Msg::NoAnswer(_) => Outcome::NoAnswer,
            Msg::Declined(_) | Msg::Busy(_) => Outcome::Declined,
            _ => Outcome::Failed,
        },
        CallPhase::InCall { connected: false, .. } if notice.error => Outcome::Failed,
        CallPhase::InCall { .. } => Outcome::Answered,
    })
}

fn save(s: &mut CallState) {
    s.effects.push(Effect::SaveHistory(s.history.clone()));
    follow_contacts(s);
}

/// Asks a server that keeps the list to follow the people in the recent
/// calls, so each entry says whether they are online.
pub(in crate::store) fn follow_contacts(s: &mut CallState) {
    if s.directory.is_none() {
        return;
    }
    let mut names: Vec<String> = Vec::new();
    for r in &s.history {
        if !names.contains(&r.peer) {
            names.push(r.peer.clone());
        }
    }
    names.truncate(duet_protocol::limits::MAX_WATCHED);
    if names != s.watching {
        // Names no longer followed get no more presence: forget their status.
        for gone in s.watching.iter().filter(|n| !names.contains(n)) {
            s.users.remove(gone);
        }
        s.watching = names.clone();
        s.effects.push(Effect::Send(duet_protocol::ClientMessage::Watch { names }));
    }
}
