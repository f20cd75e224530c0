//! Recent calls: every way a call ends becomes an entry on each side, the
//! list survives storage, and missed calls stay new until looked at.

use duet_protocol::HangupReason;

use super::*;

/// The history entry `action` asks the agent to record, if any.
fn recorded(s: &CallState, action: Action) -> (CallState, Option<(String, bool, Outcome)>) {
    let (s, fx) = effects_of(s, action);
    let entry = fx.iter().find_map(|e| match e {
        Effect::RecordCall { peer, outgoing, outcome } => Some((peer.clone(), *outgoing, *outcome)),
        _ => None,
    });
    (s, entry)
}

fn ringing(callee: &str, caller: &str) -> CallState {
    let offer = srv(ServerMessage::VideoOffer {
        name: caller.into(),
        target: callee.into(),
        sdp: sdp("offer"),
        linked: false,
        preconnect: false,
    });
    logged_in(callee, &[caller]).reduce(offer)
}

fn entry(peer: &str, outgoing: bool, outcome: Outcome) -> Option<(String, bool, Outcome)> {
    Some((peer.into(), outgoing, outcome))
}

#[test]
fn every_way_a_call_ends_is_an_entry_on_each_side() {
    let calling = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    // The caller's side.
    assert_eq!(recorded(&calling, Action::Cancel).1, entry("bob", true, Outcome::Cancelled));
    assert_eq!(
        recorded(&calling, hangup("bob", "alice", HangupReason::Declined)).1,
        entry("bob", true, Outcome::Declined)
    );
    assert_eq!(recorded(&calling, hangup("bob", "alice", HangupReason::Busy)).1, entry("bob", true, Outcome::Declined));
    assert_eq!(recorded(&calling, Action::RingTimeout { peer: "bob".into() }).1, entry("bob", true, Outcome::NoAnswer));
    let offline = srv(ServerMessage::Error { code: ErrorCode::TargetOffline, text: "gone".into() });
    assert_eq!(recorded(&calling, offline).1, entry("bob", true, Outcome::Failed));
    let s = in_call("alice", "bob");
    assert_eq!(recorded(&s, Action::HangUp).1, entry("bob", true, Outcome::Answered));
    assert_eq!(recorded(&s, hangup("bob", "alice", HangupReason::Hangup)).1, entry("bob", true, Outcome::Answered));

    // The callee's side.
    let s = ringing("bob", "alice");
    assert_eq!(recorded(&s, Action::Decline).1, entry("alice", false, Outcome::Declined));
    assert_eq!(recorded(&s, hangup("alice", "bob", HangupReason::Cancelled)).1, entry("alice", false, Outcome::Missed));
    assert_eq!(recorded(&s, Action::RingTimeout { peer: "alice".into() }).1, entry("alice", false, Outcome::Missed));
    let (s, _) = recorded(&s, Action::Accept);
    let failed_once = s.clone().reduce(Action::PeerFailed); // (a path that never worked is restarted once)
    assert_eq!(recorded(&failed_once, Action::PeerFailed).1, entry("alice", false, Outcome::Failed), "never connected");
    let s = s.reduce(Action::PeerConnected);
    assert_eq!(recorded(&s, Action::HangUp).1, entry("alice", false, Outcome::Answered));

    // A call that came while we were in another: refused as busy, and missed.
    let carol = srv(ServerMessage::VideoOffer {
        name: "carol".into(),
        target: "alice".into(),
        sdp: sdp("offer"),
        linked: false,
        preconnect: false,
    });
    let mut busy = logged_in("alice", &["bob", "carol"]).reduce(Action::Call("bob".into()));
    busy = busy.reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: "bob".into(),
        target: "alice".into(),
        sdp: sdp("answer"),
    }));
    let (busy, missed) = recorded(&busy, carol);
    assert_eq!(missed, entry("carol", false, Outcome::Missed));
    assert!(busy.call.is_in_call(), "the call in progress goes on");

    // Nothing to record when nothing rang.
    assert_eq!(recorded(&logged_in("alice", &["bob"]), Action::HangUp).1, None);
    // The direction is the call's own: after an outgoing call, an incoming one.
    let s = in_call("alice", "bob").reduce(Action::HangUp);
    let offer = srv(ServerMessage::VideoOffer {
        name: "bob".into(),
        target: "alice".into(),
        sdp: sdp("offer"),
        linked: false,
        preconnect: false,
    });
    assert_eq!(recorded(&s.reduce(offer), Action::Decline).1, entry("bob", false, Outcome::Declined));
}

fn record(peer: &str, outcome: Outcome, at_ms: u64) -> CallRecord {
    CallRecord { peer: peer.into(), outgoing: false, outcome, at_ms, seconds: 0, seen: false }
}

#[test]
fn missed_calls_stay_new_until_looked_at_and_the_list_is_saved_on_each_change() {
    let s = logged_in("bob", &["alice"]);
    let (s, fx) = effects_of(&s, Action::CallRecorded(record("alice", Outcome::Missed, 1)));
    let (s, _) = effects_of(&s, Action::CallRecorded(record("carol", Outcome::Answered, 2)));
    assert_eq!(fx, vec![Effect::SaveHistory(vec![record("alice", Outcome::Missed, 1)])]);
    assert_eq!(s.history.iter().map(|r| r.at_ms).collect::<Vec<_>>(), [2, 1], "newest first");
    assert_eq!(s.history.iter().filter(|r| r.unseen_missed()).count(), 1);
    let (s, fx) = effects_of(&s, Action::SeeMissedCalls);
    assert!(s.history.iter().all(|r| !r.unseen_missed()));
    assert!(matches!(&fx[..], [Effect::SaveHistory(h)] if h == &s.history));
    let (s, fx) = effects_of(&s, Action::SeeMissedCalls);
    assert!(fx.is_empty(), "nothing new: nothing saved");
    // The list keeps the latest calls only.
    let s = (0..60).fold(s, |s, n| s.reduce(Action::CallRecorded(record("dan", Outcome::NoAnswer, 100 + n))));
    assert_eq!(s.history.len(), HISTORY_KEEP);
    assert_eq!(s.history[0].at_ms, 159);
    let (s, fx) = effects_of(&s, Action::ClearHistory);
    assert!(s.history.is_empty());
    assert_eq!(fx, vec![Effect::SaveHistory(vec![])]);
}

#[test]
fn the_stored_list_reads_back_and_bad_lines_are_skipped() {
    let list = vec![
        CallRecord {
            peer: "민지".into(),
            outgoing: true,
            outcome: Outcome::Answered,
            at_ms: 1_764_800_000_000,
            seconds: 754,
            seen: false,
        },
        CallRecord {
            peer: "bob smith".into(),
            outgoing: false,
            outcome: Outcome::Missed,
            at_ms: 5,
            seconds: 0,
            seen: true,
        },
        record("x", Outcome::NoAnswer, 7),
        record("y", Outcome::Cancelled, 8),
        record("z", Outcome::Declined, 9),
        record("w", Outcome::Failed, 10),
    ];
    let text = encode_history(&list);
    assert_eq!(decode_history(&text), list);
    let tampered = format!("garbage\n{text}\nbob\tsideways\tmissed\t1\t0\tnew\n\tin\tmissed\t1\t0\tnew");
    assert_eq!(decode_history(&tampered), list);
    assert_eq!(decode_history(""), vec![]);
}
