//! Work the store asks the agent to do.

use duet_protocol::{ClientMessage, IceCandidate, SessionDescription};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Open the signaling WebSocket (login follows on its `id`), replacing
    /// any earlier one, offering `credential` to a server that needs one.
    Connect {
        credential: Option<super::Credential>,
    },
    /// Close the signaling connection (the server frees our name).
    Disconnect,
    /// Remember this credential for the next visit (`None`: forget it).
    RememberCredential(Option<super::Credential>),
    /// Wait, then report [`super::Action::Reconnect`] (the agent adds the
    /// jitter: see [`super::reconnect_delay_ms`]).
    ScheduleReconnect {
        attempt: u32,
    },
    /// Send a message to the signaling server.
    Send(ClientMessage),
    /// Close the peer connection, stop every local track, clear the videos.
    EndCall,
    /// Remember whether single-key shortcuts are on.
    RememberShortcuts(bool),
    /// Remember the relay-only setting for the next visit.
    RememberRelayOnly(bool),
    /// Remember the "connect while it rings" setting (`true`: off).
    RememberConnectAfterAccept(bool),
    /// Give up on a call that has not connected in time.
    StartConnectTimer {
        generation: u64,
    },
    /// Start (or restart) the ring timer for `peer`.
    StartRingTimer {
        peer: String,
    },
    /// Start the grace timer after an ICE disconnection.
    StartGraceTimer {
        generation: u64,
    },
    /// Use this device from now on: switch the live track if there is one
    /// (without renegotiating).
    UseDevice {
        kind: super::DeviceKind,
        id: Option<String>,
    },
    /// Keep the user's choice for the next visit (a device that is merely
    /// unplugged for now is not forgotten).
    RememberDevice {
        kind: super::DeviceKind,
        id: Option<String>,
    },
    /// A call ended this way: the agent adds when and how long it was
    /// connected and reports it back as `Action::CallRecorded`.
    RecordCall {
        peer: String,
        outgoing: bool,
        outcome: super::Outcome,
    },
    /// Keep the recent calls (all of them, newest first) for the next visit.
    SaveHistory(Vec<super::CallRecord>),
    /// Give the partner's app a few seconds to say it shows the recording.
    StartRecordingAckTimer,
    /// Switch to the waiting new version of the app (the page reloads).
    ApplyUpdate,
    /// Ask the browser's permission to show notifications.
    AskNotifyPermission,
    /// Remember whether call notifications are on.
    RememberNotifyCalls(bool),
    /// Remember the data saver for the next visit.
    RememberDataSaver(bool),
    /// Reopen a live microphone with the store's processing switches.
    ReopenMicrophone,
    /// Keep the microphone's processing switches for the next visit.
    RememberAudioProcessing(super::AudioProcessing),
    /// Open (and keep for the next call) or release the lobby's preview.
    DeviceCheck(bool),
    /// Open the camera and microphone while the phone rings, so accepting
    /// does not wait for them.
    PrepareMedia,
    /// Mark the page as being in `lang`, and remember it if the user chose it.
    UseLang {
        lang: super::Lang,
        remember: bool,
    },
    /// Show the page in `theme`, and remember it if the user chose it.
    UseTheme {
        theme: super::Theme,
        remember: bool,
    },
    /// Browser display modes; their state lives in the browser, not here.
    TogglePictureInPicture,
    ToggleFullscreen,
    /// The call's own work (camera, connection, tracks, its data channel,
    /// recording): in release builds its code comes with the call's
    /// chunk, fetched apart from the first load (the agent's `call_code`).
    Call(CallEffect),
}

