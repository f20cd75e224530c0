//! The accept loop: every socket is counted from accept to close — before
//! its HTTP request is read, while it is a WebSocket, and in between — against
//! the global `--max-connections` and the per-address `--max-conns-per-ip`.
//! A socket over either limit is answered with a short HTTP error at once,
//! and a client gets `--header-timeout-secs` to send its request headers.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{extract::ConnectInfo, http::Request, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::{TcpListener, TcpSocket, TcpStream},
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    address::canonical,
    edge::client_addr::TrustedProxies,
    limits::per_ip::{ConnCounts, ConnSlot},
};

/// What the accept loop needs to know.
pub struct Limits {
    pub max_sockets: usize,
    pub per_ip: Arc<ConnCounts>,
    pub proxies: TrustedProxies,
    pub header_timeout: Duration,
    /// Open sockets (a gauge in /metrics).
    pub open: Arc<AtomicU64>,
    /// HTTPS: the handshake must also finish within the header timeout.
    pub tls: Option<Arc<crate::edge::tls::Tls>>,
}

/// Connections the kernel completes and holds for `accept` (Linux caps it
/// at net.core.somaxconn, 4096 by default). Tokio's default of 1024
/// overflows when thousands arrive at once: the kernel then drops their
/// handshakes, and each client waits 1, 3, 7, 15… seconds to retry.
const BACKLOG: u32 = 4096;

/// Sockets the accept loop takes before letting other tasks run.
const ACCEPT_BATCH: u64 = 256;

/// Listens on `addr` with room for a storm of arrivals.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Raises the open-files soft limit to the hard limit, so accept() does not
/// fail long before `--max-connections`.
pub fn raise_open_files_limit() {
    #[cfg(unix)]
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::info!(open_files = n, "open-files limit raised to the hard limit"),
        Err(e) => tracing::warn!("could not raise the open-files limit: {e}"),
    }
}

/// Accepts until `shutdown`, then lets open HTTP exchanges finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let http = TaskTracker::new();
    // Accepting is cheap and everything else waits on it: cooperative
    // budgeting would put this loop behind thousands of busy connection
    // tasks in a storm, while the kernel's queue overflows. It yields on its
    // own terms instead (every ACCEPT_BATCH sockets), so a flood of sockets
    // cannot hold a worker thread either.
    tokio::task::unconstrained(accept(listener, router, Arc::new(limits), &http, shutdown)).await;
    http.close();
    let _ = tokio::time::timeout(Duration::from_secs(5), http.wait()).await;
    Ok(())
}

async fn accept(
    listener: TcpListener,
    router: Router,
    limits: Arc<Limits>,
    http: &TaskTracker,
    shutdown: CancellationToken,
) {
    for accepted in 1u64.. {
        if accepted % ACCEPT_BATCH == 0 {
            tokio::task::yield_now().await;
        }
        let (tcp, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before
                    // accept: not fatal; back off so the loop does not spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let Some(counted) = admit(&limits, tcp, peer) else { continue };
        let (timeout, stop, router, tls) =
            (limits.header_timeout, shutdown.clone(), router.clone(), limits.tls.clone());
        http.spawn(async move {
            let Some(tls) = tls else {
                return serve_http(TokioIo::new(counted), router, peer, timeout, stop).await;
            };
            match tokio::time::timeout(timeout, tls.acceptor().accept(counted)).await {
                Ok(Ok(stream)) => serve_http(TokioIo::new(stream), router, peer, timeout, stop).await,
                Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake not finished in time"),
            }
        });
    }
}

/// One HTTP/1.1 connection (upgradable to a WebSocket) until it ends or the
/// server stops.
async fn serve_http<I>(io: I, router: Router, peer: SocketAddr, timeout: Duration, stop: CancellationToken)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = tower::ServiceExt::map_request(router, move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeout).keep_alive(true);
    let conn = builder.serve_connection(io, hyper_util::service::TowerToHyperService::new(svc)).with_upgrades();
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res { tracing::debug!(%peer, "HTTP connection ended: {e}") }
        }
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

/// Counts a new socket in, or answers it with 503/429 and closes it.
fn admit(limits: &Arc<Limits>, tcp: TcpStream, peer: SocketAddr) -> Option<Counted> {
    let open = limits.open.fetch_add(1, Relaxed);
    let guard = OpenGuard(limits.open.clone());
    if open as usize >= limits.max_sockets {
        refuse(tcp, "503 Service Unavailable", "the server is at its connection limit; try again shortly");
        return None;
    }
    let ip = canonical(peer.ip());
    // A trusted proxy carries many clients; they are counted at the
    // upgrade, by the address it forwards.
    let slot = if limits.proxies.trusts(ip) {
        None
    } else {
        match limits.per_ip.acquire(ip) {
            Some(slot) => slot,
            None => {
                refuse(tcp, "429 Too Many Requests", "too many connections from your address");
                return None;
            }
        }
    };
    Some(Counted { io: tcp, _slot: slot, _open: guard })
}

/// Writes a minimal HTTP error and closes, without holding up the accept loop.
fn refuse(mut tcp: TcpStream, status: &'static str, why: &'static str) {
    tracing::debug!(peer = ?tcp.peer_addr().ok(), "refused a connection: {why}");
    tokio::spawn(async move {
        let body = format!("{why}\n");
        let res = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 10\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = tcp.write_all(res.as_bytes()).await;
            let _ = tcp.shutdown().await;
        })
        .await;
    });
}

struct OpenGuard(Arc<AtomicU64>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// A socket that holds its slots until it is dropped — by hyper, or by the
/// WebSocket it was upgraded to.
struct Counted {
    io: TcpStream,
    _slot: Option<ConnSlot>,
    _open: OpenGuard,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
