//! The store and the media as Yew sees them: contexts whose values never
//! change identity, selector hooks so each view re-renders only for what it
//! shows, and small facade hooks every component uses.

mod media;
mod notification;
mod observable;
mod store;
mod viewport;
mod visible_rows;

pub use media::{use_media, use_media_select, Media, MediaView};
pub use notification::{use_system_notification, SystemNote};
pub use store::{use_dispatch, use_select, use_store, Dispatch, EffectRunner, Store, StoreProvider};
pub use viewport::use_narrow;
pub use visible_rows::{use_visible_rows, VisibleRows};
use yew::prelude::*;

use crate::store::Action;

/// The current language's texts.
#[hook]
pub fn use_texts() -> &'static crate::i18n::Texts {
    crate::i18n::texts(use_select(|s| s.lang))
}

/// A callback that dispatches the action `make` builds (a function, not an
/// action to clone: cloning would bring every variant's clone into the app).
#[hook]
pub fn use_action(make: fn() -> Action) -> Callback<MouseEvent> {
    use_dispatch().action(make)
}

/// A form's submit handler that dispatches the text of `input` as the
/// action `make` builds from it, optionally clearing the field.
#[hook]
pub fn use_text_submit(input: NodeRef, make: fn(String) -> Action, clear: bool) -> Callback<SubmitEvent> {
    let dispatch = use_dispatch();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        if let Some(i) = input.cast::<web_sys::HtmlInputElement>() {
            dispatch.dispatch(make(i.value()));
            if clear {
                i.set_value("");
            }
        }
    })
}
