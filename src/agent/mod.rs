//! The agent: the only code that touches the WebSocket, the
//! RTCPeerConnection and the camera. It renders nothing; it executes the
//! store's effects and turns browser events into store actions.

mod call;
mod call_code;
mod call_effects;
mod config;
mod diagnostics;
mod early;
mod js;
mod keys;
mod level;
mod local_media;
pub mod media;
pub mod peer;
mod recorder;
mod signaling;
mod stats;
mod storage;
mod tones;

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use call::CallSession;
use config::RuntimeConfig;
use local_media::LocalMedia;
use signaling::Signaling;

pub use early::{start as start_early, use_interactive_mark, use_kept_session};

use crate::{
    hooks::{use_dispatch, use_media, use_select, Dispatch, Media},
    store::{Action, CallEffect, CallPhase, CallRecord, CallState, DeviceKind, Effect, Outcome},
};

/// Non-visual component that owns the session's connections. It runs the
/// store's effects as they are asked for and renders nothing.
#[function_component(CallAgent)]
pub fn call_agent() -> Html {
    let dispatch = use_dispatch();
    let media = use_media();
    let agent = use_memo((), {
        let (dispatch, media) = (dispatch.clone(), media.clone());
        move |_| Agent::new(dispatch, media, RuntimeConfig::at_start())
    });
    {
        let agent = agent.clone();
        let d = dispatch.clone();
        use_effect_with((), move |_| d.set_runner(Rc::new(move |state: &CallState, e| agent.run(state, e))));
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
        // Keep the device lists current (the saved settings were restored at
        // start, early.rs).
        let agent = agent.clone();
        use_effect_with((), move |_| {
            let dispatch = agent.dispatch.clone();
            if !dispatch.state().lacking.is_empty() {
                return Box::new(|| ()) as Box<dyn FnOnce()>;
            }
            agent.refresh_devices();
            call_code::preload();
            let listener = web_sys::window().and_then(|w| w.navigator().media_devices().ok()).map(|m| {
                let agent = agent.clone();
                gloo::events::EventListener::new(&m, "devicechange", move |_| agent.devices_changed())
            });
            // The network coming and going, and a new version of the app
            // waiting (web/pwa.js installs its worker once the app is up).
            let window = web_sys::window().expect("a browser window");
            if !window.navigator().on_line() {
                dispatch.dispatch(Action::NetworkOnline(false));
            }
            let on = |event: &'static str, make: fn() -> Action| {
                let d = dispatch.clone();
                gloo::events::EventListener::new(&window, event, move |_| d.dispatch(make()))
            };
            let window_listeners = [
                on("online", || Action::NetworkOnline(true)),
                on("offline", || Action::NetworkOnline(false)),
                on("duet-update-ready", || Action::UpdateReady),
            ];
            js::load_script("/pwa.js");
            Box::new(move || drop((listener, window_listeners))) as Box<dyn FnOnce()>
        });
    }
    {
        // Keyboard shortcuts while the call view is up.
        let dispatch = dispatch.clone();
        let up = use_select(|s| s.call.shows_call_view() && !s.shortcuts_off);
        use_effect_with(up, move |up| {
            let listener = up.then(|| keys::listen(dispatch)).flatten();
            move || drop(listener)
        });
    }
    {
        // Each name's recent calls are its own (a shared computer): read
        // when logged in under it.
        let dispatch = dispatch.clone();
        let me = use_select(|s| s.me.clone());
        use_effect_with(me, move |me| {
            if let Some(me) = me {
                dispatch.dispatch(Action::HistoryRestored(storage::history(me)));
            }
        });
    }
    {
        // When the call in progress connected, for its entry in the recent calls.
        let agent = agent.clone();
        let talking = use_select(|s| matches!(s.call, CallPhase::InCall { connected: true, .. }));
        use_effect_with(talking, move |talking| {
            if *talking && agent.talk_started.get().is_none() {
                agent.talk_started.set(Some(js_sys::Date::now() as u64));
            }
        });
    }
    {
        // The phone rings on both sides: a ringtone for the callee, the
        // ringback tone for the caller.
        let agent = agent.clone();
        let ringing = use_select(|s| match s.call {
            CallPhase::Incoming { .. } => Some(true),
            CallPhase::Outgoing { .. } => Some(false),
            _ => None,
        });
        use_effect_with(ringing, move |r| {
            agent.tone.borrow_mut().take();
            // In a task of its own: a page's first AudioContext takes tens
            // of ms to create, which would hold back the dialog's paint and
            // the call's first steps (the camera, the offer) behind it.
            let ring = *r;
            let start = r.map(|_| {
                Timeout::new(0, move || {
                    *agent.tone.borrow_mut() =
                        if ring == Some(true) { tones::Tone::ringtone() } else { tones::Tone::ringback() };
                })
            });
            // A ring that ends first cancels the tone it had not started.
            move || drop(start)
        });
    }
    html! {}
}

