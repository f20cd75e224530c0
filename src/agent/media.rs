//! Camera and microphone: ask for both, fall back to less, and say why.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStream, MediaStreamConstraints};

use super::js::error_name;
use crate::store::LocalMediaIssue;

/// Local media for a call: the stream (if any) and what was missing.
pub async fn open_local_media() -> (Option<MediaStream>, Option<LocalMediaIssue>) {
    let window = web_sys::window().expect("a browser window");
    if !window.is_secure_context() {
        return (None, Some(LocalMediaIssue::InsecureContext));
    }
    match get_user_media(true, true).await {
        Ok(s) => (Some(s), None),
        Err(e) => match error_name(&e).as_str() {
            "NotAllowedError" | "SecurityError" => (None, Some(LocalMediaIssue::PermissionDenied)),
            "NotFoundError" | "OverconstrainedError" => match get_user_media(true, false).await {
                Ok(s) => (Some(s), Some(LocalMediaIssue::NoCamera)),
                Err(_) => (None, Some(LocalMediaIssue::NoDevices)),
            },
            "NotReadableError" | "AbortError" => match get_user_media(true, false).await {
                // The camera is taken but the microphone is free.
                Ok(s) => (Some(s), Some(LocalMediaIssue::DeviceBusy)),
                Err(_) => (None, Some(LocalMediaIssue::DeviceBusy)),
            },
            _ => (None, Some(LocalMediaIssue::Other(super::js::describe(e)))),
        },
    }
}

async fn get_user_media(audio: bool, video: bool) -> Result<MediaStream, JsValue> {
    let devices = web_sys::window().ok_or(JsValue::NULL)?.navigator().media_devices()?;
    let c = MediaStreamConstraints::new();
    c.set_audio_bool(audio);
    c.set_video_bool(video);
    let stream: MediaStream = JsFuture::from(devices.get_user_media_with_constraints(&c)?).await?.into();
    super::diagnostics::local_stream(&stream);
    Ok(stream)
}

/// Ends every track, which turns the camera light off.
pub fn stop(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        web_sys::MediaStreamTrack::from(t).stop();
    }
}
