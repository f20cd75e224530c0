//! Recording a call in the browser: both voices mixed with Web Audio and the
//! partner's video, by MediaRecorder, saved as a `.webm` download when it
//! stops. The partner's video alone, not a composite with ours: a canvas
//! redrawn on a timer stalls in a background tab (timers drop to once a
//! second there) and costs a core's share per frame; the track itself does
//! not.

use std::{cell::RefCell, rc::Rc};

use gloo::events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AudioContext, Blob, BlobPropertyBag, MediaRecorder, MediaStream};

use super::js::describe;

/// A recording in progress; `stop` saves it. Dropped, it stops (and saves).
pub struct Recorder {
    recorder: MediaRecorder,
    ctx: AudioContext,
    /// The saved file's blob URL, given back when the recorder goes.
    saved: Rc<RefCell<Option<String>>>,
    _listeners: Vec<EventListener>,
}

impl Recorder {
    /// Records `local`'s and `remote`'s sound and `remote`'s video into the
    /// file `name`; `done` hears of it ending (the browser's reason if it
    /// broke) with the saved file's blob URL.
    pub fn start(
        local: Option<&MediaStream>,
        remote: &MediaStream,
        name: String,
        done: impl Fn(Option<String>, Option<String>) + 'static,
    ) -> Result<Recorder, String> {
        let ctx = AudioContext::new().map_err(describe)?;
        let started = Self::record(&ctx, local, remote, name, done);
        if started.is_err() {
            let _ = ctx.close();
        }
        let (recorder, saved, listeners) = started?;
        Ok(Recorder { recorder, ctx, saved, _listeners: listeners })
    }

    #[allow(clippy::type_complexity)]
    fn record(
        ctx: &AudioContext,
        local: Option<&MediaStream>,
        remote: &MediaStream,
        name: String,
        done: impl Fn(Option<String>, Option<String>) + 'static,
    ) -> Result<(MediaRecorder, Rc<RefCell<Option<String>>>, Vec<EventListener>), String> {
        let mix = ctx.create_media_stream_destination().map_err(describe)?;
        for stream in local.into_iter().chain([remote]).filter(|s| s.get_audio_tracks().length() > 0) {
            let source = ctx.create_media_stream_source(stream).map_err(describe)?;
            source.connect_with_audio_node(&mix).map_err(describe)?;
        }
        let out = MediaStream::new().map_err(describe)?;
        for track in mix.stream().get_audio_tracks().iter().chain(remote.get_video_tracks().iter()) {
            out.add_track(&track.unchecked_into());
        }
        let recorder = MediaRecorder::new_with_media_stream(&out).map_err(describe)?;
        let chunks: Rc<RefCell<Vec<JsValue>>> = Rc::default();
        let saved: Rc<RefCell<Option<String>>> = Rc::default();
        let broke: Rc<RefCell<Option<String>>> = Rc::default();
        let listeners = {
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
            let (url, why) = (saved.clone(), broke);
            let stop = EventListener::new(&recorder, "stop", move |_| {
                let saved = save(&name, &chunks.borrow_mut().drain(..).collect::<js_sys::Array>());
                *url.borrow_mut() = saved.clone();
                done(why.borrow_mut().take(), saved);
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
            vec![data, error, stop, leaving]
        };
        // Chunks are kept in memory until the file is saved: a tab closed
        // mid-recording loses it (the page says so before it closes).
        recorder.start_with_time_slice(1000).map_err(describe)?;
        Ok((recorder, saved, listeners))
    }

    /// Stops; the file is saved when the browser hands over the last chunk.
    pub fn stop(&self) {
        if self.recorder.state() != web_sys::RecordingState::Inactive {
            let _ = self.recorder.stop();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop();
        let _ = self.ctx.close();
        if let Some(url) = self.saved.borrow_mut().take() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}

/// Offers `chunks` as the download `name`; the blob URL, to give back later
/// (revoked at once, some browsers would not finish the download). A
/// browser may hold back a download no click started (a call that ended
/// on the other side): the app then offers the URL as a link.
fn save(name: &str, chunks: &js_sys::Array) -> Option<String> {
    let kind = BlobPropertyBag::new();
    kind.set_type("video/webm");
    let blob = Blob::new_with_blob_sequence_and_options(chunks, &kind).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link = web_sys::window()?.document()?.create_element("a").ok()?;
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", name);
    link.dyn_ref::<web_sys::HtmlElement>()?.click();
    Some(url)
}

/// "duet-bob-2026-12-04-140512.webm": the partner and the local time.
pub fn file_name(peer: &str) -> String {
    let now = js_sys::Date::new_0();
    let safe: String =
        peer.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!(
        "duet-{safe}-{}-{:02}-{:02}-{:02}{:02}{:02}.webm",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date(),
        now.get_hours(),
        now.get_minutes(),
        now.get_seconds()
    )
}
