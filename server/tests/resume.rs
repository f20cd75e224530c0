//! A dropped connection is held for the grace period: the user's client can
//! come back (same name, same call) with the ticket its welcome gave, and
//! nobody else can. After a server restart, a call is linked again when both
//! sides show tickets that name it.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

async fn in_call(s: &TestServer) -> (Client, Client) {
    s.in_call("alice", "bob").await
}

fn candidate() -> serde_json::Value {
    json!({"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0})
}

#[tokio::test]
async fn a_dropped_user_keeps_name_and_call_and_resumes_with_the_token() {
    let s = TestServer::with(|c| c.signaling.resume_grace_secs = 5.0).await;
    let (mut alice, bob) = in_call(&s).await;
    let token = bob.resume.clone();
    drop(bob); // no close frame: the network went away

    // The call is held: once the server has seen bob go, alice hears
    // nothing of it, and the name is not free.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !s.server.hub.is_parked("bob") {
        assert!(tokio::time::Instant::now() < deadline, "bob's drop not noticed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    alice.say("sentinel").await;
    alice.expect_nothing_before("sentinel").await;
    let squatter = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": "0".repeat(32)})).await;
    assert_eq!(squatter.name, "bob1", "a wrong token does not take the name");

    let mut bob =
        s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": token, "call": "alice"})).await;
    assert_eq!(bob.name, "bob");
    assert!(s.server.hub.partner_of("bob").is_some());
    assert!(bob.resume.starts_with("v1."), "a fresh ticket for the next drop");
    // Same call: relays flow both ways, and hanging up reaches the partner.
    bob.send(json!({"type": "new-ice-candidate", "target": "alice", "candidate": candidate()})).await;
    assert_eq!(alice.recv_type("new-ice-candidate").await["name"], "bob");
    alice.send(json!({"type": "hang-up", "target": "bob", "reason": "hangup"})).await;
    assert_eq!(bob.recv_type("hang-up").await["reason"], "hangup");
    assert!(s.metrics().await.contains("duet_resumes_total 1"));
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn not_coming_back_in_time_ends_the_call_for_the_partner() {
    let s = TestServer::with(|c| c.signaling.resume_grace_secs = 0.5).await;
    let (mut alice, bob) = in_call(&s).await;
    let token = bob.resume.clone();
    let dropped = Instant::now();
    drop(bob);
    let hangup = alice.recv_type("hang-up").await;
    assert_eq!(hangup["reason"], "disconnected");
    assert!(dropped.elapsed() >= Duration::from_millis(450), "held for the grace period first");
    alice.recv_left("bob").await;
    // The token died with the session: this is a fresh login.
    let bob =
        s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": token, "call": "alice"})).await;
    assert_eq!(bob.name, "bob");
    assert!(s.metrics().await.contains("duet_resumes_total 0"));
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn a_deliberate_close_and_an_mdn_client_are_not_held() {
    let s = TestServer::with(|c| c.signaling.resume_grace_secs = 30.0).await;
    let (mut alice, mut bob) = in_call(&s).await;
    bob.ws.close(None).await.unwrap();
    assert_eq!(alice.recv_type("hang-up").await["reason"], "disconnected");
    let carol = s.mdn_user("carol").await;
    drop(carol);
    alice.recv_left("carol").await;
}

#[tokio::test]
async fn a_page_that_leaves_saying_so_is_held_briefly_for_its_reload() {
    use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
    let leaving = || Some(CloseFrame { code: CloseCode::from(4000), reason: "leaving".into() });
    let s = TestServer::with(|c| {
        c.signaling.resume_grace_secs = 30.0;
        c.signaling.reload_grace_secs = 1.0;
    })
    .await;

    // A reload: back within the moment, with the ticket, into the same call.
    let (mut alice, mut bob) = in_call(&s).await;
    let token = bob.resume.clone();
    bob.ws.close(leaving()).await.unwrap();
    let mut bob =
        s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": token, "call": "alice"})).await;
    assert_eq!(bob.name, "bob");
    assert_eq!(s.server.hub.partner_of("bob").as_deref(), Some("alice"));
    bob.send(json!({"type": "video-offer", "target": "alice", "sdp": sdp("offer")})).await;
    assert_eq!(alice.recv_type("video-offer").await["name"], "bob", "the new page offers in the same call");

    // A closed tab: the partner hears after the short wait, not the resume grace.
    let closed = Instant::now();
    bob.ws.close(leaving()).await.unwrap();
    assert_eq!(alice.recv_type("hang-up").await["reason"], "disconnected");
    let waited = closed.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(10), "held {waited:?}");
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn a_takeover_closes_a_connection_that_is_still_open() {
    let s = TestServer::with(|c| c.signaling.resume_grace_secs = 5.0).await;
    let (_alice, mut old) = in_call(&s).await;
    let token = old.resume.clone();
    let _new =
        s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": token, "call": "alice"})).await;
    old.expect_close().await;
    s.server.hub.check_invariants().unwrap();
    assert_eq!(s.server.hub.partner_of("bob").as_deref(), Some("alice"), "the call moved to the new connection");
}

#[tokio::test]
async fn resuming_without_the_call_ends_it_for_the_partner() {
    // The client hung up while its socket was down; the server learns it on resume.
    let s = TestServer::with(|c| c.signaling.resume_grace_secs = 5.0).await;
    let (mut alice, bob) = in_call(&s).await;
    let token = bob.resume.clone();
    drop(bob);
    let _bob = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": token})).await;
    assert_eq!(alice.recv_type("hang-up").await["reason"], "disconnected");
    assert_eq!(s.server.hub.partner_of("alice"), None);
    s.server.hub.check_invariants().unwrap();
}

#[tokio::test]
async fn after_a_restart_a_call_is_linked_again_once_both_sides_show_tickets() {
    // Two servers sharing the ticket key: the second is the first restarted.
    let key = std::env::temp_dir().join(format!("duet-resume-key-{}", std::process::id()));
    std::fs::write(&key, "a-shared-secret-of-at-least-thirty-two-bytes").unwrap();
    let before = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let (mut alice, mut bob) = in_call(&before).await;
    let alice_ticket = alice.recv_type("resume-ticket").await["ticket"].as_str().unwrap().to_owned();
    let bob_ticket = bob.recv_type("resume-ticket").await["ticket"].as_str().unwrap().to_owned();
    before.shutdown.cancel();

    let s = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    // A bare claim of a call links nothing: whoever names alice as their
    // partner first, without a ticket, is not put into her call.
    let mut mallory = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "call": "alice"})).await;
    assert_eq!(mallory.name, "bob", "the name was free after the restart");
    assert_eq!(s.server.hub.partner_of("bob"), None, "no ticket, no call");
    let mut alice = s
        .duet_login(json!({"type": "username", "name": "alice", "duet": 1, "resume": alice_ticket, "call": "bob"}))
        .await;
    assert!(s.metrics().await.contains("duet_active_calls 0"), "one side alone is not a call");
    assert_eq!(s.server.hub.partner_of("alice").as_deref(), Some("bob"));
    let mut bob = s
        .duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": bob_ticket, "call": "alice"}))
        .await;
    assert_eq!(bob.name, "bob", "the ticket holder gets the name back");
    // Whoever took it meanwhile is told and let go (their client logs in again, renamed).
    let told = mallory.recv_type("error").await;
    assert!(told["text"].as_str().unwrap().contains("back after a server restart"), "{told}");
    mallory.expect_close().await;
    assert!(s.metrics().await.contains("duet_active_calls 1"));
    s.server.hub.check_invariants().unwrap();
    bob.send(json!({"type": "new-ice-candidate", "target": "alice", "candidate": candidate()})).await;
    alice.recv_type("new-ice-candidate").await;

    // A ticket for one call does not link another.
    let carol = s
        .duet_login(
            json!({"type": "username", "name": "carol", "duet": 1, "resume": alice.resume.clone(), "call": "bob"}),
        )
        .await;
    assert_eq!(carol.name, "carol");
    assert_eq!(s.server.hub.partner_of("carol"), None);

    bob.send(json!({"type": "hang-up", "target": "alice", "reason": "hangup"})).await;
    alice.recv_type("hang-up").await;
    s.server.hub.check_invariants().unwrap();
    std::fs::remove_file(&key).unwrap();
}

/// Finding 0 of the second security review: after a restart, someone who
/// takes the partner's name without a ticket and *sends an offer* must not
/// reach the waiting user (whose app answers a new connection from its
/// partner without asking), and the real partner's return links the call.
#[tokio::test]
async fn after_a_restart_a_stranger_in_the_partners_name_cannot_reach_the_held_call() {
    let key = std::env::temp_dir().join(format!("duet-impostor-key-{}", std::process::id()));
    std::fs::write(&key, "a-shared-secret-of-at-least-thirty-two-bytes").unwrap();
    let before = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let (mut carol, mut dave) = before.in_call("carol", "dave").await;
    let carol_ticket = carol.recv_type("resume-ticket").await["ticket"].as_str().unwrap().to_owned();
    let dave_ticket = dave.recv_type("resume-ticket").await["ticket"].as_str().unwrap().to_owned();
    before.shutdown.cancel();

    let s = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let mut carol = s
        .duet_login(json!({"type": "username", "name": "carol", "duet": 1, "resume": carol_ticket, "call": "dave"}))
        .await;
    let mut eve = s.duet_login(json!({"type": "username", "name": "dave", "duet": 1})).await;
    assert_eq!(eve.name, "dave", "the name is free until dave returns");
    eve.send(json!({"type": "video-offer", "target": "carol", "sdp": sdp("offer")})).await;
    let refused = eve.recv_type("hang-up").await;
    assert_eq!((refused["name"].as_str(), refused["reason"].as_str()), (Some("carol"), Some("busy")), "{refused}");
    // Nor do her candidates, mute state or hang-up reach carol.
    eve.send(json!({"type": "new-ice-candidate", "target": "carol", "candidate": candidate()})).await;
    eve.send(json!({"type": "hang-up", "target": "carol", "reason": "hangup"})).await;
    eve.say("eve is done").await;
    carol.expect_nothing_before("eve is done").await;
    // carol's app renegotiating (or offering again after a reload) does
    // not reach eve either, so eve has nothing to answer; an answer of her
    // own is refused, so she cannot make her end "linked".
    while eve.recv_type("message").await["text"] != "eve is done" {}
    carol.send(json!({"type": "video-offer", "target": "dave", "sdp": sdp("offer")})).await;
    carol.say("carol offered").await;
    eve.expect_nothing_before("carol offered").await;
    eve.send(json!({"type": "video-answer", "target": "carol", "sdp": sdp("answer")})).await;
    assert_eq!(eve.recv_type("error").await["code"], "not-in-call");
    eve.send(json!({"type": "video-offer", "target": "carol", "sdp": sdp("offer")})).await;
    assert_eq!(eve.recv_type("hang-up").await["reason"], "busy");
    assert_eq!(s.server.hub.partner_of("carol").as_deref(), Some("dave"), "carol's held call is intact");

    // The real dave returns: Eve is let go and the call is linked again.
    let mut dave = s
        .duet_login(json!({"type": "username", "name": "dave", "duet": 1, "resume": dave_ticket, "call": "carol"}))
        .await;
    assert_eq!(dave.name, "dave");
    eve.expect_close().await;
    assert!(s.metrics().await.contains("duet_active_calls 1"));
    dave.send(json!({"type": "video-offer", "target": "carol", "sdp": sdp("offer")})).await;
    let offer = carol.recv_type("video-offer").await;
    assert_eq!(offer["name"], "dave");
    dave.send(json!({"type": "new-ice-candidate", "target": "carol", "candidate": candidate()})).await;
    carol.recv_type("new-ice-candidate").await;
    carol.send(json!({"type": "new-ice-candidate", "target": "dave", "candidate": candidate()})).await;
    dave.recv_type("new-ice-candidate").await;
    s.server.hub.check_invariants().unwrap();
    std::fs::remove_file(&key).unwrap();
}

/// Finding 7: a ticket kept after leaving a name used to evict whoever
/// held the name later, at any time ("back after a server restart").
/// Without a restart it proves nothing; across one, the newer session wins.
#[tokio::test]
async fn a_kept_ticket_does_not_take_the_name_from_its_later_holder() {
    let key = std::env::temp_dir().join(format!("duet-stale-key-{}", std::process::id()));
    std::fs::write(&key, "a-shared-secret-of-at-least-thirty-two-bytes").unwrap();
    let s = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let mallory = s.duet_user("bob").await;
    let kept = mallory.resume.clone();
    drop(mallory);
    let deadline = tokio::time::Instant::now() + WAIT;
    while s.server.hub.users_online().contains(&"bob".to_string()) {
        assert!(tokio::time::Instant::now() < deadline, "mallory's leaving not noticed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut bob = s.duet_user("bob").await;
    assert_eq!(bob.name, "bob");
    let back = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": kept})).await;
    assert_eq!(back.name, "bob1", "the kept ticket takes nothing from bob");
    bob.say("still here").await;
    assert_eq!(bob.recv_type("message").await["text"], "still here", "bob was not disconnected");
    let bob_ticket = bob.resume.clone();
    drop((bob, back));
    s.shutdown.cancel();

    // Across a restart the newer session's ticket wins, whoever comes first.
    let s = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let mut mallory = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": kept})).await;
    assert_eq!(mallory.name, "bob", "nobody had the name yet");
    let bob = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": bob_ticket})).await;
    assert_eq!(bob.name, "bob", "the later holder's ticket wins over an older session's");
    mallory.recv_type("error").await;
    mallory.expect_close().await;
    let again = s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": kept})).await;
    assert_eq!(again.name, "bob1", "and the older ticket cannot take it back");
    s.server.hub.check_invariants().unwrap();
    std::fs::remove_file(&key).unwrap();
}

/// After a restart the name goes back to its last holder however it is
/// disguised or ordered: a squatter on a look-alike is let go too, and the
/// owner who evicted a squatter counts as the later holder at the next restart.
#[tokio::test]
async fn after_restarts_the_name_stays_with_its_last_holder() {
    let key = std::env::temp_dir().join(format!("duet-holder-key-{}", std::process::id()));
    std::fs::write(&key, "a-shared-secret-of-at-least-thirty-two-bytes").unwrap();
    let boot1 = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let bob = boot1.duet_user("bob").await;
    let ticket1 = bob.resume.clone();
    drop(bob);
    boot1.shutdown.cancel();

    let boot2 = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let mut look_alike = boot2.duet_user("b0b").await;
    assert_eq!(look_alike.name, "b0b");
    let squatter = boot2.duet_user("bob").await;
    let squatter_ticket = squatter.resume.clone();
    let bob = boot2.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": ticket1})).await;
    assert_eq!(bob.name, "bob", "both squatters give way");
    look_alike.recv_type("error").await;
    look_alike.expect_close().await;
    let ticket2 = bob.resume.clone();
    drop((bob, squatter));
    boot2.shutdown.cancel();

    let boot3 = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let bob = boot3.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": ticket2})).await;
    assert_eq!(bob.name, "bob");
    let squatter =
        boot3.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": squatter_ticket})).await;
    assert_eq!(squatter.name, "bob1", "the evicted squatter's ticket is older than the eviction");
    std::fs::remove_file(&key).unwrap();
}

/// Finding 7: a ticket is bound to its live session. Someone who copied
/// bob's ticket cannot push bob out while his client still answers; a
/// client whose old socket is dead (its network changed) still takes its
/// session over (`a_takeover_closes_a_connection_that_is_still_open`).
#[tokio::test]
async fn a_copied_ticket_cannot_push_a_live_owner_out() {
    use futures_util::StreamExt;
    let s = TestServer::with(|c| c.signaling.resume_grace_secs = 5.0).await;
    let (_alice, bob) = in_call(&s).await;
    let copied = bob.resume.clone();
    // bob's client reads on, and so answers the server's pings.
    let (_keep, mut stream) = bob.ws.split();
    let reading = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    let thief =
        s.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": copied, "call": "alice"})).await;
    assert_eq!(thief.name, "bob1", "a fresh login, renamed");
    assert_eq!(s.server.hub.partner_of("bob").as_deref(), Some("alice"), "bob keeps his call");
    assert!(!reading.is_finished(), "and his connection");
    assert_eq!(s.server.hub.partner_of("bob1"), None);
}

/// Finding 7, the moment after a restart: a user who signed out leaves no
/// ticket that can win the name back, even from before the restart (a
/// dropped connection's ticket still does: `after_restarts_the_name_stays…`).
#[tokio::test]
async fn a_signed_out_session_s_ticket_wins_nothing_after_a_restart() {
    let key = std::env::temp_dir().join(format!("duet-signout-key-{}", std::process::id()));
    std::fs::write(&key, "a-shared-secret-of-at-least-thirty-two-bytes").unwrap();
    let boot1 = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let mut bob = boot1.duet_user("bob").await;
    let kept = bob.resume.clone();
    // "Sign out": the app closes its socket without the leaving code.
    bob.ws.close(None).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while boot1.server.hub.users_online().contains(&"bob".to_string()) {
        assert!(tokio::time::Instant::now() < deadline, "bob's sign-out not noticed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    boot1.shutdown.cancel();

    let boot2 = TestServer::with(|c| c.auth.secret_file = Some(key.clone())).await;
    let mut robert = boot2.duet_user("bob").await;
    assert_eq!(robert.name, "bob", "the name was free after the restart");
    let back = boot2.duet_login(json!({"type": "username", "name": "bob", "duet": 1, "resume": kept})).await;
    assert_eq!(back.name, "bob1", "the signed-out ticket takes nothing");
    robert.say("still here").await;
    assert_eq!(robert.recv_type("message").await["text"], "still here", "the new bob was not pushed out");
    std::fs::remove_file(&key).unwrap();
}
