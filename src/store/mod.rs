//! The call store: everything the UI shows, as plain data, and every way it
//! can change, as an [`Action`]. Pure Rust (no web-sys), so `cargo test` runs
//! every transition natively.
//!
//! Side effects are data too: a transition that needs the outside world
//! (send a message, open the camera, close the peer connection) appends an
//! [`Effect`] with a sequence number; the agent component executes effects it
//! has not seen yet. Decisions therefore live here, testable, and the agent
//! only carries them out.

mod access;
mod browser;
mod devices;
mod directory;
mod effects;
mod history;
mod lang;
mod msg;
mod phase;
mod reduce;
pub mod safety;
pub mod shortcuts;
mod stats;
mod theme;
mod users;
mod wire;

pub use access::{AccessRefusal, Credential};
pub use browser::Lack;
pub use devices::{AudioProcessing, AudioSwitch, Device, DeviceKind, Devices};
pub use directory::{request_for, Directory, RowRequest};
pub use duet_protocol::search::name_matches;
pub use effects::{CallEffect, Effect, Effects};
pub use history::{decode as decode_history, encode as encode_history, CallRecord, Outcome, HISTORY_KEEP};
pub use lang::Lang;
pub use msg::Msg;
pub use phase::{CallPhase, ConnectionState, LocalMediaIssue, MediaFlags, Notice};
pub use safety::{SafetyNumber, Unverifiable};
pub use stats::{format_duration, CallStats, Quality, StatsSample, VideoFormat};
pub use theme::Theme;
pub use users::Users;
pub use wire::{to_peer, ToPeer};

use duet_protocol::{IceServer, ServerMessage, UserStatus};

/// A chat line in the lobby.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    pub from: String,
    pub text: String,
}

/// How many chat lines are kept (lobby and in-call each).
pub const CHAT_HISTORY: usize = 200;

/// How many ICE restarts one interruption may use before the call is given up.
pub const MAX_ICE_RESTARTS: u32 = 2;

/// Reconnect attempts before the session is given up (about a minute).
pub const MAX_RECONNECTS: u32 = 8;

/// The wait before reconnect `attempt` (from 1): exponential from 1 s,
/// capped at 16 s, with jitter (`random` in 0..1) over its upper half, so
/// clients dropped together by a server restart do not return together.
pub fn reconnect_delay_ms(attempt: u32, random: f64) -> u32 {
    let base = 1000u32.saturating_mul(1 << attempt.clamp(1, 5).saturating_sub(1)).min(16_000);
    base / 2 + (f64::from(base / 2) * random.clamp(0.0, 1.0)) as u32
}

