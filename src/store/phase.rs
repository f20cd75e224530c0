//! The parts of the state a view switches on.

use duet_protocol::SessionDescription;

use super::Msg;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnectionState {
    #[default]
    Disconnected,
    /// Socket opening or username sent; `requested` is the name asked for.
    LoggingIn {
        requested: String,
    },
    LoggedIn,
    /// The socket dropped while logged in: the session (and any call) is
    /// kept while the agent reconnects; `attempt` counts from 1.
    Reconnecting {
        attempt: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum CallPhase {
    #[default]
    Idle,
    /// We rang `peer` and wait for an answer.
    Outgoing { peer: String },
    /// `peer` rings us with `offer`; the user decides. `preconnected`: we
    /// answered it at once (the caller asked, and we allow it), so the
    /// connection comes up while it rings and Accept only sends our media.
    Incoming { peer: String, offer: SessionDescription, preconnected: bool },
    /// Accepted (or answered); `connected` once media can flow,
    /// `reconnecting` while ICE is disconnected within its grace period.
    InCall { peer: String, connected: bool, reconnecting: bool },
}

impl CallPhase {
    pub fn peer(&self) -> Option<&str> {
        match self {
            CallPhase::Idle => None,
            CallPhase::Outgoing { peer } | CallPhase::Incoming { peer, .. } | CallPhase::InCall { peer, .. } => {
                Some(peer)
            }
        }
    }

    pub fn is_idle(&self) -> bool {
        matches!(self, CallPhase::Idle)
    }

    /// Ringing out or in a call: the call view (and its shortcuts) is up.
    pub fn shows_call_view(&self) -> bool {
        matches!(self, CallPhase::Outgoing { .. } | CallPhase::InCall { .. })
    }

    /// Accepted (connected or not): what chat, stats and sharing need.
    pub fn is_in_call(&self) -> bool {
        matches!(self, CallPhase::InCall { .. })
    }
}

/// Local and remote microphone/camera state.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaFlags {
    pub mic_on: bool,
    pub camera_on: bool,
    pub remote_mic_on: bool,
    pub remote_camera_on: bool,
    /// A remote track has arrived.
    pub remote_media: bool,
    /// What went wrong opening the camera/microphone, if anything.
    pub local_issue: Option<LocalMediaIssue>,
}

impl Default for MediaFlags {
    fn default() -> Self {
        MediaFlags {
            mic_on: true,
            camera_on: true,
            remote_mic_on: true,
            remote_camera_on: true,
            remote_media: false,
            local_issue: None,
        }
    }
}

/// Why the camera/microphone could not be used as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalMediaIssue {
    /// The user (or policy) refused access; the call is receive-only.
    PermissionDenied,
    /// No camera: the call goes on with audio only.
    NoCamera,
    /// No camera and no microphone: receive-only.
    NoDevices,
    /// The device is used by another program.
    DeviceBusy,
    /// Media needs https (or localhost).
    InsecureContext,
    Other(String),
}

/// A status announcement for the live region; `error` ones are styled as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub msg: Msg,
    pub error: bool,
}

impl Notice {
    pub fn info(msg: Msg) -> Self {
        Notice { msg, error: false }
    }
    pub fn error(msg: Msg) -> Self {
        Notice { msg, error: true }
    }
}
