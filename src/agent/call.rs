//! One call's life in the agent: open media, create the peer connection,
//! offer or answer, install it, and tear it all down.

use std::rc::Rc;

use duet_protocol::{ClientMessage, SessionDescription};
use gloo::timers::callback::Interval;
use web_sys::MediaStream;

use super::{
    diagnostics, js, media,
    peer::{self, PeerEvent, PeerSession},
    stats, Agent, REMOTE_VIDEO,
};
use crate::store::{Action, Msg};

/// How often the stats panel and the quality indicator are refreshed.
const STATS_EVERY_MS: u32 = 1000;

impl Agent {
    pub(super) fn start_call(self: &Rc<Self>, peer: String, polite: bool) {
        self.drop_session();
        let generation = self.begin();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let local = me.local_media().await;
            if me.generation.get() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            let (ice, audio, video) = me.prefs();
            match PeerSession::new(&peer, polite, &ice, local, me.reporter(generation)) {
                Ok(s) => {
                    // Adding tracks fires negotiationneeded, which sends the offer.
                    s.open_chat();
                    s.add_local_tracks(audio, video, true);
                    me.install(s);
                }
                Err(e) => me.dispatch.dispatch(Action::CallError(Msg::CallStartFailed(e))),
            }
        });
    }

    pub(super) fn answer(self: &Rc<Self>, peer: String, offer: SessionDescription, polite: bool) {
        // Glare: our own ringing connection gives way, but its camera is reused.
        let reused = self.inner.borrow_mut().session.take().and_then(reuse_local);
        self.inner.borrow_mut().screen = None;
        let generation = self.begin();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let local = match reused {
                Some(s) => Some(s),
                None => me.local_media().await,
            };
            if me.generation.get() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            let (ice, audio, video) = me.prefs();
            let session = match PeerSession::new(&peer, polite, &ice, local, me.reporter(generation)) {
                Ok(s) => s,
                Err(e) => return me.dispatch.dispatch(Action::CallError(Msg::AnswerFailed(e))),
            };
            me.install(session.clone());
            // The callee never makes the first offer, so a glare is impossible here.
            match answer_offer(&session, &offer, audio, video).await {
                Ok(answer) if me.generation.get() == generation => {
                    me.send(&ClientMessage::VideoAnswer { name: None, target: peer, sdp: answer });
                }
                Ok(_) => {}
                Err(e) => me.dispatch.dispatch(Action::CallError(Msg::AnswerFailed(e))),
            }
        });
    }

    pub(super) fn remote_offer(self: &Rc<Self>, sdp: SessionDescription) {
        let Some(s) = self.session() else { return };
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match s.accept_offer(&sdp).await {
                Ok(Some(answer)) => {
                    me.send(&ClientMessage::VideoAnswer { name: None, target: s.peer.clone(), sdp: answer })
                }
                Ok(None) => {}
                Err(e) => gloo::console::warn!(format!("renegotiation failed: {e}")),
            }
        });
    }

    pub(super) fn remote_answer(self: &Rc<Self>, sdp: SessionDescription) {
        self.inner.borrow_mut().ring_timer = None;
        if let Some(s) = self.session() {
            let me = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = s.accept_answer(&sdp).await {
                    me.dispatch.dispatch(Action::CallError(Msg::SetupFailed(e)));
                }
            });
        }
    }

    /// The sink peer events go to; it holds the agent weakly so a closed
    /// session's late events cannot keep it alive.
    fn reporter(self: &Rc<Self>, generation: u64) -> Rc<dyn Fn(PeerEvent)> {
        let me = Rc::downgrade(self);
        Rc::new(move |ev| {
            let Some(me) = me.upgrade() else { return };
            if me.generation.get() != generation {
                return;
            }
            match ev {
                PeerEvent::Signal(m) => me.send(&m),
                PeerEvent::Connected => {
                    me.inner.borrow_mut().grace_timer = None;
                    me.dispatch.dispatch(Action::PeerConnected)
                }
                PeerEvent::Disconnected => me.dispatch.dispatch(Action::PeerDisconnected),
                PeerEvent::Failed => me.dispatch.dispatch(Action::PeerFailed),
                PeerEvent::RemoteTrack => {
                    me.show_media();
                    me.dispatch.dispatch(Action::RemoteMedia)
                }
                PeerEvent::ChatReady(ready) => me.dispatch.dispatch(Action::PeerChatReady(ready)),
                PeerEvent::Chat(text) => me.dispatch.dispatch(Action::PeerChatReceived(text)),
            }
        })
    }

    /// Starts a new generation, so async work begun for earlier calls drops
    /// what it made instead of installing it.
    pub(super) fn begin(&self) -> u64 {
        let g = self.generation.get() + 1;
        self.generation.set(g);
        g
    }

    /// The camera and microphone for a call: the ones warmed up before it,
    /// or freshly opened.
    async fn local_media(&self) -> Option<MediaStream> {
        let warm = self.inner.borrow_mut().warm.take();
        self.inner.borrow_mut().meter = None;
        match warm {
            Some(w) => w.stream().await,
            None => self.open_media().await,
        }
    }

    pub(super) async fn open_media(&self) -> Option<MediaStream> {
        let choice = self.inner.borrow().choice.clone();
        let (stream, issue) = media::open_local_media(&choice).await;
        if let Some(issue) = issue {
            self.dispatch.dispatch(Action::LocalMedia(issue));
        }
        // Labels are readable once access is granted.
        self.refresh_devices();
        stream
    }

    fn prefs(&self) -> (peer::IceSettings, bool, bool) {
        let i = self.inner.borrow();
        (peer::IceSettings { servers: i.ice_servers.clone(), relay_only: i.relay_only }, i.mic_on, i.camera_on)
    }

    /// Makes `s` the current session, handing it the early candidates, and
    /// starts reading its statistics.
    fn install(self: &Rc<Self>, s: Rc<PeerSession>) {
        let mut inner = self.inner.borrow_mut();
        diagnostics::current_peer(&s.pc);
        s.buffer_candidates(std::mem::take(&mut inner.early_candidates));
        let me = Rc::downgrade(self);
        let pc = s.pc.clone();
        let generation = self.generation.get();
        inner.stats_timer = Some(Interval::new(STATS_EVERY_MS, move || {
            let (me, pc) = (me.clone(), pc.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let sample = stats::sample(&pc).await;
                let Some(me) = me.upgrade() else { return };
                match sample {
                    Ok(sample) if me.generation.get() == generation => me.dispatch.dispatch(Action::Stats(sample)),
                    Ok(_) => {}
                    Err(e) => gloo::console::warn!(format!("getStats failed: {e}")),
                }
            });
        }));
        inner.session = Some(s);
        let speaker = inner.speaker.clone();
        drop(inner);
        self.show_media();
        // The default output needs no call (and headless Chromium rejects one).
        if let Some(speaker) = speaker.filter(|s| !s.is_empty()) {
            js::set_sink(REMOTE_VIDEO, &speaker);
        }
    }

    pub(super) fn drop_session(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.screen = None;
        inner.session = None;
        inner.early_candidates.clear();
        inner.ring_timer = None;
        inner.grace_timer = None;
        inner.connect_timer = None;
        inner.stats_timer = None;
    }

    pub(super) fn end_call(&self) {
        self.begin();
        self.drop_session();
        self.release_warm();
    }
}

/// Takes the local stream out of a session that is being replaced, so its
/// drop does not stop the tracks.
fn reuse_local(s: Rc<PeerSession>) -> Option<MediaStream> {
    match Rc::try_unwrap(s) {
        Ok(mut s) => s.local.take(),
        Err(_) => None,
    }
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
    s.add_local_tracks(audio, video, false);
    s.answer().await
}
