//! English announcements (the original wording).

use crate::store::{AccessRefusal, DeviceKind, LocalMediaIssue, Msg};

pub fn render(m: &Msg) -> String {
    use Msg::*;
    match m {
        NameEmpty => "The username is empty".into(),
        NameTooLong(max) => format!("The username is longer than {max} characters"),
        NameControlCharacter => "The username contains a control character".into(),
        NameTaken { requested, given } => format!("The name {requested} is taken; you are {given}"),
        Server { text, .. } => capitalize(text),
        CouldNotReach(reason) => format!("Could not reach the server{}.", why(reason)),
        Access(AccessRefusal::KeyRequired) => {
            "This Duet server is private: enter its access key (from the invite link or whoever runs it).".into()
        }
        Access(AccessRefusal::WrongKey) => "That access key is not right. Check it and try again.".into(),
        Access(AccessRefusal::TokenRequired) => {
            "This Duet server signs people in through its own site. Open Duet from there.".into()
        }
        Access(AccessRefusal::BadToken) => {
            "Your sign-in link was not accepted. Open Duet again from the site that sent you.".into()
        }
        Access(AccessRefusal::TokenExpired) => {
            "Your sign-in link has expired. Open Duet again from the site that sent you.".into()
        }
        LostServer(reason) => format!("The connection to the server was lost{}. Log in again to continue.", why(reason)),
        Reconnecting(reason) => format!("The connection to the server was lost{}. Reconnecting…", why(reason)),
        CouldNotReconnect(reason) => {
            format!("Could not reconnect to the server{}. Log in again to continue.", why(reason))
        }
        Reconnected => "Reconnected to the server".into(),
        RenamedOnReconnect(name) => format!("Reconnected; your name is now {name}"),
        CallLostOnRename(name) => format!("Reconnected as {name}; the call had to end"),
        CallLostWithServer(peer) => format!("The call with {peer} was lost with the server"),
        CannotCallYourself => "You cannot call yourself".into(),
        NotOnline(peer) => format!("{peer} is not online"),
        Busy(peer) => format!("{peer} is busy in another call"),
        Cancelled(peer) => format!("Call to {peer} cancelled"),
        YouDeclined(peer) => format!("You declined the call from {peer}"),
        Declined(peer) => format!("{peer} declined the call"),
        NoAnswer(peer) => format!("No answer from {peer}"),
        MissedCall(peer) => format!("Missed call from {peer}"),
        CallEnded(peer) => format!("Call with {peer} ended"),
        HungUp(peer) => format!("{peer} hung up"),
        WentOffline(peer) => format!("{peer} went offline"),
        ConnectionLost(peer) => format!("The connection to {peer} was lost"),
        RecordingNotShown(peer) => format!("{peer}'s app cannot show that you are recording, so nothing was recorded"),
        PeerRecording(peer) => format!("{peer} is recording this call"),
        RecordingFailed(why) => format!("The call could not be recorded: {why}"),
        RecordingWithoutYourVoice(peer) => {
            format!("Recording {peer}'s voice and video only: this browser could not mix in your voice")
        }
        NotificationsBlocked => "Notifications are blocked for this site: allow them in the browser's site settings, then turn them on here.".into(),
        PoorConnection => "The connection is poor. Turn off your video to keep talking? The camera button brings it back.".into(),
        PeerAppFailed(peer) => {
            format!("{peer}'s app could not set up the call. Reloading their page may help.")
        }
        FailedThroughRelay(peer) => format!("The connection to {peer} failed, even through the relay server"),
        FailedWithoutRelay(peer) => format!(
            "The connection to {peer} failed. No TURN relay server is configured, so calls across some networks cannot connect."
        ),
        CallStartFailed(e) => format!("The call could not be started: {e}"),
        CallCouldNotLoad => "The call could not start: part of the app did not load. Check your connection and try again.".into(),
        AnswerFailed(e) => format!("The call could not be answered: {e}"),
        SetupFailed(e) => format!("The call could not be set up: {e}"),
        Media(issue) => media(issue),
        DeviceUnplugged(kind) => match kind {
            DeviceKind::Camera => "The chosen camera was disconnected; using the default camera".into(),
            DeviceKind::Microphone => "The chosen microphone was disconnected; using the default microphone".into(),
            DeviceKind::Speaker => "The chosen speaker was disconnected; using the default speaker".into(),
        },
        SwitchFailed(e) => format!("Could not switch: {e}"),
        ShareCancelled => "Screen sharing was cancelled or is not allowed".into(),
        ShareFailed(e) => format!("Screen sharing did not start: {e}"),
        ChatTooLong(max) => format!("A message can be at most {max} characters"),
    }
}

fn media(issue: &LocalMediaIssue) -> String {
    match issue {
        LocalMediaIssue::PermissionDenied => {
            "Camera and microphone access was denied. You can still see and hear the other person; allow access in the browser's site settings to be seen and heard.".into()
        }
        LocalMediaIssue::NoCamera => "No camera found: the call uses audio only.".into(),
        LocalMediaIssue::NoDevices => {
            "No camera or microphone found: you can see and hear the other person, but they cannot see or hear you.".into()
        }
        LocalMediaIssue::DeviceBusy => {
            "Your camera or microphone is in use by another program. Close it and call again to be seen and heard.".into()
        }
        LocalMediaIssue::InsecureContext => {
            "This page is not served over https, so the browser blocks the camera and microphone.".into()
        }
        LocalMediaIssue::Other(e) => format!("The camera or microphone could not be opened: {e}"),
    }
}

/// The server writes its texts in English: an ASCII first letter is all
/// there is to capitalise (and Unicode's case tables would cost the first
/// load ~20 KB).
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => std::iter::once(f.to_ascii_uppercase()).chain(c).collect(),
        None => String::new(),
    }
}

/// The server's or browser's own reason, in brackets, when there is one
/// worth reading (a bare close code is not).
fn why(reason: &str) -> String {
    if reason.is_empty() || reason.starts_with("code ") {
        String::new()
    } else {
        format!(" ({reason})")
    }
}
