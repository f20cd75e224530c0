//! README's "Everyday development", exactly: `cargo run -p duet-server` and
//! `trunk serve`, then a call through http://127.0.0.1:8081. `cargo xtask
//! test` starts both (its "dev loop" step) and runs this with --ignored;
//! outside that step there is nothing to test against.

use duet_e2e::{connect, scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs `cargo run -p duet-server` and `trunk serve` running: cargo xtask test's dev-loop step runs it"]
async fn v01_the_readme_dev_loop_places_a_call() {
    let url = std::env::var("DUET_DEV_URL").expect("DUET_DEV_URL: where trunk serve is (cargo xtask test sets it)");
    scenario(
        "v01",
        |_| {},
        |h| async move {
            let alice = h.browser_with("alice", &url, &[]).await;
            let bob = h.browser_with("bob", &url, &[]).await;
            alice.login("alice").await;
            bob.login("bob").await;
            connect(&alice, &bob).await;
            // Signaling went through Trunk's proxy to the README's server, not the harness's.
            assert!(h.metrics().contains("duet_users 0"), "{}", h.metrics());
        },
    )
    .await;
}
