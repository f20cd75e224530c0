//! Attacks on a server put on the internet, each against the real server:
//! access control, per-address limits, name rules, amplification, the
//! restart race, and HTTP hardening.

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;
use support::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("duet-sec-{}-{name}", std::process::id()));
    std::fs::write(&p, contents).unwrap();
    p
}

/// A WebSocket client offering these subprotocols (and other headers).
async fn connect_offering(s: &TestServer, headers: &[(&'static str, &str)]) -> Result<Client, String> {
    let mut req = s.url("/ws").into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(*k, HeaderValue::from_str(v).unwrap());
    }
    Client::connect_with(req).await.map_err(|e| e.to_string())
}

fn key_protocol(key: &str) -> String {
    format!("json, duet-key.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key))
}

async fn close_code(c: &mut Client) -> u16 {
    c.expect_close().await.map(u16::from).unwrap_or(0)
}

const KEY: &str = "correct-horse-battery-staple";

#[tokio::test]
async fn key_mode_lets_in_key_holders_only_and_limits_guessing() {
    let keys = temp_file("keys", &format!("# rotated monthly\n{KEY}\n"));
    let s = TestServer::with(|c| {
        c.auth.access = Some(duet_server::access::AccessMode::Key);
        c.auth.access_key_file = Some(keys.clone());
        c.limits.auth_failures_per_minute = 4;
        c.turn.turn_urls = vec!["turn:127.0.0.1:3478?transport=udp".into()];
        c.turn.turn_secret = Some("relay-secret".parse().unwrap());
    })
    .await;

    // No key: told so, and nothing else happens on that socket.
    let mut none = connect_offering(&s, &[("Sec-WebSocket-Protocol", "json")]).await.unwrap();
    assert_eq!(close_code(&mut none).await, 4401);
    // An MDN client (no credential possible) is refused with the same clear reason.
    let mut mdn = Client::connect(&s.url("/")).await;
    assert_eq!(close_code(&mut mdn).await, 4401);

    let mut wrong =
        connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol("wrong-key-0123456789"))]).await.unwrap();
    assert_eq!(close_code(&mut wrong).await, 4403);

    let mut right = connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol(KEY))]).await.unwrap();
    assert_eq!(right.recv().await["type"], "id");
    right.send(json!({"type": "username", "name": "alice", "duet": 1})).await;
    let welcome = right.recv_type("welcome").await;
    assert_eq!(welcome["name"], "alice");
    // TURN credentials only for those let in, and bound to their name.
    let turn_user = welcome["iceServers"][0]["username"].as_str().unwrap().to_owned();
    assert!(turn_user.ends_with(":alice"), "{turn_user}");

    // Four failures in a minute from this address: the next attempt is
    // refused before the upgrade, even with the right key.
    let _ = connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol("wrong-again-0123456789"))]).await;
    let refused = connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol(KEY))]).await;
    assert!(refused.as_ref().err().is_some_and(|e| e.contains("429")), "{:?}", refused.err());
    std::fs::remove_file(&keys).unwrap();
}

