//! Calls connect while they ring, and no media flows before Accept: both
//! browsers' peer connections come up during the ring with nothing sent or
//! decoded on either side; Accept starts media both ways; Decline, Cancel
//! and the no-answer timeout release everything. Real Chromium, loopback.

use std::time::Duration;

use duet_e2e::{scenario, wait_until, Browser, WAIT};

/// Whether the page's current peer connection is connected.
async fn connected(b: &Browser) -> bool {
    let v = b
        .js("const pc = window.duetDiagnostics && window.duetDiagnostics.pc; \
             return !!pc && pc.connectionState === 'connected'")
        .await;
    v.as_bool().unwrap_or(false)
}

/// RTP bytes this page has sent on the current call (every outbound stream).
async fn bytes_sent(b: &Browser) -> u64 {
    let v = b
        .js_async(
            "const done = arguments[arguments.length - 1]; \
             const pc = window.duetDiagnostics && window.duetDiagnostics.pc; \
             if (!pc) return done(0); \
             pc.getStats().then(stats => { let n = 0; \
               stats.forEach(s => { if (s.type === 'outbound-rtp') n += s.bytesSent || 0; }); \
               done(n); }, () => done(-1));",
        )
        .await;
    v.as_u64().unwrap_or(u64::MAX)
}

/// Rings bob from alice and waits until both ends are connected while it
/// still rings; then, after a while longer, nothing has been sent or
/// decoded either way.
async fn ring_until_connected(alice: &Browser, bob: &Browser) {
    alice.click("Call bob").await;
    bob.wait_button("Accept").await;
    for b in [alice, bob] {
        wait_until(&format!("{}: connected while it rings", b.user), WAIT, || async {
            connected(b).await.then_some(())
        })
        .await;
    }
    // Long enough for a camera's frames to have crossed many times over.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    alice.wait_text("Calling bob").await;
    for b in [alice, bob] {
        assert_eq!(b.inbound().await, (0, 0), "{}: nothing decoded or received before Accept", b.user);
        assert_eq!(bytes_sent(b).await, 0, "{}: nothing sent before Accept", b.user);
    }
}

async fn both_release(alice: &Browser, bob: &Browser) {
    for b in [alice, bob] {
        b.wait_released().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p01_a_call_connects_while_it_rings_and_media_flows_only_after_accept() {
    scenario(
        "p01",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            ring_until_connected(&alice, &bob).await;
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            alice.wait_text("In a call with bob").await;
            bob.wait_text("In a call with alice").await;
            let active = h.metrics().lines().find(|l| l.starts_with("duet_active_calls ")).map(str::to_owned);
            assert_eq!(active.as_deref(), Some("duet_active_calls 1"));
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p02_declining_a_connected_ring_releases_both_sides() {
    scenario(
        "p02",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            ring_until_connected(&alice, &bob).await;
            bob.click("Decline").await;
            alice.wait_status("bob declined the call").await;
            both_release(&alice, &bob).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p03_cancelling_a_connected_ring_releases_both_sides() {
    scenario(
        "p03",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            ring_until_connected(&alice, &bob).await;
            alice.click("Cancel").await;
            bob.wait_status("Missed call from alice").await;
            both_release(&alice, &bob).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p04_a_connected_ring_that_times_out_releases_both_sides() {
    scenario(
        "p04",
        |_| {},
        |h| async move {
            let alice = h.user_at("alice", "/?ring=5").await;
            let bob = h.user_at("bob", "/?ring=5").await;
            ring_until_connected(&alice, &bob).await;
            alice.wait_status_within("No answer from bob", Duration::from_secs(10)).await;
            bob.wait_status_within("Missed call from alice", Duration::from_secs(10)).await;
            both_release(&alice, &bob).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p05_a_callee_who_turned_it_off_connects_only_after_accept() {
    scenario(
        "p05",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            let unchecked = bob
                .js("const box = document.querySelector('input[aria-describedby=\"ring-help\"]'); \
                     box.click(); return !box.checked && localStorage.getItem('duet.connectAfterAccept') === 'true'")
                .await;
            assert_eq!(unchecked, serde_json::json!(true), "the switch turns off and is remembered");
            alice.click("Call bob").await;
            bob.wait_button("Accept").await;
            tokio::time::sleep(Duration::from_millis(1000)).await;
            assert_eq!(bob.open_peer_connections().await, 0, "no connection before Accept");
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
        },
    )
    .await;
}
