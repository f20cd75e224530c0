//! The call store: everything the UI shows, as plain data, and every way it
//! can change, as an [`Action`]. Pure Rust (no web-sys), so `cargo test` runs
//! every transition natively.
//!
//! Side effects are data too: a transition that needs the outside world
//! (send a message, open the camera, close the peer connection) appends an
//! [`Effect`] with a sequence number; the agent component executes effects it
//! has not seen yet. Decisions therefore live here, testable, and the agent
//! only carries them out.

mod effects;
mod phase;
mod reduce;
mod users;

pub use effects::{Effect, Effects};
pub use phase::{CallPhase, ConnectionState, LocalMediaIssue, MediaFlags, Notice};
pub use users::Users;

use duet_protocol::{IceServer, ServerMessage};

/// A chat line in the lobby.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    pub from: String,
    pub text: String,
}

/// How many lobby chat lines are kept.
pub const CHAT_HISTORY: usize = 200;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallState {
    pub connection: ConnectionState,
    /// Our registered name once logged in.
    pub me: Option<String>,
    pub users: Users,
    pub call: CallPhase,
    pub media: MediaFlags,
    pub chat: Vec<ChatLine>,
    /// The latest status to announce (busy, declined, call ended…).
    pub notice: Option<Notice>,
    pub ice_servers: Vec<IceServer>,
    /// The server speaks Duet's additions (it sent `welcome`).
    pub duet_server: bool,
    /// Connect through the TURN relay only, so the peer never learns our address.
    pub relay_only: bool,
    /// Bumped by each ICE disconnection so a stale grace timer is ignored.
    pub ice_generation: u64,
    pub effects: Effects,
}

/// Everything that can happen: the user's commands and the agent's reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // ---- from the views ----
    /// Log in under this name (the agent connects first).
    Login(String),
    /// Ring this user.
    Call(String),
    /// Cancel our outgoing call while it rings.
    Cancel,
    Accept,
    Decline,
    HangUp,
    ToggleMic,
    ToggleCamera,
    SendChat(String),
    DismissNotice,
    /// The "Relay only" privacy setting (also restored from storage at start).
    SetRelayOnly(bool),

    // ---- from the agent ----
    /// The signaling socket is open.
    SocketOpen,
    /// The signaling socket closed (or could not open).
    SocketClosed {
        reason: String,
    },
    /// A message from the signaling server.
    Server(ServerMessage),
    /// The peer connection reached `connected`.
    PeerConnected,
    /// ICE is `disconnected`: maybe a blip, maybe the end.
    PeerDisconnected,
    /// ICE or the peer connection `failed`.
    PeerFailed,
    /// The grace period after a disconnection ran out.
    GraceExpired {
        generation: u64,
    },
    /// The call did not connect within the setup time.
    ConnectTimeout {
        generation: u64,
    },
    /// The ring for this peer ran out unanswered.
    RingTimeout {
        peer: String,
    },
    /// The first remote track arrived.
    RemoteMedia,
    /// Camera/microphone trouble; the call goes on with what there is.
    LocalMedia(LocalMediaIssue),
    /// Something in the agent broke the call (e.g. the SDP was refused).
    CallError(String),
}

impl CallState {
    pub fn is_logged_in(&self) -> bool {
        self.me.is_some() && self.connection == ConnectionState::LoggedIn
    }

    /// The user we are calling, being called by, or talking to.
    pub fn peer(&self) -> Option<&str> {
        self.call.peer()
    }

    /// Applies `action` and returns the next state (effects appended).
    pub fn reduce(mut self, action: Action) -> Self {
        reduce::apply(&mut self, action);
        self
    }
}

#[cfg(test)]
mod tests;
