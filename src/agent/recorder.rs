//! Recording a call in the browser: both voices mixed with Web Audio and the
//! partner's video, by MediaRecorder, saved as a download when it stops
//! (`.webm`, or `.mp4` where the browser records that: Safari); where the
//! browser's mixing never starts, the partner's voice alone, said so. The partner's video alone, not a composite with ours: a canvas
//! redrawn on a timer stalls in a background tab (timers drop to once a
//! second there) and costs a core's share per frame; the track itself does
//! not.

use std::{cell::RefCell, rc::Rc};

use gloo::{events::EventListener, timers::callback::Timeout};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    AudioContext, AudioContextState, Blob, BlobPropertyBag, MediaRecorder, MediaStream,
    MediaStreamAudioDestinationNode, MediaStreamAudioSourceNode, MediaStreamTrack,
};

use super::js::describe;

/// How long the recording waits for the mix's sound to start. A context
/// that stays suspended (Firefox without a working sound output) gives a
/// silent track, and Firefox's MediaRecorder then records nothing at all.
const MIX_START_MS: u32 = 2_000;

/// What was said when a recording ends with no file.
const NOTHING_RECORDED: &str = "the browser recorded nothing";

/// A recording in progress; `stop` saves it. Dropped, it stops (and saves).
pub struct Recorder {
    shared: Rc<Shared>,
    /// Our voice in the mix, replaced when the microphone changes.
    voice: RefCell<Option<MediaStreamAudioSourceNode>>,
    /// Waiting for the mix to sound: its state change and the give-up.
    _until_mixed: Option<(EventListener, Timeout)>,
}

struct Shared {
    ctx: AudioContext,
    mix: MediaStreamAudioDestinationNode,
    remote: MediaStream,
    stem: String,
    tell: Rc<Tell>,
    /// The saved file's blob URL, given back when the recorder goes.
    saved: Rc<RefCell<Option<String>>>,
    stage: RefCell<Stage>,
}

enum Stage {
    /// The mix has not started sounding yet; nothing is recorded.
    Waiting,
    /// Its listeners stay until it goes: "stop" comes after `stop`.
    Recording {
        recorder: MediaRecorder,
        _listeners: Vec<EventListener>,
    },
    Stopped,
}

/// What a recording says as it goes.
pub enum Heard {
    /// The mix never started: the file has the partner's voice and video
    /// but not ours.
    WithoutYourVoice,
    /// It ended: the browser's reason if it broke, and the saved file
    /// (blob URL, file name).
    Ended(Option<String>, Option<(String, String)>),
}

pub type Tell = dyn Fn(Heard);

impl Recorder {
    /// Records our `voice`, `remote`'s sound and `remote`'s video into a
    /// file named `stem` and the container's extension; `tell` hears how
    /// it goes. Recording starts once the mix sounds (at once, mostly).
    pub fn start(
        voice: Option<MediaStreamTrack>,
        remote: &MediaStream,
        stem: String,
        tell: Box<Tell>,
    ) -> Result<Recorder, String> {
        let ctx = AudioContext::new().map_err(describe)?;
        let mix = ctx.create_media_stream_destination().map_err(describe).and_then(|mix| {
            if remote.get_audio_tracks().length() > 0 {
                let source = ctx.create_media_stream_source(remote).map_err(describe)?;
                source.connect_with_audio_node(&mix).map_err(describe)?;
            }
            Ok(mix)
        });
        let mix = match mix {
            Ok(mix) => mix,
            Err(e) => {
                let _ = ctx.close();
                return Err(e);
            }
        };
        let shared = Rc::new(Shared {
            ctx,
            mix,
            remote: remote.clone(),
            stem,
            tell: tell.into(),
            saved: Rc::default(),
            stage: RefCell::new(Stage::Waiting),
        });
        let mut r = Recorder { shared: shared.clone(), voice: RefCell::default(), _until_mixed: None };
        if let Some(voice) = voice {
            r.use_voice(&voice);
        }
        if shared.ctx.state() == AudioContextState::Running {
            shared.begin(true);
        } else {
            let _ = shared.ctx.resume();
            let weak = Rc::downgrade(&shared);
            let sounds = EventListener::new(&shared.ctx, "statechange", move |_| {
                if let Some(s) = weak.upgrade().filter(|s| s.ctx.state() == AudioContextState::Running) {
                    s.begin(true);
                }
            });
            let weak = Rc::downgrade(&shared);
            let give_up = Timeout::new(MIX_START_MS, move || {
                if let Some(s) = weak.upgrade() {
                    s.begin(false);
                }
            });
            r._until_mixed = Some((sounds, give_up));
        }
        Ok(r)
    }

    /// Records `track` as our voice from now on (the microphone changed,
    /// or its sound processing did: a new track either way).
    pub fn use_voice(&self, track: &MediaStreamTrack) {
        let tracks = js_sys::Array::of1(track);
        let ctx = &self.shared.ctx;
        let source = MediaStream::new_with_tracks(&tracks)
            .and_then(|s| ctx.create_media_stream_source(&s))
            .and_then(|source| source.connect_with_audio_node(&self.shared.mix).map(|_| source));
        match source {
            Ok(source) => {
                if let Some(old) = self.voice.replace(Some(source)) {
                    let _ = old.disconnect();
                }
            }
            Err(e) => gloo::console::warn!(format!("the recording lost our voice: {}", describe(e))),
        }
    }

