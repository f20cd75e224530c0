//! The HTTP side: app hosting, health, metrics, origin checks, shutdown.

mod support;

use std::time::Duration;

use support::*;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, protocol::frame::coding::CloseCode};

fn fake_dist() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("duet-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Duet</title><body>app shell</body>").unwrap();
    std::fs::write(dir.join("duet-0123456789abcdef.js"), "console.log('x');".repeat(200)).unwrap();
    std::fs::write(dir.join("duet-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    dir
}

#[tokio::test]
async fn serves_the_app_with_spa_fallback_and_cache_headers() {
    let dist = fake_dist();
    let s = TestServer::with(|c| c.edge.static_dir = dist.clone()).await;

    let (head, body) = http_get(&s.http("/")).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(body.contains("app shell"));
    assert!(head.to_lowercase().contains("cache-control: no-cache"));

    // A client-side route loads the app, whatever the name in it looks like.
    for route in ["/call/bob", "/call/kim-821012345678"] {
        let (head, body) = http_get(&s.http(route)).await;
        assert!(head.starts_with("HTTP/1.1 200") && body.contains("app shell"), "{route}: {head}");
    }

    let (head, _) = http_get_with(&s.http("/duet-0123456789abcdef.js"), &[("Accept-Encoding", "gzip")]).await;
    let head = head.to_lowercase();
    assert!(head.contains("max-age=31536000, immutable"), "{head}");
    assert!(head.contains("content-encoding: gzip"), "{head}");

    // The wasm, the biggest asset, is cached for a year too.
    let (head, _) = http_get(&s.http("/duet-0123456789abcdef_bg.wasm")).await;
    assert!(head.to_lowercase().contains("max-age=31536000, immutable"), "{head}");

    // Another build's asset, or a wasm chunk not there: not the app's page.
    for gone in ["/duet-call-fedcba9876543210.wasm", "/duet-fedcba9876543210.js"] {
        let (head, body) = http_get(&s.http(gone)).await;
        assert!(head.starts_with("HTTP/1.1 404") && !body.contains("app shell"), "{gone}: {head}");
    }
}

#[tokio::test]
async fn without_a_built_app_the_page_says_how_to_build_it() {
    let s = TestServer::start().await;
    let (head, body) = http_get(&s.http("/")).await;
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    assert!(body.contains("cargo xtask serve"));
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let s = TestServer::start().await;
    let (head, body) = http_get(&s.http("/healthz")).await;
    assert!(head.starts_with("HTTP/1.1 200") && body.contains("ok"));
    let _alice = s.mdn_user("alice").await;
    let m = s.metrics().await;
    for line in ["duet_connections 1", "duet_users 1", "duet_active_calls 0", "duet_messages_relayed_total 0"] {
        assert!(m.contains(line), "missing {line} in\n{m}");
    }
    assert!(m.contains("# TYPE duet_errors_total counter"));
}

#[tokio::test]
async fn foreign_origins_are_refused_and_allowed_ones_accepted() {
    let s = TestServer::start().await;
    let mut req = s.url("/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    let err = Client::connect_with(req).await.err().expect("refused");
    assert!(err.to_string().contains("403"), "{err}");

    let mut same = s.url("/ws").into_client_request().unwrap();
    same.headers_mut().insert("Origin", format!("http://{}", s.server.addr).parse().unwrap());
    Client::connect_with(same).await.expect("same origin accepted");

    let s = TestServer::with(|c| c.edge.allowed_origins = vec!["https://app.example".into()]).await;
    let mut req = s.url("/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", "https://app.example".parse().unwrap());
    Client::connect_with(req).await.expect("listed origin accepted");
}

#[tokio::test]
async fn shutdown_closes_every_client_with_1001_and_the_server_ends() {
    let s = TestServer::start().await;
    let mut alice = s.mdn_user("alice").await;
    let mut idle = s.client().await;
    s.shutdown.cancel();
    assert_eq!(alice.expect_close().await, Some(CloseCode::Away));
    assert_eq!(idle.expect_close().await, Some(CloseCode::Away));
    let ended = tokio::time::timeout(Duration::from_secs(5), s.task).await.expect("server ends within the grace");
    ended.unwrap().unwrap();
}
