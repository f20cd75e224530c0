//! The agent: the only code that touches the WebSocket, the
//! RTCPeerConnection and the camera. It renders nothing; it executes the
//! store's effects and turns browser events into store actions.

mod config;
mod diagnostics;
mod js;
pub mod media;
pub mod peer;
mod signaling;
mod storage;

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use duet_protocol::{ClientMessage, IceCandidate, IceServer, SessionDescription};
use gloo::timers::callback::Timeout;
use yew::prelude::*;

use config::RuntimeConfig;
use peer::{PeerEvent, PeerSession};
pub use peer::{LOCAL_VIDEO, REMOTE_VIDEO};
use signaling::Signaling;

use crate::{
    hooks::use_store,
    store::{Action, CallState, Effect},
};

/// Non-visual component that owns the session's connections.
#[function_component(CallAgent)]
pub fn call_agent() -> Html {
    let store = use_store();
    let agent = use_memo((), {
        let dispatch = store.dispatcher();
        move |_| Agent::new(dispatch, RuntimeConfig::from_page())
    });

    {
        let agent = agent.clone();
        let state = store.clone();
        use_effect_with(store.effects.last_seq(), move |_| agent.run_effects(&state));
    }
    {
        // Leaving the page closes the socket at once, so the server frees our
        // name and tells a call partner now, not a heartbeat later (and a page
        // kept in the back/forward cache holds nothing open).
        let agent = agent.clone();
        use_effect_with((), move |_| {
            let listener =
                web_sys::window().map(|w| gloo::events::EventListener::new(&w, "pagehide", move |_| agent.leave()));
            move || drop(listener)
        });
    }
    {
        // The first render is on screen with its handlers attached: mark it,
        // so "navigation to interactive login form" can be measured.
        use_effect_with((), |_| {
            if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                let _ = p.mark("duet:interactive");
            }
        });
    }
    {
        // Restore the saved privacy setting once.
        let dispatch = store.dispatcher();
        use_effect_with((), move |_| {
            if storage::relay_only() {
                dispatch.dispatch(Action::SetRelayOnly(true));
            }
        });
    }
    // Views may (re)create the <video> elements on any render.
    {
        let agent = agent.clone();
        use_effect(move || agent.show_media());
    }
    html! {}
}

struct Inner {
    signaling: Option<Signaling>,
    session: Option<Rc<PeerSession>>,
    /// Candidates that came before there was a peer connection to hold them.
    early_candidates: Vec<IceCandidate>,
    ring_timer: Option<Timeout>,
    grace_timer: Option<Timeout>,
    connect_timer: Option<Timeout>,
    ice_servers: Vec<IceServer>,
    relay_only: bool,
    mic_on: bool,
    camera_on: bool,
}

pub struct Agent {
    dispatch: UseReducerDispatcher<CallState>,
    config: RuntimeConfig,
    seen: Cell<u64>,
    /// Our registered name, written on relayed messages as MDN's client does:
    /// a baseline server forwards them verbatim and peers need the sender.
    me: RefCell<Option<String>>,
    /// Bumped whenever a call starts or ends, so async work for a call that
    /// is already over drops what it made instead of installing it.
    generation: Cell<u64>,
    inner: RefCell<Inner>,
}

impl PartialEq for Agent {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Agent {
    fn new(dispatch: UseReducerDispatcher<CallState>, config: RuntimeConfig) -> Self {
        Agent {
            dispatch,
            config,
            seen: Cell::new(0),
            me: RefCell::new(None),
            generation: Cell::new(0),
            inner: RefCell::new(Inner {
                signaling: None,
                session: None,
                early_candidates: vec![],
                ring_timer: None,
                grace_timer: None,
                connect_timer: None,
                ice_servers: vec![],
                relay_only: false,
                mic_on: true,
                camera_on: true,
            }),
        }
    }

