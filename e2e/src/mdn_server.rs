//! A signaling server that speaks only MDN's baseline protocol, behaving as
//! the sample's chatserver.js does: `id` on connect, unique names by
//! appending a number (`rejectusername`), the full `userlist` to everyone on
//! every change, messages with a `target` forwarded verbatim to that user,
//! others broadcast. No identity stamping, no call tracking, no Duet
//! additions: it shows how Duet's app degrades against such a server.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_tungstenite::tungstenite::{
    handshake::server::{ErrorResponse, Request, Response},
    Message,
};

#[derive(Default)]
struct Clients {
    next_id: u64,
    /// id → (username once set, sender)
    by_id: HashMap<u64, (Option<String>, mpsc::UnboundedSender<String>)>,
}

impl Clients {
    fn userlist(&self) -> String {
        let users: Vec<&String> = self.by_id.values().filter_map(|(n, _)| n.as_ref()).collect();
        json!({"type": "userlist", "users": users}).to_string()
    }
    fn broadcast(&self, text: &str) {
        for (_, tx) in self.by_id.values() {
            let _ = tx.send(text.to_owned());
        }
    }
}

/// Like chatserver.js's `request.accept("json", origin)`: select the json subprotocol.
// The callback's signature, and so its error type's size, is tungstenite's.
#[allow(clippy::result_large_err)]
fn accept_json(req: &Request, mut res: Response) -> Result<Response, ErrorResponse> {
    let asked = req.headers().get("sec-websocket-protocol").and_then(|p| p.to_str().ok()).unwrap_or("");
    if asked.split(',').any(|p| p.trim() == "json") {
        res.headers_mut().insert("sec-websocket-protocol", "json".parse().expect("a valid header value"));
    }
    Ok(res)
}

/// Frames no version of the protocol has, as a newer server or an odd relay
/// might send: a client must skip them and carry on.
pub const UNREADABLE: &[&str] = &[
    "not json at all",
    "[1, 2, 3]",
    r#"{"type": "x-from-the-future", "data": 1}"#,
    r#"{"type": "userlist", "users": "everyone"}"#,
    r#"{"type": "video-offer", "sdp": 42}"#,
    r#"{"no": "type"}"#,
];

pub struct MdnServer {
    pub url: String,
    received: Arc<Mutex<Vec<Value>>>,
}

impl MdnServer {
    /// Every message the server has read so far, in order, each with the
    /// sender's name added as `from`.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

/// Starts the server on 127.0.0.1. With `unreadable`, every client gets
/// the [`UNREADABLE`] frames after its `id`.
pub async fn start(unreadable: bool) -> MdnServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let clients = Arc::new(Mutex::new(Clients::default()));
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let clients = clients.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let ws = tokio_tungstenite::accept_hdr_async(tcp, accept_json).await;
                let Ok(ws) = ws else { return };
                let (mut sink, mut stream) = ws.split();
                let (tx, mut rx) = mpsc::unbounded_channel::<String>();
                let id = {
                    let mut c = clients.lock().unwrap();
                    c.next_id += 1;
                    let id = c.next_id;
                    c.by_id.insert(id, (None, tx.clone()));
                    id
                };
                let _ = tx.send(json!({"type": "id", "id": id}).to_string());
                if unreadable {
                    for frame in UNREADABLE {
                        let _ = tx.send(frame.to_string());
                    }
                }
                let writer = tokio::spawn(async move {
                    while let Some(t) = rx.recv().await {
                        if sink.send(Message::text(t)).await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(Message::Text(text))) = stream.next().await {
                    let Ok(mut msg) = serde_json::from_str::<Value>(&text) else { continue };
                    let mut c = clients.lock().unwrap();
                    let mut seen = msg.clone();
                    seen["from"] = json!(c.by_id[&id].0.clone());
                    log.lock().unwrap().push(seen);
                    match msg["type"].as_str() {
                        Some("username") => {
                            let orig = msg["name"].as_str().unwrap_or("").to_owned();
                            let taken = |c: &Clients, n: &str| c.by_id.values().any(|(u, _)| u.as_deref() == Some(n));
                            let mut name = orig.clone();
                            let mut n = 1;
                            while taken(&c, &name) {
                                name = format!("{orig}{n}");
                                n += 1;
                            }
                            if name != orig {
                                let _ = tx.send(json!({"id": id, "type": "rejectusername", "name": name}).to_string());
                            }
                            c.by_id.get_mut(&id).unwrap().0 = Some(name);
                            let list = c.userlist();
                            c.broadcast(&list);
                        }
                        Some("message") => {
                            msg["name"] = json!(c.by_id[&id].0.clone());
                            c.broadcast(&msg.to_string());
                        }
                        _ => match msg["target"].as_str() {
                            Some(target) => {
                                if let Some((_, to)) = c.by_id.values().find(|(u, _)| u.as_deref() == Some(target)) {
                                    let _ = to.send(text.to_string());
                                }
                            }
                            None => c.broadcast(&text),
                        },
                    }
                }
                let mut c = clients.lock().unwrap();
                c.by_id.remove(&id);
                let list = c.userlist();
                c.broadcast(&list);
                writer.abort();
            });
        }
    });
    MdnServer { url, received }
}
