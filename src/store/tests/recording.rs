//! Recording with consent: only with a partner whose app shows it, the
//! partner told at once, and the file saved however the recording ends.

use super::*;

fn chatty_call() -> CallState {
    in_call("alice", "bob").reduce(Action::PeerChatReady(true))
}

#[test]
fn recording_starts_and_stops_telling_the_partner_each_time() {
    let (s, fx) = effects_of(&chatty_call(), Action::ToggleRecording);
    assert!(s.recording);
    assert_eq!(fx, vec![Effect::StartRecording { peer: "bob".into() }, Effect::TellPeerRecording(true)]);
    let (s, fx) = effects_of(&s, Action::ToggleRecording);
    assert!(!s.recording);
    assert_eq!(fx, vec![Effect::StopRecording, Effect::TellPeerRecording(false)]);
}

#[test]
fn nobody_is_recorded_unawares() {
    // No data channel: an MDN client, or one that cannot show it.
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::ToggleRecording);
    assert!(!s.recording && fx.is_empty());
    // Not yet connected, or not in a call.
    let ringing = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&ringing, Action::ToggleRecording);
    assert!(!s.recording && fx.is_empty());
}

#[test]
fn the_call_ending_saves_the_file_and_clears_both_indicators() {
    let s = chatty_call().reduce(Action::ToggleRecording).reduce(Action::PeerRecording(true));
    assert!(s.peer_recording);
    let (s, fx) = effects_of(&s, hangup("bob", "alice", duet_protocol::HangupReason::Hangup));
    let stop = fx.iter().position(|e| *e == Effect::StopRecording).expect("stopped");
    let end = fx.iter().position(|e| *e == Effect::EndCall).expect("ended");
    assert!(stop < end, "saved before the call's media goes: {fx:?}");
    assert!(!s.recording && !s.peer_recording);
    // A partner's late "recording" after the call is nothing.
    assert!(!s.reduce(Action::PeerRecording(true)).peer_recording);
}

#[test]
fn a_recording_that_breaks_off_says_why_and_tells_the_partner() {
    let s = chatty_call().reduce(Action::ToggleRecording);
    let (s, fx) = effects_of(&s, Action::RecordingStopped(Some(Msg::RecordingFailed("NotSupportedError".into()))));
    assert!(!s.recording);
    assert_eq!(fx, vec![Effect::TellPeerRecording(false)]);
    assert_eq!(s.notice.unwrap().msg, Msg::RecordingFailed("NotSupportedError".into()));
}
