//! Announcements as toasts over the page: one at a time, an error looks like
//! one, information goes away by itself, every one can be dismissed, and a
//! call that ended or failed offers to call again, and a poor connection
//! offers to turn video off. Being offline, and a new version waiting, stay
//! while they are true.

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::{
    components::icons::{icon, Icon},
    hooks::{use_action, use_dispatch, use_select, use_texts},
    i18n::render,
    store::{Action, Msg},
};

/// How long information stays before it goes by itself (errors stay).
const INFO_MS: u32 = 8_000;

/// Whom "Call again" would ring after `m`, if anyone.
fn call_again(m: &Msg) -> Option<&str> {
    match m {
        Msg::Declined(p)
        | Msg::NoAnswer(p)
        | Msg::Busy(p)
        | Msg::CallEnded(p)
        | Msg::HungUp(p)
        | Msg::ConnectionLost(p)
        | Msg::FailedThroughRelay(p)
        | Msg::FailedWithoutRelay(p)
        | Msg::CallLostWithServer(p) => Some(p),
        _ => None,
    }
}

#[function_component(Status)]
pub fn status() -> Html {
    let (notice, issue, lang, idle, over_call, checking, camera_on, offline, update, saved) = use_select(|s| {
        // In a call, or while the lobby's device check is open (a refused
        // camera must not fail silently there either).
        let issue = s.media.local_issue.clone().filter(|_| !s.call.is_idle() || s.device_check);
        (
            s.notice.clone(),
            issue,
            s.lang,
            s.call.is_idle() && s.is_logged_in(),
            s.call.shows_call_view(),
            s.device_check,
            s.media.camera_on,
            s.offline,
            s.update_ready && s.call.is_idle(),
            s.saved_recording.clone(),
        )
    });
    let dismiss = use_action(|| Action::DismissNotice);
    let dispatch = use_dispatch();
    let t = use_texts();
    {
        let dispatch = dispatch.clone();
        use_effect_with(notice.clone(), move |n| {
            let timer = n
                .as_ref()
                .filter(|n| !n.error)
                .map(|_| Timeout::new(INFO_MS, move || dispatch.dispatch(Action::DismissNotice)));
            move || drop(timer)
        });
    }
    let class = "status-bar";
    html! {
        <div class={classes!(class, over_call.then_some("over-call"))} role="status" aria-live="polite">
            if let Some(n) = &notice {
                <p class={classes!(n.error.then_some("error"))}>
                    <span>{ render(lang, &n.msg) }</span>
                    if n.msg == Msg::PoorConnection && camera_on {
                        <button class="primary" onclick={
                            let dispatch = dispatch.clone();
                            Callback::from(move |_| {
                                dispatch.dispatch(Action::ToggleCamera);
                                dispatch.dispatch(Action::DismissNotice);
                            })
                        }>{ t.turn_off_video }</button>
                    }
                    if let Some(peer) = call_again(&n.msg).filter(|_| idle) {
                        <button class="primary" onclick={
                            let (dispatch, peer) = (dispatch.clone(), peer.to_owned());
                            Callback::from(move |_| dispatch.dispatch(Action::Call(peer.clone())))
                        }>{ t.call_again }</button>
                    }
                    <button class="icon-only" onclick={dismiss} aria-label={t.dismiss} title={t.dismiss}>{ icon(Icon::Close, false) }</button>
                </p>
            }
            if let Some((url, name)) = &saved {
                <p>
                    <span>{ (t.recording_saved)(name) }</span>
                    <a class="button primary" href={url.clone()} download={name.clone()}>{ t.save_recording }</a>
                    <button class="icon-only" onclick={
                        let dispatch = dispatch.clone();
                        Callback::from(move |_| dispatch.dispatch(Action::DismissSavedRecording))
                    } aria-label={t.dismiss} title={t.dismiss}>{ icon(Icon::Close, false) }</button>
                </p>
            }
            if offline {
                <p class="error"><span>{ t.offline }</span></p>
            }
            if update {
                <p>
                    <span>{ t.update_ready }</span>
                    <button class="primary" onclick={
                        let dispatch = dispatch.clone();
                        Callback::from(move |_| dispatch.dispatch(Action::ApplyUpdate))
                    }>{ t.reload }</button>
                </p>
            }
            if let Some(issue) = &issue {
                <p class="error">
                    <span>{ render(lang, &Msg::Media(issue.clone())) }</span>
                    // In the lobby's check, after changing the site setting: ask again.
                    if checking {
                        <button onclick={
                            let dispatch = dispatch.clone();
                            Callback::from(move |_| {
                                dispatch.dispatch(Action::ToggleDeviceCheck);
                                dispatch.dispatch(Action::ToggleDeviceCheck);
                            })
                        }>{ t.try_again }</button>
                    }
                </p>
            }
        </div>
    }
}
