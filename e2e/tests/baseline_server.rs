//! Duet's app against a server that speaks only MDN's baseline protocol:
//! the call flow works, the extras degrade without breaking anything.

use duet_e2e::{mdn_server, scenario, wait_until, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m01_duet_calls_through_a_baseline_only_server() {
    // It also sends frames no version of the protocol has, which the app
    // must skip without losing its session.
    let server = mdn_server::start(true).await;
    let signaling = server.url.clone();
    // The page comes from duet-server, whose CSP lets it connect only to
    // itself unless the operator lists another signaling server.
    let allowed = signaling.clone();
    scenario("m01", move |c| c.edge.connect_src = vec![allowed], |h| async move {
        // The bundle comes from duet-server; signaling goes to the baseline server.
        let path = format!("/?server={signaling}");
        let alice = h.user_at("alice", &path).await;
        let bob = h.user_at("bob", &path).await;
        wait_until("alice to see bob", WAIT, || async { (alice.callable().await == ["bob"]).then_some(()) }).await;

        // A taken name is renamed the baseline way, and told.
        let third = h.browser("alice-again", &path).await;
        third.login("alice").await;
        third.wait_status("The name alice is taken; you are alice1").await;

        alice.click("Call bob").await;
        bob.wait_text("alice is calling").await;
        bob.click("Accept").await;
        alice.assert_media_flows().await;
        bob.assert_media_flows().await;
        // Muting works locally; Duet-only media-state is not sent to a server
        // that may relay it to an MDN client, so bob sees no indicator.
        alice.click("Mute microphone").await;
        alice.wait_button("Unmute microphone").await;
        let enabled = alice.js("return window.duetDiagnostics.pc.getSenders().filter(s => s.track && s.track.kind === 'audio').map(s => s.track.enabled)").await;
        assert_eq!(enabled, serde_json::json!([false]));

        // alice's hang-up reaches the server after anything the mute sent.
        alice.click("Hang up").await;
        bob.wait_status("alice hung up").await;
        let from_alice: Vec<String> = server
            .received()
            .iter()
            .filter(|m| m["from"] == "alice")
            .map(|m| m["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(from_alice.iter().any(|t| t == "hang-up"), "{from_alice:?}");
        assert!(!from_alice.iter().any(|t| t == "media-state"), "media-state sent to a baseline server: {from_alice:?}");
        assert!(!bob.text().await.contains("muted their microphone"));
        for b in [&alice, &bob] {
            b.wait_released().await;
        }
        // The unreadable frames were read, skipped and noted for developers; nothing broke.
        let console = alice.console_problems().await;
        assert!(console.iter().any(|m| m.contains("ignored signaling message")), "{console:?}");
        assert!(!console.iter().any(|m| m.contains("panicked")), "{console:?}");
        // duet-server saw none of this.
        assert!(h.metrics().contains("duet_users 0"));
    })
    .await;
}
