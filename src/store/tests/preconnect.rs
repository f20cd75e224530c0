//! Calls that connect while they ring: the callee answers a `preconnect`
//! offer at once, nothing is sent before Accept, and Accept only switches
//! the media on. Either side (or the server) can turn it off.

use duet_protocol::HangupReason;

use super::*;

fn offer_from(caller: &str, preconnect: bool) -> Action {
    srv(ServerMessage::VideoOffer {
        name: caller.into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
        preconnect,
    })
}

fn answer_from(callee: &str, ringing: bool) -> Action {
    srv(ServerMessage::VideoAnswer { name: callee.into(), target: "alice".into(), sdp: sdp("answer"), ringing })
}

#[test]
fn the_callee_answers_a_preconnect_offer_at_once_and_accept_only_sends_its_media() {
    let (s, fx) = effects_of(&logged_in("bob", &["alice"]), offer_from("alice", true));
    assert_eq!(s.call, CallPhase::Incoming { peer: "alice".into(), offer: sdp("offer"), preconnected: true });
    assert!(fx.contains(&Effect::Call(CallEffect::PreAnswer {
        peer: "alice".into(),
        offer: sdp("offer"),
        polite: false
    })));
    // The agent's answer goes out marked as given while it rings.
    let (s, fx) = effects_of(&s, Action::Signal(ToPeer::Answer(sdp("answer"))));
    assert_eq!(
        fx,
        vec![Effect::Send(ClientMessage::VideoAnswer {
            name: Some("bob".into()),
            target: "alice".into(),
            sdp: sdp("answer"),
            ringing: true
        })]
    );
    // Connected while it rings: still ringing, nothing sent.
    let (s, fx) = effects_of(&s, Action::PeerConnected);
    assert!(matches!(s.call, CallPhase::Incoming { .. }) && fx.is_empty());
    let (s, fx) = effects_of(&s, Action::Accept);
    assert_eq!(s.call, CallPhase::InCall { peer: "alice".into(), connected: true, reconnecting: false });
    assert!(!fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::Answer { .. }))), "no second answer: {fx:?}");
    assert!(fx.contains(&Effect::Call(CallEffect::SendMedia)));
    assert!(
        fx.contains(&Effect::Send(ClientMessage::CallAccepted { name: Some("bob".into()), target: "alice".into() }))
    );
}

#[test]
fn the_caller_keeps_ringing_after_an_answer_given_while_it_rings_until_it_is_accepted() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&s, answer_from("bob", true));
    assert_eq!(s.call, CallPhase::Outgoing { peer: "bob".into() });
    assert_eq!(fx, vec![Effect::Call(CallEffect::RemoteAnswer(sdp("answer")))], "connects, sends nothing");
    let s = s.reduce(Action::PeerConnected);
    // A failed connection while it rings does not stop the ring either.
    let s = s.reduce(Action::PeerFailed).reduce(Action::PeerConnected);
    assert_eq!(s.call, CallPhase::Outgoing { peer: "bob".into() });
    // Only the callee we rang can accept.
    let (s, fx) = effects_of(&s, srv(ServerMessage::CallAccepted { name: "carol".into(), target: "alice".into() }));
    assert!(fx.is_empty() && matches!(s.call, CallPhase::Outgoing { .. }));
    let (s, fx) = effects_of(&s, srv(ServerMessage::CallAccepted { name: "bob".into(), target: "alice".into() }));
    assert_eq!(s.call, CallPhase::InCall { peer: "bob".into(), connected: true, reconnecting: false });
    assert!(fx.contains(&Effect::Call(CallEffect::SendMedia)));
}

#[test]
fn declining_or_a_cancel_ends_a_preconnected_call_without_sending_media() {
    let ringing = logged_in("bob", &["alice"]).reduce(offer_from("alice", true));
    let (s, fx) = effects_of(&ringing, Action::Decline);
    assert!(s.call.is_idle());
    assert_eq!(sent_hangup(&fx), Some(("alice".into(), HangupReason::Declined)));
    assert!(fx.contains(&Effect::EndCall) && !fx.contains(&Effect::Call(CallEffect::SendMedia)));
    let (s, fx) = effects_of(&ringing, hangup("alice", "bob", HangupReason::Cancelled));
    assert!(s.call.is_idle() && fx.contains(&Effect::EndCall) && !fx.contains(&Effect::Call(CallEffect::SendMedia)));
    // The next call starts unconnected.
    let s = s.reduce(offer_from("alice", true));
    let s = s.reduce(Action::Accept);
    assert_eq!(s.call, CallPhase::InCall { peer: "alice".into(), connected: false, reconnecting: false });
}

#[test]
fn an_offer_without_preconnect_rings_first_as_mdn_s_client_sends_it() {
    let (s, fx) = effects_of(&logged_in("bob", &["alice"]), offer_from("alice", false));
    assert_eq!(s.call, CallPhase::Incoming { peer: "alice".into(), offer: sdp("offer"), preconnected: false });
    assert!(!fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::PreAnswer { .. }))));
    let (_, fx) = effects_of(&s, Action::Accept);
    assert!(fx.contains(&Effect::Call(CallEffect::Answer {
        peer: "alice".into(),
        offer: sdp("offer"),
        polite: false
    })));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Send(ClientMessage::CallAccepted { .. }))));
}

#[test]
fn a_user_who_turns_it_off_neither_asks_for_it_nor_answers_early() {
    let (s, fx) = effects_of(&logged_in("alice", &["bob"]), Action::SetConnectAfterAccept(true));
    assert_eq!(fx, vec![Effect::RememberConnectAfterAccept(true)]);
    let s = s.reduce(Action::Call("bob".into()));
    let (_, fx) = effects_of(&s, Action::Signal(ToPeer::Offer(sdp("offer"))));
    assert!(matches!(&fx[..], [Effect::Send(ClientMessage::VideoOffer { preconnect: false, .. })]), "{fx:?}");
    let mut callee = logged_in("bob", &["alice"]);
    callee.connect_after_accept = true;
    let (s, fx) = effects_of(&callee, offer_from("alice", true));
    assert!(matches!(s.call, CallPhase::Incoming { preconnected: false, .. }));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::PreAnswer { .. }))));
}

#[test]
fn what_the_early_connection_has_carries_into_the_call() {
    // The chat channel opened while it rang; a baseline server passes the
    // callee's `call-accepted` on without stamping the sender.
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let s = s.reduce(answer_from("bob", true)).reduce(Action::PeerChatReady(true));
    let s = s.reduce(srv(ServerMessage::CallAccepted { name: String::new(), target: "alice".into() }));
    assert!(s.call.is_in_call());
    assert!(s.peer_chat.ready, "chat works from the first moment");
}
