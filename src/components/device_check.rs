use yew::prelude::*;

use crate::{
    components::{DevicePicker, Video},
    hooks::{use_action, use_media_select, use_select, use_texts},
    store::Action,
};

/// The lobby's "green room": see yourself, watch the microphone move, pick
/// devices. The stream it opens goes into the next call.
#[function_component(DeviceCheck)]
pub fn device_check() -> Html {
    let on = use_select(|s| s.device_check);
    // The level moves ten times a second while the check is on; this view is
    // small, and nothing below it re-renders for that.
    let (preview, level) = use_media_select(|m| (m.preview.clone(), m.mic_level));
    let toggle = use_action(|| Action::ToggleDeviceCheck);
    let t = use_texts();
    let class = "device-check";
    html! {
        <section {class} aria-labelledby="device-check-heading">
            <h2 id="device-check-heading">{ t.camera_and_microphone }</h2>
            <button onclick={toggle} aria-pressed={on.to_string()}>
                { if on { t.stop_check } else { t.check_devices } }
            </button>
            if on {
                <Video id="preview_video" stream={preview} muted=true label={t.camera_preview} />
                <label for="mic-level">{ t.mic_level }</label>
                <meter id="mic-level" min="0" max="100" low="10" high="80" optimum="50" value={percent(level).to_string()}></meter>
            }
            <DevicePicker />
        </section>
    }
}

/// The level (0–1) in whole percent: an integer, so the first load carries
/// no float formatting for it.
fn percent(level: f64) -> u32 {
    (level.clamp(0.0, 1.0) * 100.0 + 0.5) as u32
}
