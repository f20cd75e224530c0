//! Announcements the store makes (the status line), as data: the store says
//! what happened, `i18n` says it in each language, and a new one cannot be
//! added without both languages saying it (the renderers match exhaustively).

use duet_protocol::ErrorCode;

use super::{AccessRefusal, DeviceKind, LocalMediaIssue};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    // ---- logging in and the server ----
    NameEmpty,
    NameTooLong(usize),
    NameControlCharacter,
    /// The name asked for was taken; the second is the one given.
    NameTaken {
        requested: String,
        given: String,
    },
    /// Something the server refused; `text` is its own (English) explanation.
    Server {
        code: ErrorCode,
        text: String,
    },
    CouldNotReach(String),
    /// The server's access control refused us (or wants a credential).
    Access(AccessRefusal),
    LostServer(String),
    Reconnecting(String),
    CouldNotReconnect(String),
    Reconnected,
    RenamedOnReconnect(String),
    CallLostOnRename(String),
    CallLostWithServer(String),

    // ---- placing and ending calls (the name is the other person's) ----
    CannotCallYourself,
    NotOnline(String),
    Busy(String),
    Cancelled(String),
    YouDeclined(String),
    Declined(String),
    NoAnswer(String),
    MissedCall(String),
    CallEnded(String),
    HungUp(String),
    WentOffline(String),
    ConnectionLost(String),
    /// The recording could not be made (the browser's reason).
    RecordingFailed(String),
    /// The recording has the partner's voice and video but not ours.
    RecordingWithoutYourVoice(String),
    /// The partner's app cannot show that we record: so we do not.
    RecordingNotShown(String),
    /// The partner started recording (said aloud to screen readers too).
    PeerRecording(String),
    /// Notifications were asked for and the browser (or the person) refused.
    NotificationsBlocked,
    /// The call's quality has read Poor for a while: video off may save it.
    PoorConnection,
    /// The partner's app could not set up or keep its side of the call.
    PeerAppFailed(String),
    FailedThroughRelay(String),
    FailedWithoutRelay(String),
    CallStartFailed(String),
    /// The call's code (a part of the app fetched apart) did not arrive.
    CallCouldNotLoad,
    AnswerFailed(String),
    SetupFailed(String),

    // ---- media ----
    Media(LocalMediaIssue),
    DeviceUnplugged(DeviceKind),
    SwitchFailed(String),
    ShareCancelled,
    ShareFailed(String),
    ChatTooLong(usize),
}