/// The call's own effects (see [`Effect::Call`]).
#[derive(Debug, Clone, PartialEq)]
pub enum CallEffect {
    /// Open camera/mic, create the peer connection and send an offer to `peer`.
    StartCall { peer: String, polite: bool },
    /// Open camera/mic, answer `offer` from `peer`, replacing any connection
    /// of our own (the glare case).
    Answer { peer: String, offer: SessionDescription, polite: bool },
    /// Answer `offer` while it still rings, so the connection comes up
    /// before the user decides. Nothing is sent on it (and no camera opened
    /// for it) until [`CallEffect::SendMedia`].
    PreAnswer { peer: String, offer: SessionDescription, polite: bool },
    /// The call is accepted: put our camera and microphone on the
    /// connection (without renegotiating); until now it carried nothing.
    SendMedia,
    /// Apply an offer from the peer of the current call (renegotiation).
    RemoteOffer(SessionDescription),
    /// Apply the peer's answer to our offer.
    RemoteAnswer(SessionDescription),
    /// Add a trickled candidate (the agent buffers it until the remote
    /// description is set).
    RemoteCandidate(IceCandidate),
    /// Enable or disable the local microphone/camera tracks.
    SetTracks { audio: bool, video: bool },
    /// The ICE servers changed (fresh TURN credentials): the call in
    /// progress uses the state's from now on (for ICE restarts).
    RefreshIceServers,
    /// Restart ICE (new candidates, renegotiated) to recover the media path.
    RestartIce,
    /// Send a line over the call's data channel.
    SendPeerChat(String),
    /// Ask for a screen and send it instead of the camera.
    StartShare,
    /// Send the camera again.
    StopShare,
    /// Cap the video we send (360p, ~150 kbit/s) or lift the cap.
    LimitVideo(bool),
    /// Tell the partner our data saver is on or off (over the data channel).
    TellPeerDataSaver(bool),
    /// Record the call (both voices and the partner's video) to a file
    /// named after the partner and the time.
    StartRecording { peer: String },
    /// Stop recording and save the file.
    StopRecording,
    /// Tell the partner their recording is shown here.
    AckPeerRecording,
    /// Tell the partner we started or stopped recording (data channel).
    TellPeerRecording(bool),
}

impl CallEffect {
    /// Whether this only changes a connection that exists (so, before the
    /// call's code was ever fetched, there is nothing for it to change).
    pub fn only_changes_a_connection(&self) -> bool {
        match self {
            CallEffect::SetTracks { .. }
            | CallEffect::RefreshIceServers
            | CallEffect::RestartIce
            | CallEffect::SendPeerChat(_)
            | CallEffect::LimitVideo(_)
            | CallEffect::TellPeerDataSaver(_)
            | CallEffect::StopShare
            | CallEffect::StopRecording
            | CallEffect::AckPeerRecording
            | CallEffect::TellPeerRecording(_) => true,
            CallEffect::StartCall { .. }
            | CallEffect::Answer { .. }
            | CallEffect::PreAnswer { .. }
            | CallEffect::SendMedia
            | CallEffect::RemoteOffer(_)
            | CallEffect::RemoteAnswer(_)
            | CallEffect::RemoteCandidate(_)
            | CallEffect::StartShare
            | CallEffect::StartRecording { .. } => false,
        }
    }
}

impl From<CallEffect> for Effect {
    fn from(c: CallEffect) -> Effect {
        Effect::Call(c)
    }
}

/// The effects an action asked for, sequence-numbered. The runtime takes
/// them after every action ([`Effects::drain`]) and runs them at once, so
/// nothing waits for a render and nothing is dropped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Effects {
    next_seq: u64,
    queue: Vec<(u64, Effect)>,
}

impl Effects {
    pub fn push(&mut self, e: impl Into<Effect>) {
        self.next_seq += 1;
        self.queue.push((self.next_seq, e.into()));
    }

    /// Takes every effect not yet taken, oldest first.
    pub fn drain(&mut self) -> Vec<Effect> {
        self.queue.drain(..).map(|(_, e)| e).collect()
    }

    /// The newest sequence number (0 if none yet).
    pub fn last_seq(&self) -> u64 {
        self.next_seq
    }

    /// Effects with a sequence number above `seen`, oldest first.
    pub fn since(&self, seen: u64) -> impl Iterator<Item = &(u64, Effect)> {
        self.queue.iter().filter(move |(s, _)| *s > seen)
    }

    /// Every effect still queued (tests read this).
    pub fn all(&self) -> Vec<Effect> {
        self.queue.iter().map(|(_, e)| e.clone()).collect()
    }
}
