//! The MDN "Signaling and video calling" message sequence, as its unmodified
//! client drives it, against a real server.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn login_sequence_matches_mdn() {
    let s = TestServer::start().await;
    let mut alice = s.client().await;
    assert!(alice.id > 0);
    alice.send(json!({"name": "alice", "date": 1700000000000u64, "id": alice.id, "type": "username"})).await;
    assert_eq!(alice.recv().await, json!({"type": "userlist", "users": ["alice"]}));

    let mut bob = s.client().await;
    assert_ne!(bob.id, alice.id);
    bob.send(json!({"name": "bob", "date": 1, "id": bob.id, "type": "username"})).await;
    let both = json!({"type": "userlist", "users": ["alice", "bob"]});
    assert_eq!(bob.recv().await, both);
    assert_eq!(alice.recv().await, both);
}

#[tokio::test]
async fn websocket_on_the_root_with_the_json_subprotocol_is_accepted() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let s = TestServer::start().await;
    let mut req = s.url("/").into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "json".parse().unwrap());
    let (mut ws, res) = tokio_tungstenite::connect_async(req).await.expect("upgrade on /");
    assert_eq!(res.headers().get("sec-websocket-protocol").unwrap(), "json");
    use futures_util::StreamExt;
    let first = ws.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains(r#""type":"id""#));
}

#[tokio::test]
async fn a_taken_name_is_renamed_and_the_client_told() {
    let s = TestServer::start().await;
    let mut alice = s.mdn_user("alice").await;
    let mut second = s.client().await;
    second.send(json!({"type": "username", "name": "alice", "date": 1, "id": second.id})).await;
    assert_eq!(second.recv().await, json!({"type": "rejectusername", "id": second.id, "name": "alice1"}));
    assert_eq!(second.recv().await, json!({"type": "userlist", "users": ["alice", "alice1"]}));
    assert_eq!(alice.recv().await, json!({"type": "userlist", "users": ["alice", "alice1"]}));

    // The registered name is the one relays are stamped with.
    let mut third = s.mdn_user("alice").await; // becomes alice2
    third.send(json!({"type": "video-offer", "name": "alice", "target": "alice1", "sdp": sdp("offer")})).await;
    assert_eq!(second.recv_type("video-offer").await["name"], "alice2");
}

