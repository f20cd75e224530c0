//! One task per WebSocket connection: reads frames into the [`Session`],
//! writes whatever the hub queued for this client, and enforces the limits
//! that need a clock or a socket (login deadline, heartbeat, slow readers).

use std::{sync::atomic::Ordering::Relaxed, sync::Arc, time::Duration};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{
    stream::{SplitSink, SplitStream},
    SinkExt, StreamExt,
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::{
    access::Denied,
    config::Config,
    signaling::hub::{ConnId, Hub, Inbox, Outbox},
    signaling::session::{Admission, Closing, Session},
};

/// WebSocket close codes (RFC 6455 §7.4.1).
pub mod close_code {
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    /// Another connection took this one's session or name (Duet's own code).
    pub const DISPLACED: u16 = 4409;
    /// From the client: the page is going away and may come right back (a
    /// reload); hold the name and call briefly.
    pub const LEAVING: u16 = 4000;
}

/// Why a connection ended, for logs and the close frame.
#[derive(Debug, thiserror::Error)]
enum Ended {
    #[error("client closed")]
    ClientClosed,
    #[error("client leaving, may come right back")]
    Leaving,
    #[error("connection lost without a close")]
    Lost,
    #[error("server shutting down")]
    Shutdown,
    #[error("no login within the deadline")]
    LoginTimeout,
    #[error("no heartbeat answer")]
    Dead,
    #[error("too slow to read its messages")]
    TooSlow,
    #[error("another connection took its place")]
    Displaced,
    #[error(transparent)]
    Closing(#[from] Closing),
    #[error("socket error: {0}")]
    Socket(#[from] axum::Error),
}

impl Ended {
    /// The close frame to send, if the server is the one ending it.
    fn close_frame(&self) -> Option<(u16, &'static str)> {
        match self {
            Ended::ClientClosed | Ended::Leaving | Ended::Lost | Ended::Socket(_) | Ended::Dead => None,
            Ended::Shutdown => Some((close_code::GOING_AWAY, "server shutting down")),
            Ended::LoginTimeout => Some((close_code::POLICY, "no login within the deadline")),
            Ended::TooSlow => Some((close_code::POLICY, "too slow to read messages")),
            Ended::Displaced => Some((close_code::DISPLACED, "another connection took this session or name")),
            Ended::Closing(Closing::TooBig(_)) => Some((close_code::TOO_BIG, "message too big")),
            Ended::Closing(Closing::Abusive) => Some((close_code::POLICY, "too many invalid or rate-limited messages")),
        }
    }
}

/// A socket whose credential was refused: it is told why and closed, and
/// nothing it sends is read as a message.
pub async fn refuse(socket: WebSocket, denied: Denied) {
    let (mut sink, mut stream) = socket.split();
    close_handshake(&mut sink, &mut stream, denied.close_code(), denied.to_string()).await;
}

/// The closing handshake, best effort and bounded: send our Close, then read
/// (and drop) until the client's Close, so closing the socket with unread
/// data does not reset the connection before the client has read why it was
/// closed.
async fn close_handshake(
    sink: &mut SplitSink<WebSocket, Message>,
    stream: &mut SplitStream<WebSocket>,
    code: u16,
    reason: String,
) {
    let close = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        if sink.send(close).await.is_ok() {
            while let Some(Ok(m)) = stream.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        }
    })
    .await;
}

pub async fn run(
    socket: WebSocket,
    id: ConnId,
    hub: Arc<Hub>,
    config: Arc<Config>,
    shutdown: CancellationToken,
    admission: Admission,
) {
    let (outbox, inbox) = Outbox::new(config.limits.send_queue_bytes);
    let (too_slow, displaced) = (outbox.too_slow(), outbox.displaced());
    let mut session = Session::new(id, hub.clone(), &config, outbox).admit(admission);
    let ended = pump(&mut session, socket, inbox, &hub, &config, [too_slow, displaced], shutdown).await;
    // A network drop (or a server restart) is worth waiting for, and so is
    // a reader too slow for its queue (a poor network looks like that); a
    // deliberate close or a limit is not.
    match ended {
        Ended::Lost | Ended::Socket(_) | Ended::Dead | Ended::Shutdown | Ended::TooSlow => session.park_on_drop(),
        // A page reloading says so: its name and call wait a moment for it,
        // not the whole grace a lost network gets (a closed tab looks the same).
        Ended::Leaving => session.park_briefly(config.signaling.reload_grace()),
        // A close without the leaving code is a sign-out (or a closed MDN page).
        Ended::ClientClosed => session.signed_out(),
        _ => {}
    }
    match &ended {
        Ended::ClientClosed | Ended::Leaving | Ended::Shutdown => {
            tracing::debug!(conn = id, user = ?session.name(), "closed: {ended}")
        }
        _ => tracing::info!(conn = id, user = ?session.name(), "closed: {ended}"),
    }
    // Dropping the session logs the user out.
}

async fn pump(
    session: &mut Session,
    socket: WebSocket,
    mut rx: Inbox,
    hub: &Hub,
    config: &Config,
    [too_slow, displaced]: [CancellationToken; 2],
    shutdown: CancellationToken,
) -> Ended {
    let (mut sink, mut stream) = socket.split();
    let login_deadline = tokio::time::sleep(config.signaling.login_timeout());
    tokio::pin!(login_deadline);
    let ping_every = config.signaling.ping_interval();
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    let mut last_heard = Instant::now();
    let refresh_every = config.refresh_every();
    let mut refresh = tokio::time::interval_at(Instant::now() + refresh_every, refresh_every);

    let liveness = rx.liveness();
    let ended = loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break Ended::Shutdown,
            _ = too_slow.cancelled() => break Ended::TooSlow,
            _ = displaced.cancelled() => {
                // Say why before going: the queued messages (an error
                // explaining it) are sent first, within the write timeout.
                while let Some(out) = rx.try_recv() {
                    let write = sink.send(Message::Text(out));
                    if !matches!(tokio::time::timeout(config.limits.write_timeout(), write).await, Ok(Ok(()))) {
                        break;
                    }
                }
                break Ended::Displaced;
            }
            // Liveness before writing: a reader that keeps its queue busy
            // must still answer pings.
            _ = ping.tick() => {
                if last_heard.elapsed() > ping_every * 2 {
                    break Ended::Dead;
                }
                let write = sink.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(config.limits.write_timeout(), write).await, Ok(Ok(()))) {
                    break Ended::Dead;
                }
            }
            // A resume asks whether this client is still there.
            _ = liveness.probed() => {
                let write = sink.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(config.limits.write_timeout(), write).await, Ok(Ok(()))) {
                    break Ended::Dead;
                }
            }
            frame = stream.next() => {
                last_heard = Instant::now();
                liveness.heard();
                let handled = match frame {
                    Some(Ok(Message::Close(Some(f)))) if f.code == close_code::LEAVING => break Ended::Leaving,
                    Some(Ok(Message::Close(_))) => break Ended::ClientClosed,
                    None => break Ended::Lost,
                    Some(Err(e)) => break too_big_or(e, config.limits.max_message_bytes),
                    // Boxed: the login path's future is large, and kept
                    // inline it would sit in every idle connection's task.
                    Some(Ok(Message::Text(t))) => Box::pin(session.on_text(t.as_str())).await,
                    Some(Ok(Message::Binary(_))) => session.on_binary(),
                    // Pings are answered by the library; pongs only prove liveness.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                };
                if let Err(closing) = handled {
                    break closing.into();
                }
                // Still no login past the deadline, and this frame was not
                // one: the client had its time (a stream of other frames
                // must not keep the deadline below from being polled).
                if session.name().is_none() && login_deadline.is_elapsed() {
                    break Ended::LoginTimeout;
                }
            }
            // After the socket: a login that waited in the socket while this
            // server was busy (a storm) is read before the deadline is
            // judged, so the timeout measures the client's silence, not
            // the server's backlog.
            _ = &mut login_deadline, if session.name().is_none() => break Ended::LoginTimeout,
            _ = refresh.tick() => session.refresh_ice(),
            out = rx.recv() => {
                let write = sink.send(Message::Text(out));
                match tokio::time::timeout(config.limits.write_timeout(), write).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => break Ended::Socket(e),
                    Err(_) => {
                        hub.metrics.slow_consumers_total.fetch_add(1, Relaxed);
                        break Ended::TooSlow;
                    }
                }
            }
        }
    };
    if let Some((code, reason)) = ended.close_frame() {
        close_handshake(&mut sink, &mut stream, code, reason.into()).await;
    }
    ended
}

fn too_big_or(e: axum::Error, limit: usize) -> Ended {
    // tungstenite reports frames over its size limit as a capacity error.
    let text = e.to_string();
    if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("too big") {
        Ended::Closing(Closing::TooBig(limit + 1))
    } else {
        Ended::Socket(e)
    }
}
