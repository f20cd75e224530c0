//! One call's life in the agent: open media, create the peer connection,
//! offer or answer, install it, and tear it all down.

use std::rc::Rc;

use duet_protocol::{IceCandidate, SessionDescription};
use gloo::timers::callback::Interval;
use web_sys::MediaStream;

use super::{
    diagnostics,
    local_media::ScreenShare,
    media,
    peer::{self, PeerEvent, PeerSession},
    stats, Agent,
};
use crate::store::{Action, Msg, ToPeer};

/// How often the stats panel and the quality indicator are refreshed.
const STATS_EVERY_MS: u32 = 1000;

/// The agent's part of the current call: the peer connection and what
/// belongs to it. Dropping it ends them all.
#[derive(Default)]
pub struct CallSession {
    /// Bumped whenever a call starts or ends, so async work for a call that
    /// is already over drops what it made instead of installing it.
    generation: u64,
    session: Option<Rc<PeerSession>>,
    /// Candidates that came before there was a peer connection to hold them.
    early_candidates: Vec<IceCandidate>,
    stats: Option<Interval>,
    /// The screen we send instead of the camera.
    pub screen: Option<ScreenShare>,
    /// Accepted before the answer made while it rang was ready: the media
    /// goes on as soon as it is.
    send_when_answered: bool,
}

impl CallSession {
    /// What the views show: our video (the screen while sharing, so the
    /// preview shows what the peer sees) and the peer's.
    pub fn streams(&self) -> (Option<MediaStream>, Option<MediaStream>) {
        let Some(s) = &self.session else { return (None, None) };
        // Clone::clone shares a stream; MediaStream::clone() would copy it.
        let local = self.screen.as_ref().map(|x| Clone::clone(&x.stream)).or_else(|| s.local_stream());
        (local, Some(Clone::clone(&s.remote)))
    }
}

