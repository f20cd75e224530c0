//! Call tracking: presence, busy, partners told when the other side leaves.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn duet_clients_get_welcome_snapshot_and_batched_presence() {
    // Flushes are driven by hand here, to see exactly what one batch holds.
    let s = TestServer::with(|c| {
        c.turn.stun_urls = vec!["stun:127.0.0.1:3478".into()];
        c.signaling.presence_interval_ms = 3_600_000;
    })
    .await;
    let hub = &s.server.hub;
    let mut alice = s.client().await;
    alice.send(json!({"type": "username", "name": "  alice ", "duet": 1})).await;
    let mut welcome = alice.recv().await;
    let token = welcome.as_object_mut().unwrap().remove("resume").expect("a resume ticket");
    assert!(token.as_str().is_some_and(|t| t.starts_with("v1.") && t.split('.').count() == 3), "{token}");
    assert_eq!(welcome, json!({"type": "welcome", "name": "alice", "iceServers": [{"urls": ["stun:127.0.0.1:3478"]}]}));
    assert_eq!(alice.recv().await, json!({"type": "userlist", "users": ["alice"]}));
    hub.flush_presence();
    alice.recv_type("presence").await;

    // Two logins, one message.
    let mut bob = s.duet_user("bob").await;
    let mut carol = s.duet_user("carol").await;
    assert_eq!(hub.flush_presence(), 2);
    assert_eq!(alice.recv().await, json!({"type": "presence", "available": ["bob", "carol"]}));
    bob.recv_type("presence").await;
    carol.recv_type("presence").await;

    // A ringing call shows both as busy to everyone, including in a later snapshot.
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.recv_type("video-offer").await;
    hub.flush_presence();
    assert_eq!(carol.recv().await, json!({"type": "presence", "busy": ["alice", "bob"]}));
    let mut dave = s.client().await;
    dave.send(json!({"type": "username", "name": "dave", "duet": 1})).await;
    dave.recv_type("welcome").await;
    assert_eq!(
        dave.recv().await,
        json!({"type": "userlist", "users": ["alice", "bob", "carol", "dave"], "busy": ["alice", "bob"]})
    );

    drop(carol);
    while hub.users_online().contains(&"carol".to_string()) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    hub.flush_presence();
    alice.recv_left("carol").await;
}

#[tokio::test]
async fn calling_someone_in_a_call_is_refused_as_busy_and_the_call_goes_on() {
    let s = TestServer::start().await;
    let (mut alice, mut bob) = s.in_call("alice", "bob").await;
    let mut carol = s.duet_user("carol").await;
    carol.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    assert_eq!(
        carol.recv_type("hang-up").await,
        json!({"type": "hang-up", "name": "bob", "target": "carol", "reason": "busy"})
    );
    // bob never saw carol's offer (nothing comes before alice's next
    // message but carol joining); alice and bob still relay.
    alice.send(json!({"type": "media-state", "target": "bob", "audio": false, "video": true})).await;
    let m = bob.recv_next("media-state").await;
    assert_eq!(m, json!({"type": "media-state", "name": "alice", "target": "bob", "audio": false, "video": true}));
    // ... and carol cannot inject into their call.
    carol.send(json!({"type": "new-ice-candidate", "target": "bob", "candidate": {"candidate": "x"}})).await;
    assert_eq!(carol.recv_type("error").await["code"], "not-in-call");
    carol.say("sentinel").await;
    bob.expect_nothing_before("sentinel").await;
}

#[tokio::test]
async fn a_caller_in_a_call_cannot_ring_someone_else() {
    let s = TestServer::start().await;
    let (mut alice, _bob) = s.in_call("alice", "bob").await;
    let _carol = s.duet_user("carol").await;
    alice.send(json!({"type": "video-offer", "target": "carol", "sdp": sdp("offer")})).await;
    assert_eq!(alice.recv_type("error").await["code"], "already-in-call");
}

#[tokio::test]
async fn the_partner_is_told_when_the_other_side_disconnects() {
    let s = TestServer::start().await;
    let (mut alice, bob) = s.in_call("alice", "bob").await;
    drop(bob);
    let hang = alice.recv_type("hang-up").await;
    assert_eq!(hang, json!({"type": "hang-up", "name": "bob", "target": "alice", "reason": "disconnected"}));
    alice.recv_status("alice", "available").await;
    assert!(s.metrics().await.contains("duet_active_calls 0"));
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn glare_keeps_one_call_between_the_two() {
    let s = TestServer::start().await;
    let mut alice = s.duet_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.send(json!({"type": "video-offer", "target": "alice", "sdp": sdp("offer")})).await;
    assert_eq!(bob.recv_type("video-offer").await["name"], "alice");
    assert_eq!(alice.recv_type("video-offer").await["name"], "bob");
    assert_eq!(s.server.hub.partner_of("alice").as_deref(), Some("bob"));
    assert_eq!(s.server.hub.partner_of("bob").as_deref(), Some("alice"));
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn decline_is_relayed_with_its_reason_and_frees_both() {
    let s = TestServer::start().await;
    let mut alice = s.duet_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.recv_type("video-offer").await;
    bob.send(json!({"type": "hang-up", "target": "alice", "reason": "declined"})).await;
    assert_eq!(alice.recv_type("hang-up").await["reason"], "declined");
    alice.recv_status("bob", "available").await;
    assert_eq!(s.server.hub.partner_of("alice"), None);
    // A second hang-up for the same call is harmless and silent.
    alice.send(json!({"type": "hang-up", "target": "bob", "reason": "cancelled"})).await;
    alice.say("sentinel").await;
    alice.expect_nothing_before("sentinel").await;
    bob.expect_nothing_before("sentinel").await;
}
