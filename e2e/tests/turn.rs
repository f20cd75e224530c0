//! Calls relayed through a real coturn with ephemeral credentials.

use std::time::Duration;

use duet_e2e::{scenario, wait_until, Browser, Coturn, WAIT};

async fn call(alice: &Browser, bob: &Browser) {
    alice.click("Call bob").await;
    bob.click("Accept").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t01_relay_only_calls_go_through_coturn() {
    let dir = std::env::temp_dir().join(format!("duet-t01-{}", std::process::id()));
    let turn = Coturn::start("correct-horse", &dir).await;
    let url = turn.url();
    scenario(
        "t01",
        |c| {
            c.turn.turn_urls = vec![url];
            c.turn.turn_secret = Some("correct-horse".parse().unwrap());
        },
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            alice.set_relay_only().await;
            bob.set_relay_only().await;
            call(&alice, &bob).await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            for b in [&alice, &bob] {
                let kind = wait_until(&format!("{}: a selected candidate pair", b.user), WAIT, || async {
                    b.selected_local_candidate_type().await
                })
                .await;
                assert_eq!(kind, "relay", "{}: the call is relayed", b.user);
            }
            // The bundle carries no credential: they come over signaling only.
            let html = alice.js("return document.documentElement.outerHTML").await;
            assert!(!html.as_str().unwrap().contains("correct-horse"));
        },
    )
    .await;
    drop(turn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t02_a_wrong_secret_fails_clearly_and_a_fixed_one_works_next_call() {
    let dir = std::env::temp_dir().join(format!("duet-t02-{}", std::process::id()));
    let turn = Coturn::start("right-secret", &dir).await;
    let url = turn.url();
    let secret_file = dir.join("turn-secret");
    std::fs::write(&secret_file, "wrong-secret\n").unwrap();
    let file = secret_file.clone();
    scenario(
        "t02",
        |c| {
            c.turn.turn_urls = vec![url];
            c.turn.turn_secret_file = Some(file);
        },
        |h| async move {
            let alice = h.user_at("alice", "/?connect=5").await;
            let bob = h.user_at("bob", "/?connect=5").await;
            alice.set_relay_only().await;
            bob.set_relay_only().await;
            call(&alice, &bob).await;
            for b in [&alice, &bob] {
                b.wait_status_within("failed, even through the relay server", Duration::from_secs(15)).await;
                assert_eq!(b.open_peer_connections().await, 0, "{}: nothing left hanging", b.user);
            }

            // The operator fixes the secret; users reload (back in, with fresh
            // credentials in the welcome) and call.
            std::fs::write(&secret_file, "right-secret").unwrap();
            for b in [&alice, &bob] {
                b.goto(&format!("{}/", h.base_url())).await;
                b.wait_logged_in().await;
            }
            // The relay-only choice was remembered across the reload.
            assert_eq!(
                alice.js("return document.evaluate(\"//label[normalize-space(.)='Relay only']/input\", document, null, 9, null).singleNodeValue.checked").await,
                serde_json::json!(true)
            );
            call(&alice, &bob).await;
            for b in [&alice, &bob] {
                b.assert_media_flows().await;
                assert_eq!(b.selected_local_candidate_type().await.as_deref(), Some("relay"), "{}", b.user);
            }
        },
    )
    .await;
    drop(turn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t04_a_lossy_slow_path_still_shows_video_and_says_poor() {
    let dir = std::env::temp_dir().join(format!("duet-t04-{}", std::process::id()));
    let turn = Coturn::start("lossy-secret", &dir).await;
    // 10 % lost and 120 ms late each way between each browser and the relay:
    // about a fifth of the media lost end to end, half a second round trip.
    let lossy = duet_e2e::lossy_udp::LossyUdp::start(turn.port, 0.10, Duration::from_millis(120)).await;
    let url = lossy.url();
    scenario(
        "t04",
        |c| {
            c.turn.turn_urls = vec![url];
            c.turn.turn_secret = Some("lossy-secret".parse().unwrap());
        },
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            alice.set_relay_only().await;
            bob.set_relay_only().await;
            call(&alice, &bob).await;
            // Connecting over such a path takes retransmissions: allow for them.
            for b in [&alice, &bob] {
                wait_until(&format!("{}: video over the lossy path", b.user), Duration::from_secs(30), || async {
                    (b.remote_frames().await.0 > 0).then_some(())
                })
                .await;
                b.assert_media_flows().await;
                assert_eq!(b.selected_local_candidate_type().await.as_deref(), Some("relay"), "{}", b.user);
            }
            // The indicator tells the truth about it.
            for b in [&alice, &bob] {
                b.wait_text_within("Connection: Poor", Duration::from_secs(30)).await;
            }
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;
        },
    )
    .await;
    let (relayed, dropped) = (
        lossy.relayed.load(std::sync::atomic::Ordering::Relaxed),
        lossy.dropped.load(std::sync::atomic::Ordering::Relaxed),
    );
    println!("lossy path: {relayed} packets relayed, {dropped} dropped");
    assert!(dropped * 20 > relayed, "the path really lost packets: {dropped} of {}", relayed + dropped);
    drop(turn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t03_a_relay_restart_mid_call_is_survived_by_an_ice_restart() {
    let dir = std::env::temp_dir().join(format!("duet-t03-{}", std::process::id()));
    let turn = Coturn::start("relay-secret", &dir).await;
    let url = turn.url();
    scenario(
        "t03",
        |c| {
            c.turn.turn_urls = vec![url];
            c.turn.turn_secret = Some("relay-secret".parse().unwrap());
        },
        |h| async move {
            // A short grace period, so the restart comes soon after the loss.
            let alice = h.user_at("alice", "/?grace=2").await;
            let bob = h.user_at("bob", "/?grace=2").await;
            alice.set_relay_only().await;
            bob.set_relay_only().await;
            call(&alice, &bob).await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            let before = alice.ice_ufrag().await;

            // The relay goes away: its allocations, and so the media path, with it.
            let port = turn.stop().await;
            alice.wait_text("Reconnecting to bob").await;
            let _turn = Coturn::start_on(port, "relay-secret", &dir).await;

            // ICE restarts through the new relay and the same call goes on.
            for b in [&alice, &bob] {
                b.wait_text(&format!("In a call with {}", if b.user == "alice" { "bob" } else { "alice" })).await;
                // The decoder waits for the next key frame after the gap.
                let (stalled, _) = b.remote_frames().await;
                wait_until(&format!("{}: frames again", b.user), WAIT, || async {
                    (b.remote_frames().await.0 > stalled + 5).then_some(())
                })
                .await;
                b.assert_media_flows().await;
                assert_eq!(b.selected_local_candidate_type().await.as_deref(), Some("relay"));
            }
            assert_ne!(alice.ice_ufrag().await, before, "new ICE credentials: an ICE restart, not a lucky resume");
        },
    )
    .await;
}
