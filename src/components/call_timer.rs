use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::{hooks::use_texts, store::format_duration};

#[derive(Properties, PartialEq)]
pub struct CallTimerProps {
    /// The media path is up; the clock starts the first time it is.
    pub connected: bool,
}

/// How long the call has lasted, counted from when media first flowed.
#[function_component(CallTimer)]
pub fn call_timer(props: &CallTimerProps) -> Html {
    let started = use_mut_ref(|| None::<f64>);
    let t = use_texts();
    let tick = use_force_update();
    if props.connected && started.borrow().is_none() {
        *started.borrow_mut() = Some(js_sys::Date::now());
    }
    use_effect_with((), move |_| {
        let ticker = Interval::new(1000, move || tick.force_update());
        move || drop(ticker)
    });
    let Some(start) = *started.borrow() else { return html! {} };
    let secs = ((js_sys::Date::now() - start) / 1000.0).max(0.0) as u64;
    html! { <span class="timer" role="timer" aria-label={t.call_duration}>{ format_duration(secs) }</span> }
}
