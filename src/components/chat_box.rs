use duet_protocol::limits::MAX_CHAT_CHARS;
use yew::prelude::*;

use crate::{
    hooks::use_text_submit,
    store::{Action, ChatLine},
};

#[derive(Properties)]
pub struct ChatBoxProps {
    /// Prefix of the element ids (heading, field).
    pub id: AttrValue,
    pub heading: AttrValue,
    pub list_label: AttrValue,
    pub field_label: AttrValue,
    pub send_label: AttrValue,
    pub lines: Vec<ChatLine>,
    /// The action a submitted line becomes.
    pub send: fn(String) -> Action,
    #[prop_or_default]
    pub disabled: bool,
}

impl PartialEq for ChatBoxProps {
    fn eq(&self, o: &Self) -> bool {
        // A function that compares unequal only costs a re-render.
        (&self.id, &self.heading, &self.list_label, &self.field_label, &self.send_label, &self.lines, self.disabled)
            == (&o.id, &o.heading, &o.list_label, &o.field_label, &o.send_label, &o.lines, o.disabled)
            && std::ptr::fn_addr_eq(self.send, o.send)
    }
}

/// A chat's lines and its form, shared by the lobby chat and the call's.
/// Text is rendered as text, never as HTML.
#[function_component(ChatBox)]
pub fn chat_box(props: &ChatBoxProps) -> Html {
    let input = use_node_ref();
    let onsubmit = use_text_submit(input.clone(), props.send, true);
    let (heading_id, field_id) = (format!("{}-heading", props.id), format!("{}-input", props.id));
    html! {
        <section class="chat-box" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id}>{ &props.heading }</h2>
            <ol aria-label={props.list_label.clone()} aria-live="polite">
                { for props.lines.iter().map(|l| html! { <li><b>{ &l.from }</b>{ &l.text }</li> }) }
            </ol>
            <form {onsubmit}>
                <label for={field_id.clone()} class="visually-hidden">{ &props.field_label }</label>
                <input id={field_id} ref={input} type="text" maxlength={MAX_CHAT_CHARS.to_string()}
                       autocomplete="off" disabled={props.disabled} />
                <button type="submit" disabled={props.disabled}>{ &props.send_label }</button>
            </form>
        </section>
    }
}
