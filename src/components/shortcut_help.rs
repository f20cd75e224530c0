use stylist::yew::styled_component;
use yew::prelude::*;

use crate::{
    hooks::{use_action, use_dispatch, use_select, use_texts},
    i18n::Texts,
    store::{shortcuts, Action},
};

fn describe(t: &Texts, a: &Action) -> &'static str {
    match a {
        Action::ToggleMic => t.shortcut_mic,
        Action::ToggleCamera => t.shortcut_camera,
        Action::ToggleShare => t.shortcut_share,
        Action::HangUp => t.shortcut_hang_up,
        Action::ToggleStats => t.shortcut_stats,
        Action::ToggleHelp => t.shortcut_help,
        _ => "",
    }
}

/// The "?" overlay: every shortcut, from the same table the keys use.
#[styled_component(ShortcutHelp)]
pub fn shortcut_help() -> Html {
    let (show, off) = use_select(|s| (s.show_help, s.shortcuts_off));
    let dispatch = use_dispatch();
    let close = use_action(Action::ToggleHelp);
    let t = use_texts();
    if !show {
        return html! {};
    }
    let class = css!(
        r#"
        position: fixed; inset: 0; display: grid; place-items: center; background: rgba(0,0,0,0.45); z-index: 20;
        .card { background: var(--surface); padding: 1.25rem 1.5rem; border-radius: var(--radius); box-shadow: var(--shadow);
                display: grid; gap: 0.75rem; min-width: min(22rem, 92vw); }
        dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 0.4rem 1rem; }
        kbd { font: inherit; font-weight: 700; padding: 0.05rem 0.45rem; border: 1px solid var(--border); border-radius: 0.3rem; }
        dd { margin: 0; }
        .switch { display: flex; gap: 0.5rem; align-items: center; min-height: 2.75rem; }
        .switch input { width: 1.25rem; height: 1.25rem; }
        "#
    );
    html! {
        <div {class}>
            <div class="card" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <h2 id="help-title">{ t.keyboard_shortcuts }</h2>
                <dl>
                    { for shortcuts::all().iter().map(|s| html! {
                        <><dt><kbd>{ s.key.to_ascii_uppercase() }</kbd></dt><dd>{ describe(t, &s.action) }</dd></>
                    }) }
                    <dt><kbd>{ "Esc" }</kbd></dt><dd>{ t.shortcut_escape }</dd>
                </dl>
                <label class="switch">
                    <input type="checkbox" checked={!off} onchange={Callback::from(move |e: Event| {
                        let on = e.target_unchecked_into::<web_sys::HtmlInputElement>().checked();
                        dispatch.dispatch(Action::TurnShortcuts(on));
                    })} />
                    { t.shortcuts_on }
                </label>
                <button onclick={close}>{ t.close }</button>
            </div>
        </div>
    }
}
