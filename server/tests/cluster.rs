//! Several duet-server nodes sharing one real redis-server: users on
//! different nodes see and call each other as if there were one server.

mod support;

use std::{sync::atomic::Ordering::Relaxed, time::Duration};

use duet_server::testing::RedisServer;
use serde_json::json;
use support::{process::ServerProcess, *};

/// A node of the cluster, once its link to Redis is up.
async fn node(redis: &RedisServer, id: &str) -> TestServer {
    node_with(redis, id, |_| {}).await
}

/// The `--secret-file` every node of a test cluster shares, as docs/cluster.md
/// says to: it signs tickets and the messages between nodes. Written once:
/// tests run in parallel, and a node starting while another test rewrote
/// the file read it empty ("must hold at least 32 bytes").
fn cluster_secret() -> String {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let p = std::env::temp_dir().join(format!("duet-cluster-secret-{}", std::process::id()));
        std::fs::write(&p, "a-cluster-secret-of-at-least-thirty-two-bytes").unwrap();
        p.display().to_string()
    })
    .clone()
}

async fn node_with(redis: &RedisServer, id: &str, tweak: impl FnOnce(&mut duet_server::Config)) -> TestServer {
    let s = TestServer::with(|c| {
        c.cluster.redis_url = Some(redis.url());
        c.auth.secret_file = Some(cluster_secret().into());
        c.cluster.node_id = Some(id.into());
        tweak(c);
    })
    .await;
    eventually(&format!("{id} to join the cluster"), || s.server.hub.metrics.cluster_up.load(Relaxed) == 1).await;
    s
}

async fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !ok() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until every node lists exactly `users`.
async fn converged(nodes: &[&TestServer], users: &[&str]) {
    for n in nodes {
        eventually(&format!("{} to list {users:?}", n.server.hub.node()), || n.server.hub.users_online() == users)
            .await;
    }
}

#[tokio::test]
async fn users_on_three_nodes_see_each_other_and_names_stay_unique() {
    let redis = RedisServer::start().await;
    let (n1, n2, n3) = (node(&redis, "n1").await, node(&redis, "n2").await, node(&redis, "n3").await);
    let mut alice = n1.duet_user("alice").await;
    let bob = n2.duet_user("bob").await;
    alice.recv_status("bob", "available").await;
    converged(&[&n1, &n2, &n3], &["alice", "bob"]).await;

    // MDN's own client on the third node gets the cluster-wide list.
    let mut mdn = n3.client().await;
    mdn.send(json!({"type": "username", "name": "carol", "date": 1, "id": mdn.id})).await;
    assert_eq!(mdn.recv_type("userlist").await["users"], json!(["alice", "bob", "carol"]));

    // alice is taken on node 1, so node 2 renames, the MDN way.
    let mut again = n2.client().await;
    again.send(json!({"type": "username", "name": "alice", "date": 1, "id": again.id})).await;
    assert_eq!(again.recv().await, json!({"type": "rejectusername", "id": again.id, "name": "alice1"}));
    converged(&[&n1, &n2, &n3], &["alice", "alice1", "bob", "carol"]).await;

    // Lobby chat reaches every node (and MDN's client gets it escaped).
    alice.send(json!({"type": "message", "text": "<hi>", "id": alice.id, "date": 2})).await;
    assert_eq!(mdn.recv_type("message").await["text"], "&lt;hi&gt;");

    // Leaving is seen everywhere, and frees the name cluster-wide.
    drop(bob);
    alice.recv_left("bob").await;
    converged(&[&n1, &n2, &n3], &["alice", "alice1", "carol"]).await;
    let bob = n3.duet_user("bob").await;
    assert_eq!(bob.name, "bob");
}

