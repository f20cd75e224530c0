use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::{
    hooks::{use_dispatch, use_select, use_texts},
    i18n::texts,
    store::{Action, Lang, Theme},
};

/// English or Korean; each language is listed under its own name.
#[function_component(LangSwitch)]
pub fn lang_switch() -> Html {
    let lang = use_select(|s| s.lang);
    let dispatch = use_dispatch();
    let t = use_texts();
    let onchange = {
        Callback::from(move |e: Event| {
            let tag = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(lang) = Lang::from_tag(&tag) {
                dispatch.dispatch(Action::SetLang(lang));
            }
        })
    };
    html! {
        <span class="lang-switch">
            <label for="language">{ t.language }</label>
            <select id="language" {onchange}>
                { for Lang::ALL.iter().map(|l| html! {
                    <option value={l.tag()} lang={l.tag()} selected={*l == lang}>{ texts(*l).language_name }</option>
                }) }
            </select>
        </span>
    }
}

/// Light, dark, or whatever the system says.
#[function_component(ThemeSwitch)]
pub fn theme_switch() -> Html {
    let theme = use_select(|s| s.theme);
    let dispatch = use_dispatch();
    let t = use_texts();
    let onchange = Callback::from(move |e: Event| {
        let tag = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(theme) = Theme::from_tag(&tag) {
            dispatch.dispatch(Action::SetTheme(theme));
        }
    });
    let name = |th: Theme| match th {
        Theme::System => t.theme_system,
        Theme::Light => t.theme_light,
        Theme::Dark => t.theme_dark,
    };
    html! {
        <span class="lang-switch">
            <label for="theme">{ t.theme }</label>
            <select id="theme" {onchange}>
                { for Theme::ALL.iter().map(|th| html! {
                    <option value={th.tag()} selected={*th == theme}>{ name(*th) }</option>
                }) }
            </select>
        </span>
    }
}
