//! Every configurable limit, exercised against a real server.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use support::*;
use tokio_tungstenite::tungstenite::{protocol::frame::coding::CloseCode, Message};

#[tokio::test]
async fn an_oversized_message_closes_with_1009() {
    let s = TestServer::with(|c| c.limits.max_message_bytes = 4096).await;
    let mut c = s.client().await;
    c.send_text(&format!(r#"{{"type":"message","text":"{}"}}"#, "x".repeat(5000))).await;
    assert_eq!(c.expect_close().await, Some(CloseCode::Size));

    // Far over the limit too (past the library's own frame cap).
    let mut c = s.client().await;
    let _ = c.ws.send(Message::text("y".repeat(100_000))).await;
    assert_eq!(c.expect_close().await, Some(CloseCode::Size));
}

#[tokio::test]
async fn a_connection_that_never_logs_in_is_closed_after_the_deadline() {
    let s = TestServer::with(|c| c.signaling.login_timeout_secs = 0.3).await;
    let mut idle = s.client().await;
    let mut quick = s.mdn_user("quick").await;
    assert_eq!(idle.expect_close().await, Some(CloseCode::Policy));
    // Logging in in time is not affected: a connection opened after quick's
    // is closed, so quick's deadline has passed too, and quick is still served.
    let mut later = s.client().await;
    assert_eq!(later.expect_close().await, Some(CloseCode::Policy));
    quick.say("still here").await;
    quick.expect_nothing_before("still here").await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_and_persistent_abuse_is_closed() {
    let s = TestServer::with(|c| {
        c.limits.rate_per_sec = 5.0;
        c.limits.rate_burst = 10.0;
        c.limits.abuse_burst = 20.0;
        // The lobby-chat budget is tested on its own (security.rs).
        c.limits.chat_rate_per_sec = 1000.0;
        c.limits.chat_burst = 1000.0;
    })
    .await;
    let mut bob = s.mdn_user("bob").await;
    let mut flood = s.mdn_user("flood").await;
    bob.recv_type("userlist").await;
    for i in 0..12 {
        flood.send(json!({"type": "message", "text": format!("m{i}")})).await;
    }
    let mut chats = 0;
    let mut limited = 0;
    for _ in 0..12 {
        let m = flood.recv().await;
        match m["type"].as_str().unwrap() {
            "message" => chats += 1,
            "error" => {
                assert_eq!(m["code"], "rate-limited");
                limited += 1
            }
            other => panic!("unexpected {other}"),
        }
    }
    // The burst of 10 covers the login and nine chats; the rest are refused.
    assert!(chats >= 9 && limited >= 1, "chats {chats}, limited {limited}");

    // Keep flooding: the connection is closed with a policy code.
    for _ in 0..200 {
        if flood.ws.send(Message::text(r#"{"type":"message","text":"spam"}"#)).await.is_err() {
            break;
        }
    }
    assert_eq!(flood.expect_close().await, Some(CloseCode::Policy));
    // bob is fine.
    bob.send(json!({"type": "message", "text": "calm"})).await;
    while bob.recv_type("message").await["text"] != "calm" {}
}

#[tokio::test]
async fn a_slow_reader_is_disconnected_while_others_keep_working() {
    let s = TestServer::with(|c| {
        c.limits.send_queue_bytes = 64 * 1024;
        c.limits.write_timeout_secs = 0.5;
        c.limits.rate_per_sec = 100_000.0;
        c.limits.rate_burst = 100_000.0;
        c.limits.max_sdp_bytes = 100_000;
        c.limits.offers_per_minute = 1e9;
    })
    .await;
    let mut sender = s.duet_user("sender").await;
    let slow = s.duet_user("slow").await; // never reads again
    let mut other = s.duet_user("other").await;
    sender.recv_type("presence").await;

    // ~60 KB offers to the slow reader until the socket buffers and its queue fill.
    let big = json!({"type": "offer", "sdp": "a".repeat(60_000)});
    for _ in 0..400 {
        sender.send(json!({"type": "video-offer", "target": "slow", "sdp": big})).await;
        if s.metrics().await.contains("duet_slow_consumers_total 1") {
            break;
        }
    }
    assert!(s.metrics().await.contains("duet_slow_consumers_total 1"), "{}", s.metrics().await);
    other.recv_left("slow").await;
    drop(slow);
    // The rest carry on.
    other.send(json!({"type": "message", "text": "ok"})).await;
    assert_eq!(sender.recv_type("message").await["text"], "ok");
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let s = TestServer::with(|c| c.signaling.ping_interval_secs = 0.2).await;
    let mut watcher = s.duet_user("watcher").await;
    // Logged in, then never polled again: its pongs never go out.
    let _silent = s.duet_user("silent").await;
    watcher.recv_left("silent").await;
    // The watcher, which answers pings, is still served.
    watcher.send(json!({"type": "message", "text": "alive"})).await;
    assert_eq!(watcher.recv_type("message").await["text"], "alive");
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_with_503() {
    let s = TestServer::with(|c| c.limits.max_connections = 2).await;
    let _a = s.client().await;
    let _b = s.client().await;
    let err = Client::connect_with(s.url("/ws")).await.err().expect("third connection refused");
    assert!(err.to_string().contains("503"), "{err}");
    drop(_a);
    // The slot is free once the server has seen the socket go.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !s.metrics().await.contains("\nduet_connections 1\n") {
        assert!(tokio::time::Instant::now() < deadline, "{}", s.metrics().await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _c = s.client().await;
}

/// A counter's or gauge's value in /metrics' text.
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Finding 2 of the second security review: lobby chat fanned out faster
/// than a user reads it must cost that user chat, never the session or the
/// call; before, the full queue disconnected the reader and hung up its call.
#[tokio::test]
async fn a_chat_flood_costs_a_slow_reader_chat_not_its_call() {
    let s = TestServer::with(|c| {
        c.limits.chat_rate_per_sec = 1e9;
        c.limits.chat_burst = 1e9;
        c.limits.chat_per_address_per_sec = 1e9;
        c.limits.chat_server_per_sec = 1e9;
        c.limits.rate_per_sec = 1e9;
        c.limits.rate_burst = 1e9;
        // Bob reads nothing for a while: that alone is no reason to drop him here.
        c.limits.write_timeout_secs = 120.0;
    })
    .await;
    let (alice, mut bob) = s.in_call("alice", "bob").await;
    // Bob stops reading; alice and a flooder read everything they are sent
    // (in the background), and the flooder sends far more chat than the
    // socket buffers between the server and bob hold.
    let drain = |c: Client| {
        let (sink, mut stream) = c.ws.split();
        tokio::spawn(async move { while stream.next().await.is_some() {} });
        sink
    };
    let mut alice = drain(alice);
    let mut flooder = drain(s.duet_user("flooder").await);
    // 24 MB: well past what loopback's socket buffers hold (≤ 4 + 6 MiB).
    let line = json!({"type": "message", "text": "가".repeat(1990)}).to_string();
    for _ in 0..4000 {
        flooder.send(Message::text(line.clone())).await.unwrap();
    }
    flooder.send(Message::text(json!({"type": "message", "text": "done"}).to_string())).await.unwrap();
    // Every chat handled (the flooder's 4001 and the login messages before them).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while metric(&s.metrics().await, "duet_messages_received_total") < 4005 {
        assert!(tokio::time::Instant::now() < deadline, "{}", s.metrics().await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = s.metrics().await;
    assert!(metrics.contains("duet_slow_consumers_total 0\n"), "nobody was dropped: {metrics}");
    assert!(!metrics.contains("duet_chat_dropped_total 0\n"), "the flood got ahead of bob: {metrics}");
    assert_eq!(s.server.hub.partner_of("bob").as_deref(), Some("alice"), "bob's call is up");
    // The call's signaling still reaches bob, after whatever chat he was sent.
    let candidate = json!({"type": "new-ice-candidate", "target": "bob", "candidate":
        {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0}});
    alice.send(Message::text(candidate.to_string())).await.unwrap();
    assert_eq!(bob.recv_type("new-ice-candidate").await["name"], "alice");
    assert_eq!(s.server.hub.partner_of("alice").as_deref(), Some("bob"));
    assert!(s.metrics().await.contains("duet_slow_consumers_total 0\n"));
}

/// Finding 3: what a caller can make a stalled callee's queue hold is
/// bounded: session descriptions and candidates have a size limit, and
/// offers (renegotiations) a rate.
#[tokio::test]
async fn large_descriptions_and_offer_floods_are_refused() {
    let s = TestServer::with(|c| c.limits.offers_per_minute = 30.0).await;
    let mut alice = s.duet_user("alice").await;
    let mut bob = s.duet_user("bob").await;
    let huge = json!({"type": "offer", "sdp": "a".repeat(40 * 1024)});
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": huge})).await;
    let e = alice.recv_type("error").await;
    assert!(e["text"].as_str().unwrap().contains("32768-byte limit"), "{e}");
    let long = json!({"candidate": "c".repeat(2000), "sdpMid": "0"});
    alice.send(json!({"type": "new-ice-candidate", "target": "bob", "candidate": long})).await;
    let e = alice.recv_type("error").await;
    assert!(e["text"].as_str().unwrap().contains("1024-byte limit"), "{e}");
    // A burst of ten offers (a call and its renegotiations) goes through; the eleventh does not.
    for _ in 0..10 {
        alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    }
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    let e = alice.recv_type("error").await;
    assert_eq!(e["code"], "rate-limited", "{e}");
    assert!(e["text"].as_str().unwrap().contains("too many offers"), "{e}");
    alice.say("sentinel").await;
    for _ in 0..10 {
        bob.recv_type("video-offer").await;
    }
    bob.expect_nothing_before("sentinel").await;
}

#[tokio::test]
async fn a_connection_that_keeps_talking_but_never_logs_in_is_still_closed_at_the_deadline() {
    // The deadline is judged after reading what the socket holds (so a
    // login that waited behind a busy server counts); a stream of frames
    // that are not a login must not keep it from being judged.
    let s = TestServer::with(|c| c.signaling.login_timeout_secs = 0.3).await;
    let mut chatty = s.client().await;
    let started = std::time::Instant::now();
    let closed = loop {
        match chatty.ws.send(Message::Ping(vec![1].into())).await {
            Ok(()) => {}
            Err(_) => break chatty.expect_close().await,
        }
        if let Some(Ok(Message::Close(f))) =
            futures_util::FutureExt::now_or_never(futures_util::StreamExt::next(&mut chatty.ws)).flatten()
        {
            break f.map(|f| f.code);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "never closed");
        tokio::task::yield_now().await;
    };
    assert_eq!(closed, Some(CloseCode::Policy));
}
