//! A WebSocket relay between the browsers and duet-server that holds the
//! first video-offers until two have been sent, then lets both through:
//! both callers' offers are on their way before either arrives, so a glare
//! test really has the offers cross (instead of hoping two clicks do).

use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_tungstenite::tungstenite::{
    client::IntoClientRequest,
    handshake::server::{ErrorResponse, Request, Response},
    Message,
};

#[derive(Default)]
struct Gate {
    held: Vec<(mpsc::UnboundedSender<Message>, Message)>,
    released: bool,
}

pub struct OfferGate {
    /// Where the browsers connect (`?server=…`).
    pub url: String,
    gate: Arc<Mutex<Gate>>,
    upstream: Arc<Mutex<String>>,
}

impl OfferGate {
    /// Relays to the duet-server at `base` (http://host:port).
    pub fn relay_to(&self, base: &str) {
        *self.upstream.lock().unwrap() = format!("{}/ws", base.replacen("http", "ws", 1));
    }

    /// Whether two offers were held and released together.
    pub fn crossed(&self) -> bool {
        self.gate.lock().unwrap().released
    }
}

/// Listens on loopback; say where to relay with [`OfferGate::relay_to`].
pub async fn start() -> OfferGate {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let gate = Arc::new(Mutex::new(Gate::default()));
    let upstream = Arc::new(Mutex::new(String::new()));
    let (g, up) = (gate.clone(), upstream.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (gate, upstream) = (g.clone(), up.lock().unwrap().clone());
            tokio::spawn(async move {
                let origin = Arc::new(Mutex::new(None::<String>));
                let o = origin.clone();
                // The callback's signature, and so its error type's size, is tungstenite's.
                #[allow(clippy::result_large_err)]
                let accept = move |req: &Request, mut res: Response| -> Result<Response, ErrorResponse> {
                    *o.lock().unwrap() = req.headers().get("origin").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    res.headers_mut().insert("sec-websocket-protocol", "json".parse().unwrap());
                    Ok(res)
                };
                let Ok(client) = tokio_tungstenite::accept_hdr_async(tcp, accept).await else { return };
                let mut req = upstream.as_str().into_client_request().unwrap();
                req.headers_mut().insert("sec-websocket-protocol", "json".parse().unwrap());
                if let Some(origin) = origin.lock().unwrap().clone() {
                    req.headers_mut().insert("origin", origin.parse().unwrap());
                }
                let Ok((server, _)) = tokio_tungstenite::connect_async(req).await else { return };
                let (mut client_tx, mut client_rx) = client.split();
                let (mut server_tx, mut server_rx) = server.split();
                let (to_server, mut queue) = mpsc::unbounded_channel::<Message>();
                let writer = tokio::spawn(async move {
                    while let Some(m) = queue.recv().await {
                        if server_tx.send(m).await.is_err() {
                            break;
                        }
                    }
                });
                let down = tokio::spawn(async move {
                    while let Some(Ok(m)) = server_rx.next().await {
                        if client_tx.send(m).await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(m)) = client_rx.next().await {
                    let is_offer = m.to_text().is_ok_and(|t| t.contains(r#""type":"video-offer""#));
                    let mut g = gate.lock().unwrap();
                    if is_offer && !g.released {
                        g.held.push((to_server.clone(), m));
                        if g.held.len() == 2 {
                            g.released = true;
                            for (tx, m) in g.held.drain(..) {
                                let _ = tx.send(m);
                            }
                        }
                        continue;
                    }
                    let _ = to_server.send(m);
                }
                down.abort();
                writer.abort();
            });
        }
    });
    OfferGate { url, gate, upstream }
}
