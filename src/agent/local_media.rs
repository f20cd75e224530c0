//! Media outside the call's own negotiation: the camera warmed up before a
//! call (lobby preview, or while ringing), device switching, screen sharing.

use std::{cell::RefCell, rc::Rc};

use gloo::events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{MediaStream, MediaStreamTrack, MediaStreamTrackState};

use super::{js, level::LevelMeter, media, Agent};
use crate::store::{Action, DeviceKind, Msg};

/// A camera/microphone stream being opened or open, not yet in a call.
pub struct Warm {
    /// Resolves to the stream, or null when nothing could be opened.
    opening: js_sys::Promise,
    ready: Rc<RefCell<Option<MediaStream>>>,
}

impl Warm {
    fn open(agent: &Rc<Agent>) -> Warm {
        let ready = Rc::new(RefCell::new(None));
        let (agent, slot) = (agent.clone(), ready.clone());
        let opening = future_to_promise(async move {
            let stream = agent.open_media().await;
            *slot.borrow_mut() = stream.clone();
            agent.publish_media();
            Ok(stream.map_or(JsValue::NULL, JsValue::from))
        });
        Warm { opening, ready }
    }

    /// The stream if it is open already.
    pub fn ready(&self) -> Option<MediaStream> {
        self.ready.borrow().clone()
    }

    /// The stream, once it is open.
    pub async fn stream(self) -> Option<MediaStream> {
        JsFuture::from(self.opening).await.ok().and_then(|v| v.dyn_into().ok())
    }
}

/// The agent's part for media outside a call: the camera and microphone
/// warmed up (lobby preview, or while ringing), handed to the next call, and
/// the preview's level meter.
#[derive(Default)]
pub struct LocalMedia {
    warm: Option<Warm>,
    meter: Option<LevelMeter>,
}

impl LocalMedia {
    /// The preview's stream, once open.
    pub fn preview(&self) -> Option<MediaStream> {
        self.warm.as_ref().and_then(Warm::ready)
    }

    /// The warmed-up media for a call (the meter stops: the call has its own).
    pub fn take_warm(&mut self) -> Option<Warm> {
        self.meter = None;
        self.warm.take()
    }
}

/// The screen we send instead of the camera; dropping it ends the capture.
pub struct ScreenShare {
    pub stream: MediaStream,
    _ended: EventListener,
}

impl Drop for ScreenShare {
    fn drop(&mut self) {
        media::stop(&self.stream);
    }
}

impl Agent {
    /// Opens the camera while the phone rings, so accepting is instant.
    pub(super) fn prepare_media(self: &Rc<Self>) {
        if self.local.borrow().warm.is_none() {
            let warm = Warm::open(self);
            self.local.borrow_mut().warm = Some(warm);
        }
    }

