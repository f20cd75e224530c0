//! The second security review's findings at the edge, each tried as an
//! attacker would: a client-written forwarding header behind the shipped
//! proxies, many IPv6 addresses of one host, idle sockets on the side
//! listeners, and a server behind a proxy without a chosen access mode.

mod support;

use std::{net::SocketAddr, time::Duration};

use duet_server::{access::AccessMode, Config};
use support::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

const KEY: &str = "correct-horse-battery-staple";

fn key_file() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("duet-edge-keys-{}", std::process::id()));
    std::fs::write(&p, format!("{KEY}\n")).unwrap();
    p
}

/// An upgrade through "the proxy" (this test, from 127.0.0.1) with these headers.
async fn upgrade(s: &TestServer, key: &str, headers: &[(&'static str, &str)]) -> Result<Client, String> {
    let mut req = s.url("/ws").into_client_request().unwrap();
    let protocol =
        format!("json, duet-key.{}", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, key));
    req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_str(&protocol).unwrap());
    for (k, v) in headers {
        req.headers_mut().insert(*k, HeaderValue::from_str(v).unwrap());
    }
    Client::connect_with(req).await.map_err(|e| e.to_string())
}

/// Finding 1: nginx and Caddy set X-Forwarded-For and pass a client's own
/// `Forwarded` through. Ten wrong keys with `Forwarded: for=<victim>` used
/// to lock the victim out; now only the chosen header counts.
#[tokio::test]
async fn a_client_written_forwarded_header_cannot_lock_out_someone_else() {
    let keys = key_file();
    let s = TestServer::with(|c| {
        c.auth.access = Some(AccessMode::Key);
        c.auth.access_key_file = Some(keys.clone());
        c.edge.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.limits.auth_failures_per_minute = 10;
    })
    .await;
    let attacker = [("X-Forwarded-For", "203.0.113.66"), ("Forwarded", "for=203.0.113.7;proto=https")];
    for _ in 0..10 {
        let mut refused = upgrade(&s, "wrong-key-wrong-key", &attacker).await.unwrap();
        refused.expect_close().await;
    }
    let victim = upgrade(&s, KEY, &[("X-Forwarded-For", "203.0.113.7")]).await;
    let mut victim = victim.expect("the victim is not locked out by the attacker's Forwarded header");
    assert_eq!(victim.recv().await["type"], "id");
    let again = upgrade(&s, KEY, &attacker).await;
    assert!(
        again.as_ref().err().is_some_and(|e| e.contains("429")),
        "the attacker locked itself out: {:?}",
        again.err()
    );
}