/// How long the partner's app has to say it shows our recording.
const RECORDING_ACK_MS: u32 = 3_000;

/// The timers the store starts. Each kind has one slot: a new one replaces
/// the old, and the store ignores one that fires for a call or interruption
/// that is over, so the agent never cancels them on its own.
#[derive(Default)]
struct Timers {
    ring: Option<Timeout>,
    reconnect: Option<Timeout>,
    grace: Option<Timeout>,
    connect: Option<Timeout>,
    recording_ack: Option<Timeout>,
}

pub struct Agent {
    dispatch: Dispatch,
    media: Media,
    config: RuntimeConfig,
    signaling: RefCell<Option<Signaling>>,
    /// The call's peer connection and what belongs to it.
    call: RefCell<CallSession>,
    /// Camera and microphone opened outside a call (preview, ringing).
    local: RefCell<LocalMedia>,
    timers: RefCell<Timers>,
    tone: RefCell<Option<tones::Tone>>,
    /// When the call in progress connected (ms since 1970).
    talk_started: Cell<Option<u64>>,
    /// The call's recording, kept after it stops until the next one (its
    /// saved file's URL lives as long).
    recorder: RefCell<Option<recorder::Recorder>>,
    /// The call's effects waiting for its code (call_code.rs).
    call_code: call_code::CallCode,
}

impl PartialEq for Agent {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Agent {
    fn new(dispatch: Dispatch, media: Media, config: RuntimeConfig) -> Self {
        Agent {
            dispatch,
            media,
            config,
            signaling: RefCell::default(),
            call: RefCell::default(),
            local: RefCell::default(),
            timers: RefCell::default(),
            tone: RefCell::default(),
            talk_started: Cell::default(),
            recorder: RefCell::default(),
            call_code: call_code::CallCode::default(),
        }
    }

    /// The state now, for work that finishes after the effect that began it.
    fn state(&self) -> Rc<CallState> {
        self.dispatch.state()
    }

    fn run(self: &Rc<Self>, state: &CallState, effect: Effect) {
        if let Some(call) = self.run_here(state, effect) {
            call_code::run(self, call);
        }
    }