    /// The lobby's device check: preview and microphone meter, or release.
    pub(super) fn device_check(self: &Rc<Self>, on: bool) {
        if !on {
            return self.release_warm();
        }
        self.prepare_media();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let Some(promise) = me.local.borrow().warm.as_ref().map(|w| w.opening.clone()) else { return };
            let _ = JsFuture::from(promise).await;
            me.start_meter();
        });
    }

    fn start_meter(&self) {
        let stream = self.local.borrow().preview();
        let view = self.media.view.clone();
        let meter = stream.as_ref().and_then(|s| LevelMeter::new(s, move |level| view.update(|v| v.mic_level = level)));
        self.local.borrow_mut().meter = meter;
    }

    /// Stops the warmed-up camera (once it is open, if it is still opening).
    pub(super) fn release_warm(&self) {
        let warm = self.local.borrow_mut().take_warm();
        if let Some(w) = warm {
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(s) = w.stream().await {
                    media::stop(&s);
                }
            });
        }
        self.publish_media();
    }

    pub(super) fn refresh_devices(&self) {
        let d = self.dispatch.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match media::enumerate().await {
                Ok(found) => d.dispatch(Action::DevicesFound(found)),
                Err(e) => gloo::console::warn!(format!("could not list devices: {}", js::describe(e))),
            }
        });
    }

    /// A device was plugged in or out: new lists for the pickers, and a
    /// track whose device went away (the default one, say) is reopened on
    /// what is there now, instead of freezing.
    pub(super) fn devices_changed(self: &Rc<Self>) {
        self.refresh_devices();
        let Some(session) = self.session() else { return };
        let devices = self.state().devices.clone();
        for (kind, track_kind, id) in
            [(DeviceKind::Camera, "video", devices.camera), (DeviceKind::Microphone, "audio", devices.microphone)]
        {
            // A chosen device that went away is the store's to replace
            // (DevicesFound falls back to the default); here, the default's.
            let ended =
                session.local_track(track_kind).is_some_and(|t| t.ready_state() == MediaStreamTrackState::Ended);
            if ended && id.is_none() {
                self.use_device(kind, None);
            }
        }
    }

    /// The processing switches changed: a live microphone is reopened with
    /// them. Chromium gives a new track of a device that is still open the
    /// open one's processing, so the old track ends first (a moment of
    /// silence, for a setting changed rarely).
    pub(super) fn reopen_microphone(self: &Rc<Self>) {
        let live = self.session().and_then(|s| s.local_track("audio"));
        let preview = self.local.borrow().preview();
        let previewed = preview.iter().flat_map(|p| p.get_audio_tracks().iter().collect::<Vec<_>>());
        let mut any = false;
        for track in live.into_iter().chain(previewed.map(MediaStreamTrack::from)) {
            track.stop();
            any = true;
        }
        if any {
            self.use_device(DeviceKind::Microphone, self.state().devices.microphone.clone());
        }
    }

    /// Switches whatever is live to the camera or microphone `id` (the next
    /// call opens the store's choice anyway).
    pub(super) fn use_device(self: &Rc<Self>, kind: DeviceKind, id: Option<String>) {
        let track_kind = if kind == DeviceKind::Camera { "video" } else { "audio" };
        let session = self.session().filter(|s| s.local_track(track_kind).is_some());
        let preview = self.local.borrow().preview();
        if session.is_none() && preview.is_none() {
            return; // nothing live: the next call opens the new choice
        }
        let me = self.clone();
        let audio = self.state().devices.audio;
        wasm_bindgen_futures::spawn_local(async move {
            let track = match media::open_track(kind, id.as_deref(), audio).await {
                Ok(t) => t,
                Err(e) => return me.dispatch.dispatch(Action::MediaProblem(Msg::SwitchFailed(e))),
            };
            if let Some(s) = session {
                // While sharing, the new camera waits behind the screen.
                let send = !(kind == DeviceKind::Camera && me.call.borrow().screen.is_some());
                // A recording goes on with the new microphone.
                if let (DeviceKind::Microphone, Some(r)) = (kind, &*me.recorder.borrow()) {
                    r.use_voice(&track);
                }
                if let Err(e) = s.switch_device(track, send).await {
                    me.dispatch.dispatch(Action::MediaProblem(Msg::SwitchFailed(e)));
                }
            } else if let Some(p) = preview {
                swap_track(&p, track);
                if kind == DeviceKind::Microphone {
                    me.start_meter();
                }
            }
            me.publish_media();
        });
    }

    pub(super) fn start_share(self: &Rc<Self>) {
        let generation = self.generation();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let stream = match media::open_screen().await {
                Ok(s) => s,
                Err(e) => {
                    let msg = match js::error_name(&e).as_str() {
                        "NotAllowedError" => Msg::ShareCancelled,
                        _ => Msg::ShareFailed(js::describe(e)),
                    };
                    return me.dispatch.dispatch(Action::MediaProblem(msg));
                }
            };
            let track = stream.get_video_tracks().get(0).dyn_into::<MediaStreamTrack>().ok();
            let session = me.session().filter(|_| me.generation() == generation);
            let (Some(session), Some(track)) = (session, track) else { return media::stop(&stream) };
            if let Err(e) = session.replace_track("video", Some(&track)).await {
                media::stop(&stream);
                return me.dispatch.dispatch(Action::MediaProblem(Msg::ShareFailed(e)));
            }
            // The browser's own "Stop sharing" ends the track.
            let weak = Rc::downgrade(&me);
            let ended = EventListener::once(&track, "ended", move |_| {
                if let Some(me) = weak.upgrade() {
                    // Not inside the listener that the stop drops.
                    wasm_bindgen_futures::spawn_local(async move { me.stop_share() });
                }
            });
            me.call.borrow_mut().screen = Some(ScreenShare { stream, _ended: ended });
            me.publish_media();
            me.dispatch.dispatch(Action::ScreenShared(true));
        });
    }

    /// Sends the camera again (or nothing, if there is no camera).
    pub(super) fn stop_share(self: &Rc<Self>) {
        let Some(screen) = self.call.borrow_mut().screen.take() else { return };
        drop(screen);
        self.publish_media();
        self.dispatch.dispatch(Action::ScreenShared(false));
        let Some(s) = self.session() else { return };
        wasm_bindgen_futures::spawn_local(async move {
            let camera = s.local_track("video");
            if let Err(e) = s.replace_track("video", camera.as_ref()).await {
                gloo::console::warn!(format!("camera not restored: {e}"));
            }
        });
    }
}

/// Puts `track` in `stream` in place of the old track of its kind.
fn swap_track(stream: &MediaStream, track: MediaStreamTrack) {
    for old in stream.get_tracks().iter().map(MediaStreamTrack::from).filter(|t| t.kind() == track.kind()) {
        stream.remove_track(&old);
        old.stop();
    }
    stream.add_track(&track);
}
