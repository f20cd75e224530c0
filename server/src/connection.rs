//! One task per WebSocket connection: reads frames, enforces the limits, and
//! writes whatever the hub queued for this client.

use std::{sync::atomic::Ordering::Relaxed, sync::Arc, time::Duration};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use duet_protocol::{ClientMessage, ErrorCode, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::{
    hub::{frame, ConnId, Frame, Hub, Outbox, Refusal},
    rate::TokenBucket,
    Config,
};

/// WebSocket close codes (RFC 6455 §7.4.1).
pub mod close_code {
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
}

/// Why a connection ended, for logs.
#[derive(Debug, thiserror::Error)]
enum Ended {
    #[error("client closed")]
    ClientClosed,
    #[error("server shutting down")]
    Shutdown,
    #[error("no login within the deadline")]
    LoginTimeout,
    #[error("no heartbeat answer")]
    Dead,
    #[error("too slow to read its messages")]
    TooSlow,
    #[error("message of {0} bytes is over the limit")]
    TooBig(usize),
    #[error("too many refused messages")]
    Abusive,
    #[error("socket error: {0}")]
    Socket(#[from] axum::Error),
}

impl Ended {
    /// The close frame to send, if the server is the one ending it.
    fn close_frame(&self) -> Option<(u16, &'static str)> {
        match self {
            Ended::ClientClosed | Ended::Socket(_) | Ended::Dead => None,
            Ended::Shutdown => Some((close_code::GOING_AWAY, "server shutting down")),
            Ended::LoginTimeout => Some((close_code::POLICY, "no login within the deadline")),
            Ended::TooSlow => Some((close_code::POLICY, "too slow to read messages")),
            Ended::TooBig(_) => Some((close_code::TOO_BIG, "message too big")),
            Ended::Abusive => Some((close_code::POLICY, "too many invalid or rate-limited messages")),
        }
    }
}

pub struct Connection {
    id: ConnId,
    hub: Arc<Hub>,
    config: Arc<Config>,
    outbox: Outbox,
    name: Option<String>,
    rate: TokenBucket,
    abuse: TokenBucket,
}

pub async fn run(socket: WebSocket, id: ConnId, hub: Arc<Hub>, config: Arc<Config>, shutdown: CancellationToken) {
    let (tx, rx) = mpsc::channel(config.send_queue);
    let too_slow = CancellationToken::new();
    let mut conn = Connection {
        id,
        outbox: Outbox::new(tx, too_slow.clone()),
        rate: TokenBucket::new(config.rate_per_sec, config.rate_burst),
        // Refusals refill at a tenth of the rate: honest clients rarely cause any.
        abuse: TokenBucket::new(config.rate_per_sec / 10.0, config.abuse_burst),
        hub,
        config,
        name: None,
    };
    let ended = conn.pump(socket, rx, too_slow, shutdown).await;
    match &ended {
        Ended::ClientClosed | Ended::Shutdown => tracing::debug!(conn = id, user = ?conn.name, "closed: {ended}"),
        _ => tracing::info!(conn = id, user = ?conn.name, "closed: {ended}"),
    }
    if let Some(name) = conn.name.take() {
        conn.hub.logout(&name, id);
    }
}

impl Connection {
    async fn pump(
        &mut self,
        socket: WebSocket,
        mut rx: mpsc::Receiver<Frame>,
        too_slow: CancellationToken,
        shutdown: CancellationToken,
    ) -> Ended {
        let (mut sink, mut stream) = socket.split();
        self.send(&ServerMessage::Id { id: self.id });

        let login_deadline = tokio::time::sleep(self.config.login_timeout());
        tokio::pin!(login_deadline);
        let ping_every = self.config.ping_interval();
        let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
        let mut last_heard = Instant::now();

        let ended = loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break Ended::Shutdown,
                _ = too_slow.cancelled() => break Ended::TooSlow,
                Some(out) = rx.recv() => {
                    let write = sink.send(Message::Text(Utf8Bytes::from(&*out)));
                    match tokio::time::timeout(self.config.write_timeout(), write).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => break Ended::Socket(e),
                        Err(_) => {
                            self.hub.metrics.slow_consumers_total.fetch_add(1, Relaxed);
                            break Ended::TooSlow;
                        }
                    }
                }
                frame = stream.next() => {
                    last_heard = Instant::now();
                    match frame {
                        None | Some(Ok(Message::Close(_))) => break Ended::ClientClosed,
                        Some(Err(e)) => break too_big_or(e, self.config.max_message_bytes),
                        Some(Ok(msg)) => {
                            if let Err(ended) = self.on_frame(msg) {
                                break ended;
                            }
                        }
                    }
                }
                _ = &mut login_deadline, if self.name.is_none() => break Ended::LoginTimeout,
                _ = ping.tick() => {
                    if last_heard.elapsed() > ping_every * 2 {
                        break Ended::Dead;
                    }
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        break Ended::Dead;
                    }
                }
            }
        };
        if let Some((code, reason)) = ended.close_frame() {
            let close = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
            // Best effort, and never longer than a write may take.
            let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close)).await;
        }
        ended
    }

    fn on_frame(&mut self, msg: Message) -> Result<(), Ended> {
        let text = match msg {
            Message::Text(t) => t,
            Message::Binary(_) => {
                return self.refuse(ErrorCode::BinaryNotSupported, "binary frames are not supported; send JSON text")
            }
            // Pings are answered by the library; pongs only prove liveness.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => return Ok(()),
        };
        if text.len() > self.config.max_message_bytes {
            return Err(Ended::TooBig(text.len()));
        }
        self.hub.metrics.messages_received_total.fetch_add(1, Relaxed);
        if !self.rate.try_take() {
            return self.refuse(ErrorCode::RateLimited, "too many messages; this one was dropped");
        }
        let msg = match ClientMessage::parse(text.as_str()) {
            Ok(m) => m,
            Err(e) => return self.refuse((&e).into(), e.to_string()),
        };
        match self.handle(msg) {
            Ok(()) => Ok(()),
            Err(r) => self.refuse(r.code, r.text),
        }
    }

    fn handle(&mut self, msg: ClientMessage) -> Result<(), Refusal> {
        let Some(name) = &self.name else {
            return match msg {
                ClientMessage::Username { name, duet, .. } => {
                    let registered = self.hub.login(self.id, self.outbox.clone(), &name, duet.is_some())?;
                    tracing::debug!(conn = self.id, user = %registered, duet = duet.is_some(), "logged in");
                    self.name = Some(registered);
                    Ok(())
                }
                _ => Err(Refusal { code: ErrorCode::NotLoggedIn, text: "log in with a username message first".into() }),
            };
        };
        match msg {
            ClientMessage::Username { .. } => {
                Err(Refusal { code: ErrorCode::AlreadyLoggedIn, text: format!("already logged in as {name}") })
            }
            ClientMessage::Message { text, date, id } => self.hub.chat(name, &text, date, id),
            relayed => self.hub.relay(name, relayed),
        }
    }

    /// Tells the client why its message was not acted on; closes the
    /// connection once it keeps causing refusals.
    fn refuse(&mut self, code: ErrorCode, text: impl Into<String>) -> Result<(), Ended> {
        self.hub.metrics.count_error(code);
        if !self.abuse.try_take() {
            return Err(Ended::Abusive);
        }
        self.send(&ServerMessage::error(code, text));
        Ok(())
    }

    fn send(&self, m: &ServerMessage) {
        self.outbox.push(&frame(m), &self.hub.metrics);
    }
}

fn too_big_or(e: axum::Error, limit: usize) -> Ended {
    // tungstenite reports frames over its size limit as a capacity error.
    let text = e.to_string();
    if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("too big") {
        Ended::TooBig(limit + 1)
    } else {
        Ended::Socket(e)
    }
}