#[tokio::test]
async fn a_call_between_nodes_runs_offer_answer_ice_media_and_hangup() {
    let redis = RedisServer::start().await;
    let (n1, n2) = (node(&redis, "n1").await, node(&redis, "n2").await);
    let mut alice = n1.duet_user("alice").await;
    let mut bob = n2.duet_user("bob").await;
    converged(&[&n1, &n2], &["alice", "bob"]).await;

    // The sender's claimed name is replaced by its real one on the way.
    alice.send(json!({"type": "video-offer", "name": "mallory", "target": "bob", "sdp": sdp("offer")})).await;
    let offer = bob.recv_type("video-offer").await;
    assert_eq!((offer["name"].as_str(), offer["sdp"].clone()), (Some("alice"), sdp("offer")));
    bob.recv_status("alice", "busy").await;
    bob.send(json!({"type": "video-answer", "target": "alice", "sdp": sdp("answer")})).await;
    assert_eq!(alice.recv_type("video-answer").await["sdp"], sdp("answer"));
    let candidate = json!({"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0"});
    alice.send(json!({"type": "new-ice-candidate", "target": "bob", "candidate": candidate})).await;
    assert_eq!(bob.recv_type("new-ice-candidate").await["candidate"], candidate);
    bob.send(json!({"type": "new-ice-candidate", "target": "alice", "candidate": candidate})).await;
    assert_eq!(alice.recv_type("new-ice-candidate").await["name"], "bob");
    bob.send(json!({"type": "media-state", "target": "alice", "audio": false, "video": true})).await;
    assert_eq!(alice.recv_type("media-state").await["audio"], false);
    // The callee's node counts the call, so the cluster counts it once.
    assert_eq!(
        (n1.server.hub.metrics.active_calls.load(Relaxed), n2.server.hub.metrics.active_calls.load(Relaxed)),
        (0, 1)
    );

    alice.send(json!({"type": "hang-up", "target": "bob"})).await;
    assert_eq!(bob.recv_type("hang-up").await["name"], "alice");
    alice.recv_status("bob", "available").await;
    assert_eq!((n1.server.hub.partner_of("alice"), n2.server.hub.partner_of("bob")), (None, None));
    assert_eq!(n2.server.hub.metrics.active_calls.load(Relaxed), 0);
    for n in [&n1, &n2] {
        n.server.hub.check_invariants().unwrap();
    }
}

#[tokio::test]
async fn busy_decline_offline_and_departure_work_across_nodes() {
    let redis = RedisServer::start().await;
    let (n1, n2, n3) = (node(&redis, "n1").await, node(&redis, "n2").await, node(&redis, "n3").await);
    let mut alice = n1.duet_user("alice").await;
    let mut bob = n2.duet_user("bob").await;
    let mut carol = n3.duet_user("carol").await;
    let mut erin = n1.duet_user("erin").await;
    converged(&[&n1, &n2, &n3], &["alice", "bob", "carol", "erin"]).await;

    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.recv_type("video-offer").await;
    bob.send(json!({"type": "video-answer", "target": "alice", "sdp": sdp("answer")})).await;
    alice.recv_type("video-answer").await;

    // Busy: carol (node 3) calls bob (node 2), who is in a call.
    carol.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    let busy = carol.recv_type("hang-up").await;
    assert_eq!((busy["name"].as_str(), busy["reason"].as_str()), (Some("bob"), Some("busy")));
    // A leaked offer would reach bob before carol's next message does.
    carol.say("sentinel").await;
    bob.expect_nothing_before("sentinel").await;
    assert_eq!(n3.server.hub.partner_of("carol"), None);

    // Decline: carol calls erin (node 1), who declines.
    carol.send(json!({"type": "video-offer", "target": "erin", "sdp": sdp("offer")})).await;
    erin.recv_type("video-offer").await;
    erin.send(json!({"type": "hang-up", "target": "carol", "reason": "declined"})).await;
    assert_eq!(carol.recv_type("hang-up").await["reason"], "declined");

    // Offline: nobody of that name anywhere.
    carol.send(json!({"type": "video-offer", "target": "zed", "sdp": sdp("offer")})).await;
    assert_eq!(carol.recv_type("error").await["code"], "target-offline");

    // Departure: bob's connection drops; alice, on another node, is told.
    drop(bob);
    let gone = alice.recv_type("hang-up").await;
    assert_eq!((gone["name"].as_str(), gone["reason"].as_str()), (Some("bob"), Some("disconnected")));
    alice.recv_left("bob").await;
    assert_eq!(n1.server.hub.partner_of("alice"), None);
    for n in [&n1, &n2, &n3] {
        n.server.hub.check_invariants().unwrap();
    }
}

