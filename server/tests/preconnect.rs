//! Calls that connect while they ring: an answer given while it rings only
//! connects; the call is taken up (counted, its ticket issued) when the
//! callee accepts, which only the callee of that offer can say.

mod support;

use std::sync::atomic::Ordering::Relaxed;

use serde_json::json;
use support::*;

#[tokio::test]
async fn a_call_answered_while_it_rings_is_taken_up_only_when_accepted() {
    let s = TestServer::start().await;
    let active = || s.server.hub.metrics.active_calls.load(Relaxed);
    let mut alice = s.duet_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer"), "preconnect": true})).await;
    assert_eq!(bob.recv_next("video-offer").await["preconnect"], true);
    bob.send(json!({"type": "video-answer", "target": "alice", "sdp": sdp("answer"), "ringing": true})).await;
    let answer = alice.recv_next("video-answer").await;
    assert_eq!(answer["ringing"], true);
    // Connected while it rings is no call yet: nobody gets a ticket naming it.
    alice.say("sentinel").await;
    for c in [&mut alice, &mut bob] {
        let m = c.recv().await;
        assert_eq!((m["type"].as_str(), m["text"].as_str()), (Some("message"), Some("sentinel")), "{m}");
    }
    assert_eq!(active(), 0);

    bob.send(json!({"type": "call-accepted", "target": "alice"})).await;
    assert_eq!(
        alice.recv_next("call-accepted").await,
        json!({"type": "call-accepted", "name": "bob", "target": "alice"})
    );
    assert_eq!(active(), 1);
    for c in [&mut alice, &mut bob] {
        c.recv_type("resume-ticket").await;
    }
}

#[tokio::test]
async fn only_the_callee_of_an_offer_can_accept_it() {
    let s = TestServer::start().await;
    let mut alice = s.duet_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    let mut carol = s.duet_user("carol").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer"), "preconnect": true})).await;
    bob.recv_next("video-offer").await;
    // A stranger, and the caller itself, cannot say the call was accepted.
    carol.send(json!({"type": "call-accepted", "target": "alice"})).await;
    assert_eq!(carol.recv_type("error").await["code"], "not-in-call");
    alice.send(json!({"type": "call-accepted", "target": "bob"})).await;
    assert_eq!(alice.recv_type("error").await["code"], "not-in-call");
    carol.say("sentinel").await;
    alice.expect_nothing_before("sentinel").await;
    bob.expect_nothing_before("sentinel").await;
    assert_eq!(s.server.hub.metrics.active_calls.load(Relaxed), 0);
}

#[tokio::test]
async fn the_operator_can_turn_connecting_while_it_rings_off() {
    let s = TestServer::with(|c| c.signaling.preconnect = false).await;
    let mut alice = s.duet_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer"), "preconnect": true})).await;
    let offer = bob.recv_next("video-offer").await;
    assert_eq!(offer.get("preconnect"), None, "the offer rings first: {offer}");
}