    fn run_effects(self: &Rc<Self>, state: &CallState) {
        self.me.replace(state.me.clone());
        let fresh: Vec<Effect> = state.effects.since(self.seen.get()).map(|(_, e)| e.clone()).collect();
        self.seen.set(state.effects.last_seq());
        for effect in fresh {
            self.run(effect);
        }
    }

    fn run(self: &Rc<Self>, effect: Effect) {
        match effect {
            Effect::Connect => {
                let opened = Signaling::open(&self.config.signaling_url, self.dispatch.clone());
                match opened {
                    Ok(s) => self.inner.borrow_mut().signaling = Some(s),
                    Err(e) => self.dispatch.dispatch(Action::SocketClosed { reason: e }),
                }
            }
            Effect::Send(msg) => self.send(&msg),
            Effect::StartCall { peer, polite } => self.start_call(peer, polite),
            Effect::Answer { peer, offer, polite } => self.answer(peer, offer, polite),
            Effect::RemoteOffer(sdp) => self.remote_offer(sdp),
            Effect::RemoteAnswer(sdp) => {
                self.inner.borrow_mut().ring_timer = None;
                if let Some(s) = self.session() {
                    let me = self.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Err(e) = s.accept_answer(&sdp).await {
                            me.dispatch.dispatch(Action::CallError(format!("The call could not be set up: {e}")));
                        }
                    });
                }
            }
            Effect::RemoteCandidate(c) => match self.session() {
                Some(s) => wasm_bindgen_futures::spawn_local(async move { s.add_candidate(c).await }),
                None => self.inner.borrow_mut().early_candidates.push(c),
            },
            Effect::EndCall => self.end_call(),
            Effect::SetTracks { audio, video } => {
                let mut inner = self.inner.borrow_mut();
                inner.mic_on = audio;
                inner.camera_on = video;
                if let Some(s) = &inner.session {
                    s.set_tracks(audio, video);
                }
            }
            Effect::StartRingTimer { peer } => {
                let d = self.dispatch.clone();
                let t = Timeout::new(self.config.ring_timeout_ms, move || d.dispatch(Action::RingTimeout { peer }));
                self.inner.borrow_mut().ring_timer = Some(t);
            }
            Effect::IceServers(servers) => {
                let mut inner = self.inner.borrow_mut();
                inner.ice_servers = servers;
                if let Some(s) = &inner.session {
                    s.set_ice_servers(&inner.ice_servers, inner.relay_only);
                }
            }
            Effect::SetRelayOnly(on) => {
                self.inner.borrow_mut().relay_only = on;
                storage::set_relay_only(on);
            }
            Effect::StartConnectTimer { generation } => {
                let d = self.dispatch.clone();
                let t = Timeout::new(self.config.connect_ms, move || d.dispatch(Action::ConnectTimeout { generation }));
                self.inner.borrow_mut().connect_timer = Some(t);
            }
            Effect::StartGraceTimer { generation } => {
                let d = self.dispatch.clone();
                let t = Timeout::new(self.config.grace_ms, move || d.dispatch(Action::GraceExpired { generation }));
                self.inner.borrow_mut().grace_timer = Some(t);
            }
        }
    }

    fn send(&self, msg: &ClientMessage) {
        let mut msg = msg.clone();
        if let ClientMessage::VideoOffer { name, .. }
        | ClientMessage::VideoAnswer { name, .. }
        | ClientMessage::HangUp { name, .. } = &mut msg
        {
            if name.is_none() {
                name.clone_from(&self.me.borrow());
            }
        }
        if let Some(s) = &self.inner.borrow().signaling {
            s.send(&msg);
        }
    }

    fn session(&self) -> Option<Rc<PeerSession>> {
        self.inner.borrow().session.clone()
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
            }
        })
    }

    /// Starts a new generation, so async work begun for earlier calls drops
    /// what it made instead of installing it.
    fn begin(&self) -> u64 {
        let g = self.generation.get() + 1;
        self.generation.set(g);
        g
    }

    async fn media(&self) -> Option<web_sys::MediaStream> {
        let (stream, issue) = media::open_local_media().await;
        if let Some(issue) = issue {
            self.dispatch.dispatch(Action::LocalMedia(issue));
        }
        stream
    }

    fn start_call(self: &Rc<Self>, peer: String, polite: bool) {
        self.drop_session();
        let generation = self.begin();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let local = me.media().await;
            if me.generation.get() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            let (ice, audio, video) = me.prefs();
            match PeerSession::new(&peer, polite, &ice, local, me.reporter(generation)) {
                Ok(s) => {
                    // Adding tracks fires negotiationneeded, which sends the offer.
                    s.add_local_tracks(audio, video, true);
                    me.install(s);
                }
                Err(e) => me.dispatch.dispatch(Action::CallError(format!("The call could not be started: {e}"))),
            }
        });
    }

    fn answer(self: &Rc<Self>, peer: String, offer: SessionDescription, polite: bool) {
        // Glare: our own ringing connection gives way, but its camera is reused.
        let reused = self.inner.borrow_mut().session.take().and_then(reuse_local);
        let generation = self.begin();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let local = match reused {
                Some(s) => Some(s),
                None => me.media().await,
            };
            if me.generation.get() != generation {
                local.as_ref().map(media::stop);
                return;
            }
            let (ice, audio, video) = me.prefs();
            let session = match PeerSession::new(&peer, polite, &ice, local, me.reporter(generation)) {
                Ok(s) => s,
                Err(e) => {
                    return me.dispatch.dispatch(Action::CallError(format!("The call could not be answered: {e}")))
                }
            };
            me.install(session.clone());
            // The callee never makes the first offer, so a glare is impossible here.
            match answer_offer(&session, &offer, audio, video).await {
                Ok(answer) if me.generation.get() == generation => {
                    me.send(&ClientMessage::VideoAnswer { name: None, target: peer, sdp: answer });
                }
                Ok(_) => {}
                Err(e) => me.dispatch.dispatch(Action::CallError(format!("The call could not be answered: {e}"))),
            }
        });
    }

    fn remote_offer(self: &Rc<Self>, sdp: SessionDescription) {
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

    fn prefs(&self) -> (peer::IceSettings, bool, bool) {
        let i = self.inner.borrow();
        (peer::IceSettings { servers: i.ice_servers.clone(), relay_only: i.relay_only }, i.mic_on, i.camera_on)
    }

    /// Makes `s` the current session, handing it the early candidates.
    fn install(&self, s: Rc<PeerSession>) {
        let mut inner = self.inner.borrow_mut();
        diagnostics::current_peer(&s.pc);
        s.buffer_candidates(std::mem::take(&mut inner.early_candidates));
        inner.session = Some(s);
        drop(inner);
        self.show_media();
    }

    fn drop_session(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.session = None;
        inner.early_candidates.clear();
        inner.ring_timer = None;
        inner.grace_timer = None;
        inner.connect_timer = None;
    }

    /// Closes everything without reporting it (the page is going away).
    fn leave(&self) {
        self.end_call();
        self.inner.borrow_mut().signaling = None;
    }

    fn end_call(&self) {
        self.begin();
        self.drop_session();
    }

    /// Puts the current streams into the call view's video elements.
    fn show_media(&self) {
        if let Some(s) = self.inner.borrow().session.as_ref() {
            js::show(LOCAL_VIDEO, s.local.as_ref());
            js::show(REMOTE_VIDEO, Some(&s.remote));
        }
    }
}

/// Takes the local stream out of a session that is being replaced, so its
/// drop does not stop the tracks.
fn reuse_local(s: Rc<PeerSession>) -> Option<web_sys::MediaStream> {
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
    s.add_local_tracks(audio, video, false);
    s.answer().await
}
