//! The call's keyboard shortcuts (the table is `store::shortcuts`): a
//! window listener, live while the call view is up, that turns key presses
//! into store actions. Keys typed into a field are the field's.

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::{hooks::Dispatch, store::shortcuts};

pub fn listen(dispatch: Dispatch) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "keydown", move |e| {
        let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
        if e.repeat() || typing(e) {
            return;
        }
        let modifiers = e.ctrl_key() || e.alt_key() || e.meta_key();
        if let Some(action) = shortcuts::action_for(&e.key(), modifiers) {
            e.prevent_default();
            dispatch.dispatch(action);
        }
    }))
}

/// The key goes into a text field, a select or an editable element.
fn typing(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return false };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
}
