//! The call's own effects: what `Agent::run` hands to the call's chunk
//! (call_code.rs), so this code is fetched apart from the first load.

use std::rc::Rc;

use super::{recorder, Agent};
use crate::store::{Action, CallState, Effect};

impl Agent {
    /// The call's own effects, which `run_here` hands back: their code is
    /// in the call's chunk in release builds (call_code.rs).
    pub(super) fn run_call(self: &Rc<Self>, state: &CallState, effect: Effect) {
        match effect {
            // In a call already: we rejoin it after a reload, accepted long ago.
            Effect::StartCall { polite, .. } => self.start_call(polite, state.call.is_in_call()),
            Effect::Answer { offer, polite, .. } => self.answer(offer, polite),
            Effect::PreAnswer { offer, polite, .. } => self.pre_answer(offer, polite),
            Effect::SendMedia => self.send_media(),
            Effect::RemoteOffer(sdp) => self.remote_offer(sdp),
            Effect::RemoteAnswer(sdp) => self.remote_answer(sdp),
            Effect::RemoteCandidate(c) => self.remote_candidate(c),
            Effect::SetTracks { audio, video } => {
                if let Some(s) = self.session() {
                    s.set_tracks(audio, video);
                }
            }
            Effect::RefreshIceServers => {
                if let Some(s) = self.session() {
                    s.set_ice_servers(&state.ice_servers, state.relay_only);
                }
            }
            Effect::RestartIce => {
                if let Some(s) = self.session() {
                    s.restart_ice();
                }
            }
            Effect::SendPeerChat(text) => {
                if let Some(Err(e)) = self.session().map(|s| s.send_chat(&text)) {
                    gloo::console::warn!(format!("chat not sent: {e}"));
                }
            }
            Effect::StartShare => self.start_share(),
            Effect::StopShare => self.stop_share(),
            Effect::LimitVideo(on) => {
                if let Some(session) = self.session() {
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Err(e) = session.limit_video(on).await {
                            gloo::console::warn!(format!("video cap not applied: {e}"));
                        }
                    });
                }
            }
            Effect::TellPeerDataSaver(on) => {
                if let Some(Err(e)) = self.session().map(|s| s.send_data_saver(on)) {
                    gloo::console::warn!(format!("data saver not sent: {e}"));
                }
            }
            Effect::StartRecording { peer } => self.start_recording(&peer),
            Effect::StopRecording => {
                if let Some(r) = &*self.recorder.borrow() {
                    r.stop();
                }
            }
            Effect::AckPeerRecording => {
                if let Some(Err(e)) = self.session().map(|s| s.send_recording_seen()) {
                    gloo::console::warn!(format!("recording notice not acknowledged: {e}"));
                }
            }
            Effect::TellPeerRecording(on) => {
                if let Some(Err(e)) = self.session().map(|s| s.send_recording(on)) {
                    gloo::console::warn!(format!("recording notice not sent: {e}"));
                }
            }
            // run_here runs every other effect.
            _ => {}
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
