//! A connection's send queue as the hub sees it: frames go in without
//! waiting, so a slow client can never stall the hub, and the queue is
//! bounded in bytes, not frames.
//!
//! Lobby chat is the one thing a slow reader may lose: it has a budget of
//! its own within the queue, and chat over it is dropped (counted in
//! `duet_chat_dropped_total`) instead of filling the queue. Everything else —
//! call signaling, presence, errors — is never dropped: a client that lets
//! it pile up past the byte bound is too slow and is disconnected (its
//! session is held for a resume, like a lost network). Chat can therefore
//! never push a call's signaling out, and a stalled reader costs at most the
//! bound.

use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc, Mutex,
    },
};

use axum::extract::ws::Utf8Bytes;
use duet_protocol::ServerMessage;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// A serialized message, shared by every recipient of a fan-out: a clone
/// is a reference count, and the socket writes these very bytes (no copy
/// per recipient).
pub type Frame = Utf8Bytes;

/// What may happen to a frame when its reader falls behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Dropped when the reader's chat budget is used up.
    Chat,
    /// Never dropped; its reader is disconnected instead.
    Essential,
}

/// The sending half of one connection's queue.
#[derive(Debug, Clone)]
pub struct Outbox {
    shared: Arc<Shared>,
}

/// The connection's end: what to write next.
#[derive(Debug)]
pub struct Inbox {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Notify,
    /// Most bytes queued in all; one frame larger than this still fits an empty queue.
    max_bytes: usize,
    /// Most bytes of lobby chat queued.
    max_chat_bytes: usize,
    /// Cancelled when the client falls so far behind that its queue is full.
    too_slow: CancellationToken,
    /// Cancelled when another connection takes this one's place (a resume,
    /// the name's owner returning): what is queued still goes out first.
    displaced: CancellationToken,
    /// How many frames the client has sent (a pong included), and a way to
    /// make the connection ping it: a resume of a live session asks. A count,
    /// not a time: a pong on loopback comes back within the millisecond.
    heard: AtomicU64,
    probe: Notify,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<(Frame, Class)>,
    bytes: usize,
    chat_bytes: usize,
}

impl Outbox {
    /// A queue of at most `max_bytes`, a quarter of it for lobby chat.
    pub fn new(max_bytes: usize) -> (Outbox, Inbox) {
        let shared = Arc::new(Shared {
            queue: Mutex::default(),
            ready: Notify::new(),
            max_bytes,
            max_chat_bytes: max_bytes / 4,
            too_slow: CancellationToken::new(),
            displaced: CancellationToken::new(),
            heard: AtomicU64::new(0),
            probe: Notify::new(),
        });
        (Outbox { shared: shared.clone() }, Inbox { shared })
    }

    /// Ends the connection after what is queued for it (it closes as displaced).
    pub fn close(&self) {
        self.shared.displaced.cancel();
    }

    /// Cancelled once [`Outbox::close`] was called.
    pub fn displaced(&self) -> CancellationToken {
        self.shared.displaced.clone()
    }

    /// Cancelled once the reader let its queue fill.
    pub fn too_slow(&self) -> CancellationToken {
        self.shared.too_slow.clone()
    }

    /// How many frames the client has sent so far.
    pub fn heard(&self) -> u64 {
        self.shared.heard.load(Relaxed)
    }

    /// Asks the connection to ping its client now.
    pub fn probe(&self) {
        self.shared.probe.notify_one();
    }

    /// Queues a frame that must not be lost.
    pub fn push(&self, frame: &Frame, metrics: &Metrics) {
        self.push_as(frame, Class::Essential, metrics);
    }

    /// Queues lobby chat, which a reader that is behind does without.
    pub fn push_chat(&self, frame: &Frame, metrics: &Metrics) {
        self.push_as(frame, Class::Chat, metrics);
    }

