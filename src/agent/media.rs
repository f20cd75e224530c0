//! Camera, microphone and screen: ask for what the user chose, fall back to
//! less, and say why.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DisplayMediaStreamConstraints, MediaDeviceInfo, MediaStream, MediaStreamConstraints, MediaStreamTrack};

use super::js::error_name;
use crate::store::{AudioProcessing, Device, DeviceKind, Devices, LocalMediaIssue};

/// Local media for a call from the devices the user picked (`None`: the
/// system default): the stream (if any) and what was missing.
pub async fn open_local_media(choice: &Devices) -> (Option<MediaStream>, Option<LocalMediaIssue>) {
    let window = web_sys::window().expect("a browser window");
    if !window.is_secure_context() {
        return (None, Some(LocalMediaIssue::InsecureContext));
    }
    // `exact`, because Chromium may ignore an `ideal` device; a remembered
    // device that is gone falls back to the default instead of failing.
    // No size is asked: with the browser's default (640×480) the first
    // frame goes out as soon as the encoder has one; asked for 720p, the
    // encoder drops its first frames until it has scaled down (the bench's
    // bare page: 111 → 247 ms from replaceTrack to picture).
    if choice.camera.is_some() || choice.microphone.is_some() {
        let audio = microphone(choice.microphone.as_deref(), choice.audio);
        let video = constraint(choice.camera.as_deref());
        match get_user_media(Some(&audio), Some(&video)).await {
            Ok(s) => return (Some(s), None),
            Err(e) if matches!(error_name(&e).as_str(), "OverconstrainedError" | "NotFoundError") => {}
            Err(e) => return (None, Some(issue(&e))),
        }
    }
    let (audio, video) = (microphone(None, choice.audio), JsValue::TRUE);
    match get_user_media(Some(&audio), Some(&video)).await {
        Ok(s) => (Some(s), None),
        Err(e) => match error_name(&e).as_str() {
            "NotFoundError" | "OverconstrainedError" => match get_user_media(Some(&audio), None).await {
                Ok(s) => (Some(s), Some(LocalMediaIssue::NoCamera)),
                Err(_) => (None, Some(LocalMediaIssue::NoDevices)),
            },
            "NotReadableError" | "AbortError" => match get_user_media(Some(&audio), None).await {
                // The camera is taken but the microphone is free.
                Ok(s) => (Some(s), Some(LocalMediaIssue::DeviceBusy)),
                Err(_) => (None, Some(LocalMediaIssue::DeviceBusy)),
            },
            _ => (None, Some(issue(&e))),
        },
    }
}

fn issue(e: &JsValue) -> LocalMediaIssue {
    match error_name(e).as_str() {
        "NotAllowedError" | "SecurityError" => LocalMediaIssue::PermissionDenied,
        "NotReadableError" | "AbortError" => LocalMediaIssue::DeviceBusy,
        _ => LocalMediaIssue::Other(super::js::describe(e.clone())),
    }
}

/// One new track from the chosen device (`None`: the default), for switching.
pub async fn open_track(
    kind: DeviceKind,
    id: Option<&str>,
    audio: AudioProcessing,
) -> Result<MediaStreamTrack, String> {
    let stream = match kind {
        DeviceKind::Camera => get_user_media(None, Some(&constraint(id))).await,
        DeviceKind::Microphone => get_user_media(Some(&microphone(id, audio)), None).await,
        DeviceKind::Speaker => return Err("a speaker has no track".into()),
    }
    .map_err(super::js::describe)?;
    let track = stream.get_tracks().get(0);
    track.dyn_into().map_err(|_| "the device gave no track".to_owned())
}

// Constraints are built as JS objects in place: through serde_json's Value
// they brought float formatting and its tables into the first load.
fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (key, value) in entries {
        let _ = js_sys::Reflect::set(&o, &(*key).into(), value);
    }
    o.into()
}

/// That device (`None`: any).
fn constraint(id: Option<&str>) -> JsValue {
    let Some(id) = id else { return JsValue::TRUE };
    object(&[("deviceId", object(&[("exact", id.into())]))])
}

/// That microphone (`None`: any) with the user's processing switches.
fn microphone(id: Option<&str>, audio: AudioProcessing) -> JsValue {
    let mut c = vec![
        ("noiseSuppression", audio.noise_suppression.into()),
        ("echoCancellation", audio.echo_cancellation.into()),
        ("autoGainControl", audio.auto_gain.into()),
    ];
    if let Some(id) = id {
        c.push(("deviceId", object(&[("exact", id.into())])));
    }
    object(&c)
}

async fn get_user_media(audio: Option<&JsValue>, video: Option<&JsValue>) -> Result<MediaStream, JsValue> {
    let devices = web_sys::window().ok_or(JsValue::NULL)?.navigator().media_devices()?;
    let c = MediaStreamConstraints::new();
    c.set_audio(audio.unwrap_or(&JsValue::FALSE));
    c.set_video(video.unwrap_or(&JsValue::FALSE));
    let stream: MediaStream = JsFuture::from(devices.get_user_media_with_constraints(&c)?).await?.into();
    super::diagnostics::local_stream(&stream);
    Ok(stream)
}

/// Asks the user for a screen (or window, or tab) to share.
pub async fn open_screen() -> Result<MediaStream, JsValue> {
    let devices = web_sys::window().ok_or(JsValue::NULL)?.navigator().media_devices()?;
    let c = DisplayMediaStreamConstraints::new();
    c.set_video(&JsValue::TRUE);
    c.set_audio(&JsValue::FALSE);
    Ok(JsFuture::from(devices.get_display_media_with_constraints(&c)?).await?.into())
}

/// The cameras, microphones and (where audio output can be routed) speakers.
/// Labels are empty until the user has granted access once.
pub async fn enumerate() -> Result<Devices, JsValue> {
    let devices = web_sys::window().ok_or(JsValue::NULL)?.navigator().media_devices()?;
    let list: js_sys::Array = JsFuture::from(devices.enumerate_devices()?).await?.unchecked_into();
    let can_route_audio = super::js::can_set_sink_id();
    let mut found = Devices::default();
    for d in list.iter().map(MediaDeviceInfo::from) {
        // Chromium lists the default as its own entry too: it is `None` here.
        if d.device_id().is_empty() || d.device_id() == "default" || d.device_id() == "communications" {
            continue;
        }
        // Empty until access is granted; the picker then numbers them.
        let device = Device { id: d.device_id(), label: d.label() };
        match d.kind() {
            web_sys::MediaDeviceKind::Videoinput => found.cameras.push(device),
            web_sys::MediaDeviceKind::Audioinput => found.microphones.push(device),
            web_sys::MediaDeviceKind::Audiooutput if can_route_audio => found.speakers.push(device),
            _ => {}
        }
    }
    Ok(found)
}

/// Ends every track, which turns the camera light off.
pub fn stop(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        web_sys::MediaStreamTrack::from(t).stop();
    }
}
