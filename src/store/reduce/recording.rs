//! Recording with consent: asked of the partner's app first, started only
//! once it says it shows it, and stopped (the file saved) however it ends.

use super::super::{CallEffect, CallPhase, CallState, Effect, Msg, Notice};

/// "Record" / "Stop recording" (or cancel an ask not answered yet).
pub(super) fn toggle(s: &mut CallState) {
    if s.recording {
        return stop(s);
    }
    if s.recording_asked {
        s.recording_asked = false;
        return s.effects.push(CallEffect::TellPeerRecording(false));
    }
    // Only once the partner's app says it shows it (their data channel
    // carries the answer), so nobody is recorded unawares.
    if matches!(s.call, CallPhase::InCall { connected: true, .. }) && s.peer_chat.ready {
        s.recording_asked = true;
        s.effects.push(CallEffect::TellPeerRecording(true));
        s.effects.push(Effect::StartRecordingAckTimer);
    }
}

/// The partner's app shows that we record: the recording starts.
pub(super) fn partner_shows_it(s: &mut CallState) {
    if let (true, Some(peer)) = (s.recording_asked, s.call.peer().map(str::to_owned)) {
        s.recording_asked = false;
        s.recording = true;
        s.saved_recording = None;
        s.effects.push(CallEffect::StartRecording { peer });
    }
}

/// The partner's app never said it shows it: nothing is recorded.
pub(super) fn partner_never_answered(s: &mut CallState) {
    if let (true, Some(peer)) = (std::mem::take(&mut s.recording_asked), s.call.peer().map(str::to_owned)) {
        s.effects.push(CallEffect::TellPeerRecording(false));
        s.notice = Some(Notice::error(Msg::RecordingNotShown(peer)));
    }
}

/// The recording ended by itself (or could not start).
pub(super) fn stopped(s: &mut CallState, why: Option<Msg>) {
    if std::mem::take(&mut s.recording) {
        s.effects.push(CallEffect::TellPeerRecording(false));
    }
    if let Some(msg) = why {
        s.notice = Some(Notice::error(msg));
    }
}

/// The recording goes on without our voice: we are told, it is not hidden.
pub(super) fn without_your_voice(s: &mut CallState) {
    if let (true, Some(peer)) = (s.recording, s.call.peer()) {
        s.notice = Some(Notice::info(Msg::RecordingWithoutYourVoice(peer.to_owned())));
    }
}

/// The partner started or stopped recording.
pub(super) fn partner_records(s: &mut CallState, on: bool) {
    let on = on && s.call.is_in_call();
    if on {
        // Shown, and said: the status line is read aloud.
        s.effects.push(CallEffect::AckPeerRecording);
        if let Some(peer) = s.call.peer() {
            s.notice = Some(Notice::info(Msg::PeerRecording(peer.to_owned())));
        }
    }
    s.peer_recording = on;
}

fn stop(s: &mut CallState) {
    if std::mem::take(&mut s.recording) {
        s.effects.push(CallEffect::StopRecording);
        s.effects.push(CallEffect::TellPeerRecording(false));
    }
}
