//! A connection's bounded queue as the hub sees it: frames go in with
//! `try_send`, so a slow client can never stall the hub.

use std::sync::{atomic::Ordering::Relaxed, Arc};

use duet_protocol::ServerMessage;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// A serialized message, shared by every recipient of a fan-out.
pub type Frame = Arc<str>;

/// The sending half of one connection's bounded queue.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Frame>,
    /// Cancelled when the client falls so far behind that its queue is full.
    too_slow: CancellationToken,
    /// Cancelled when another connection takes this one's place (a resume,
    /// the name's owner returning): what is queued still goes out first.
    displaced: CancellationToken,
}

impl Outbox {
    pub fn new(tx: mpsc::Sender<Frame>, too_slow: CancellationToken) -> Self {
        Outbox { tx, too_slow, displaced: CancellationToken::new() }
    }

    /// Ends the connection after what is queued for it (it closes as displaced).
    pub fn close(&self) {
        self.displaced.cancel();
    }

    /// Cancelled once [`Outbox::close`] was called.
    pub fn displaced(&self) -> CancellationToken {
        self.displaced.clone()
    }

    pub fn push(&self, frame: &Frame, metrics: &Metrics) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(frame.clone()) {
            if !self.too_slow.is_cancelled() {
                metrics.slow_consumers_total.fetch_add(1, Relaxed);
                self.too_slow.cancel();
            }
        }
    }
}

/// Serializes `m` once, to be shared by every recipient.
pub fn frame(m: &ServerMessage) -> Frame {
    Arc::from(m.to_json())
}