    /// Runs an effect whose code is here; hands back the call's own, whose
    /// code is in the call's chunk (`run_call`).
    fn run_here(self: &Rc<Self>, state: &CallState, effect: Effect) -> Option<CallEffect> {
        match effect {
            Effect::Call(call) => return Some(call),
            Effect::Connect { credential } => {
                let opened = Signaling::open(&self.config.signaling_url, credential.as_ref(), self.dispatch.clone());
                match opened {
                    Ok(s) => *self.signaling.borrow_mut() = Some(s),
                    Err(e) => self.dispatch.dispatch(Action::SocketClosed { code: 1006, reason: e }),
                }
            }
            Effect::Disconnect => {
                self.end_call();
                *self.signaling.borrow_mut() = None;
            }
            Effect::ScheduleReconnect { attempt } => {
                let wait = crate::store::reconnect_delay_ms(attempt, js_sys::Math::random());
                self.timers.borrow_mut().reconnect = Some(self.after(wait, Action::Reconnect));
            }
            Effect::Send(msg) => {
                if let Some(s) = &*self.signaling.borrow() {
                    s.send(&msg);
                }
            }
            Effect::EndCall => self.end_call(),
            Effect::StartRingTimer { peer } => {
                self.timers.borrow_mut().ring =
                    Some(self.after(self.config.ring_timeout_ms, Action::RingTimeout { peer }));
            }
            Effect::RememberRelayOnly(on) => storage::set_flag(storage::RELAY_ONLY, on),
            Effect::RememberConnectAfterAccept(on) => storage::set_flag(storage::CONNECT_AFTER_ACCEPT, on),
            Effect::RememberShortcuts(on) => storage::set_shortcuts(on),
            Effect::StartConnectTimer { generation } => {
                let t = self.after(self.config.connect_ms, Action::ConnectTimeout { generation });
                self.timers.borrow_mut().connect = Some(t);
            }
            Effect::StartGraceTimer { generation } => {
                self.timers.borrow_mut().grace =
                    Some(self.after(self.config.grace_ms, Action::GraceExpired { generation }));
            }
            // The speaker is the remote <video>'s, which applies the choice itself.
            Effect::UseDevice { kind: DeviceKind::Speaker, .. } => {}
            Effect::UseDevice { kind, id } => self.use_device(kind, id),
            Effect::RememberDevice { kind, id } => storage::set_device(kind, id.as_deref()),
            Effect::RecordCall { peer, outgoing, outcome } => self.record_call(peer, outgoing, outcome),
            Effect::SaveHistory(history) => {
                if let Some(me) = &state.me {
                    storage::set_history(me, &history);
                }
            }
            Effect::ReopenMicrophone => self.reopen_microphone(),
            Effect::RememberDataSaver(on) => storage::set_flag(storage::DATA_SAVER, on),
            Effect::AskNotifyPermission => {
                let d = self.dispatch.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let asked = web_sys::Notification::request_permission().map(wasm_bindgen_futures::JsFuture::from);
                    let answer = match asked {
                        Ok(f) => f.await.ok().and_then(|v| v.as_string()),
                        Err(_) => None,
                    };
                    d.dispatch(match answer.as_deref() {
                        Some("granted") => Action::NotifyPermission(true),
                        // The prompt closed unanswered: not a refusal, just still off.
                        Some("default") => Action::SetNotifyCalls(false),
                        _ => Action::NotifyPermission(false),
                    });
                });
            }
            Effect::RememberNotifyCalls(on) => storage::set_flag(storage::NOTIFY_CALLS, on),
            Effect::StartRecordingAckTimer => {
                self.timers.borrow_mut().recording_ack =
                    Some(self.after(RECORDING_ACK_MS, Action::RecordingAckTimeout));
            }
            Effect::ApplyUpdate => js::dispatch_window_event("duet-apply-update"),
            Effect::RememberAudioProcessing(audio) => storage::set_audio_processing(audio),
            Effect::DeviceCheck(on) => self.device_check(on),
            Effect::PrepareMedia => self.prepare_media(),
            early @ (Effect::UseLang { .. } | Effect::UseTheme { .. } | Effect::RememberCredential(_)) => {
                early::run(early);
            }
            Effect::TogglePictureInPicture => js::toggle_picture_in_picture(self.media.remote_video.cast()),
            Effect::ToggleFullscreen => js::toggle_fullscreen(self.media.call_view.cast()),
        }
        None
    }

    /// Stamps a call that ended with when and how long it was connected.
    fn record_call(&self, peer: String, outgoing: bool, outcome: Outcome) {
        let now = js_sys::Date::now() as u64;
        // Only an answered call is the one in progress (a call refused as
        // busy meanwhile is recorded too, and must not take its start).
        let started = if outcome == Outcome::Answered { self.talk_started.take() } else { None };
        let seconds = started.map_or(0, |t| (now.saturating_sub(t) / 1000) as u32);
        let record = CallRecord { peer, outgoing, outcome, at_ms: started.unwrap_or(now), seconds, seen: false };
        self.dispatch.dispatch(Action::CallRecorded(record));
    }

    /// Dispatches `action` after `ms` milliseconds, unless dropped first.
    fn after(&self, ms: u32, action: Action) -> Timeout {
        let d = self.dispatch.clone();
        Timeout::new(ms, move || d.dispatch(action))
    }

    /// Closes everything without reporting it (the page is going away,
    /// perhaps to be reloaded: the server holds our name and call a moment).
    fn leave(&self) {
        self.end_call();
        if let Some(s) = self.signaling.borrow_mut().take() {
            s.close_leaving();
        }
    }

    /// Tells the views which streams to show now.
    fn publish_media(&self) {
        let (local, remote) = self.call.borrow().streams();
        let preview = self.local.borrow().preview();
        self.media.view.update(|v| {
            v.local = local;
            v.remote = remote;
            v.preview = preview;
        });
    }
}
