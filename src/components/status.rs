use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_action, use_select, use_texts},
    i18n::render,
    store::{Action, Msg},
};

/// The live region: busy, declined, offline, call ended… are announced here.
#[styled_component(Status)]
pub fn status() -> Html {
    let (notice, issue, lang) = use_select(|s| {
        let issue = s.media.local_issue.clone().filter(|_| !s.call.is_idle());
        (s.notice.clone(), issue, s.lang)
    });
    let dismiss = use_action(Action::DismissNotice);
    let t = use_texts();
    let class = css!(
        r#"
        min-height: 2.5rem; display: grid; gap: 0.25rem;
        /* Space kept for announcements on a desktop; a phone needs it for the call. */
        @media (max-width: 40rem) { min-height: 0; }
        p { margin: 0; padding: 0.5rem 0.75rem; border-radius: 0.5rem; background: var(--info-bg); display: flex; gap: 0.5rem; align-items: center; }
        p.error { background: var(--error-bg); color: var(--error); }
        p span { flex: 1; }
        p button { padding: 0.1rem 0.5rem; }
        "#
    );
    html! {
        <div {class} role="status" aria-live="polite">
            if let Some(n) = &notice {
                <p class={classes!(n.error.then_some("error"))}>
                    <span>{ render(lang, &n.msg) }</span>
                    <button onclick={dismiss} aria-label={t.dismiss}>{ "×" }</button>
                </p>
            }
            if let Some(issue) = &issue {
                <p class="error"><span>{ render(lang, &Msg::Media(issue.clone())) }</span></p>
            }
        </div>
    }
}
