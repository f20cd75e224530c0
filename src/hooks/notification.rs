//! System notifications: a call ringing, or missed, while Duet's tab is in
//! the background (the page itself shows both when it is in front).

use gloo::events::EventListener;
use web_sys::{Notification, NotificationOptions};
use yew::prelude::*;

/// Shows `note` (title, body) as a system notification while it is `Some`,
/// if notifications are `on` and the page is hidden when it appears; a
/// click brings the tab to the front. Closed when `note` changes or the
/// view goes.
#[hook]
pub fn use_system_notification(note: Option<(String, String)>, on: bool) {
    use_effect_with((note, on), |(note, on)| {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        let shown = note.as_ref().filter(|_| *on && hidden).and_then(|(title, body)| SystemNote::show(title, body));
        move || drop(shown)
    });
}

/// A notification on screen; dropping it takes it away.
struct SystemNote {
    note: Notification,
    _click: EventListener,
}

impl SystemNote {
    fn show(title: &str, body: &str) -> Option<SystemNote> {
        let options = NotificationOptions::new();
        options.set_body(body);
        // One at a time: a missed call replaces its own ring.
        options.set_tag("duet-call");
        options.set_require_interaction(true);
        let note = Notification::new_with_options(title, &options).ok()?;
        let clicked = note.clone();
        let click = EventListener::new(&note, "click", move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
            }
            clicked.close();
        });
        Some(SystemNote { note, _click: click })
    }
}

impl Drop for SystemNote {
    fn drop(&mut self) {
        self.note.close();
    }
}
