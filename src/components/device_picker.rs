use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::{
    hooks::use_store,
    store::{Action, DeviceKind},
};

fn label(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Camera => "Camera",
        DeviceKind::Microphone => "Microphone",
        DeviceKind::Speaker => "Speaker",
    }
}

/// A labelled choice of camera, microphone and (where the browser can route
/// audio) speaker; a choice applies at once, mid-call included.
#[function_component(DevicePicker)]
pub fn device_picker() -> Html {
    let store = use_store();
    let pickers = [DeviceKind::Camera, DeviceKind::Microphone, DeviceKind::Speaker].into_iter().filter_map(|kind| {
        let list = store.devices.list(kind);
        if list.is_empty() {
            return None;
        }
        let chosen = store.devices.chosen(kind).unwrap_or("");
        let onchange = {
            let store = store.clone();
            Callback::from(move |e: Event| {
                let id = e.target_unchecked_into::<HtmlSelectElement>().value();
                store.dispatch(Action::ChooseDevice { kind, id: (!id.is_empty()).then_some(id) });
            })
        };
        let id = format!("device-{}", label(kind).to_lowercase());
        Some(html! {
            <div class="picker" key={id.clone()}>
                <label for={id.clone()}>{ label(kind) }</label>
                <select {id} {onchange}>
                    <option value="" selected={chosen.is_empty()}>{ "System default" }</option>
                    { for list.iter().map(|d| html! {
                        <option key={d.id.clone()} value={d.id.clone()} selected={d.id == chosen}>{ &d.label }</option>
                    }) }
                </select>
            </div>
        })
    });
    html! { <div class="device-picker">{ for pickers }</div> }
}
