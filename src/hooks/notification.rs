//! System notifications: a call ringing, or missed, while Duet's tab is in
//! the background (the page itself shows both when it is in front).
//!
//! When Duet's service worker controls the page, the worker shows them
//! (web/pwa.js, loaded after start, takes the page's `duet-notify` event):
//! phones show no other kind, and only those can carry buttons such as
//! Accept and Decline. Without a worker (the first visit before it starts,
//! a private window) the page shows a plain one.

use std::{cell::RefCell, rc::Rc};

use gloo::events::EventListener;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, Notification, NotificationOptions};
use yew::prelude::*;

/// What a notification says, and the buttons it offers where the browser
/// can (action id, label).
#[derive(Clone, PartialEq)]
pub struct SystemNote {
    /// One notification of each kind per page: a new one replaces the last.
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub actions: Vec<(&'static str, &'static str)>,
}

/// Shows `note` as a system notification while it is `Some`, if
/// notifications are `on` and the page is hidden when it appears. A click
/// brings the tab to the front; a button's id goes to `on_action`. Closed
/// when `note` changes or the view goes.
#[hook]
pub fn use_system_notification(note: Option<SystemNote>, on: bool, on_action: Callback<&'static str>) {
    let latest = use_mut_ref(|| on_action.clone());
    *latest.borrow_mut() = on_action;
    use_effect_with((note, on), move |(note, on)| {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        let shown = note.as_ref().filter(|_| *on && hidden).and_then(|n| Shown::show(n, latest));
        move || drop(shown)
    });
}

/// A notification on screen; dropping it takes it away.
enum Shown {
    /// Shown by the worker; its buttons come back as `duet-notification-action`.
    Worker {
        tag: String,
        _action: EventListener,
    },
    Page {
        note: Notification,
        _click: EventListener,
    },
}

impl Shown {
    fn show(note: &SystemNote, on_action: Rc<RefCell<Callback<&'static str>>>) -> Option<Shown> {
        let window = web_sys::window()?;
        let tag = format!("duet-{}-{}", note.kind, page_id());
        let actions = Array::new();
        for (id, label) in &note.actions {
            actions.push(&fields(&[("action", id), ("title", label)]).into());
        }
        let detail = fields(&[("title", &note.title), ("body", &note.body), ("tag", &tag)]);
        let _ = Reflect::set(&detail, &"actions".into(), &actions);
        if !ask_worker(&window, &detail) {
            let ids: Vec<&'static str> = note.actions.iter().map(|(id, _)| *id).collect();
            let mine = tag.clone();
            let action = EventListener::new(&window, "duet-notification-action", move |e| {
                let Some(detail) = e.dyn_ref::<CustomEvent>().map(CustomEvent::detail) else { return };
                let field = |k: &str| Reflect::get(&detail, &k.into()).ok().and_then(|v| v.as_string());
                let id = field("action").and_then(|a| ids.iter().copied().find(|id| *id == a));
                if let (Some(id), true) = (id, field("tag").as_deref() == Some(mine.as_str())) {
                    on_action.borrow().emit(id);
                }
            });
            return Some(Shown::Worker { tag, _action: action });
        }
        let options = NotificationOptions::new();
        options.set_body(&note.body);
        options.set_tag(&tag);
        options.set_require_interaction(true);
        let shown = Notification::new_with_options(&note.title, &options).ok()?;
        let clicked = shown.clone();
        let click = EventListener::new(&shown, "click", move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
            }
            clicked.close();
        });
        Some(Shown::Page { note: shown, _click: click })
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        match self {
            Shown::Worker { tag, .. } => {
                if let Some(w) = web_sys::window() {
                    let detail = fields(&[("tag", tag)]);
                    let _ = Reflect::set(&detail, &"close".into(), &JsValue::TRUE);
                    ask_worker(&w, &detail);
                }
            }
            Shown::Page { note, .. } => note.close(),
        }
    }
}

/// Fires `duet-notify` with `detail`; `false` when web/pwa.js took it (a
/// worker controls the page), `true` when the page must show it itself.
fn ask_worker(window: &web_sys::Window, detail: &Object) -> bool {
    let init = CustomEventInit::new();
    init.set_cancelable(true);
    init.set_detail(detail);
    CustomEvent::new_with_event_init_dict("duet-notify", &init)
        .map_or(true, |e| window.dispatch_event(&e).unwrap_or(true))
}

fn fields(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// This page's own tag suffix, so two Duet tabs never replace or close
/// each other's notifications.
fn page_id() -> String {
    thread_local!(static ID: String = format!("{:x}", (js_sys::Math::random() * 4_294_967_296.0) as u64));
    ID.with(Clone::clone)
}
