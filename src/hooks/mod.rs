//! The store as Yew sees it: a reducer provided through context, and the
//! facade hook every component uses to reach it.

use std::rc::Rc;

use yew::prelude::*;

use crate::store::{Action, CallState};

impl Reducible for CallState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).reduce(action))
    }
}

/// The shared call store.
pub type Store = UseReducerHandle<CallState>;

#[derive(Properties, PartialEq)]
pub struct StoreProviderProps {
    pub children: Html,
}

/// Owns the call store and provides it to everything below.
#[function_component(StoreProvider)]
pub fn store_provider(props: &StoreProviderProps) -> Html {
    let store = use_reducer(CallState::default);
    html! {
        <ContextProvider<Store> context={store}>{ props.children.clone() }</ContextProvider<Store>>
    }
}

/// The call store; panics outside a [`StoreProvider`], which is a bug.
#[hook]
pub fn use_store() -> Store {
    use_context::<Store>().expect("use_store needs a StoreProvider above")
}

/// The current language's texts.
#[hook]
pub fn use_texts() -> &'static crate::i18n::Texts {
    crate::i18n::texts(use_store().lang)
}

/// A callback that dispatches a fixed action.
#[hook]
pub fn use_action(action: Action) -> Callback<MouseEvent> {
    let store = use_store();
    Callback::from(move |_| store.dispatch(action.clone()))
}

/// A form's submit handler that dispatches the text of `input` as the
/// action `make` builds from it, optionally clearing the field.
#[hook]
pub fn use_text_submit(input: NodeRef, make: fn(String) -> Action, clear: bool) -> Callback<SubmitEvent> {
    let store = use_store();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        if let Some(i) = input.cast::<web_sys::HtmlInputElement>() {
            store.dispatch(make(i.value()));
            if clear {
                i.set_value("");
            }
        }
    })
}
