//! A real duet-server on 127.0.0.1 and real WebSocket clients for it.
// Test helpers return tungstenite's errors as they come; their size does not matter here.
#![allow(clippy::result_large_err)]
#![allow(dead_code)]

pub mod process;

use std::time::Duration;

use duet_protocol::ServerMessage;
use duet_server::Config;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, protocol::frame::coding::CloseCode, Message},
    MaybeTlsStream, WebSocketStream,
};
use tokio_util::sync::CancellationToken;

pub const WAIT: Duration = Duration::from_secs(5);

pub struct TestServer {
    pub server: duet_server::Server,
    pub shutdown: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), duet_server::ServeError>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::defaults();
        config.edge.static_dir = std::env::temp_dir().join("duet-test-no-dist");
        // Most tests drop clients to make them leave; resume.rs turns the grace on.
        config.signaling.resume_grace_secs = 0.0;
        config.edge.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
        config.state_dir = Some(std::env::temp_dir().join(format!("duet-test-state-{}", std::process::id())));
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shutdown = CancellationToken::new();
        let (server, task) = duet_server::spawn(listener, config, shutdown.clone()).unwrap();
        TestServer { server, shutdown, task }
    }

    /// A server whose presence flushes are driven by the test
    /// (`hub.flush_presence()`), with no limits on connections or logins
    /// from one address, and `tweak` applied after.
    pub async fn hand_flushed(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::with(|c| {
            c.signaling.presence_interval_ms = 3_600_000;
            c.limits.max_conns_per_ip = 0;
            c.limits.logins_per_minute = 0;
            tweak(c);
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{}", self.server.addr, path)
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://{}{}", self.server.addr, path)
    }

    /// A connected client that has read its `id`.
    pub async fn client(&self) -> Client {
        let mut c = Client::connect(&self.url("/ws")).await;
        let id = c.recv().await;
        assert_eq!(id["type"], "id", "first message is the id: {id}");
        c.id = id["id"].as_u64().unwrap();
        c
    }

    /// A client logged in as `name` the MDN way, with its opening messages read.
    pub async fn mdn_user(&self, name: &str) -> Client {
        let mut c = self.client().await;
        c.send(json!({"type": "username", "name": name, "date": 1, "id": c.id})).await;
        c.recv_type("userlist").await;
        c.name = name.to_string();
        c
    }

    /// A client logged in as `name` the Duet way, with welcome and snapshot read.
    pub async fn duet_user(&self, name: &str) -> Client {
        self.duet_login(json!({"type": "username", "name": name, "duet": 1})).await
    }

    /// A Duet client logged in with this `username` message; `resume`
    /// holds the token its welcome gave.
    pub async fn duet_login(&self, username: Value) -> Client {
        let mut c = self.client().await;
        c.send(username).await;
        let welcome = c.recv_type("welcome").await;
        c.name = welcome["name"].as_str().unwrap().to_string();
        c.resume = welcome["resume"].as_str().unwrap_or_default().to_string();
        c.recv_type("userlist").await;
        c
    }

    /// `caller` and `callee` logged in (Duet) and in an answered call.
    pub async fn in_call(&self, caller: &str, callee: &str) -> (Client, Client) {
        let mut a = self.duet_user(caller).await;
        let mut b = self.duet_user(callee).await;
        a.send(json!({"type": "video-offer", "target": callee, "sdp": sdp("offer")})).await;
        b.recv_type("video-offer").await;
        b.send(json!({"type": "video-answer", "target": caller, "sdp": sdp("answer")})).await;
        a.recv_type("video-answer").await;
        (a, b)
    }

    /// /metrics, from the separate metrics listener.
    pub async fn metrics(&self) -> String {
        let at = self.server.metrics_addr.expect("tests start a metrics listener");
        http_get(&format!("http://{at}/metrics")).await.1
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub id: u64,
    pub name: String,
    /// The resume token from the welcome (Duet clients).
    pub resume: String,
    /// How long `recv` waits for a message before failing the test.
    pub wait: Duration,
}

impl Client {
    pub async fn connect(url: &str) -> Client {
        let (ws, _) = connect_async(url).await.expect("connect");
        Client { ws, id: 0, name: String::new(), resume: String::new(), wait: WAIT }
    }

    pub async fn connect_with(
        req: impl IntoClientRequest + Unpin,
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let (ws, _) = connect_async(req).await?;
        Ok(Client { ws, id: 0, name: String::new(), resume: String::new(), wait: WAIT })
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    pub async fn send_text(&mut self, s: &str) {
        self.ws.send(Message::text(s)).await.expect("send");
    }

    /// The next text message, parsed; fails the test after WAIT.
    pub async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(self.wait, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: no message within {:?}", self.name, self.wait))
                .unwrap_or_else(|| panic!("{}: connection ended", self.name))
                .unwrap_or_else(|e| panic!("{}: socket error {e}", self.name));
            match msg {
                Message::Text(t) => {
                    // Everything the server sends must be a message Duet's own types read.
                    ServerMessage::parse(&t).unwrap_or_else(|e| panic!("server sent unparseable {t}: {e}"));
                    return serde_json::from_str(&t).unwrap();
                }
                Message::Close(f) => panic!("{}: closed by server: {f:?}", self.name),
                _ => continue,
            }
        }
    }

    /// Reads until a message of `kind` arrives, returning it.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let m = self.recv().await;
            if m["type"] == kind {
                return m;
            }
        }
    }

    /// Reads presence updates until one says `name` left.
    pub async fn recv_left(&mut self, name: &str) {
        loop {
            let m = self.recv_type("presence").await;
            if m["left"].as_array().is_some_and(|l| l.iter().any(|n| n == name)) {
                return;
            }
        }
    }

    /// Reads presence updates until one gives `name` this status.
    pub async fn recv_status(&mut self, name: &str, status: &str) {
        loop {
            let m = self.recv_type("presence").await;
            if m[status].as_array().is_some_and(|l| l.iter().any(|n| n == name)) {
                return;
            }
        }
    }

    /// The next message of `kind`, with nothing in between but presence
    /// updates and fresh resume tickets (which arrive on their own clock):
    /// unlike `recv_type`, a stray message fails the test.
    pub async fn recv_next(&mut self, kind: &str) -> Value {
        loop {
            let m = self.recv().await;
            match m["type"].as_str() {
                Some(k) if k == kind => return m,
                Some("presence" | "resume-ticket") => continue,
                _ => panic!("{}: expected {kind}, got {m}", self.name),
            }
        }
    }

    /// Lobby chat `text` from this client: a sentinel for `expect_nothing_before`.
    pub async fn say(&mut self, text: &str) {
        self.send(json!({"type": "message", "text": text})).await;
    }

    /// Asserts that nothing but presence updates and fresh resume tickets
    /// comes before the chat `text`. The server handles each connection's
    /// messages in order and queues each client's in order, so whatever an
    /// earlier message of the sentinel's sender would have caused here
    /// arrives before the sentinel does: no time window to guess.
    pub async fn expect_nothing_before(&mut self, text: &str) {
        let m = self.recv_next("message").await;
        assert_eq!(m["text"], text, "{}: expected nothing before the sentinel, got chat {m}", self.name);
    }

    /// Waits for the server to close the connection and returns the close code.
    pub async fn expect_close(&mut self) -> Option<CloseCode> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("{}: not closed within {WAIT:?}", self.name),
                Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(Message::Close(f)))) => {
                    // Send the reply the library queued, as a browser does.
                    let _ = self.ws.flush().await;
                    return f.map(|f| f.code);
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}

/// A bare HTTP/1.1 GET over TCP: (status line + headers, body).
pub async fn http_get(url: &str) -> (String, String) {
    http_get_with(url, &[]).await
}

pub async fn http_get_with(url: &str, headers: &[(&str, &str)]) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut s = TcpStream::connect(host).await.unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_string(), body.to_string())
}

pub fn sdp(kind: &str) -> Value {
    json!({"type": kind, "sdp": format!("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na={kind}\r\n")})
}