#[tokio::test]
async fn a_full_call_is_relayed_with_names_stamped_by_the_server() {
    let s = TestServer::start().await;
    let mut alice = s.mdn_user("alice").await;
    let mut bob = s.mdn_user("bob").await;
    alice.recv_type("userlist").await;

    // alice pretends to be "mallory": bob must see alice.
    alice.send(json!({"name": "mallory", "target": "bob", "type": "video-offer", "sdp": sdp("offer")})).await;
    let offer = bob.recv().await;
    assert_eq!(offer, json!({"type": "video-offer", "name": "alice", "target": "bob", "sdp": sdp("offer")}));

    bob.send(json!({"name": "eve", "target": "alice", "type": "video-answer", "sdp": sdp("answer")})).await;
    let answer = alice.recv().await;
    assert_eq!(answer["type"], "video-answer");
    assert_eq!(answer["name"], "bob");
    assert_eq!(answer["sdp"], sdp("answer"));

    let cand = json!({"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "u"});
    alice.send(json!({"type": "new-ice-candidate", "target": "bob", "candidate": cand})).await;
    let got = bob.recv().await;
    assert_eq!(got["candidate"], cand);
    assert_eq!(got["name"], "alice", "candidates carry the stamped sender");

    assert!(s.metrics().await.contains("duet_active_calls 1"));
    bob.send(json!({"name": "bob", "target": "alice", "type": "hang-up"})).await;
    let hang = alice.recv().await;
    assert_eq!(hang["type"], "hang-up");
    assert_eq!(hang["name"], "bob");
    assert_eq!(hang["reason"], "hangup");
    assert!(s.metrics().await.contains("duet_active_calls 0"));
}

#[tokio::test]
async fn chat_is_broadcast_with_the_senders_name_and_escaped_for_mdn_clients() {
    let s = TestServer::start().await;
    let mut alice = s.mdn_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    alice.recv_type("userlist").await;

    bob.send(json!({"type": "message", "text": "<img src=x onerror=alert(1)> hi", "id": bob.id, "date": 5, "name": "mallory"})).await;
    let at_alice = alice.recv_type("message").await;
    assert_eq!(at_alice["name"], "bob");
    assert_eq!(at_alice["text"], "&lt;img src=x onerror=alert(1)&gt; hi", "MDN's client renders innerHTML");
    assert_eq!(at_alice["date"], 5.0);
    let at_bob = bob.recv_type("message").await;
    assert_eq!(at_bob["text"], "<img src=x onerror=alert(1)> hi", "Duet renders text, so it gets the original");
}

#[tokio::test]
async fn mdn_client_hanging_up_with_a_null_target_ends_its_call_and_the_next_call_works() {
    // MDN's hangUpCall() clears targetUsername before sending, so the wire
    // carries `"target": null`; the call meant is the sender's own.
    let s = TestServer::start().await;
    let mut alice = s.mdn_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    for round in 0..3 {
        alice.send(json!({"name": "alice", "target": "bob", "type": "video-offer", "sdp": sdp("offer")})).await;
        bob.recv_type("video-offer").await;
        bob.send(json!({"type": "video-answer", "target": "alice", "sdp": sdp("answer")})).await;
        alice.recv_type("video-answer").await;
        assert_eq!(s.server.hub.partner_of("bob").as_deref(), Some("alice"), "round {round}");
        alice.send(json!({"name": "alice", "target": null, "type": "hang-up"})).await;
        let hangup = bob.recv_type("hang-up").await;
        assert_eq!(hangup["name"], "alice", "round {round}");
        assert_eq!(s.server.hub.partner_of("bob"), None, "round {round}: bob is free again");
        assert_eq!(s.server.hub.partner_of("alice"), None, "round {round}: alice is free again");
    }
    // Not in a call: a targetless hang-up is simply nothing to do.
    alice.send(json!({"name": "alice", "type": "hang-up"})).await;
    alice.send(json!({"type": "message", "text": "still here"})).await;
    assert_eq!(alice.recv_type("message").await["text"], "still here");
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn mdn_clients_get_one_full_list_per_presence_interval_however_many_joined() {
    // Flushes by hand: the interval is the test's.
    let s = TestServer::hand_flushed(|_| {}).await;
    let hub = &s.server.hub;
    let mut first = s.mdn_user("mdn1").await;
    let mut second = s.mdn_user("mdn2").await;
    hub.flush_presence();
    let mut crowd = Vec::new();
    for i in 0..5 {
        crowd.push(s.duet_user(&format!("duet{i}")).await);
    }
    hub.flush_presence();
    let everyone = json!(["duet0", "duet1", "duet2", "duet3", "duet4", "mdn1", "mdn2"]);
    for c in [&mut first, &mut second] {
        let end = format!("end of {}", c.name);
        c.say(&end).await;
        let mut lists = Vec::new();
        loop {
            let m = c.recv().await;
            match m["type"].as_str() {
                Some("userlist") => lists.push(m["users"].clone()),
                Some("message") if m["text"] == end.as_str() => break,
                _ => {}
            }
        }
        // mdn2's own arrival may come in a list of its own before the flush.
        assert_eq!(lists.last(), Some(&everyone), "{}: {lists:?}", c.name);
        assert!(lists.len() <= 2, "{}: one list for five joins, not one each: {lists:?}", c.name);
    }
    // Nothing changed: no list at the next flush.
    hub.flush_presence();
    first.say("quiet").await;
    while first.recv_next("message").await["text"] != "quiet" {}
}
