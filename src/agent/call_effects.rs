//! The call's own effects: what `Agent::run` hands to the call's chunk
//! (call_code.rs), so this code is fetched apart from the first load.

use std::rc::Rc;

use super::{recorder, Agent};
use crate::store::{Action, CallEffect, CallState};

impl Agent {
    /// The call's own effects, which `run_here` hands back: their code is
    /// in the call's chunk in release builds (call_code.rs).
    pub(super) fn run_call(self: &Rc<Self>, state: &CallState, effect: CallEffect) {
        match effect {
            // In a call already: we rejoin it after a reload, accepted long ago.
            CallEffect::StartCall { polite, .. } => self.start_call(polite, state.call.is_in_call()),
            CallEffect::Answer { offer, polite, .. } => self.answer(offer, polite),
            CallEffect::PreAnswer { offer, polite, .. } => self.pre_answer(offer, polite),
            CallEffect::SendMedia => self.send_media(),
            CallEffect::RemoteOffer(sdp) => self.remote_offer(sdp),
            CallEffect::RemoteAnswer(sdp) => self.remote_answer(sdp),
            CallEffect::RemoteCandidate(c) => self.remote_candidate(c),
            CallEffect::SetTracks { audio, video } => {
                if let Some(s) = self.session() {
                    s.set_tracks(audio, video);
                }
            }
            CallEffect::RefreshIceServers => {
                if let Some(s) = self.session() {
                    s.set_ice_servers(&state.ice_servers, state.relay_only);
                }
            }
            CallEffect::RestartIce => {
                if let Some(s) = self.session() {
                    s.restart_ice();
                }
            }
            CallEffect::SendPeerChat(text) => {
                if let Some(Err(e)) = self.session().map(|s| s.send_chat(&text)) {
                    gloo::console::warn!(format!("chat not sent: {e}"));
                }
            }
            CallEffect::StartShare => self.start_share(),
            CallEffect::StopShare => self.stop_share(),
            CallEffect::LimitVideo(on) => {
                if let Some(session) = self.session() {
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Err(e) = session.limit_video(on).await {
                            gloo::console::warn!(format!("video cap not applied: {e}"));
                        }
                    });
                }
            }
            CallEffect::TellPeerDataSaver(on) => {
                if let Some(Err(e)) = self.session().map(|s| s.send_data_saver(on)) {
                    gloo::console::warn!(format!("data saver not sent: {e}"));
                }
            }
            CallEffect::StartRecording { peer } => self.start_recording(&peer),
            CallEffect::StopRecording => {
                if let Some(r) = &*self.recorder.borrow() {
                    r.stop();
                }
            }
            CallEffect::AckPeerRecording => {
                if let Some(Err(e)) = self.session().map(|s| s.send_recording_seen()) {
                    gloo::console::warn!(format!("recording notice not acknowledged: {e}"));
                }
            }
            CallEffect::TellPeerRecording(on) => {
                if let Some(Err(e)) = self.session().map(|s| s.send_recording(on)) {
                    gloo::console::warn!(format!("recording notice not sent: {e}"));
                }
            }
        }
    }

    fn start_recording(&self, peer: &str) {
        let d = self.dispatch.clone();
        let failed = |e: String| Action::RecordingStopped(Some(crate::store::Msg::RecordingFailed(e)));
        let Some(session) = self.session() else { return d.dispatch(failed("the call has no media".into())) };
        let tell = {
            let d = d.clone();
            move |heard: recorder::Heard| match heard {
                recorder::Heard::WithoutYourVoice => d.dispatch(Action::RecordingWithoutYourVoice),
                recorder::Heard::Ended(why, saved) => {
                    d.dispatch(Action::RecordingStopped(why.map(crate::store::Msg::RecordingFailed)));
                    if let Some((url, name)) = saved {
                        d.dispatch(Action::RecordingSaved(url, name));
                    }
                }
            }
        };
        let voice = session.local_track("audio");
        match recorder::Recorder::start(voice, &session.remote, recorder::file_stem(peer), Box::new(tell)) {
            Ok(r) => *self.recorder.borrow_mut() = Some(r),
            Err(e) => d.dispatch(failed(e)),
        }
    }
}
