//! Data saver: our cap and the partner's request, restated to the agent
//! whenever it changes, and the "turn off video" offer after a poor stretch.

use super::*;

fn limits(fx: &[Effect]) -> Vec<bool> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Call(CallEffect::LimitVideo(on)) => Some(*on),
            _ => None,
        })
        .collect()
}

fn told(fx: &[Effect]) -> Vec<bool> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Call(CallEffect::TellPeerDataSaver(on)) => Some(*on),
            _ => None,
        })
        .collect()
}

#[test]
fn our_switch_caps_our_video_tells_the_partner_and_is_remembered() {
    // On in the lobby: remembered, nothing to cap yet.
    let (s, fx) = effects_of(&logged_in("alice", &["bob"]), Action::SetDataSaver(true));
    assert_eq!(fx, vec![Effect::RememberDataSaver(true)]);
    // The call connects: capped from the start; the partner hears once the channel is open.
    let s = s.reduce(Action::Call("bob".into())).reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: "bob".into(),
        target: "alice".into(),
        sdp: sdp("answer"),
    }));
    let (s, fx) = effects_of(&s, Action::PeerConnected);
    assert_eq!(limits(&fx), [true]);
    let (s, fx) = effects_of(&s, Action::PeerChatReady(true));
    assert_eq!(told(&fx), [true]);
    // Off mid-call: the cap goes and the partner is told.
    let (s, fx) = effects_of(&s, Action::SetDataSaver(false));
    assert_eq!((limits(&fx), told(&fx)), (vec![false], vec![false]));
    assert!(fx.contains(&Effect::RememberDataSaver(false)));
    let (_, fx) = effects_of(&s, Action::SetDataSaver(false));
    assert!(fx.is_empty(), "no change, nothing to do");
}

#[test]
fn the_partners_data_saver_caps_what_we_send_for_that_call_only() {
    let s = in_call("alice", "bob");
    let (s, fx) = effects_of(&s, Action::PeerDataSaver(true));
    assert_eq!(limits(&fx), [true]);
    // Ours on too, then theirs off: still capped, by ours.
    let (s, _) = effects_of(&s, Action::SetDataSaver(true));
    let (s, fx) = effects_of(&s, Action::PeerDataSaver(false));
    assert_eq!(limits(&fx), [true]);
    let (s, _) = effects_of(&s, Action::SetDataSaver(false));
    let (s, _) = effects_of(&s, Action::PeerDataSaver(true));
    // The next call starts uncapped: the request was for that call.
    let s = s.reduce(Action::HangUp);
    assert!(!s.peer_data_saver);
    let (_, fx) = effects_of(&in_call("alice", "bob"), Action::PeerConnected);
    assert_eq!(limits(&fx), [false]);
}

/// The stats at second `n` of the call, `lost` packets lost so far of
/// 1,000 a second.
fn second(n: u32, lost: u32) -> Action {
    let (at_ms, lost) = (f64::from(n) * 1_000.0, u64::from(lost));
    Action::Stats(StatsSample {
        at_ms,
        packets_received: u64::from(n) * 1_000 - lost,
        packets_lost: lost,
        ..Default::default()
    })
}

/// Seconds `from..=to` at 20 % loss, `lost_before` lost before them.
fn lossy(s: CallState, from: u32, to: u32, lost_before: u32) -> CallState {
    (from..=to).fold(s, |s, n| s.reduce(second(n, lost_before + (n - from + 1) * 200)))
}

#[test]
fn a_poor_stretch_offers_turning_video_off_once_a_call() {
    let s = in_call("alice", "bob").reduce(second(1, 0));
    let s = lossy(s, 2, 10, 0);
    assert_eq!(s.notice, None, "nine seconds of Poor: not yet");
    let s = lossy(s, 11, 12, 9 * 200);
    assert_eq!(s.notice.as_ref().map(|n| n.msg.clone()), Some(Msg::PoorConnection));
    let s = s.reduce(Action::DismissNotice);
    let s = lossy(s, 13, 40, 11 * 200);
    assert_eq!(s.notice, None, "offered once a call");

    // A good second in between starts the count again.
    let s = in_call("alice", "bob").reduce(second(1, 0));
    let s = lossy(s, 2, 8, 0);
    let s = s.reduce(second(9, 7 * 200));
    let s = lossy(s, 10, 17, 7 * 200);
    assert_eq!(s.notice, None);
    // With the camera off there is nothing to offer.
    let s = s.reduce(Action::ToggleCamera);
    let s = lossy(s, 18, 40, 15 * 200);
    assert_ne!(s.notice.map(|n| n.msg), Some(Msg::PoorConnection));
}