/// The in-call chat: peer to peer over an RTCDataChannel, never the server.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeerChat {
    pub lines: Vec<ChatLine>,
    /// The panel is showing (so new lines are read as they come).
    pub open: bool,
    pub unread: u32,
    /// The data channel is open.
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallState {
    pub connection: ConnectionState,
    /// Our registered name once logged in.
    pub me: Option<String>,
    /// Statuses of the people the app knows of: everyone when the server
    /// sends the whole list, else the names it follows (`watching`).
    pub users: Users,
    /// The lobby's rows, when the server keeps the list (protocol 2).
    pub directory: Option<Directory>,
    /// The rows last asked of the server, asked again after a new login.
    pub rows_asked: RowRequest,
    /// The names whose presence the server was asked to follow.
    pub watching: Vec<String>,
    /// This login's first `directory` came: the rows and names asked of an
    /// earlier login were asked again.
    pub directory_synced: bool,
    pub call: CallPhase,
    pub media: MediaFlags,
    pub chat: Vec<ChatLine>,
    pub peer_chat: PeerChat,
    /// Derived from the last two stats samples of the current call.
    pub stats: Option<CallStats>,
    last_sample: Option<StatsSample>,
    /// The stats panel is open (the quality indicator always shows).
    pub show_stats: bool,
    /// The device pickers are open beside the call.
    pub show_devices: bool,
    /// We are recording this call (the partner is told and sees it).
    pub recording: bool,
    /// "Record" was pressed: waiting for the partner's app to say it shows
    /// it, before anything is recorded.
    pub recording_asked: bool,
    /// The partner is recording this call.
    pub peer_recording: bool,
    /// The last recording's file (blob URL, file name), to save again if
    /// the browser held back its download (one not started by a click).
    pub saved_recording: Option<(String, String)>,
    /// The browser says it has no network.
    pub offline: bool,
    /// A new version of the app is installed and waits for a reload.
    pub update_ready: bool,
    /// System notifications for calls that ring while the tab is hidden, and
    /// for missed ones (the browser granted it; remembered).
    pub notify_calls: bool,
    /// "Data saver": our video capped at 360p and about 150 kbit/s, and the
    /// partner asked to send the same (remembered).
    pub data_saver: bool,
    /// The partner's data saver asks us to cap what we send in this call.
    pub peer_data_saver: bool,
    /// Since when (stats clock, ms) the call's quality has read Poor.
    pub poor_since_ms: Option<f64>,
    /// This call was already offered "turn off video" once.
    pub offered_audio_only: bool,
    /// Recent calls, newest first (this browser's; restored at start).
    pub history: Vec<CallRecord>,
    /// The call in progress was placed by us (for its history entry).
    pub call_outgoing: bool,
    /// The "Safety number" panel is open.
    pub show_safety: bool,
    /// Derived once the call's connection is up (cleared when it ends).
    pub safety: Option<SafetyNumber>,
    /// A description of this call named several certificates: no number,
    /// and the panel warns instead.
    pub safety_unverifiable: bool,
    /// Single-key shortcuts are turned off (WCAG 2.1.4: a speech-input user's
    /// words must not set them off).
    pub shortcuts_off: bool,
    /// The keyboard shortcut overlay is open.
    pub show_help: bool,
    /// Our outgoing video is the screen, not the camera.
    pub sharing_screen: bool,
    pub devices: Devices,
    /// The lobby's camera preview and microphone meter are open.
    pub device_check: bool,
    /// ICE restarts spent on the current interruption.
    pub ice_restarts: u32,
    /// From the server's welcome (then `resume-ticket`): proves it is us when we reconnect.
    pub resume_token: Option<String>,
    /// What this browser lacks for calls; when anything, the app explains
    /// instead of offering a login that cannot work.
    pub lacking: Vec<Lack>,
    /// What we offer a server that does not let everyone in.
    pub credential: Option<Credential>,
    /// The server refused our credential (or wanted one): the login form says
    /// why and, for a key, asks for it.
    pub access_refused: Option<AccessRefusal>,
    /// The language of every view and announcement.
    pub lang: Lang,
    pub theme: Theme,
    /// The latest status to announce (busy, declined, call ended…).
    pub notice: Option<Notice>,
    pub ice_servers: Vec<IceServer>,
    /// The server speaks Duet's additions (it sent `welcome`).
    pub duet_server: bool,
    /// Connect through the TURN relay only, so the peer never learns our address.
    pub relay_only: bool,
    /// The user turned off connecting while a call rings: calls connect
    /// only after Accept (slower, but a caller learns no candidates before).
    pub connect_after_accept: bool,
    /// The peer connection came up while the call still rang: it is
    /// connected the moment it is accepted.
    pub ringing_connected: bool,
    /// The page was reloaded in a call: once logged back in, our end of the
    /// call is built anew (a new peer connection, offered to the peer).
    pub rejoining: bool,
    /// Whom to call once logged in: the page was opened on a `/call/<name>`
    /// link. Taken once, so logging in again does not ring them again.
    pub dial: Option<String>,
    /// A login list is arriving in pages (`userlist` with `more`); the
    /// dial waits for its last page.
    pub listing: bool,
    /// Bumped by each ICE disconnection so a stale grace timer is ignored.
    pub ice_generation: u64,
    /// The DTLS fingerprint of the partner's peer connection in this call,
    /// from the last description taken from them. An offer with another one
    /// comes from a new connection: answered without asking only when the
    /// server says it is from the partner's own linked session (a reload);
    /// otherwise it is a new call, and rings.
    pub partner_fingerprint: Option<String>,
    pub effects: Effects,
}

