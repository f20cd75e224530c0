//! The agent: the only code that touches the WebSocket, the
//! RTCPeerConnection and the camera. It renders nothing; it executes the
//! store's effects and turns browser events into store actions.

mod call;
mod config;
mod diagnostics;
mod js;
mod keys;
mod level;
mod local_media;
pub mod media;
pub mod peer;
mod signaling;
mod stats;
mod storage;
mod tones;

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use duet_protocol::{ClientMessage, IceCandidate, IceServer};
use gloo::timers::callback::{Interval, Timeout};
use yew::prelude::*;

use config::RuntimeConfig;
pub use level::MIC_LEVEL;
use local_media::Warm;
use peer::PeerSession;
pub use peer::{LOCAL_VIDEO, PREVIEW_VIDEO, REMOTE_VIDEO};

/// The call view, which fullscreen enlarges: videos and controls together,
/// so a full-screen call can still be muted or hung up.
pub const CALL_VIEW: &str = "call-view";
use signaling::Signaling;

use crate::{
    hooks::use_store,
    store::{Action, CallPhase, CallState, DeviceKind, Effect},
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
        // Restore the saved settings once, and keep the device lists current.
        let dispatch = store.dispatcher();
        let agent = agent.clone();
        use_effect_with((), move |_| {
            // A page that cannot call says so instead of failing later.
            let lacking = js::lacking();
            if !lacking.is_empty() {
                dispatch.dispatch(Action::DetectedLang(storage::lang().unwrap_or_else(js::browser_lang)));
                dispatch.dispatch(Action::BrowserLacks(lacking));
                return Box::new(|| ()) as Box<dyn FnOnce()>;
            }
            if storage::relay_only() {
                dispatch.dispatch(Action::SetRelayOnly(true));
            }
            dispatch.dispatch(Action::DetectedLang(storage::lang().unwrap_or_else(js::browser_lang)));
            // An invite link's key (or a site's token) wins over a remembered one.
            if let Some(credential) = js::take_credential_from_fragment() {
                dispatch.dispatch(Action::FoundCredential { credential, from_link: true });
            } else if let Some(credential) = storage::credential() {
                dispatch.dispatch(Action::FoundCredential { credential, from_link: false });
            }
            for kind in [DeviceKind::Camera, DeviceKind::Microphone, DeviceKind::Speaker] {
                if let Some(id) = storage::device(kind) {
                    dispatch.dispatch(Action::ChooseDevice { kind, id: Some(id) });
                }
            }
            agent.refresh_devices();
            let listener = web_sys::window().and_then(|w| w.navigator().media_devices().ok()).map(|m| {
                let agent = agent.clone();
                gloo::events::EventListener::new(&m, "devicechange", move |_| agent.devices_changed())
            });
            Box::new(move || drop(listener)) as Box<dyn FnOnce()>
        });
    }
    {
        // Keyboard shortcuts while the call view is up.
        let dispatch = store.dispatcher();
        use_effect_with(store.call.shows_call_view(), move |up| {
            let listener = up.then(|| keys::listen(dispatch)).flatten();
            move || drop(listener)
        });
    }
    {
        // The phone rings on both sides: a ringtone for the callee, the
        // ringback tone for the caller.
        let agent = agent.clone();
        let ringing = match store.call {
            CallPhase::Incoming { .. } => Some(true),
            CallPhase::Outgoing { .. } => Some(false),
            _ => None,
        };
        use_effect_with(ringing, move |r| {
            agent.inner.borrow_mut().tone = match r {
                Some(true) => tones::Tone::ringtone(),
                Some(false) => tones::Tone::ringback(),
                None => None,
            };
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
    reconnect_timer: Option<Timeout>,
    grace_timer: Option<Timeout>,
    connect_timer: Option<Timeout>,
    stats_timer: Option<Interval>,
    ice_servers: Vec<IceServer>,
    relay_only: bool,
    mic_on: bool,
    camera_on: bool,
    choice: media::Choice,
    speaker: Option<String>,
    /// Camera and microphone opened before a call (the lobby preview, or
    /// while the phone rings), handed to the next call.
    warm: Option<Warm>,
    meter: Option<level::LevelMeter>,
    screen: Option<local_media::ScreenShare>,
    tone: Option<tones::Tone>,
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
                reconnect_timer: None,
                grace_timer: None,
                connect_timer: None,
                stats_timer: None,
                ice_servers: vec![],
                relay_only: false,
                mic_on: true,
                camera_on: true,
                choice: media::Choice::default(),
                speaker: None,
                warm: None,
                meter: None,
                screen: None,
                tone: None,
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
            Effect::Connect { credential } => {
                let opened = Signaling::open(&self.config.signaling_url, credential.as_ref(), self.dispatch.clone());
                match opened {
                    Ok(s) => self.inner.borrow_mut().signaling = Some(s),
                    Err(e) => self.dispatch.dispatch(Action::SocketClosed { code: 1006, reason: e }),
                }
            }
            Effect::RememberCredential(c) => storage::set_credential(c.as_ref()),
            Effect::ScheduleReconnect { attempt } => {
                let d = self.dispatch.clone();
                let wait = crate::store::reconnect_delay_ms(attempt, js_sys::Math::random());
                let t = Timeout::new(wait, move || d.dispatch(Action::Reconnect));
                self.inner.borrow_mut().reconnect_timer = Some(t);
            }
            Effect::Send(msg) => self.send(&msg),
            Effect::StartCall { peer, polite } => self.start_call(peer, polite),
            Effect::Answer { peer, offer, polite } => self.answer(peer, offer, polite),
            Effect::RemoteOffer(sdp) => self.remote_offer(sdp),
            Effect::RemoteAnswer(sdp) => self.remote_answer(sdp),
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
            Effect::UseDevice { kind, id } => self.use_device(kind, id),
            Effect::RememberDevice { kind, id } => storage::set_device(kind, id.as_deref()),
            Effect::DeviceCheck(on) => self.device_check(on),
            Effect::PrepareMedia => self.prepare_media(),
            Effect::UseLang { lang, remember } => {
                js::set_document_lang(lang.tag());
                if remember {
                    storage::set_lang(lang);
                }
            }
            Effect::TogglePictureInPicture => js::toggle_picture_in_picture(REMOTE_VIDEO),
            Effect::ToggleFullscreen => js::toggle_fullscreen(CALL_VIEW),
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

    /// Closes everything without reporting it (the page is going away).
    fn leave(&self) {
        self.end_call();
        self.inner.borrow_mut().signaling = None;
    }

    /// Puts the current streams into the view's video elements.
    fn show_media(&self) {
        let inner = self.inner.borrow();
        if let Some(s) = inner.session.as_ref() {
            // While sharing, our own preview shows what the peer sees.
            let local = inner.screen.as_ref().map(|x| &x.stream).or(s.local.as_ref());
            js::show(LOCAL_VIDEO, local);
            js::show(REMOTE_VIDEO, Some(&s.remote));
        }
        js::show(PREVIEW_VIDEO, inner.warm.as_ref().and_then(Warm::ready).as_ref());
    }
}
