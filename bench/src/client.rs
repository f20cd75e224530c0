//! One load client: connects from its own loopback source address, logs in,
//! and reads everything the server sends.

use std::net::{Ipv4Addr, SocketAddr};

use futures_util::{stream::SplitSink, stream::SplitStream, SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::{client_async, tungstenite::Message, WebSocketStream};

pub type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;
pub type Stream = SplitStream<WebSocketStream<TcpStream>>;

/// Source addresses spread over 127.0.0.0/8 so tens of thousands of clients
/// do not run out of ephemeral ports on one address.
fn source_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 1 + (i / 60_000) as u8, ((i / 250) % 250) as u8, (i % 250) as u8 + 1)
}

pub async fn connect(url: &str, server: SocketAddr, i: usize) -> Result<(Sink, Stream), String> {
    connect_with_window(url, server, i, None).await
}

/// The same with a receive buffer of `window` bytes: a reader on a slow
/// link, whose window the server fills long before loopback's would be.
pub async fn connect_with_window(
    url: &str,
    server: SocketAddr,
    i: usize,
    window: Option<u32>,
) -> Result<(Sink, Stream), String> {
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    if let Some(bytes) = window {
        socket.set_recv_buffer_size(bytes).map_err(|e| e.to_string())?;
    }
    socket.bind(SocketAddr::new(source_ip(i).into(), 0)).map_err(|e| format!("bind {}: {e}", source_ip(i)))?;
    let stream = socket.connect(server).await.map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).ok();
    let (ws, _) = client_async(url, stream).await.map_err(|e| format!("handshake: {e}"))?;
    Ok(ws.split())
}

pub async fn next_json(stream: &mut Stream) -> Result<Value, String> {
    loop {
        match stream.next().await {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).map_err(|e| e.to_string()),
            Some(Ok(Message::Close(f))) => return Err(format!("closed by server: {f:?}")),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("connection ended".into()),
        }
    }
}

/// Logs in as `name`; returns the name the server registered, once the
/// login is confirmed (MDN: our name in a userlist; Duet: welcome).
/// `version` is the Duet protocol version to announce, 0 for none (MDN).
pub async fn login(sink: &mut Sink, stream: &mut Stream, name: &str, version: u32) -> Result<(String, Value), String> {
    let duet = version > 0;
    let id = next_json(stream).await?;
    let mut msg = json!({"type": "username", "name": name, "date": 0, "id": id["id"]});
    if duet {
        msg["duet"] = json!(version);
    }
    sink.send(Message::text(msg.to_string())).await.map_err(|e| e.to_string())?;
    let mut registered = name.to_owned();
    loop {
        let m = next_json(stream).await?;
        match m["type"].as_str() {
            Some("rejectusername") => registered = m["name"].as_str().unwrap_or(name).to_owned(),
            Some("welcome") if duet => {
                let list = next_json(stream).await?;
                return Ok((m["name"].as_str().unwrap_or(name).to_owned(), list));
            }
            Some("userlist")
                if !duet && m["users"].as_array().is_some_and(|u| u.iter().any(|n| n == registered.as_str())) =>
            {
                return Ok((registered, m));
            }
            Some("error") => return Err(format!("login refused: {m}")),
            _ => {}
        }
    }
}