impl Agent {
    /// Opens our media and offers it to the peer; `send`: on the wire at
    /// once, otherwise only when the call is accepted ([`Agent::send_media`]).
    pub(super) fn start_call(self: &Rc<Self>, polite: bool, send: bool) {
        self.drop_session();
        let generation = self.begin();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let local = me.local_media().await;
            if me.generation() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            let (ice, audio, video) = me.prefs();
            match PeerSession::new(polite, &ice, local, me.reporter(generation)) {
                Ok(s) => {
                    // Adding tracks fires negotiationneeded, which sends the offer.
                    s.open_chat();
                    s.add_local_tracks(audio, video, true, send);
                    me.install(s);
                }
                Err(e) => me.dispatch.dispatch(Action::CallError(Msg::CallStartFailed(e))),
            }
        });
    }

    pub(super) fn answer(self: &Rc<Self>, offer: SessionDescription, polite: bool) {
        // Glare: our own ringing connection gives way, but its camera is reused.
        let reused = {
            let mut call = self.call.borrow_mut();
            call.screen = None;
            call.session.take().and_then(reuse_local)
        };
        let generation = self.begin();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let local = match reused {
                Some(s) => Some(s),
                None => me.local_media().await,
            };
            if me.generation() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            let (ice, audio, video) = me.prefs();
            let session = match PeerSession::new(polite, &ice, local, me.reporter(generation)) {
                Ok(s) => s,
                Err(e) => return me.dispatch.dispatch(Action::CallError(Msg::AnswerFailed(e))),
            };
            me.install(session.clone());
            // The callee never makes the first offer, so a glare is impossible here.
            match answer_offer(&session, &offer, audio, video).await {
                Ok(answer) if me.generation() == generation => {
                    me.dispatch.dispatch(Action::Signal(ToPeer::Answer(answer)));
                }
                Ok(_) => {}
                Err(e) => me.dispatch.dispatch(Action::CallError(Msg::AnswerFailed(e))),
            }
        });
    }

    /// Answers a call while it rings, without our camera: the connection
    /// comes up, and nothing is sent on it until Accept ([`Agent::send_media`]).
    pub(super) fn pre_answer(self: &Rc<Self>, offer: SessionDescription, polite: bool) {
        self.drop_session();
        let generation = self.begin();
        let (ice, ..) = self.prefs();
        let session = match PeerSession::new(polite, &ice, None, self.reporter(generation)) {
            Ok(s) => s,
            Err(e) => return gloo::console::warn!(format!("could not connect while ringing: {e}")),
        };
        self.install(session.clone());
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match session.answer_ringing(&offer).await {
                Ok(answer) if me.generation() == generation => {
                    me.dispatch.dispatch(Action::Signal(ToPeer::Answer(answer)));
                    let accepted = std::mem::take(&mut me.call.borrow_mut().send_when_answered);
                    if accepted {
                        me.send_media();
                    }
                }
                Ok(_) => {}
                // Accept still answers: the connect timer bounds it.
                Err(e) => gloo::console::warn!(format!("could not connect while ringing: {e}")),
            }
        });
    }

    /// The call is accepted: our camera and microphone go on the connection
    /// that carried nothing so far (the callee's are opened now, warmed up
    /// while it rang).
    pub(super) fn send_media(self: &Rc<Self>) {
        let Some(s) = self.session() else { return };
        if s.pc.get_transceivers().length() == 0 {
            // The offer we answer while it rings is not applied yet: the
            // answer sends the media when it is ready.
            self.call.borrow_mut().send_when_answered = true;
            return;
        }
        let (_, audio, video) = self.prefs();
        let generation = self.generation();
        let me = self.clone();
        // Every millisecond here is a millisecond of Accept → picture: the
        // tracks go on in this tick when they are at hand (ours, or the
        // camera warmed up while it rang), before the views re-render.
        let warm_ready = !s.has_local() && self.local.borrow().preview().is_some();
        if s.has_local() || warm_ready {
            let local = if warm_ready { self.local.borrow_mut().take_warm().and_then(|w| w.ready()) } else { None };
            let sent = s.send_media(local, audio, video);
            self.publish_media();
            return wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = sent.await {
                    me.dispatch.dispatch(Action::CallError(Msg::SetupFailed(e)));
                }
            });
        }
        wasm_bindgen_futures::spawn_local(async move {
            let local = me.local_media().await;
            if me.generation() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            if let Err(e) = s.send_media(local, audio, video).await {
                me.dispatch.dispatch(Action::CallError(Msg::SetupFailed(e)));
            }
            me.publish_media();
        });
    }

    pub(super) fn remote_offer(self: &Rc<Self>, sdp: SessionDescription) {
        let Some(s) = self.session() else { return };
        // The peer's page was reloaded: its new peer connection (another DTLS
        // fingerprint) cannot renegotiate ours, so a new one of ours answers it.
        let ours = s.remote_fingerprint();
        if ours.is_some() && ours.as_deref() != sdp.fingerprint() {
            let polite = s.polite();
            drop(s);
            return self.answer(sdp, polite);
        }
        let me = self.clone();
        let generation = self.generation();
        wasm_bindgen_futures::spawn_local(async move {
            match s.accept_offer(&sdp).await {
                Ok(Some(answer)) if me.generation() == generation => {
                    me.dispatch.dispatch(Action::Signal(ToPeer::Answer(answer)))
                }
                Ok(_) => {}
                Err(e) => gloo::console::warn!(format!("renegotiation failed: {e}")),
            }
        });
    }

    pub(super) fn remote_answer(self: &Rc<Self>, sdp: SessionDescription) {
        if let Some(s) = self.session() {
            let me = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = s.accept_answer(&sdp).await {
                    me.dispatch.dispatch(Action::CallError(Msg::SetupFailed(e)));
                }
            });
        }
    }

    pub(super) fn remote_candidate(&self, c: IceCandidate) {
        match self.session() {
            Some(s) => wasm_bindgen_futures::spawn_local(async move { s.add_candidate(c).await }),
            None => self.call.borrow_mut().early_candidates.push(c),
        }
    }

    /// The sink peer events go to; it holds the agent weakly so a closed
    /// session's late events cannot keep it alive.
    fn reporter(self: &Rc<Self>, generation: u64) -> Rc<dyn Fn(PeerEvent)> {
        let me = Rc::downgrade(self);
        Rc::new(move |ev| {
            let Some(me) = me.upgrade() else { return };
            if me.generation() != generation {
                return;
            }
            let action = match ev {
                PeerEvent::Offer(sdp) => Action::Signal(ToPeer::Offer(sdp)),
                PeerEvent::Candidate(c) => Action::Signal(ToPeer::Candidate(c)),
                PeerEvent::Connected => {
                    me.find_safety_number(generation);
                    Action::PeerConnected
                }
                PeerEvent::Disconnected => Action::PeerDisconnected,
                PeerEvent::Failed => Action::PeerFailed,
                PeerEvent::RemoteTrack => Action::RemoteMedia,
                PeerEvent::ChatReady(ready) => Action::PeerChatReady(ready),
                PeerEvent::Chat(text) => Action::PeerChatReceived(text),
                PeerEvent::DataSaver(on) => Action::PeerDataSaver(on),
                PeerEvent::Recording(on) => Action::PeerRecording(on),
                PeerEvent::RecordingSeen => Action::PeerSawRecording,
            };
            me.dispatch.dispatch(action);
        })
    }

    /// Derives the connection's safety number for the "Verify call" panel.
    fn find_safety_number(self: &Rc<Self>, generation: u64) {
        let Some(session) = self.session() else { return };
        let me = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            let found = session.safety_number().await;
            let Some(me) = me.upgrade().filter(|me| me.generation() == generation) else { return };
            match found {
                Some(Ok(digits)) => me.dispatch.dispatch(Action::SafetyNumberFound(digits)),
                Some(Err(crate::store::Unverifiable::SeveralCertificates)) => {
                    me.dispatch.dispatch(Action::SafetyUnverifiable)
                }
                Some(Err(crate::store::Unverifiable::NoDtls)) | None => {}
            }
        });
    }

    pub(super) fn session(&self) -> Option<Rc<PeerSession>> {
        self.call.borrow().session.clone()
    }

    pub(super) fn generation(&self) -> u64 {
        self.call.borrow().generation
    }

    /// Starts a new generation, so async work begun for earlier calls drops
    /// what it made instead of installing it.
    pub(super) fn begin(&self) -> u64 {
        let mut call = self.call.borrow_mut();
        call.generation += 1;
        call.generation
    }

    /// The camera and microphone for a call: the ones warmed up before it,
    /// or freshly opened.
    async fn local_media(&self) -> Option<MediaStream> {
        let warm = self.local.borrow_mut().take_warm();
        match warm {
            Some(w) => w.stream().await,
            None => self.open_media().await,
        }
    }

    pub(super) async fn open_media(&self) -> Option<MediaStream> {
        let devices = self.state().devices.clone();
        let (stream, issue) = media::open_local_media(&devices).await;
        if let Some(issue) = issue {
            self.dispatch.dispatch(Action::LocalMedia(issue));
        }
        // Labels are readable once access is granted.
        self.refresh_devices();
        stream
    }

    /// How to connect and what to send, as the store says now.
    fn prefs(&self) -> (peer::IceSettings, bool, bool) {
        let s = self.state();
        (
            peer::IceSettings { servers: s.ice_servers.clone(), relay_only: s.relay_only },
            s.media.mic_on,
            s.media.camera_on,
        )
    }

    /// Makes `s` the current session, handing it the early candidates, and
    /// starts reading its statistics.
    fn install(self: &Rc<Self>, s: Rc<PeerSession>) {
        let mut call = self.call.borrow_mut();
        diagnostics::current_peer(&s.pc);
        s.buffer_candidates(std::mem::take(&mut call.early_candidates));
        let me = Rc::downgrade(self);
        let pc = s.pc.clone();
        let generation = call.generation;
        call.stats = Some(Interval::new(STATS_EVERY_MS, move || {
            let (me, pc) = (me.clone(), pc.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let sample = stats::sample(&pc).await;
                let Some(me) = me.upgrade() else { return };
                match sample {
                    Ok(sample) if me.generation() == generation => me.dispatch.dispatch(Action::Stats(sample)),
                    Ok(_) => {}
                    Err(e) => gloo::console::warn!(format!("getStats failed: {e}")),
                }
            });
        }));
        call.session = Some(s);
        drop(call);
        self.publish_media();
    }

    pub(super) fn drop_session(&self) {
        let old = {
            let mut call = self.call.borrow_mut();
            call.early_candidates.clear();
            call.stats = None;
            call.send_when_answered = false;
            (call.screen.take(), call.session.take())
        };
        drop(old);
        self.publish_media();
    }

    pub(super) fn end_call(&self) {
        self.begin();
        self.call_code.drop_waiting();
        self.talk_started.set(None);
        self.drop_session();
        self.release_warm();
    }
}

/// Takes the local stream out of a session that is being replaced, so its
/// drop does not stop the tracks.
fn reuse_local(s: Rc<PeerSession>) -> Option<MediaStream> {
    s.take_local()
}

async fn answer_offer(
    s: &PeerSession,
    offer: &SessionDescription,
    audio: bool,
    video: bool,
) -> Result<SessionDescription, String> {
    // The remote offer first, so our tracks fill its transceivers.
    s.apply_remote(offer).await?;
    s.open_chat();
    // Accepted already: our media goes on at once.
    s.add_local_tracks(audio, video, false, true);
    s.answer().await
}
