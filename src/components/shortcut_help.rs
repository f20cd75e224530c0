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
#[function_component(ShortcutHelp)]
pub fn shortcut_help() -> Html {
    let (show, off) = use_select(|s| (s.show_help, s.shortcuts_off));
    let dispatch = use_dispatch();
    let close = use_action(|| Action::ToggleHelp);
    let t = use_texts();
    if !show {
        return html! {};
    }
    let class = "shortcut-help";
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
