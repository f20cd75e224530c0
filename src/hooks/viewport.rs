//! Whether the window is phone-narrow, kept current as it is resized or
//! rotated: the phone layout shows fewer controls, not the same ones hidden.

use gloo::events::EventListener;
use yew::prelude::*;

/// The width below which the phone layout is used (40 rem).
const NARROW: &str = "(max-width: 40rem)";

#[hook]
pub fn use_narrow() -> bool {
    let query = use_memo((), |_| web_sys::window().and_then(|w| w.match_media(NARROW).ok().flatten()));
    let narrow = use_state_eq(|| query.as_ref().as_ref().is_some_and(|q| q.matches()));
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = query.as_ref().as_ref().map(|q| {
                let q2 = q.clone();
                EventListener::new(q, "change", move |_| narrow.set(q2.matches()))
            });
            move || drop(listener)
        });
    }
    *narrow
}
