//! Two browsers connected to different duet-server nodes of one cluster
//! (coordinated through a real redis-server) call each other.

use duet_e2e::{scenario, wait_until, WAIT};
use duet_server::testing::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c01_browsers_on_two_nodes_see_and_call_each_other() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    scenario(
        "c01",
        |c| {
            c.cluster.redis_url = Some(url);
            c.cluster.node_id = Some("n1".into());
        },
        |h| async move {
            let n2 = h.another_node(|c| c.cluster.node_id = Some("n2".into())).await;
            let alice = h.user("alice").await;
            let bob = h.browser_on(&n2, "bob", "/").await;
            bob.login("bob").await;
            wait_until("alice to see bob", WAIT, || async { (alice.callable().await == ["bob"]).then_some(()) }).await;
            wait_until("bob to see alice", WAIT, || async { (bob.callable().await == ["alice"]).then_some(()) }).await;

            alice.click("Call bob").await;
            bob.wait_text("alice is calling").await;
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            assert_eq!(n2.hub.partner_of("bob").as_deref(), Some("alice"), "bob's end of the call is on node 2");
            assert_eq!(h.server.hub.partner_of("alice").as_deref(), Some("bob"), "alice's end is on node 1");

            alice.click("Hang up").await;
            for b in [&alice, &bob] {
                b.wait_text("Online").await;
                b.wait_no_button("Hang up").await;
            }
            assert_eq!((h.server.hub.partner_of("alice"), n2.hub.partner_of("bob")), (None, None));
        },
    )
    .await;
}
