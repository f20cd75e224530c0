//! Recording with consent: only once the partner's app says it shows it,
//! the partner told at once, and the file saved however the recording ends.

use super::*;

fn chatty_call() -> CallState {
    in_call("alice", "bob").reduce(Action::PeerChatReady(true))
}

/// "Record", and bob's app answers that it shows it.
fn recording() -> CallState {
    chatty_call().reduce(Action::ToggleRecording).reduce(Action::PeerSawRecording)
}

#[test]
fn recording_starts_only_once_the_partners_app_shows_it() {
    let (s, fx) = effects_of(&chatty_call(), Action::ToggleRecording);
    assert!(!s.recording, "nothing recorded before bob's app answers");
    assert_eq!(fx, vec![Effect::Call(CallEffect::TellPeerRecording(true)), Effect::StartRecordingAckTimer]);
    let (s, fx) = effects_of(&s, Action::PeerSawRecording);
    assert!(s.recording);
    assert_eq!(fx, vec![Effect::Call(CallEffect::StartRecording { peer: "bob".into() })]);
    let (s, fx) = effects_of(&s, Action::ToggleRecording);
    assert!(!s.recording);
    assert_eq!(fx, vec![Effect::Call(CallEffect::StopRecording), Effect::Call(CallEffect::TellPeerRecording(false))]);
    // The timer of an answered ask is nothing.
    let (_, fx) = effects_of(&s, Action::RecordingAckTimeout);
    assert!(fx.is_empty());
}

#[test]
fn an_app_that_never_answers_is_never_recorded() {
    // An older Duet app has the channel but cannot show it: it never answers.
    let s = chatty_call().reduce(Action::ToggleRecording);
    let (s, fx) = effects_of(&s, Action::RecordingAckTimeout);
    assert!(!s.recording && !s.recording_asked);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::StartRecording { .. }))));
    assert_eq!(s.notice.unwrap().msg, Msg::RecordingNotShown("bob".into()));
    // No data channel at all (MDN's client): not even asked.
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::ToggleRecording);
    assert!(!s.recording_asked && fx.is_empty());
    // Not yet connected.
    let ringing = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&ringing, Action::ToggleRecording);
    assert!(!s.recording_asked && fx.is_empty());
}

#[test]
fn the_partner_sees_it_hears_it_and_answers() {
    let (s, fx) = effects_of(&chatty_call(), Action::PeerRecording(true));
    assert!(s.peer_recording);
    assert_eq!(fx, vec![Effect::Call(CallEffect::AckPeerRecording)]);
    assert_eq!(s.notice.unwrap().msg, Msg::PeerRecording("bob".into()), "said aloud, not only shown");
    // A reopened channel hears it again from the recorder's side.
    let (_, fx) = effects_of(&recording(), Action::PeerChatReady(true));
    assert!(fx.contains(&Effect::Call(CallEffect::TellPeerRecording(true))));
}

#[test]
fn the_call_ending_saves_the_file_and_clears_both_indicators() {
    let s = recording().reduce(Action::PeerRecording(true));
    assert!(s.peer_recording);
    let (s, fx) = effects_of(&s, hangup("bob", "alice", duet_protocol::HangupReason::Hangup));
    let stop = fx.iter().position(|e| *e == Effect::Call(CallEffect::StopRecording)).expect("stopped");
    let end = fx.iter().position(|e| *e == Effect::EndCall).expect("ended");
    assert!(stop < end, "saved before the call's media goes: {fx:?}");
    assert!(!s.recording && !s.peer_recording);
    // A partner's late "recording" after the call is nothing.
    assert!(!s.reduce(Action::PeerRecording(true)).peer_recording);
}

#[test]
fn a_recording_that_breaks_off_says_why_and_tells_the_partner() {
    let (s, fx) =
        effects_of(&recording(), Action::RecordingStopped(Some(Msg::RecordingFailed("NotSupportedError".into()))));
    assert!(!s.recording);
    assert_eq!(fx, vec![Effect::Call(CallEffect::TellPeerRecording(false))]);
    assert_eq!(s.notice.unwrap().msg, Msg::RecordingFailed("NotSupportedError".into()));
}

#[test]
fn a_call_lost_with_the_server_is_saved_and_recorded_like_any_other() {
    let mut s = recording();
    // Every reconnect fails: the call is over.
    s = s.reduce(Action::SocketClosed { code: 1006, reason: "gone".into() });
    let mut fx = vec![];
    for _ in 0..20 {
        let (next, more) = effects_of(&s, Action::SocketClosed { code: 1006, reason: "gone".into() });
        s = next;
        fx.extend(more);
        if s.call.is_idle() {
            break;
        }
    }
    assert!(s.call.is_idle(), "{:?}", s.call);
    assert!(fx.contains(&Effect::Call(CallEffect::StopRecording)), "{fx:?}");
    assert!(fx.iter().any(|e| matches!(e, Effect::RecordCall { outcome: Outcome::Answered, outgoing: true, .. })));
    assert!(!s.recording && !s.call_outgoing);
}

#[test]
fn a_recording_without_our_voice_says_so_and_goes_on() {
    let (s, fx) = effects_of(&recording(), Action::RecordingWithoutYourVoice);
    assert!(s.recording, "still recording the partner");
    assert!(fx.is_empty());
    let notice = s.notice.unwrap();
    assert_eq!(notice.msg, Msg::RecordingWithoutYourVoice("bob".into()));
    assert!(!notice.error);
    // Late, after the recording stopped: nothing to say.
    let stopped = recording().reduce(Action::ToggleRecording);
    assert!(stopped.reduce(Action::RecordingWithoutYourVoice).notice.is_none());
}
