//! Which rows of a long list are on screen, so the list renders only those
//! (and a few beyond each edge): a lobby of 20,000 names costs what one of
//! 40 does, to render and to keep up to date.

use std::{ops::Range, rc::Rc};

use gloo::events::{EventListener, EventListenerOptions, EventListenerPhase};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

/// Rows rendered beyond each edge of the window.
const OVERSCAN: usize = 8;
/// A row's height and the gap after it, in CSS pixels, until one is measured.
const PITCH_GUESS: f64 = 60.0;

/// The rows to render, and the distance from one row's top to the next.
#[derive(Clone, PartialEq)]
pub struct VisibleRows {
    pub rows: Range<usize>,
    pub pitch: f64,
}

/// Which of `total` rows to render. `first` is the first rendered row's
/// element, which carries its index as `data-row`; rows are as tall as
/// each other.
#[hook]
pub fn use_visible_rows(first: NodeRef, total: usize) -> VisibleRows {
    let shown = use_state_eq(|| VisibleRows { rows: 0..total.min(4 * OVERSCAN), pitch: PITCH_GUESS });
    let measure = {
        let shown = shown.clone();
        Rc::new(move || {
            let Some(window) = web_sys::window().filter(|_| total > 0) else { return };
            let Some(row) = first.cast::<HtmlElement>() else {
                // Nothing rendered yet to measure by: the top of the list.
                return shown.set(VisibleRows { rows: 0..total.min(4 * OVERSCAN), pitch: PITCH_GUESS });
            };
            let pitch = row
                .next_element_sibling()
                .and_then(|n| n.dyn_into::<HtmlElement>().ok())
                .map(|n| f64::from(n.offset_top() - row.offset_top()))
                .filter(|p| *p > 0.0)
                .unwrap_or(PITCH_GUESS);
            // The band of the screen where rows can be seen: the window, and
            // the list's own box when it scrolls by itself.
            let window_height = window.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(800.0);
            let (band_top, band_bottom) = row.parent_element().map_or((0.0, window_height), |list| {
                let r = list.get_bounding_client_rect();
                (r.top().max(0.0), r.bottom().min(window_height))
            });
            // (An integer: parsing a float would pull in its tables, 10 KB.)
            let index = row.get_attribute("data-row").and_then(|i| i.parse::<u32>().ok()).map_or(0.0, f64::from);
            // Where row 0 is, on screen (above the band: scrolled past).
            let top = row.get_bounding_client_rect().top() - index * pitch;
            let above = ((band_top - top) / pitch).floor().max(0.0) as usize;
            let seen = ((band_bottom - band_top).max(0.0) / pitch).ceil() as usize;
            let start = above.saturating_sub(OVERSCAN).min(total);
            let end = (above + seen + OVERSCAN).clamp(start, total);
            shown.set(VisibleRows { rows: start..end, pitch });
        })
    };
    {
        // After every render: the rows just rendered say where the list is.
        let measure = measure.clone();
        use_effect(move || measure());
    }
    use_effect_with(total, move |_| {
        // Any scroll moves the window over the list, the page's or a
        // panel's around it (scroll events do not bubble: capture sees them).
        let capture = EventListenerOptions { phase: EventListenerPhase::Capture, passive: true };
        let listeners = web_sys::window().map(|w| {
            let on_scroll = measure.clone();
            [
                EventListener::new_with_options(&w, "scroll", capture, move |_| on_scroll()),
                EventListener::new(&w, "resize", move |_| measure()),
            ]
        });
        move || drop(listeners)
    });
    let VisibleRows { rows, pitch } = (*shown).clone();
    VisibleRows { rows: rows.start.min(total)..rows.end.min(total), pitch }
}