#[tokio::test]
async fn a_killed_nodes_users_vanish_after_the_node_timeout_and_can_log_in_again() {
    let redis = RedisServer::start().await;
    // A short node timeout keeps the test short; the bound below is far from it.
    let n1 = node_with(&redis, "n1", |c| c.cluster.node_timeout_secs = 2.0).await;
    let secret = cluster_secret();
    let args = ["--redis-url", &redis.url(), "--node-id", "n2", "--node-timeout-secs", "2", "--secret-file", &secret];
    let mut n2 = ServerProcess::start(&args);
    let mut alice = n1.duet_user("alice").await;
    let mut bob = n2.login("bob").await;
    alice.recv_status("bob", "available").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.recv_type("video-offer").await;

    // SIGKILL: no logout, no goodbye to Redis.
    n2.kill();
    let killed = tokio::time::Instant::now();
    // Node timeout (2 s) plus one heartbeat (0.4 s) is the stated bound;
    // 15 s leaves room for a loaded machine.
    let bound = Duration::from_secs(15);
    alice.wait = bound;
    let ended = alice.recv_type("hang-up").await;
    assert_eq!((ended["name"].as_str(), ended["reason"].as_str()), (Some("bob"), Some("disconnected")));
    alice.recv_left("bob").await;
    let took = killed.elapsed();
    println!("bob vanished {took:?} after the kill");
    assert!(took <= bound, "bob vanished only after {took:?}");
    assert_eq!(n1.server.hub.users_online(), ["alice"]);
    assert_eq!(n1.server.hub.partner_of("alice"), None);

    // The name is free again: bob logs in on the surviving node, unrenamed.
    let bob = n1.duet_user("bob").await;
    assert_eq!(bob.name, "bob");
}