#[tokio::test]
async fn access_keys_rotate_on_sighup() {
    let keys = temp_file("rotate", "old-key-0123456789abcdef\n");
    let s = TestServer::with(|c| {
        c.auth.access = Some(duet_server::access::AccessMode::Key);
        c.auth.access_key_file = Some(keys.clone());
    })
    .await;
    let mut old =
        connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol("old-key-0123456789abcdef"))]).await.unwrap();
    assert_eq!(old.recv().await["type"], "id");
    std::fs::write(&keys, "new-key-0123456789abcdef\n").unwrap();
    let pid = std::process::id().to_string();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let deadline = Instant::now() + WAIT;
    loop {
        let mut c = connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol("new-key-0123456789abcdef"))])
            .await
            .unwrap();
        // Until the reload has run, the new key is refused with a close (4403).
        let first = tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut c.ws)).await;
        if matches!(first, Ok(Some(Ok(m))) if m.to_text().is_ok_and(|t| t.contains(r#""type":"id""#))) {
            break;
        }
        assert!(Instant::now() < deadline, "the new key never worked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut stale =
        connect_offering(&s, &[("Sec-WebSocket-Protocol", &key_protocol("old-key-0123456789abcdef"))]).await.unwrap();
    assert_eq!(close_code(&mut stale).await, 4403, "a rotated-out key stops working");
    std::fs::remove_file(&keys).unwrap();
}

#[tokio::test]
async fn jwt_mode_names_the_user_from_the_token_and_enforces_expiry() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    let secret = "a-site-secret-of-at-least-thirty-two-bytes";
    let file = temp_file("jwt", secret);
    let s = TestServer::with(|c| {
        c.auth.access = Some(duet_server::access::AccessMode::Jwt);
        c.auth.jwt_secret_file = Some(file.clone());
    })
    .await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let token = |sub: &str, exp: u64| {
        encode(&Header::default(), &json!({"sub": sub, "exp": exp}), &EncodingKey::from_secret(secret.as_bytes()))
            .unwrap()
    };
    let offer = |t: String| format!("json, duet-jwt.{t}");

    let mut c = connect_offering(&s, &[("Sec-WebSocket-Protocol", &offer(token("김민지", now + 300)))]).await.unwrap();
    c.recv().await;
    // The name in the message is ignored: the token's is the user's.
    c.send(json!({"type": "username", "name": "someone-else", "duet": 1})).await;
    assert_eq!(c.recv_type("welcome").await["name"], "김민지");

    // The same name again is refused, never renamed.
    let mut twin =
        connect_offering(&s, &[("Sec-WebSocket-Protocol", &offer(token("김민지", now + 300)))]).await.unwrap();
    twin.recv().await;
    twin.send(json!({"type": "username", "name": "x", "duet": 1})).await;
    let err = twin.recv_type("error").await;
    assert_eq!(err["code"], "invalid-username", "{err}");

    let mut expired =
        connect_offering(&s, &[("Sec-WebSocket-Protocol", &offer(token("bob", now - 120)))]).await.unwrap();
    assert_eq!(close_code(&mut expired).await, 4410);
    let mut none = connect_offering(&s, &[("Sec-WebSocket-Protocol", "json")]).await.unwrap();
    assert_eq!(close_code(&mut none).await, 4411);
    let forged =
        encode(&Header::default(), &json!({"sub": "bob", "exp": now + 300}), &EncodingKey::from_secret(b"guess"))
            .unwrap();
    let mut bad = connect_offering(&s, &[("Sec-WebSocket-Protocol", &offer(forged))]).await.unwrap();
    assert_eq!(close_code(&mut bad).await, 4413);
    std::fs::remove_file(&file).unwrap();
}

#[tokio::test]
async fn a_server_reachable_from_the_network_needs_an_explicit_access_mode() {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let err = duet_server::spawn(listener, duet_server::Config::defaults(), Default::default()).err().unwrap();
    let text = err.to_string();
    assert!(text.contains("--access key") && text.contains("--access jwt") && text.contains("--access open"), "{text}");
}

#[tokio::test]
async fn names_that_inject_markup_hide_or_impersonate_are_refused() {
    let s = TestServer::start().await;
    let mut alice = s.duet_user("alice").await;

    // Stored XSS in MDN's client, which puts names into HTML.
    let mut c = s.client().await;
    c.send(json!({"type": "username", "name": "<img src=x onerror=alert(1)>"})).await;
    assert_eq!(c.recv_type("error").await["code"], "invalid-username");
    // Invisible and direction-changing characters.
    // Variation selectors and tags render as nothing too (second review, finding 6).
    for bad in ["al\u{200B}ice", "\u{202E}ecila", "bob\u{00AD}", "alice\u{FE0F}", "alice\u{E0100}", "bob\u{E0062}"] {
        let mut c = s.client().await;
        c.send(json!({"type": "username", "name": bad, "duet": 1})).await;
        assert_eq!(c.recv_type("error").await["code"], "invalid-username", "{bad:?}");
    }
    // Look-alikes of an online user count as taken: renamed, not registered as given.
    // Capital I and digit 0 look like l and O: folding case first hid that.
    let _bob = s.duet_user("bob").await;
    let _olga = s.duet_user("olga").await;
    for look_alike in ["аlice", "ａｌｉｃｅ", "ALICE", "aIice", "b0b", "B0B", "0lga"] {
        let c = s.duet_user(look_alike).await;
        assert_ne!(c.name, look_alike, "{look_alike} was registered");
        assert!(c.name.ends_with('1'), "{look_alike} became {}", c.name);
    }
    alice.recv_type("presence").await;
    // Real names in many scripts work, and names that merely share letters.
    for name in ["alicia", "bo", "rob", "Ivan", "lvan0"] {
        assert_eq!(s.duet_user(name).await.name, name);
    }
    for name in ["김민지", "山田太郎", "José Núñez", "Zoë"] {
        assert_eq!(s.duet_user(name).await.name, name);
    }
}

#[tokio::test]
async fn lobby_chat_has_a_small_budget_of_its_own() {
    let s = TestServer::start().await; // 1 a second, burst 5
    let mut a = s.duet_user("a").await;
    let mut b = s.duet_user("b").await;
    let wide = "\u{FF1C}".repeat(2000); // multi-byte, a lot of bytes per character
    for _ in 0..8 {
        a.send(json!({"type": "message", "text": wide})).await;
    }
    let (mut chats, mut limited) = (0, 0);
    while chats + limited < 8 {
        let m = a.recv().await;
        match m["type"].as_str().unwrap() {
            "message" => chats += 1,
            "error" if m["code"] == "rate-limited" => limited += 1,
            _ => {}
        }
    }
    assert_eq!((chats, limited), (5, 3));
    // Call signaling is not held back by it.
    a.send(json!({"type": "video-offer", "target": "b", "sdp": sdp("offer")})).await;
    b.recv_type("video-offer").await;
}

#[tokio::test]
async fn mdn_clients_get_at_most_one_full_list_per_presence_interval() {
    let s = TestServer::with(|c| {
        c.signaling.presence_interval_ms = 3_600_000;
        c.limits.logins_per_minute = 0;
    })
    .await;
    let mut watcher = s.mdn_user("watcher").await;
    let mut joined = Vec::new();
    for i in 0..30 {
        joined.push(s.duet_user(&format!("user{i}")).await);
    }
    drop(joined);
    let deadline = Instant::now() + WAIT;
    while s.server.hub.users_online() != ["watcher"] {
        assert!(Instant::now() < deadline, "the 30 did not leave");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.server.hub.flush_presence();
    let list = watcher.recv_type("userlist").await;
    assert_eq!(list["users"], json!(["watcher"]), "one list after the churn, already current");
    // Anything still pending would go out with the next flush, before the sentinel.
    s.server.hub.flush_presence();
    watcher.say("sentinel").await;
    watcher.expect_nothing_before("sentinel").await;
}

#[tokio::test]
async fn logins_are_limited_per_address() {
    let s = TestServer::with(|c| c.limits.logins_per_minute = 3).await;
    for i in 0..3 {
        s.duet_user(&format!("u{i}")).await;
    }
    let mut c = s.client().await;
    c.send(json!({"type": "username", "name": "u9", "duet": 1})).await;
    let err = c.recv_type("error").await;
    assert_eq!(err["code"], "rate-limited", "{err}");
}

/// Opens a socket and reads whatever the server answers until it closes.
async fn raw_answer(addr: std::net::SocketAddr, send: &[u8]) -> (String, Duration) {
    let t = Instant::now();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(send).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), tcp.read_to_end(&mut buf)).await;
    (String::from_utf8_lossy(&buf).into_owned(), t.elapsed())
}