/// Adds `addr` to `lo`: only inside the loopback-only namespace `cargo xtask
/// test` runs the native tests in (as root), never on a developer's host.
fn add_loopback_v6(addr: &str) {
    assert_eq!(
        std::env::var("DUET_LOOPBACK_NAMESPACE").as_deref(),
        Ok("1"),
        "this test adds IPv6 addresses to lo, so it runs only in cargo xtask test's network namespace \
         (or: unshare -n sh -c 'ip link set lo up && cargo test -p duet-server --test edge', as root, \
         with DUET_LOOPBACK_NAMESPACE=1)"
    );
    let out = std::process::Command::new("ip")
        .args(["-6", "addr", "replace", &format!("{addr}/64"), "dev", "lo", "nodad"])
        .output()
        .expect("ip from iproute2");
    assert!(out.status.success(), "ip -6 addr add {addr}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A TCP connection to `to` from the source address `from`, holding a half-sent request.
async fn hold_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v6().unwrap();
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    let mut tcp = socket.connect(to).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    tcp
}

/// What the server answers a fresh socket from `from`, read until it closes.
async fn answer_from(from: &str, to: SocketAddr) -> String {
    let socket = TcpSocket::new_v6().unwrap();
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    let mut tcp = socket.connect(to).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

/// Finding 4: a host is routinely given a /64; counting each of its
/// addresses as a client gave it unlimited connections. Real IPv6 sockets
/// from several addresses of one /64 on `lo`.
#[tokio::test]
async fn many_addresses_of_one_ipv6_network_count_as_one_client() {
    for n in 1..=4 {
        add_loopback_v6(&format!("2001:db8:1::{n}"));
    }
    add_loopback_v6("2001:db8:2::1");
    let mut config = Config::defaults();
    config.edge.static_dir = std::env::temp_dir().join("duet-test-no-dist");
    config.state_dir = Some(std::env::temp_dir().join(format!("duet-test-state-{}", std::process::id())));
    config.auth.access = Some(AccessMode::Open);
    config.limits.max_conns_per_ip = 2;
    config.edge.allowed_hosts = vec!["localhost".into()];
    let listener = tokio::net::TcpListener::bind("[2001:db8:1::1]:0").await.unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let (server, _task) = duet_server::spawn(listener, config, shutdown.clone()).unwrap();
    let _a = hold_from("2001:db8:1::2", server.addr).await;
    let _b = hold_from("2001:db8:1::3", server.addr).await;
    let mut answer = String::new();
    for _ in 0..100 {
        answer = answer_from("2001:db8:1::4", server.addr).await;
        if answer.starts_with("HTTP/1.1 429") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 429"), "a third address of the same /64: {answer}");
    let other = answer_from("2001:db8:2::1", server.addr).await;
    assert!(other.starts_with("HTTP/1.1 200"), "another /64 is another client: {other}");
    shutdown.cancel();
}

/// Finding 5: the redirect and metrics listeners used plain `axum::serve`,
/// with no header timeout and no caps: idle sockets piled up on :80.
#[tokio::test]
async fn the_side_listeners_have_the_same_limits() {
    let s = TestServer::with(|c| {
        c.edge.tls_self_signed = true;
        c.edge.redirect_http = Some("127.0.0.1:0".parse().unwrap());
        c.limits.max_conns_per_ip = 2;
        c.edge.header_timeout_secs = 1.0;
    })
    .await;
    for at in [s.server.redirect_addr.unwrap(), s.server.metrics_addr.unwrap()] {
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut t = TcpStream::connect(at).await.unwrap();
            t.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
            held.push(t);
        }
        let mut answer = String::new();
        for _ in 0..100 {
            let mut t = TcpStream::connect(at).await.unwrap();
            t.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
            let mut buf = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(5), t.read_to_end(&mut buf)).await;
            answer = String::from_utf8_lossy(&buf).into_owned();
            if answer.starts_with("HTTP/1.1 429") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(answer.starts_with("HTTP/1.1 429"), "{at}: {answer}");
        // A socket that sends nothing is dropped after the header timeout.
        let started = std::time::Instant::now();
        let mut idle = held.pop().unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut buf)).await;
        assert!(started.elapsed() < Duration::from_secs(5), "{at}: an idle socket held {:?}", started.elapsed());
        drop(held);
        // Let the server see those sockets go before the next listener's turn.
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
}

/// Finding 8: a loopback listener told of a proxy or a public host name is
/// public; it no longer defaults to open.
#[test]
fn a_server_behind_a_proxy_must_say_who_may_use_it() {
    use clap::Parser;
    let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let parse =
        |flags: &[&str]| Config::try_parse_from(std::iter::once("duet-server").chain(flags.iter().copied())).unwrap();
    assert_eq!(parse(&[]).access_mode(loopback), Ok(AccessMode::Open), "a developer's loopback server");
    for flags in [&["--trusted-proxy", "127.0.0.1"][..], &["--allowed-host", "duet.example.org"]] {
        let err = parse(flags).access_mode(loopback).expect_err("refused without --access");
        assert!(err.contains("--access"), "{err}");
        let mut chosen = flags.to_vec();
        chosen.extend(["--access", "open"]);
        assert_eq!(parse(&chosen).access_mode(loopback), Ok(AccessMode::Open), "said so explicitly");
    }
}

/// The metrics listener on loopback answers only to loopback names, so a
/// page on a rebound DNS name cannot read the server's counters.
#[tokio::test]
async fn metrics_answer_no_rebound_name() {
    let s = TestServer::start().await;
    let at = s.server.metrics_addr.unwrap();
    let ask = |host: &'static str| async move {
        let mut t = TcpStream::connect(at).await.unwrap();
        let req = format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        t.write_all(req.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), t.read_to_end(&mut buf)).await;
        String::from_utf8_lossy(&buf).into_owned()
    };
    assert!(ask("127.0.0.1").await.starts_with("HTTP/1.1 200"));
    let rebound = ask("rebind.evil.example").await;
    assert!(rebound.starts_with("HTTP/1.1 403"), "{rebound}");
}