    /// Stops; the file is saved when the browser hands over the last chunk.
    pub fn stop(&self) {
        let stage = &self.shared.stage;
        let waiting = matches!(*stage.borrow(), Stage::Waiting);
        if waiting {
            // Stopped (or the call ended) before the mix sounded: nothing
            // was recorded, and that is no failure to announce over what
            // the call's end says.
            *stage.borrow_mut() = Stage::Stopped;
            (self.shared.tell)(Heard::Ended(None, None));
        } else if let Stage::Recording { recorder, .. } = &*stage.borrow() {
            if recorder.state() != web_sys::RecordingState::Inactive {
                let _ = recorder.stop();
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Stage::Recording { recorder, .. } = &*self.shared.stage.borrow() {
            if recorder.state() != web_sys::RecordingState::Inactive {
                let _ = recorder.stop();
            }
        }
        let _ = self.shared.ctx.close();
        if let Some(url) = self.shared.saved.borrow_mut().take() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}

impl Shared {
    /// Starts recording the `mixed` voices, or, if the mix never sounded,
    /// the partner's own sound; once.
    fn begin(&self, mixed: bool) {
        if !matches!(*self.stage.borrow(), Stage::Waiting) {
            return;
        }
        let sound = if mixed { self.mix.stream() } else { self.remote.clone() };
        // The stage is set before the store hears of it.
        let heard = match self.record(&sound) {
            Ok((recorder, _listeners)) => {
                *self.stage.borrow_mut() = Stage::Recording { recorder, _listeners };
                (!mixed).then_some(Heard::WithoutYourVoice)
            }
            Err(e) => {
                *self.stage.borrow_mut() = Stage::Stopped;
                Some(Heard::Ended(Some(e), None))
            }
        };
        if let Some(heard) = heard {
            (self.tell)(heard);
        }
    }

    fn record(&self, sound: &MediaStream) -> Result<(MediaRecorder, Vec<EventListener>), String> {
        let out = MediaStream::new().map_err(describe)?;
        for track in sound.get_audio_tracks().iter().chain(self.remote.get_video_tracks().iter()) {
            out.add_track(&track.unchecked_into());
        }
        let recorder = MediaRecorder::new_with_media_stream(&out).map_err(describe)?;
        let chunks: Rc<RefCell<Vec<JsValue>>> = Rc::default();
        let broke: Rc<RefCell<Option<String>>> = Rc::default();
        let kept = chunks.clone();
        let data = EventListener::new(&recorder, "dataavailable", move |e| {
            if let Ok(data) = js_sys::Reflect::get(e, &"data".into()) {
                kept.borrow_mut().push(data);
            }
        });
        // An error stops the recorder too: "stop" follows, with its reason.
        let why = broke.clone();
        let error = EventListener::new(&recorder, "error", move |e| {
            *why.borrow_mut() = Some(js_sys::Reflect::get(e, &"error".into()).map(describe).unwrap_or_default());
        });
        let (url, stem, tell) = (self.saved.clone(), self.stem.clone(), self.tell.clone());
        let stop = EventListener::new(&recorder, "stop", move |_| {
            let saved = save(&stem, &chunks.borrow_mut().drain(..).collect::<js_sys::Array>());
            *url.borrow_mut() = saved.as_ref().ok().map(|(url, _)| url.clone());
            let why = broke.borrow_mut().take().or(saved.as_ref().err().cloned());
            tell(Heard::Ended(why, saved.ok()));
        });
        // Closing the tab mid-recording loses it: the browser asks first.
        let live = recorder.clone();
        let window = web_sys::window().ok_or("no window")?;
        let options = gloo::events::EventListenerOptions::enable_prevent_default();
        let leaving = EventListener::new_with_options(&window, "beforeunload", options, move |e| {
            if live.state() == web_sys::RecordingState::Recording {
                e.prevent_default();
            }
        });
        // Chunks are kept in memory until the file is saved: a tab closed
        // mid-recording loses it (the page says so before it closes).
        recorder.start_with_time_slice(1000).map_err(describe)?;
        Ok((recorder, vec![data, error, stop, leaving]))
    }
}

/// Offers `chunks` as the download `stem` plus the extension of what the
/// browser recorded; the blob URL (to give back later: revoked at once,
/// some browsers would not finish the download) and the file's name. A
/// browser may hold back a download no click started (a call that ended
/// on the other side): the app then offers the URL as a link. A recorder
/// that handed over nothing is a failure to say, not an empty file.
fn save(stem: &str, chunks: &js_sys::Array) -> Result<(String, String), String> {
    let recorded = chunks.get(0).dyn_into::<Blob>().map(|b| b.type_()).unwrap_or_default();
    let (kind, extension) = if recorded.contains("mp4") { ("video/mp4", "mp4") } else { ("video/webm", "webm") };
    let name = format!("{stem}.{extension}");
    let options = BlobPropertyBag::new();
    options.set_type(kind);
    let blob = Blob::new_with_blob_sequence_and_options(chunks, &options).map_err(describe)?;
    if blob.size() == 0.0 {
        return Err(NOTHING_RECORDED.into());
    }
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let link = web_sys::window().and_then(|w| w.document()).and_then(|d| d.create_element("a").ok());
    if let Some(link) = link.as_ref().and_then(|l| l.dyn_ref::<web_sys::HtmlElement>()) {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", &name);
        link.click();
    }
    Ok((url, name))
}

/// "duet-bob-2026-12-04-140512": the partner and the local time.
pub fn file_stem(peer: &str) -> String {
    let now = js_sys::Date::new_0();
    let safe: String =
        peer.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!(
        "duet-{safe}-{}-{:02}-{:02}-{:02}{:02}{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date(),
        now.get_hours(),
        now.get_minutes(),
        now.get_seconds()
    )
}
