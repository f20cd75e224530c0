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

#[tokio::test]
async fn a_large_lobby_arrives_whole_in_pages_and_logins_in_one_interval_share_them() {
    // Flushes by hand, so the snapshot is the one built in this interval.
    let s = TestServer::hand_flushed(|_| {}).await;
    let hub = &s.server.hub;
    // Long names, so ~13 KB of them: more than one page (and few enough
    // sockets for a test process's 1024 open files).
    let name = |i: usize| format!("member-{i:03}-{}", "x".repeat(21));
    let mut crowd = Vec::new();
    for i in 0..400 {
        crowd.push(s.duet_user(&name(i)).await);
    }
    let (_a, _b) = s.in_call(&name(400), &name(401)).await;
    hub.flush_presence();

    // Two newcomers in the same interval: the second is served the first's
    // snapshot, and the next flush brings both up to date.
    let mut first = s.client().await;
    first.send(json!({"type": "username", "name": "first", "duet": 1})).await;
    first.recv_type("welcome").await;
    let mut second = s.client().await;
    second.send(json!({"type": "username", "name": "second", "duet": 1})).await;
    second.recv_type("welcome").await;
    hub.flush_presence();
    for c in [&mut first, &mut second] {
        c.say("end").await;
        let (mut online, mut busy) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
        let mut frames = 0;
        loop {
            let Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))) =
                futures_util::StreamExt::next(&mut c.ws).await
            else {
                panic!("connection ended")
            };
            assert!(t.len() <= 3 * 1024, "no presence frame is list-sized: {} bytes", t.len());
            let m: serde_json::Value = serde_json::from_str(&t).unwrap();
            let names = |k: &str| {
                m[k].as_array().cloned().unwrap_or_default().into_iter().map(|v| v.as_str().unwrap().to_owned())
            };
            match m["type"].as_str().unwrap() {
                "userlist" => {
                    assert_eq!(frames, 0, "the list comes first");
                    online = names("users").collect();
                    busy = names("busy").collect();
                }
                "presence" => {
                    for n in names("available") {
                        busy.remove(&n);
                        online.insert(n);
                    }
                    for n in names("busy") {
                        online.insert(n.clone());
                        busy.insert(n);
                    }
                    for n in names("left") {
                        online.remove(&n);
                    }
                }
                "message" if m["text"] == "end" => break,
                other => panic!("unexpected {other}"),
            }
            frames += 1;
        }
        assert!(frames >= 3, "a list of ~13 KB comes in pages, then the flush: not {frames} frames");
        let mut everyone: std::collections::BTreeSet<String> = (0..402).map(name).collect();
        everyone.extend(["first".to_owned(), "second".to_owned()]);
        assert_eq!(online, everyone, "every name online, the newcomers included");
        assert_eq!(busy, [name(400), name(401)].into_iter().collect(), "and who is busy");
    }
}
