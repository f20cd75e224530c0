//! The data saver's cap on the video we send, through the sender's
//! parameters: no renegotiation, and it holds across camera switches.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::PeerSession;
use crate::agent::js::describe;

/// The data saver's cap on the video we send.
const SAVER_MAX_BITRATE: u32 = 150_000;
const SAVER_MAX_HEIGHT: f64 = 360.0;

impl PeerSession {
    /// Caps the video we send at 360p and about 150 kbit/s (`on`) or lifts
    /// the cap, through the sender's parameters: no renegotiation, and it
    /// holds across camera switches and screen sharing.
    pub async fn limit_video(&self, on: bool) -> Result<(), String> {
        use js_sys::{Array, Function, Reflect};
        let sender = self.sender("video").ok_or("the call has no video")?;
        let call = |name: &str, args: &Array| -> Result<wasm_bindgen::JsValue, String> {
            let f: Function = Reflect::get(&sender, &name.into()).map_err(describe)?.dyn_into().map_err(describe)?;
            f.apply(&sender, args).map_err(describe)
        };
        let params = call("getParameters", &Array::new())?;
        let encodings: Array =
            Reflect::get(&params, &"encodings".into()).map_err(describe)?.dyn_into().map_err(describe)?;
        let Some(first) = encodings.iter().next() else { return Err("no encodings yet".into()) };
        if on {
            // What it sends, or (before Accept puts it on) the camera it will.
            let track = sender.track().or_else(|| self.local_track("video"));
            let height = track.map(|t| crate::agent::js::track_height(&t)).unwrap_or(0.0);
            let scale = (height / SAVER_MAX_HEIGHT).max(1.0);
            Reflect::set(&first, &"maxBitrate".into(), &SAVER_MAX_BITRATE.into()).map_err(describe)?;
            Reflect::set(&first, &"scaleResolutionDownBy".into(), &scale.into()).map_err(describe)?;
        } else {
            Reflect::delete_property(first.unchecked_ref::<js_sys::Object>(), &"maxBitrate".into())
                .map_err(describe)?;
            Reflect::set(&first, &"scaleResolutionDownBy".into(), &1.0.into()).map_err(describe)?;
        }
        let done = call("setParameters", &Array::of1(&params))?;
        JsFuture::from(js_sys::Promise::from(done)).await.map_err(describe)?;
        Ok(())
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