/// Asks until the answer starts with `status` (the server counts sockets
/// as it accepts them, which takes a moment); returns the last answer.
async fn answer_once_counted(addr: std::net::SocketAddr, status: &str) -> (String, Duration) {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = raw_answer(addr, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await;
        if got.0.starts_with(status) || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sockets_count_against_the_address_cap_before_they_upgrade() {
    let s = TestServer::with(|c| c.limits.max_conns_per_ip = 3).await;
    // Three sockets that never finish a request hold the address's share.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut t = TcpStream::connect(s.server.addr).await.unwrap();
        t.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        held.push(t);
    }
    let (answer, took) = answer_once_counted(s.server.addr, "HTTP/1.1 429").await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("too many connections from your address"));
    assert!(took < Duration::from_secs(2), "refused at once, not left hanging");
    drop(held);
    let (answer, _) = answer_once_counted(s.server.addr, "HTTP/1.1 200").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "freed on close: {answer}");
}

#[tokio::test]
async fn a_half_sent_request_is_dropped_after_the_header_timeout() {
    let s = TestServer::with(|c| c.edge.header_timeout_secs = 1.0).await;
    let (_, took) = raw_answer(s.server.addr, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await;
    assert!(took < Duration::from_secs(4), "held {took:?}");
    assert!(took >= Duration::from_millis(900), "closed before the timeout: {took:?}");
}

#[tokio::test]
async fn the_global_cap_counts_sockets_that_have_not_upgraded() {
    let s = TestServer::with(|c| {
        c.limits.max_connections = 2;
        c.limits.max_conns_per_ip = 0;
    })
    .await;
    let _a = TcpStream::connect(s.server.addr).await.unwrap();
    let _b = TcpStream::connect(s.server.addr).await.unwrap();
    let (answer, _) = answer_once_counted(s.server.addr, "HTTP/1.1 503").await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_cap() {
    let s = TestServer::with(|c| {
        c.limits.max_conns_per_ip = 2;
        c.edge.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.auth.access = Some(duet_server::access::AccessMode::Open);
    })
    .await;
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];
    let _a = connect_offering(&s, &from("203.0.113.1")).await.unwrap();
    let _b = connect_offering(&s, &from("203.0.113.1")).await.unwrap();
    let third = connect_offering(&s, &from("203.0.113.1")).await;
    assert!(third.as_ref().err().is_some_and(|e| e.contains("429")), "{:?}", third.err());
    let mut other = connect_offering(&s, &from("203.0.113.2")).await.unwrap();
    assert_eq!(other.recv().await["type"], "id", "another client of the same proxy is not affected");
}

#[tokio::test]
async fn without_a_trusted_proxy_forwarded_headers_are_ignored() {
    let s = TestServer::with(|c| c.limits.max_conns_per_ip = 2).await;
    let _a = connect_offering(&s, &[("X-Forwarded-For", "203.0.113.1")]).await.unwrap();
    let _b = connect_offering(&s, &[("X-Forwarded-For", "203.0.113.2")]).await.unwrap();
    let third = connect_offering(&s, &[("X-Forwarded-For", "203.0.113.3")]).await;
    assert!(third.is_err(), "a client cannot spread itself over made-up addresses");
}

fn fake_dist(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("duet-sec-dist-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Duet</title><script type=\"module\">import init from '/duet.js';await init();</script>",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    use sha2::Digest;
    let dist = fake_dist("headers");
    let s = TestServer::with(|c| c.edge.static_dir = dist.clone()).await;
    let (head, _) = http_get(&s.http("/")).await;
    let head = head.to_lowercase();
    let inline = "import init from '/duet.js';await init();";
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline));
    for want in [
        "content-security-policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
        &format!("'sha256-{}'", hash.to_lowercase()),
        "frame-ancestors 'none'",
        "x-frame-options: deny",
        "x-content-type-options: nosniff",
        "referrer-policy: no-referrer",
        "permissions-policy: camera=(self), microphone=(self), display-capture=(self)",
        "cross-origin-opener-policy: same-origin",
    ] {
        assert!(head.contains(want), "missing {want} in\n{head}");
    }
    let (head, _) = http_get(&s.http("/healthz")).await;
    assert!(head.to_lowercase().contains("x-content-type-options: nosniff"));

    let framed = TestServer::with(|c| {
        c.edge.static_dir = dist.clone();
        c.edge.frame_ancestors = "https://intranet.example".into();
    })
    .await;
    let (head, _) = http_get(&framed.http("/")).await;
    assert!(head.contains("frame-ancestors https://intranet.example"), "{head}");
    assert!(!head.to_lowercase().contains("x-frame-options"), "{head}");
}