/// Everything that can happen: the user's commands and the agent's reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // ---- from the views ----
    /// Log in under this name (the agent connects first).
    Login(String),
    /// Found at start: the browser cannot make calls from this page.
    BrowserLacks(Vec<Lack>),
    /// The access key the person typed (then they log in).
    EnterKey(String),
    /// A credential found at start: in an invite link's fragment
    /// (`from_link`, to be remembered) or remembered from an earlier visit.
    FoundCredential {
        credential: Credential,
        from_link: bool,
    },
    /// Leave: end any call, close the connection, back to the login form.
    SignOut,
    /// The page was reloaded: log back in as `name` with the `ticket`, and
    /// pick the call with `peer` up again.
    Returned {
        name: String,
        ticket: String,
        peer: Option<String>,
    },
    /// Ring this user.
    Call(String),
    /// The page was opened on a link to call this user: ring them once
    /// logged in.
    OpenedCallLink(String),
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
    /// The "connect while it rings" setting, off when `true` (also restored from storage).
    SetConnectAfterAccept(bool),
    /// Share the screen instead of the camera, or go back to the camera.
    ToggleShare,
    ToggleStats,
    ToggleHelp,
    /// The device pickers beside the call.
    ToggleDevices,
    /// The "Safety number" panel beside the call ("Verify call").
    ToggleSafety,
    /// "Matches": the partner read the same safety number.
    ConfirmSafety,
    /// The "Call notifications" switch: on asks the browser's permission.
    SetNotifyCalls(bool),
    /// The "Data saver" switch (also restored from storage at start).
    SetDataSaver(bool),
    /// The person looked at the recent calls: missed ones are seen.
    SeeMissedCalls,
    /// "Clear history".
    ClearHistory,
    /// Single-key shortcuts on or off (also restored from storage at start).
    TurnShortcuts(bool),
    /// Escape: close the help overlay and the stats panel.
    CloseOverlays,
    TogglePeerChat,
    /// Send a line over the call's data channel.
    SendPeerChat(String),
    /// Use this device (`None`: the system default), now and next time.
    ChooseDevice {
        kind: DeviceKind,
        id: Option<String>,
    },
    /// Turn one of the microphone's processing switches on or off, now and
    /// next time (also restored from storage at start).
    SetAudioProcessing(AudioSwitch, bool),
    /// Open or close the lobby's camera and microphone check.
    ToggleDeviceCheck,
    /// The user picked a language (remembered for the next visit).
    SetLang(Lang),
    /// The person picked light, dark or the system's setting.
    SetTheme(Theme),
    /// The theme picked on an earlier visit.
    RestoredTheme(Theme),
    /// The language found at start (saved choice, else the browser's).
    DetectedLang(Lang),
    /// The remote video in a floating window, or back.
    TogglePictureInPicture,
    ToggleFullscreen,

    // ---- from the agent ----
    // (The socket opening is no news: the server's `id` that follows is.)
    /// The recent calls this browser kept, at start.
    HistoryRestored(Vec<CallRecord>),
    /// The lobby shows these rows of the list (when the server keeps it).
    ShowRows(RowRequest),
    /// A call that ended, timed by the agent (see `Effect::RecordCall`).
    CallRecorded(CallRecord),
    /// The connection is up and its safety number derived (again after a
    /// renegotiation: a new partner certificate gives a new number).
    SafetyNumberFound(String),
    /// The connection is up but a description named several certificates.
    SafetyUnverifiable,
    /// The signaling socket closed (or could not open).
    SocketClosed {
        /// The close code (1006 when it could not open).
        code: u16,
        reason: String,
    },
    /// The wait before the next reconnect attempt is over.
    Reconnect,
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
    CallError(Msg),
    /// A line from the peer over the data channel.
    PeerChatReceived(String),
    /// "Record" / "Stop recording".
    ToggleRecording,
    /// The recording could not start or broke off; the file so far is saved.
    RecordingStopped(Option<Msg>),
    /// The browser's sound mixing never started: the recording goes on
    /// with the partner's voice and video only.
    RecordingWithoutYourVoice,
    /// The partner started or stopped recording.
    PeerRecording(bool),
    /// The partner's app shows that we record: the recording starts.
    PeerSawRecording,
    /// The partner's app never said it shows it: nothing is recorded.
    RecordingAckTimeout,
    /// A recording's file is ready (blob URL, file name).
    RecordingSaved(String, String),
    /// The person closed the "recording saved" note.
    DismissSavedRecording,
    /// The browser went online or offline.
    NetworkOnline(bool),
    /// A new version of the app is ready (its service worker installed).
    UpdateReady,
    /// "Reload": switch to the new version.
    ApplyUpdate,
    /// The browser's answer on notifications (granted or not), also at start.
    NotifyPermission(bool),
    /// The partner turned their data saver on or off.
    PeerDataSaver(bool),
    /// The data channel opened or closed.
    PeerChatReady(bool),
    /// A `getStats()` reading of the current call.
    Stats(StatsSample),
    /// Screen sharing started, or ended (by us or by the browser's own button).
    ScreenShared(bool),
    /// A device switch or screen share did not work; what was there stays.
    MediaProblem(Msg),
    /// The devices present now (at start, and on `devicechange`).
    DevicesFound(Devices),
    /// The peer connection has something to tell the peer (an offer, an
    /// answer, a candidate): sent if the call is still on.
    Signal(ToPeer),
}

impl CallState {
    pub fn is_logged_in(&self) -> bool {
        self.me.is_some() && self.connection == ConnectionState::LoggedIn
    }

    /// Logged in, or reconnecting to stay so: the lobby or call stays on screen.
    pub fn has_session(&self) -> bool {
        self.me.is_some() && matches!(self.connection, ConnectionState::LoggedIn | ConnectionState::Reconnecting { .. })
    }

    /// Whether `name` is online and free, as far as this app knows: from
    /// the whole list, the names it follows or the rows it shows.
    pub fn status_of(&self, name: &str) -> Option<UserStatus> {
        self.users.status(name).or_else(|| self.directory.as_ref()?.status(name))
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