#[tokio::test]
async fn a_redis_crash_under_load_loses_no_message_without_an_error_and_presence_converges() {
    let mut redis = RedisServer::start().await;
    let fast = |c: &mut duet_server::Config| {
        c.limits.rate_per_sec = 1000.0;
        c.limits.rate_burst = 1000.0;
        c.limits.abuse_burst = 100_000.0;
    };
    let (n1, n2) = (node_with(&redis, "n1", fast).await, node_with(&redis, "n2", fast).await);
    const PAIRS: usize = 4;
    let mut pairs = Vec::new();
    for i in 0..PAIRS {
        let mut a = n1.duet_user(&format!("a{i}")).await;
        let mut b = n2.duet_user(&format!("b{i}")).await;
        eventually("the callee to be known", || n1.server.hub.users_online().contains(&b.name)).await;
        a.send(json!({"type": "video-offer", "target": b.name, "sdp": sdp("offer")})).await;
        b.recv_type("video-offer").await;
        b.send(json!({"type": "video-answer", "target": a.name, "sdp": sdp("answer")})).await;
        a.recv_type("video-answer").await;
        pairs.push((a, b));
    }

    // Each caller streams numbered candidates to its callee for 3 s (300/s);
    // Redis is SIGKILLed after 1 s and back, empty, 1 s later. Once both
    // nodes are linked again, each caller sends "end": everything routed
    // before it has arrived when it does, however long the outage took.
    let (back, is_back) = tokio::sync::watch::channel(false);
    let senders = pairs.into_iter().map(|(mut a, mut b)| {
        let mut is_back = is_back.clone();
        tokio::spawn(async move {
            let (target, caller) = (b.name.clone(), a.name.clone());
            let recv = tokio::spawn(async move {
                let mut got = std::collections::BTreeSet::new();
                b.wait = Duration::from_secs(60);
                loop {
                    let m = b.recv_type("new-ice-candidate").await;
                    let Ok(seq) = m["candidate"]["candidate"].as_str().unwrap().parse::<u64>() else { break };
                    assert!(got.insert(seq), "candidate {seq} arrived twice");
                }
                // Back the way refusals come, behind any still on their way.
                let drained = json!({"candidate": "drained", "sdpMid": "0"});
                b.send(json!({"type": "new-ice-candidate", "target": caller, "candidate": drained})).await;
                (got, b)
            });
            let mut sent = 0u64;
            let mut errors = 0u64;
            let mut tick = tokio::time::interval(Duration::from_micros(3333));
            let until = tokio::time::Instant::now() + Duration::from_secs(3);
            while tokio::time::Instant::now() < until {
                tick.tick().await;
                let c = json!({"candidate": sent.to_string(), "sdpMid": "0"});
                a.send(json!({"type": "new-ice-candidate", "target": target, "candidate": c})).await;
                sent += 1;
                // Read errors as they come so the outbox never fills.
                while let Ok(Some(Ok(m))) =
                    tokio::time::timeout(Duration::ZERO, futures_util::StreamExt::next(&mut a.ws)).await
                {
                    errors += count_unavailable(&m);
                }
            }
            is_back.wait_for(|back| *back).await.unwrap();
            let end = json!({"candidate": "end", "sdpMid": "0"});
            a.send(json!({"type": "new-ice-candidate", "target": target, "candidate": end})).await;
            let (got, b) = recv.await.unwrap();
            loop {
                let next = tokio::time::timeout(Duration::from_secs(30), futures_util::StreamExt::next(&mut a.ws));
                let m = next.await.expect("the drained marker came back").unwrap().unwrap();
                if m.to_text().is_ok_and(|t| t.contains("drained")) {
                    break;
                }
                errors += count_unavailable(&m);
            }
            (sent, got.len() as u64, errors, a, b)
        })
    });
    let senders: Vec<_> = senders.collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.crash_and_restart(Duration::from_secs(1)).await;
    let restarted = tokio::time::Instant::now();
    for n in [&n1, &n2] {
        let m = &n.server.hub.metrics;
        eventually("the link to come back", || {
            m.cluster_outages_total.load(Relaxed) >= 1 && m.cluster_up.load(Relaxed) == 1
        })
        .await;
    }
    println!("both nodes back {:?} after Redis restarted", restarted.elapsed());
    back.send(true).unwrap();

    let (mut sent, mut received, mut refused) = (0, 0, 0);
    let mut pairs = Vec::new();
    for s in senders {
        let (s, r, e, a, b) = s.await.unwrap();
        pairs.push((a, b));
        assert_eq!(s, r + e, "each candidate arrived or its sender was told: sent {s}, arrived {r}, refused {e}");
        (sent, received, refused) = (sent + s, received + r, refused + e);
    }
    println!("sent {sent}, arrived {received}, refused with an error {refused}");
    assert!(refused > 0 && received > 0, "the outage refused some messages, the rest arrived");
    assert_eq!(n1.server.hub.metrics.cluster_undeliverable_total.load(Relaxed), refused, "/metrics counts them");

    // Both nodes stayed up, noticed the outage, and are back.
    for n in [&n1, &n2] {
        eventually("the link to come back", || n.server.hub.metrics.cluster_up.load(Relaxed) == 1).await;
        assert!(n.server.hub.metrics.cluster_outages_total.load(Relaxed) >= 1);
        assert!(n.metrics().await.contains("duet_cluster_up 1"));
        assert!(!n.task.is_finished(), "node still running");
    }
    // Presence converges: a new user is seen everywhere, the old ones kept.
    let _z = n2.duet_user("z").await;
    let mut all: Vec<String> = (0..PAIRS).flat_map(|i| [format!("a{i}"), format!("b{i}")]).collect();
    all.push("z".into());
    all.sort();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    converged(&[&n1, &n2], &all).await;
    // The calls went on: signaling between the pairs works again.
    for (a, b) in &mut pairs {
        b.wait = WAIT;
        let c = json!({"candidate": "after", "sdpMid": "0"});
        a.send(json!({"type": "new-ice-candidate", "target": b.name, "candidate": c})).await;
        assert_eq!(b.recv_type("new-ice-candidate").await["candidate"], c);
    }
    // Names were re-claimed in the fresh Redis: a0 is still taken.
    let again = n2.duet_user("a0").await;
    assert_eq!(again.name, "a01");
}

fn count_unavailable(m: &tokio_tungstenite::tungstenite::Message) -> u64 {
    let tokio_tungstenite::tungstenite::Message::Text(t) = m else { return 0 };
    let v: serde_json::Value = serde_json::from_str(t).unwrap();
    match (v["type"].as_str(), v["code"].as_str()) {
        (Some("error"), Some("unavailable")) => 1,
        (Some("error"), code) => panic!("unexpected error {code:?}: {v}"),
        _ => 0,
    }
}