    fn push_as(&self, frame: &Frame, class: Class, metrics: &Metrics) {
        let s = &self.shared;
        if s.too_slow.is_cancelled() {
            return;
        }
        let len = frame.len();
        let mut q = s.queue.lock().unwrap_or_else(|p| p.into_inner());
        let fits = q.frames.is_empty() || q.bytes + len <= s.max_bytes;
        match class {
            Class::Chat if !fits || q.chat_bytes + len > s.max_chat_bytes => {
                metrics.chat_dropped_total.fetch_add(1, Relaxed);
                return;
            }
            Class::Essential if !fits => {
                drop(q);
                metrics.slow_consumers_total.fetch_add(1, Relaxed);
                s.too_slow.cancel();
                return;
            }
            Class::Chat => q.chat_bytes += len,
            Class::Essential => {}
        }
        q.bytes += len;
        q.frames.push_back((frame.clone(), class));
        drop(q);
        s.ready.notify_one();
    }
}

impl Inbox {
    /// The next frame to write, waiting for one.
    pub async fn recv(&mut self) -> Frame {
        loop {
            if let Some(f) = self.try_recv() {
                return f;
            }
            // A push between the check and here leaves a permit: no lost wake-up.
            self.shared.ready.notified().await;
        }
    }

    /// The next frame to write, if one is queued.
    pub fn try_recv(&mut self) -> Option<Frame> {
        let mut q = self.shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        let (frame, class) = q.frames.pop_front()?;
        q.bytes -= frame.len();
        if class == Class::Chat {
            q.chat_bytes -= frame.len();
        }
        Some(frame)
    }

    /// The connection's side of liveness checks.
    pub fn liveness(&self) -> Liveness {
        Liveness { shared: self.shared.clone() }
    }

    /// Bytes queued now.
    pub fn queued_bytes(&self) -> usize {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

/// The connection's side of liveness checks: it marks its client heard, and
/// is told when a resume of its session wants the client pinged.
#[derive(Debug, Clone)]
pub struct Liveness {
    shared: Arc<Shared>,
}

impl Liveness {
    /// The client was heard from (any frame, a pong included).
    pub fn heard(&self) {
        self.shared.heard.fetch_add(1, Relaxed);
    }

    /// Resolves when a resume asks this connection to ping its client.
    pub async fn probed(&self) {
        self.shared.probe.notified().await
    }
}

/// Serializes `m` once, to be shared by every recipient.
pub fn frame(m: &ServerMessage) -> Frame {
    Utf8Bytes::from(m.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: usize) -> Frame {
        Frame::from("x".repeat(n))
    }

    #[test]
    fn a_reader_behind_loses_chat_and_keeps_everything_else() {
        let m = Metrics::default();
        let (out, mut inbox) = Outbox::new(4000);
        for _ in 0..20 {
            out.push_chat(&f(100), &m);
        }
        assert_eq!(inbox.queued_bytes(), 1000, "chat stops at its quarter");
        assert_eq!(m.chat_dropped_total.load(Relaxed), 10);
        out.push(&f(2900), &m);
        assert!(!out.too_slow().is_cancelled(), "signaling still fits beside the chat");
        out.push_chat(&f(50), &m);
        assert_eq!(m.chat_dropped_total.load(Relaxed), 11, "chat that does not fit is dropped");
        assert_eq!(inbox.try_recv().unwrap().len(), 100, "in the order queued");
        out.push(&f(300), &m);
        assert!(out.too_slow().is_cancelled(), "signaling that does not fit ends the connection");
        assert_eq!(m.slow_consumers_total.load(Relaxed), 1);
    }

    #[test]
    fn one_frame_larger_than_the_bound_fits_an_empty_queue() {
        let m = Metrics::default();
        let (out, mut inbox) = Outbox::new(1000);
        out.push(&f(5000), &m);
        assert!(!out.too_slow().is_cancelled(), "a long user list still reaches a reader that keeps up");
        assert_eq!(inbox.try_recv().unwrap().len(), 5000);
        assert_eq!(inbox.queued_bytes(), 0);
    }
}
