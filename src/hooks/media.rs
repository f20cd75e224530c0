//! The media views show, published by the agent: the streams for the
//! `<video>` elements and the microphone level. The views own their elements;
//! the agent only says what should be in them.

use std::rc::Rc;

use web_sys::MediaStream;
use yew::prelude::*;

use super::observable::{use_selected, Observable};

#[derive(Clone, PartialEq, Default)]
pub struct MediaView {
    /// What we send: the camera, or the screen while sharing.
    pub local: Option<MediaStream>,
    /// The peer's stream (its tracks arrive over time).
    pub remote: Option<MediaStream>,
    /// The lobby's camera preview.
    pub preview: Option<MediaStream>,
    /// The preview microphone's level, 0 to 1.
    pub mic_level: f64,
}

/// The media context: what to show, and the elements the agent may ask the
/// browser to enlarge (full screen, picture-in-picture). The views attach
/// these refs; nobody looks elements up by id.
#[derive(Clone)]
pub struct Media {
    pub view: Rc<Observable<MediaView>>,
    pub call_view: NodeRef,
    pub remote_video: NodeRef,
}

impl PartialEq for Media {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.view, &other.view)
    }
}

impl Media {
    pub fn new() -> Self {
        Media {
            view: Rc::new(Observable::new(MediaView::default())),
            call_view: NodeRef::default(),
            remote_video: NodeRef::default(),
        }
    }
}

impl Default for Media {
    fn default() -> Self {
        Media::new()
    }
}

/// The media context; panics outside a [`super::StoreProvider`].
#[hook]
pub fn use_media() -> Media {
    use_context::<Media>().expect("media needs a StoreProvider above")
}

/// What `select` picks from the media view, re-rendering only when it changes.
#[hook]
pub fn use_media_select<U, F>(select: F) -> U
where
    U: PartialEq + Clone + 'static,
    F: Fn(&MediaView) -> U + 'static,
{
    let media = use_media();
    use_selected(&media.view, move |v: &Rc<MediaView>| select(v))
}
