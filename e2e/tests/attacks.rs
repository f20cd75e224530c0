//! Attacks on a call, tried with real browsers: what a stranger can do
//! with the moment after a server restart.

use std::{sync::Arc, time::Duration};

use duet_e2e::{connect, door::Door, scenario, wait_until, WAIT};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next message of `kind` on eve's socket.
async fn next_of(ws: &mut Socket, kind: &str) -> Value {
    tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return v;
                    }
                }
                Some(Ok(Message::Close(f))) => panic!("eve was closed waiting for {kind}: {f:?}"),
                Some(Ok(_)) => {}
                other => panic!("eve's socket ended waiting for {kind}: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} for eve"))
}

async fn send(ws: &mut Socket, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

/// Finding 0 of the second security review: alice and bob are in a call;
/// the server restarts; alice comes back first; eve takes the name "bob"
/// (free until bob returns; she has no ticket) and offers alice a call.
/// Her offer must never reach alice — whose app answers a new connection
/// from its partner without asking — and bob's return restores the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a01_after_a_restart_a_stranger_in_the_partners_name_never_gets_the_call() {
    // bob's signaling goes through a door the test shuts, so he comes back last.
    let door = Arc::new(Door::start().await);
    let allowed = door.url();
    scenario(
        "a01",
        move |c| c.edge.connect_src = vec![allowed],
        |h| async move {
            door.lead_to(h.addr());
            let alice = h.user("alice").await;
            let bob = h.user_at("bob", &format!("/?server={}", door.url())).await;
            connect(&alice, &bob).await;
            assert_eq!(alice.open_peer_connections().await, 1);

            door.shut();
            let server = h.restart_server(Duration::from_secs(2)).await;
            // Eve, first on the new server, as "bob", without a ticket.
            let (mut eve, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", h.addr())).await.unwrap();
            send(&mut eve, json!({"type": "username", "name": "bob", "duet": 1})).await;
            assert_eq!(next_of(&mut eve, "welcome").await["name"], "bob", "the name was free");
            // alice comes back (with her ticket, naming bob) and waits for him.
            wait_until("alice to be back, holding her call with bob", WAIT, || async {
                (server.hub.partner_of("alice").as_deref() == Some("bob")).then_some(())
            })
            .await;
            alice.wait_status("Reconnected to the server").await;

            // Eve's offer, from a connection of her own: refused for alice.
            let sdp = "v=0\r\na=fingerprint:sha-256 EE:EE:EE:EE:EE:EE:EE:EE\r\n";
            send(&mut eve, json!({"type": "video-offer", "target": "alice", "sdp": {"type": "offer", "sdp": sdp}}))
                .await;
            let refused = next_of(&mut eve, "hang-up").await;
            assert_eq!((refused["name"].as_str(), refused["reason"].as_str()), (Some("alice"), Some("busy")));
            let candidate = json!({"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"});
            send(&mut eve, json!({"type": "new-ice-candidate", "target": "alice", "candidate": candidate})).await;
            send(&mut eve, json!({"type": "hang-up", "target": "alice", "reason": "hangup"})).await;
            // Her chat comes back to her after the server has handled all of that.
            send(&mut eve, json!({"type": "message", "text": "eve was here"})).await;
            next_of(&mut eve, "message").await;
            alice.assert_media_flows().await;
            assert_eq!(alice.open_peer_connections().await, 1);
            let answered_eve = "return !!(duetDiagnostics.pc && duetDiagnostics.pc.remoteDescription \
                                && duetDiagnostics.pc.remoteDescription.sdp.includes('EE:EE'))";
            assert_eq!(alice.js(answered_eve).await, json!(false), "alice's connection is still bob's");
            assert!(alice.text().await.contains("In a call with bob"), "{}", alice.text().await);
            assert!(!alice.text().await.contains("is calling"), "nothing rang");
            std::fs::create_dir_all(h.artifacts()).unwrap();
            std::fs::write(h.artifacts().join("a01-alice-after-eve.png"), alice.screenshot().await.unwrap()).unwrap();

            // bob's network is back: he takes his name back with his ticket,
            // eve is let go, and the call is one on the new server.
            door.open();
            bob.wait_status_within("Reconnected to the server", Duration::from_secs(40)).await;
            next_of(&mut eve, "error").await;
            wait_until("the call to be linked again", WAIT, || async {
                server.hub.metrics.render().contains("duet_active_calls 1").then_some(())
            })
            .await;
            bob.assert_media_flows().await;
            bob.click("Hang up").await;
            alice.wait_status("bob hung up").await;
        },
    )
    .await;
}
