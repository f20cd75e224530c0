//! What the browser must offer for Duet to work at all.

/// A capability this browser (or this page's address) lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lack {
    /// The page is plain http on a name other than localhost: browsers keep
    /// the camera, the microphone and more from such pages.
    SecureContext,
    /// No `navigator.mediaDevices` on a secure page (some in-app browsers).
    MediaDevices,
    /// No `RTCPeerConnection` (old or stripped-down browsers).
    PeerConnection,
}