#[tokio::test]
async fn a_node_stopped_with_sigterm_leaves_and_the_others_drop_its_users_before_the_node_timeout() {
    let redis = RedisServer::start().await;
    // With a 15 s node timeout, seeing bob go within 10 s proves the clean
    // leave, not the timeout; the others notice at their next heartbeat (3 s).
    let timeout = 15.0;
    let n1 = node_with(&redis, "n1", |c| c.cluster.node_timeout_secs = timeout).await;
    let secret = cluster_secret();
    let args = ["--redis-url", &redis.url(), "--node-id", "n2", "--node-timeout-secs", "15", "--secret-file", &secret];
    let mut n2 = ServerProcess::start(&args);
    let mut alice = n1.duet_user("alice").await;
    let mut bob = n2.login("bob").await;
    alice.recv_status("bob", "available").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.recv_type("video-offer").await;

    n2.terminate();
    let stopped = tokio::time::Instant::now();
    assert!(n2.exited().await.success(), "{}", n2.log());
    alice.wait = Duration::from_secs(10);
    let ended = alice.recv_type("hang-up").await;
    assert_eq!((ended["name"].as_str(), ended["reason"].as_str()), (Some("bob"), Some("disconnected")));
    alice.recv_left("bob").await;
    println!("bob left {:?} after SIGTERM", stopped.elapsed());
    assert_eq!(n1.server.hub.users_online(), ["alice"]);
    // Its claims went with it: the name is free at once.
    assert_eq!(n1.duet_user("bob").await.name, "bob");
}

/// A TCP relay to Redis that can be cut, so one node loses the cluster
/// while the others keep it.
struct Link {
    port: u16,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pipes: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Link {
    async fn to(redis: &RedisServer) -> Link {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (open, pipes) = Default::default();
        let link = Link { port, open, pipes };
        link.open.store(true, Relaxed);
        let (open, pipes, redis_port) = (link.open.clone(), link.pipes.clone(), redis.port);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !open.load(Relaxed) {
                    continue; // dropped: the connection is refused
                }
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(("127.0.0.1", redis_port)).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                pipes.lock().unwrap().push(pipe);
            }
        });
        link
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn cut(&self) {
        self.open.store(false, Relaxed);
        for pipe in self.pipes.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Relaxed);
    }
}

#[tokio::test]
async fn a_name_taken_elsewhere_while_a_node_was_cut_off_is_given_up_by_that_node() {
    let redis = RedisServer::start().await;
    let link = Link::to(&redis).await;
    let n1 = node_with(&redis, "n1", |c| {
        c.cluster.redis_url = Some(link.url());
        c.cluster.node_timeout_secs = 1.0;
    })
    .await;
    let n2 = node_with(&redis, "n2", |c| c.cluster.node_timeout_secs = 1.0).await;
    let mut alice = n1.duet_user("alice").await;
    converged(&[&n1, &n2], &["alice"]).await;

    // n1 is cut off; n2 purges it after the node timeout and gives the
    // name to someone else.
    link.cut();
    eventually("n2 to purge n1's users", || n2.server.hub.users_online().is_empty()).await;
    let other = n2.duet_user("alice").await;
    assert_eq!(other.name, "alice", "the name was free in the cluster");

    // Back on the cluster, n1 finds its claim lost: its alice is told and disconnected.
    link.restore();
    alice.wait = Duration::from_secs(15);
    let told = alice.recv_type("error").await;
    assert_eq!(told["code"], "unavailable", "{told}");
    assert!(told["text"].as_str().unwrap().contains("taken on another server"), "{told}");
    alice.expect_close().await;
    converged(&[&n1, &n2], &["alice"]).await;
    eventually("n1 to know alice lives on n2", || n1.server.hub.partner_of("alice").is_none()).await;
    for n in [&n1, &n2] {
        n.server.hub.check_invariants().unwrap();
    }
}

