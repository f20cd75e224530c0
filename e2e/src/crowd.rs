//! Many people online at once, without a browser each: WebSocket clients
//! that log in with Duet's protocol and then only read (and drop) what the
//! server sends them, as idle lobbies do.

use futures_util::{SinkExt, StreamExt};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

/// Logged-in clients; dropping the crowd closes them all.
pub struct Crowd {
    _readers: JoinSet<()>,
}

impl Crowd {
    /// Logs in every name in `names` at `ws_url`, a hundred at a time, and
    /// returns once each has been welcomed.
    pub async fn join(ws_url: &str, names: impl IntoIterator<Item = String>) -> Crowd {
        let mut readers = JoinSet::new();
        let names: Vec<String> = names.into_iter().collect();
        for batch in names.chunks(100) {
            let mut logins = JoinSet::new();
            for name in batch {
                let (url, name) = (ws_url.to_owned(), name.clone());
                logins.spawn(async move {
                    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
                        .await
                        .unwrap_or_else(|e| panic!("{name}: connecting: {e}"));
                    let login = serde_json::json!({"type": "username", "name": name, "duet": 1});
                    ws.send(Message::text(login.to_string())).await.unwrap();
                    loop {
                        match ws.next().await {
                            Some(Ok(Message::Text(t))) if t.contains("\"welcome\"") => return ws,
                            Some(Ok(_)) => {}
                            other => panic!("{name}: not welcomed: {other:?}"),
                        }
                    }
                });
            }
            while let Some(ws) = logins.join_next().await {
                let mut ws = ws.expect("a login task");
                readers.spawn(async move { while let Some(Ok(_)) = ws.next().await {} });
            }
        }
        Crowd { _readers: readers }
    }
}
