use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::{
    hooks::{use_dispatch, use_select, use_texts},
    store::{Action, AudioSwitch, DeviceKind},
};

/// Element ids, the same in every language.
fn id(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Camera => "device-camera",
        DeviceKind::Microphone => "device-microphone",
        DeviceKind::Speaker => "device-speaker",
    }
}

/// A labelled choice of camera, microphone and (where the browser can route
/// audio) speaker, the microphone's processing switches and the data saver;
/// a choice applies at once, mid-call included.
#[function_component(DevicePicker)]
pub fn device_picker() -> Html {
    let (devices, data_saver) = use_select(|s| (s.devices.clone(), s.data_saver));
    let dispatch = use_dispatch();
    let t = use_texts();
    let pickers = [DeviceKind::Camera, DeviceKind::Microphone, DeviceKind::Speaker].into_iter().filter_map(|kind| {
        let list = devices.list(kind);
        if list.is_empty() {
            return None;
        }
        let chosen = devices.chosen(kind).unwrap_or("");
        let onchange = {
            let dispatch = dispatch.clone();
            Callback::from(move |e: Event| {
                let id = e.target_unchecked_into::<HtmlSelectElement>().value();
                dispatch.dispatch(Action::ChooseDevice { kind, id: (!id.is_empty()).then_some(id) });
            })
        };
        let label = match kind {
            DeviceKind::Camera => t.camera,
            DeviceKind::Microphone => t.microphone,
            DeviceKind::Speaker => t.speaker,
        };
        let id = id(kind);
        Some(html! {
            <div class="picker" key={id}>
                <label for={id}>{ label }</label>
                <select {id} {onchange}>
                    <option value="" selected={chosen.is_empty()}>{ t.system_default }</option>
                    { for list.iter().enumerate().map(|(n, d)| html! {
                        <option key={d.id.clone()} value={d.id.clone()} selected={d.id == chosen}>
                            { if d.label.is_empty() { (t.unnamed_device)(n + 1) } else { d.label.clone() } }
                        </option>
                    }) }
                </select>
            </div>
        })
    });
    let switches = AudioSwitch::ALL.into_iter().map(|switch| {
        let onchange = {
            let dispatch = dispatch.clone();
            Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                dispatch.dispatch(Action::SetAudioProcessing(switch, on));
            })
        };
        let label = match switch {
            AudioSwitch::NoiseSuppression => t.noise_suppression,
            AudioSwitch::EchoCancellation => t.echo_cancellation,
            AudioSwitch::AutoGain => t.auto_gain,
        };
        html! { <label><input type="checkbox" checked={devices.audio.get(switch)} {onchange} />{ label }</label> }
    });
    html! {
        <div class="device-picker">
            { for pickers }
            <fieldset class="audio-processing">
                <legend>{ t.sound_processing }</legend>
                { for switches }
            </fieldset>
            <div class="data-saver">
                <label>
                    <input type="checkbox" checked={data_saver} aria-describedby="data-saver-help" onchange={
                        let dispatch = dispatch.clone();
                        Callback::from(move |e: Event| {
                            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                            dispatch.dispatch(Action::SetDataSaver(on));
                        })
                    } />
                    { t.data_saver }
                </label>
                <p id="data-saver-help">{ t.data_saver_help }</p>
            </div>
        </div>
    }
}
