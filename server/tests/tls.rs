//! HTTPS built in: certificates from files (HSTS, reload) or made here for a
//! LAN (with a generated access key and invite link), and http → https.

mod support;

use std::sync::Arc;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::{
    client::TlsStream,
    rustls::{pki_types::ServerName, ClientConfig, RootCertStore},
    TlsConnector,
};

/// A TLS connection to `addr` trusting only `ca_pem`, for the name `localhost`.
async fn tls_connect(addr: std::net::SocketAddr, ca_pem: &str) -> TlsStream<tokio::net::TcpStream> {
    use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap()).unwrap();
    let config = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    TlsConnector::from(Arc::new(config)).connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap()
}

async fn https_get(addr: std::net::SocketAddr, ca_pem: &str, path: &str) -> String {
    let mut s = tls_connect(addr, ca_pem).await;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(WAIT, s.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("duet-tls-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn certificate_files_serve_https_with_hsts_and_wss() {
    let dir = temp_dir("files");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("cert.pem"), made.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), made.key_pair.serialize_pem()).unwrap();
    let s = TestServer::with(|c| {
        c.edge.tls_cert = Some(dir.join("cert.pem"));
        c.edge.tls_key = Some(dir.join("key.pem"));
    })
    .await;
    let answer = https_get(s.server.addr, &made.cert.pem(), "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_lowercase().contains("strict-transport-security: max-age=31536000"), "{answer}");

    // The signaling WebSocket over TLS.
    let tls = tls_connect(s.server.addr, &made.cert.pem()).await;
    let (mut ws, _) = tokio_tungstenite::client_async("wss://localhost/ws", tls).await.unwrap();
    use futures_util::StreamExt;
    let first = ws.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains(r#""type":"id""#), "{first}");

    // Plain http on the https port gets nothing served.
    let (head, _) = http_get(&s.http("/healthz")).await;
    assert!(!head.starts_with("HTTP/1.1 200"), "{head}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_lan_quick_start_needs_no_access_flag_and_prints_an_invite_key() {
    let state = temp_dir("lan");
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let mut config = duet_server::Config::defaults();
    config.edge.tls_self_signed = true;
    config.state_dir = Some(state.clone());
    let (server, _task) = duet_server::spawn(listener, config, Default::default()).unwrap();
    let key = server.invite_key.clone().expect("a generated key for the invite link");
    assert!(key.len() >= 32, "{key}");
    assert!(server.tls_fingerprint.is_some());
    let cert = std::fs::read_to_string(state.join("tls/self-signed.pem")).unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.addr.port()));
    let answer = https_get(addr, &cert, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(!answer.to_lowercase().contains("strict-transport-security"), "no HSTS for a self-made certificate");

    // Without the key, nobody gets in.
    let tls = tls_connect(addr, &cert).await;
    let (mut ws, _) = tokio_tungstenite::client_async("wss://localhost/ws", tls).await.unwrap();
    use futures_util::StreamExt;
    match ws.next().await.unwrap().unwrap() {
        tokio_tungstenite::tungstenite::Message::Close(Some(f)) => assert_eq!(u16::from(f.code), 4401),
        other => panic!("expected a close, got {other:?}"),
    }
    std::fs::remove_dir_all(&state).unwrap();
}

#[tokio::test]
async fn plain_http_is_redirected_to_https() {
    let s = TestServer::with(|c| {
        c.edge.tls_self_signed = true;
        c.edge.redirect_http = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let from = s.server.redirect_addr.unwrap();
    let (head, _) = http_get(&format!("http://{from}/call/bob?x=1")).await;
    assert!(head.starts_with("HTTP/1.1 308"), "{head}");
    let want = format!("location: https://{}:{}/call/bob?x=1", from.ip(), s.server.addr.port());
    assert!(head.to_lowercase().contains(&want), "{head}");
}
