//! The data saver's cap on the video we send, through the sender's
//! parameters: no renegotiation. The session remembers it and restates it
//! whenever the video track changes (the camera opened on Accept, a camera
//! switch, the screen), because its scale depends on the track's size.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStreamTrack, RtcRtpSender};

use super::PeerSession;
use crate::agent::js::{describe, track_lines};

/// The data saver's cap on the video we send.
const SAVER_MAX_BITRATE: u32 = 150_000;
/// Lines on the short side: 360p, upright or not.
const SAVER_MAX_LINES: f64 = 360.0;

impl PeerSession {
    /// Caps the video we send at 360p and about 150 kbit/s (`on`) or lifts
    /// the cap; held for the tracks sent later in this call.
    pub async fn limit_video(&self, on: bool) -> Result<(), String> {
        self.video_capped.set(on);
        let sender = self.sender("video").ok_or("the call has no video")?;
        // What it sends, or (before Accept puts it on) the camera it will.
        let track = sender.track().or_else(|| self.local_track("video"));
        apply(&sender, track.as_ref().map_or(0.0, track_lines), on).await
    }

    /// After `track` went on `sender`: the cap again, scaled for its size
    /// (a call accepted before the camera opened was capped with none), if
    /// it is still on by then.
    pub(super) fn restated_cap(
        &self,
        sender: RtcRtpSender,
        track: &MediaStreamTrack,
    ) -> impl std::future::Future<Output = ()> {
        let (lines, capped) = (track_lines(track), self.video_capped.clone());
        async move {
            // Read when the track is on, not when it was asked for: the cap
            // may have been lifted meanwhile.
            if capped.get() {
                if let Err(e) = apply(&sender, lines, true).await {
                    gloo::console::warn!(format!("video cap not restated: {e}"));
                }
            }
        }
    }

    /// The cap on the video we send now: (`maxBitrate`, `scaleResolutionDownBy`)
    /// of its encoding, as the browser holds them.
    pub fn video_limit(&self) -> Option<(Option<f64>, f64)> {
        use js_sys::{Function, Reflect};
        let sender = self.sender("video")?;
        let get: Function = Reflect::get(&sender, &"getParameters".into()).ok()?.dyn_into().ok()?;
        let params = get.call0(&sender).ok()?;
        let first = Reflect::get(&Reflect::get(&params, &"encodings".into()).ok()?, &0.into()).ok()?;
        let max = Reflect::get(&first, &"maxBitrate".into()).ok()?.as_f64();
        let scale = Reflect::get(&first, &"scaleResolutionDownBy".into()).ok()?.as_f64().unwrap_or(1.0);
        Some((max, scale))
    }
}

/// Sets (`on`) or lifts the cap on `sender`'s first encoding, scaled for
/// a track whose short side is `lines` long.
async fn apply(sender: &RtcRtpSender, lines: f64, on: bool) -> Result<(), String> {
    use js_sys::{Array, Function, Reflect};
    let call = |name: &str, args: &Array| -> Result<wasm_bindgen::JsValue, String> {
        let f: Function = Reflect::get(sender, &name.into()).map_err(describe)?.dyn_into().map_err(describe)?;
        f.apply(sender, args).map_err(describe)
    };
    let params = call("getParameters", &Array::new())?;
    let encodings: Array =
        Reflect::get(&params, &"encodings".into()).map_err(describe)?.dyn_into().map_err(describe)?;
    let Some(first) = encodings.iter().next() else { return Err("no encodings yet".into()) };
    if on {
        let scale = (lines / SAVER_MAX_LINES).max(1.0);
        Reflect::set(&first, &"maxBitrate".into(), &SAVER_MAX_BITRATE.into()).map_err(describe)?;
        Reflect::set(&first, &"scaleResolutionDownBy".into(), &scale.into()).map_err(describe)?;
    } else {
        Reflect::delete_property(first.unchecked_ref::<js_sys::Object>(), &"maxBitrate".into()).map_err(describe)?;
        Reflect::set(&first, &"scaleResolutionDownBy".into(), &1.0.into()).map_err(describe)?;
    }
    let done = call("setParameters", &Array::of1(&params))?;
    JsFuture::from(js_sys::Promise::from(done)).await.map_err(describe)?;
    Ok(())
}