/// A browser stores a 304's headers over the page it had cached: the policy
/// there must still allow the page's inline script, or the second reload of
/// a client route (`/lobby`) showed a blank page; and an asset revalidated
/// must stay immutable.
#[tokio::test]
async fn a_revalidated_page_keeps_its_script_allowed_and_an_asset_stays_immutable() {
    let dist = fake_dist("revalidate");
    std::fs::write(dist.join("duet-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
    let s = TestServer::with(|c| c.edge.static_dir = dist.clone()).await;
    for path in ["/lobby", "/duet-0123456789abcdef_bg.wasm"] {
        let (head, _) = http_get(&s.http(path)).await;
        let header = |head: &str, name: &str| {
            let prefix = format!("{name}: ");
            head.lines()
                .find(|l| l.to_lowercase().starts_with(&prefix))
                .map(|l| l[prefix.len()..].to_owned())
                .unwrap_or_default()
        };
        let modified = header(&head, "last-modified");
        assert!(!modified.is_empty(), "{path}: {head}");
        let (again, _) = http_get_with(&s.http(path), &[("If-Modified-Since", &modified)]).await;
        assert!(again.starts_with("HTTP/1.1 304"), "{path}: {again}");
        if path == "/lobby" {
            assert_eq!(header(&again, "content-security-policy"), header(&head, "content-security-policy"));
        }
        assert_eq!(header(&again, "cache-control"), header(&head, "cache-control"), "{path}");
    }
}

#[tokio::test]
async fn metrics_are_not_on_the_public_listener() {
    let s = TestServer::with(|c| c.edge.static_dir = fake_dist("metrics")).await;
    let (head, body) = http_get(&s.http("/metrics")).await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert!(!body.contains("duet_"));
    assert!(s.metrics().await.contains("duet_users 0"), "the metrics listener has them");
}

#[tokio::test]
async fn a_loopback_server_refuses_rebound_host_names() {
    let s = TestServer::with(|c| c.edge.static_dir = fake_dist("host")).await;
    let req = format!(
        "GET /healthz HTTP/1.1\r\nHost: rebind.evil.example:{}\r\nConnection: close\r\n\r\n",
        s.server.addr.port()
    );
    let (answer, _) = raw_answer(s.server.addr, req.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("--allowed-host"));
    let named = TestServer::with(|c| {
        c.edge.allowed_hosts = vec!["duet.example".into()];
        c.auth.access = Some(duet_server::access::AccessMode::Open);
    })
    .await;
    let req = "GET /healthz HTTP/1.1\r\nHost: duet.example\r\nConnection: close\r\n\r\n";
    let (answer, _) = raw_answer(named.server.addr, req.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn origins_compare_scheme_host_and_port() {
    let s = TestServer::with(|c| c.edge.allowed_origins = vec!["https://app.example".into()]).await;
    let ok = connect_offering(&s, &[("Origin", "https://app.example")]).await;
    assert!(ok.is_ok());
    for bad in ["http://app.example", "https://app.example:8443", "https://evil.example"] {
        let refused = connect_offering(&s, &[("Origin", bad)]).await;
        assert!(refused.as_ref().err().is_some_and(|e| e.contains("403")), "{bad}: {:?}", refused.err());
    }
    // The trunk-serve dev loop: a page on another loopback port.
    assert!(connect_offering(&s, &[("Origin", "http://127.0.0.1:8081")]).await.is_ok());
}

#[cfg(unix)]
#[tokio::test]
async fn no_file_is_served_through_a_symlink_out_of_the_static_folder() {
    let dist = fake_dist("links");
    let outside = temp_file("outside-secret", "top secret\n");
    let _ = std::fs::remove_file(dist.join("leak.txt"));
    std::os::unix::fs::symlink(&outside, dist.join("leak.txt")).unwrap();
    std::fs::write(dist.join("inside.txt"), "fine\n").unwrap();
    let s = TestServer::with(|c| c.edge.static_dir = dist.clone()).await;
    let (head, body) = http_get(&s.http("/leak.txt")).await;
    assert!(head.starts_with("HTTP/1.1 404") && !body.contains("top secret"), "{head}\n{body}");
    let (head, body) = http_get(&s.http("/inside.txt")).await;
    assert!(head.starts_with("HTTP/1.1 200") && body.contains("fine"), "{head}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_open_files_limit_is_raised_to_the_hard_limit() {
    let _s = TestServer::start().await;
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[3], cols[4], "soft limit equals hard limit: {line}");
}

#[tokio::test]
async fn a_socket_that_sends_nothing_is_dropped_after_the_header_timeout() {
    let s = TestServer::with(|c| c.edge.header_timeout_secs = 1.0).await;
    let (_, took) = raw_answer(s.server.addr, b"").await;
    assert!(took < Duration::from_secs(4), "held {took:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_dropped_after_the_header_timeout() {
    let s = TestServer::with(|c| c.edge.header_timeout_secs = 1.0).await;
    let t = Instant::now();
    let mut tcp = TcpStream::connect(s.server.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), tcp.read_to_end(&mut buf)).await;
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
    assert!(t.elapsed() < Duration::from_secs(4), "an idle keep-alive socket held {:?}", t.elapsed());
}

/// Finding 9 (`kid`): a site rotates its signing key with a key set. The
/// next key is published beside the current one, both work meanwhile, each
/// token is checked only with the key its `kid` names, and a retired key
/// stops working, all without a restart.
#[tokio::test]
async fn a_key_set_lets_a_site_rotate_its_signing_key_by_kid() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    let (old, new) = ("an-old-site-secret-of-thirty-two-bytes!", "a-new-site-secret-of-thirty-two-bytes!!");
    let set = |keys: &[(&str, &str)]| {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let keys: Vec<_> =
            keys.iter().map(|(kid, k)| json!({"kty": "oct", "kid": kid, "alg": "HS256", "k": b64(k)})).collect();
        json!({ "keys": keys }).to_string()
    };
    let file = temp_file("jwks", &set(&[("2026-11", old)]));
    let s = TestServer::with(|c| {
        c.auth.access = Some(duet_server::access::AccessMode::Jwt);
        c.auth.jwt_jwks_file = Some(file.clone());
    })
    .await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let token = |kid: Option<&str>, secret: &str| {
        let header = Header { kid: kid.map(str::to_owned), ..Header::default() };
        let claims = json!({"sub": "alice", "exp": now + 300});
        encode(&header, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    };
    // Let in (the server says hello) or refused (with its close code).
    let outcome = |t: String| {
        let s = &s;
        async move {
            let protocol = format!("json, duet-jwt.{t}");
            let mut c = connect_offering(s, &[("Sec-WebSocket-Protocol", &protocol)]).await.unwrap();
            let first = tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut c.ws)).await.unwrap();
            match first {
                Some(Ok(m)) if m.to_text().is_ok_and(|t| t.contains(r#""type":"id""#)) => 0,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f)))) => u16::from(f.code),
                other => panic!("neither let in nor refused: {other:?}"),
            }
        }
    };
    let hup = || {
        let pid = std::process::id().to_string();
        assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    };
    let until = |t: String, want: u16| async move {
        let deadline = Instant::now() + WAIT;
        while outcome(t.clone()).await != want {
            assert!(Instant::now() < deadline, "the key set was not reloaded");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };

    assert_eq!(outcome(token(Some("2026-11"), old)).await, 0);
    assert_eq!(outcome(token(Some("2026-12"), new)).await, 4413, "not published yet");

    std::fs::write(&file, set(&[("2026-11", old), ("2026-12", new)])).unwrap();
    hup();
    until(token(Some("2026-12"), new), 0).await;
    assert_eq!(outcome(token(Some("2026-11"), old)).await, 0, "both work while the site switches");
    assert_eq!(outcome(token(Some("2026-12"), old)).await, 4413, "checked with the key its kid names only");
    assert_eq!(outcome(token(None, old)).await, 4413, "with several keys a token must name one");

    std::fs::write(&file, set(&[("2026-12", new)])).unwrap();
    hup();
    until(token(Some("2026-11"), old), 4413).await;
    assert_eq!(outcome(token(Some("2026-12"), new)).await, 0);
    std::fs::remove_file(&file).unwrap();
}
