//! Firefox ESR and Chromium call each other through duet-server, both ways.

use duet_e2e::{connect, scenario, wait_until, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f01_chromium_and_firefox_call_each_other_both_ways() {
    scenario(
        "f01",
        |_| {},
        |h| async move {
            let alice = h.user("alice").await; // Chromium
            let bob = h.firefox("bob", "/").await;
            // geckodriver cannot read the console: collect warnings and errors in the page.
            bob.js("window.__problems = []; for (const k of ['warn', 'error']) { const o = console[k]; \
                 console[k] = (...a) => { window.__problems.push(a.join(' ')); o.apply(console, a); }; } return 0")
                .await;
            bob.login("bob").await;

            // Chromium calls Firefox: media both ways, mute shown across, hang-up from Chromium.
            connect(&alice, &bob).await;
            // The peer-to-peer chat (a data channel) both ways.
            alice.click("Chat").await;
            alice.fill("Call message", "hi firefox").await;
            alice.click("Send to call").await;
            bob.click("Chat (1 unread)").await;
            bob.wait_text("alicehi firefox").await;
            bob.fill("Call message", "hi chromium").await;
            bob.click("Send to call").await;
            alice.wait_text("bobhi chromium").await;
            // Firefox's statistics panel shows real figures from its getStats.
            bob.click("Statistics").await;
            let kbps = wait_until("bob (Firefox): a receiving bitrate", WAIT, || async {
                let v = bob.text_of("[data-stat=Receiving]").await;
                v.split_whitespace().next()?.parse::<f64>().ok().filter(|k| *k > 10.0)
            })
            .await;
            assert!(kbps > 10.0);
            bob.wait_text("Connection: Good").await;
            // The safety number reads the same in both browsers (Firefox
            // writes its fingerprint once per description, Chromium per media).
            alice.click("Verify call").await;
            bob.click("Verify call").await;
            let number = |b: &duet_e2e::Browser| {
                let b = b.clone();
                async move {
                    wait_until(&format!("{}: the safety number", b.user), WAIT, || async {
                        Some(b.safety_number_shown().await).filter(|n| !n.is_empty())
                    })
                    .await
                }
            };
            assert_eq!(number(&alice).await, number(&bob).await);
            bob.click("Matches").await;
            bob.wait_text("Verified").await;
            bob.click("Mute microphone").await;
            alice.wait_text("bob muted their microphone").await;
            bob.click("Unmute microphone").await;
            alice.click("Hang up").await;
            bob.wait_no_button("Hang up").await;

            // Firefox calls Chromium: the same, hang-up from Firefox.
            connect(&bob, &alice).await;
            alice.click("Turn camera off").await;
            bob.wait_text("alice turned their camera off").await;
            bob.click("Hang up").await;
            alice.wait_no_button("Hang up").await;
            // Nothing went wrong that only the console would show, in either browser.
            let problems = alice.console_problems().await;
            assert!(problems.is_empty(), "Chromium's console during the calls: {problems:#?}");
            let problems = bob.js("return window.__problems").await;
            assert_eq!(problems, serde_json::json!([]), "Firefox's console during the calls");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f02_a_relayed_call_with_firefox_survives_a_relay_restart_by_an_ice_restart() {
    use duet_e2e::Coturn;
    let dir = std::env::temp_dir().join(format!("duet-f02-{}", std::process::id()));
    let turn = Coturn::start("relay-secret", &dir).await;
    let url = turn.url();
    scenario(
        "f02",
        |c| {
            c.turn.turn_urls = vec![url];
            c.turn.turn_secret = Some("relay-secret".parse().unwrap());
        },
        |h| async move {
            let alice = h.user_at("alice", "/?grace=2").await; // Chromium
            let bob = h.firefox("bob", "/?grace=2").await;
            bob.login("bob").await;
            alice.set_relay_only().await;
            bob.set_relay_only().await;
            alice.click("Call bob").await;
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            for b in [&alice, &bob] {
                let kind = wait_until(&format!("{}: a selected pair", b.user), WAIT, || async {
                    b.selected_local_candidate_type().await
                })
                .await;
                assert_eq!(kind, "relay", "{}: relayed", b.user);
            }

            let before = (alice.ice_ufrag().await, bob.ice_ufrag().await);
            let port = turn.stop().await;
            let _turn = Coturn::start_on(port, "relay-secret", &dir).await;
            for b in [&alice, &bob] {
                let peer = if b.user == "alice" { "bob" } else { "alice" };
                b.wait_text(&format!("In a call with {peer}")).await;
                let (stalled, _) = b.remote_frames().await;
                wait_until(&format!("{}: frames again", b.user), WAIT, || async {
                    (b.remote_frames().await.0 > stalled + 5).then_some(())
                })
                .await;
                b.assert_media_flows().await;
            }
            let after = (alice.ice_ufrag().await, bob.ice_ufrag().await);
            assert!(
                after.0 != before.0 && after.1 != before.1,
                "new ICE credentials on both sides: {before:?} → {after:?}"
            );
        },
    )
    .await;
}
