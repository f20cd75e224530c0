//! Data saver: our cap and the partner's request, restated to the agent
//! whenever either changes, and the "turn off video" offer after a poor
//! stretch.

use super::super::{CallEffect, CallPhase, CallState, Effect, Msg, Notice, Quality};

/// The "Data saver" switch.
pub(super) fn set(s: &mut CallState, on: bool) {
    if s.data_saver != on {
        s.data_saver = on;
        s.effects.push(Effect::RememberDataSaver(on));
        if s.call.is_in_call() && s.peer_chat.ready {
            s.effects.push(CallEffect::TellPeerDataSaver(on));
        }
        limit_video(s);
    }
}

/// The partner's data saver asks us to cap what we send.
pub(super) fn partner_asks(s: &mut CallState, on: bool) {
    if s.call.is_in_call() && s.peer_data_saver != on {
        s.peer_data_saver = on;
        limit_video(s);
    }
}

/// Our video's cap in a connected call: on while either side's data saver
/// is (the agent applies it idempotently, so it is restated freely).
pub(super) fn limit_video(s: &mut CallState) {
    if matches!(s.call, CallPhase::InCall { connected: true, .. }) {
        s.effects.push(CallEffect::LimitVideo(s.data_saver || s.peer_data_saver));
    }
}

/// How long the quality must read Poor before "turn off video" is offered.
const POOR_FOR_MS: f64 = 10_000.0;

/// After a while of Poor quality with our camera on, offer (once a call) to
/// turn video off and keep talking; the camera button brings it back.
pub(super) fn offer_audio_only(s: &mut CallState, quality: Quality, at_ms: f64) {
    if quality != Quality::Poor || !s.media.camera_on || s.sharing_screen {
        s.poor_since_ms = None;
        return;
    }
    let since = *s.poor_since_ms.get_or_insert(at_ms);
    if at_ms - since >= POOR_FOR_MS && !s.offered_audio_only {
        s.offered_audio_only = true;
        s.notice = Some(Notice::error(Msg::PoorConnection));
    }
}