/// Finding 10 of the second security review: Redis was trusted completely.
/// Messages written into it by anyone but a node of this cluster (unsigned,
/// or signed with another key) are dropped, and what a node does sign is
/// checked again (a name this node would refuse is not listed).
#[tokio::test]
async fn messages_written_into_redis_by_anyone_else_are_dropped() {
    let redis = RedisServer::start().await;
    let (n1, n2) = (node(&redis, "n1").await, node(&redis, "n2").await);
    let mut alice = n1.duet_user("alice").await;
    let mut bob = n2.duet_user("bob").await;
    alice.recv_status("bob", "available").await;
    let client = ::redis::Client::open(redis.url()).unwrap();
    let c = client.get_multiplexed_async_connection().await.unwrap();
    let forged = [
        json!({"kind": "chat", "node": "n2", "name": "bob", "text": "forged: send me your key"}).to_string(),
        json!({"kind": "presence", "node": "n2", "changes": [["mallory", "available"]]}).to_string(),
        // Signed, but with a key that is not the cluster's.
        format!("{}.{}", "A".repeat(43), json!({"kind": "chat", "node": "n2", "name": "bob", "text": "forged too"})),
    ];
    // Signed with the cluster's key (as a node with a bug, or an older one,
    // might), but with names this node refuses.
    let tickets = duet_server::access::ticket::Tickets::load(
        Some(std::path::Path::new(&cluster_secret())),
        &std::env::temp_dir(),
        Duration::from_secs(60),
    )
    .unwrap();
    let key = duet_server::cluster::seal::SealKey::new(tickets.derive("duet cluster messages v1"));
    let sealer = duet_server::cluster::seal::Sealer::new(key, "n9");
    let signed = [
        json!({"kind": "presence", "node": "n9", "changes": [["al\u{200B}ice", "available"]]}),
        json!({"kind": "chat", "node": "n9", "name": "<img src=x onerror=alert(1)>", "text": "hi"}),
    ];
    let signed = signed.map(|m| sealer.seal("duet:all", &m.to_string()));
    // A message a node really sent, replayed (captured from Redis); and one
    // held back past the window.
    let said =
        sealer.seal("duet:all", &json!({"kind": "chat", "node": "n9", "name": "mallory", "text": "once"}).to_string());
    let old = json!({"kind": "chat", "node": "n9", "name": "mallory", "text": "held back"}).to_string();
    let old = sealer.seal_at("duet:all", &old, 0);
    let publish = |payload: String| {
        let mut c = c.clone();
        async move {
            let _: i64 = ::redis::cmd("PUBLISH").arg("duet:all").arg(payload).query_async(&mut c).await.unwrap();
        }
    };
    for payload in forged.into_iter().chain(signed) {
        publish(payload).await;
    }
    publish(said.clone()).await;
    assert_eq!(alice.recv_type("message").await["text"], "once", "what a node really said arrives");
    publish(said).await;
    publish(old).await;
    // Published after the forgeries, so delivered after them.
    bob.say("real").await;
    alice.expect_nothing_before("real").await;
    assert_eq!(n1.server.hub.users_online(), ["alice", "bob"], "nobody was added");
}

#[tokio::test]
async fn the_directory_rows_search_and_followed_presence_span_the_nodes() {
    let redis = RedisServer::start().await;
    let (n1, n2) = (node(&redis, "n1").await, node(&redis, "n2").await);
    let _alice = n1.duet_user("alice").await;
    let mut minji = n1.duet_user("김민지").await;
    let mut me = n2.client().await;
    me.send(json!({"type": "username", "name": "me", "duet": 2})).await;
    me.recv_type("welcome").await;
    converged(&[&n1, &n2], &["alice", "me", "김민지"]).await;

    // Rows, a search and a followed name, all of users on the other node.
    me.send(json!({"type": "view", "from": 0, "count": 10})).await;
    let rows = loop {
        let rows = me.recv_type("directory").await;
        if rows["total"] == 3 {
            break rows;
        }
    };
    assert_eq!(rows["users"], json!(["alice", "me", "김민지"]));
    me.send(json!({"type": "view", "from": 0, "count": 10, "query": "ㅁㅈ"})).await;
    let found = loop {
        // Rows of the last view may still come from a flush in between.
        let rows = me.recv_type("directory").await;
        if rows["query"] == "ㅁㅈ" {
            break rows;
        }
    };
    assert_eq!(found["users"], json!(["김민지"]));
    me.send(json!({"type": "watch", "names": ["alice"]})).await;
    assert_eq!(me.recv_type("presence").await, json!({"type": "presence", "available": ["alice"]}));

    // A call on the other node: the followed name's change arrives, and the
    // search's rows show the other one busy.
    minji.send(json!({"type": "video-offer", "target": "alice", "sdp": sdp("offer")})).await;
    let (mut alice_busy, mut minji_busy) = (false, false);
    while !(alice_busy && minji_busy) {
        let m = me.recv().await;
        match m["type"].as_str() {
            Some("presence") => {
                assert_eq!(m["busy"], json!(["alice"]), "presence of alice only: {m}");
                alice_busy = true;
            }
            Some("directory") => minji_busy |= m["query"] == "ㅁㅈ" && m["busy"] == json!(["김민지"]),
            _ => {}
        }
        assert!(m["left"].is_null() && m["available"].is_null(), "nothing of anyone it does not follow: {m}");
    }
    minji.say("done").await;
}
