//! Where a WebSocket is accepted: `/ws`, and `/` for MDN's client. Origin,
//! per-address limits and access are decided before the upgrade; then the
//! socket is handed to signaling's connection task.

use std::{
    net::SocketAddr,
    sync::{atomic::Ordering::Relaxed, Arc},
};

use axum::{
    extract::{ws::WebSocketUpgrade, ConnectInfo, FromRequestParts, Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    access::Admitted,
    address::canonical,
    edge::{state::AppState, static_files},
    metrics::Metrics,
    signaling::{connection, session},
};

/// `/`: the app's page, or a WebSocket when one is asked for.
pub async fn root(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    let wants_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !wants_ws {
        return static_files::index(&state.config.edge.static_dir).await;
    }
    let (mut parts, _) = req.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => accept(ws, &parts.headers, peer, state),
        Err(rejection) => rejection.into_response(),
    }
}

/// `/ws`.
pub async fn ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    accept(ws, &headers, peer, state)
}
/// Decides, before upgrading, whether this client may have a WebSocket:
/// origin, per-address limits, then access control. A refused credential is
/// still upgraded, only to close at once with a code and reason the app can
/// show — nothing else happens on that socket.
fn accept(ws: WebSocketUpgrade, headers: &HeaderMap, peer: SocketAddr, state: AppState) -> Response {
    let metrics = &state.hub.metrics;
    let refuse = |status: StatusCode, why: String| {
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        tracing::info!(%peer, "refused WebSocket: {why}");
        (status, why).into_response()
    };
    let https = state.tls.is_some() || state.proxies.forwarded_https(peer.ip(), headers);
    if let Err(why) = state.origins.check(headers, https) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    let client = state.proxies.client(peer.ip(), headers);
    // Clients behind a trusted proxy are counted here, by forwarded address
    // (the accept loop counted everyone else by socket).
    let forwarded_slot = if state.proxies.trusts(canonical(peer.ip())) {
        match state.per_ip.acquire(client) {
            Some(slot) => slot,
            None => return refuse(StatusCode::TOO_MANY_REQUESTS, "too many connections from your address".into()),
        }
    } else {
        None
    };
    if !state.auth_failures.has_left(client) {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed access attempts from your address; wait a minute".into(),
        );
    }
    let admitted = state.access.check(headers);
    if let Err(denied) = &admitted {
        state.auth_failures.try_take(client);
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        tracing::info!(%client, "refused access: {denied}");
    }
    // Reserve a slot before upgrading so a burst cannot overshoot the cap.
    let open = metrics.connections.fetch_add(1, Relaxed);
    if open as usize >= state.config.limits.max_connections || state.shutdown.is_cancelled() {
        metrics.connections.fetch_sub(1, Relaxed);
        metrics.connections_refused_total.fetch_add(1, Relaxed);
        return (StatusCode::SERVICE_UNAVAILABLE, "server is at its connection limit").into_response();
    }
    let limit = state.config.limits.max_message_bytes;
    let id = state.next_id.fetch_add(1, Relaxed);
    let slot = SlotGuard(state.hub.metrics.clone());
    let peer_info = session::Peer {
        ip: client,
        logins: state.logins.clone(),
        chat: state.chat.clone(),
        searches: state.searches.clone(),
    };
    ws.protocols([duet_protocol::SUBPROTOCOL])
        // Signaling messages are small: 128 KiB library buffers per client
        // would dominate memory (a larger message grows its buffer; 1 KiB
        // instead of 4 saves ~3 KiB per connection). Writes go out as soon
        // as they are queued.
        .read_buffer_size(1024)
        .write_buffer_size(0)
        // Room above the limit so an oversized message is seen and answered
        // with 1009 rather than cut off by the library mid-read.
        .max_message_size(limit.saturating_mul(2))
        .max_frame_size(limit.saturating_mul(2))
        .on_failed_upgrade(|e| tracing::debug!("WebSocket upgrade failed: {e}"))
        .on_upgrade(move |socket| async move {
            let identity = match admitted {
                Ok(Admitted::Anyone) => None,
                Ok(Admitted::Named(name)) => Some(name),
                Err(denied) => return connection::refuse(socket, denied).await,
            };
            state.hub.metrics.connections_total.fetch_add(1, Relaxed);
            let admission = session::Admission { peer: Some(peer_info), identity };
            let task =
                connection::run(socket, id, state.hub.clone(), state.config.clone(), state.shutdown.clone(), admission);
            state
                .connections
                .track_future(async move {
                    let _slot = (slot, forwarded_slot);
                    task.await
                })
                .await
        })
}

/// Frees a connection slot however the connection ends (or fails to upgrade).
struct SlotGuard(Arc<Metrics>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Relaxed);
    }
}
