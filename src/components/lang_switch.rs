use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::{
    hooks::{use_dispatch, use_select, use_texts},
    i18n::texts,
    store::{Action, Lang},
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
