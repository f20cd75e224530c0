//! The controls' icons, drawn here (nothing fetched from third parties):
//! 24-unit strokes in the text colour, hidden from assistive technology —
//! the button around each one carries the name.

use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
pub enum Icon {
    Mic,
    Camera,
    Screen,
    Chat,
    Stats,
    Devices,
    PictureInPicture,
    FullScreen,
    Help,
    HangUp,
    Phone,
    More,
    Close,
    Link,
    SignOut,
    Move,
    Fill,
    Shield,
    Record,
}

/// `icon`, struck through when `off` (a muted microphone, a camera turned off).
pub fn icon(icon: Icon, off: bool) -> Html {
    let body = match icon {
        Icon::Mic => {
            html! { <><rect x="9" y="3" width="6" height="11" rx="3" /><path d="M5 11a7 7 0 0 0 14 0M12 18v3M8 21h8" /></> }
        }
        Icon::Camera => {
            html! { <><rect x="3" y="6" width="13" height="12" rx="2" /><path d="M16 10l5-3v10l-5-3z" /></> }
        }
        Icon::Screen => html! { <><rect x="3" y="4" width="18" height="12" rx="2" /><path d="M8 20h8M12 16v4" /></> },
        Icon::Chat => html! { <path d="M4 5h16v11H9l-5 4z" /> },
        Icon::Stats => html! { <path d="M5 20v-4M10 20v-8M15 20V8M20 20V4" /> },
        Icon::Devices => {
            html! { <><path d="M4 7h10M18 7h2M4 17h2M10 17h10" /><circle cx="16" cy="7" r="2" /><circle cx="8" cy="17" r="2" /></> }
        }
        Icon::PictureInPicture => {
            html! { <><rect x="3" y="5" width="18" height="14" rx="2" /><rect x="12" y="12" width="6" height="4" rx="1" /></> }
        }
        Icon::FullScreen => html! { <path d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5" /> },
        Icon::Help => {
            html! { <><circle cx="12" cy="12" r="9" /><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17v.5" /></> }
        }
        Icon::HangUp => html! { <path d="M3 14.5c5-5 13-5 18 0l-2.5 2.5-3.5-1.8v-2.7c-2-.7-4-.7-6 0v2.7L5.5 17z" /> },
        Icon::Phone => {
            html! { <path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2" /> }
        }
        Icon::More => html! { <path d="M5 12h.01M12 12h.01M19 12h.01" stroke-width="3.5" /> },
        Icon::Close => html! { <path d="M6 6l12 12M18 6L6 18" /> },
        Icon::Link => {
            html! { <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" /> }
        }
        Icon::SignOut => html! { <path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10" /> },
        Icon::Fill => {
            html! { <><rect x="3" y="5" width="18" height="14" rx="2" /><path d="M7 11V9h3M17 11V9h-3M7 13v2h3M17 13v2h-3" /></> }
        }
        Icon::Record => {
            html! { <><circle cx="12" cy="12" r="9" /><circle cx="12" cy="12" r="4" fill="currentColor" /></> }
        }
        Icon::Shield => html! { <path d="M12 3l7 3v5c0 4.5-3 8-7 10-4-2-7-5.5-7-10V6zM9 12l2 2 4-4" /> },
        Icon::Move => html! { <path d="M12 3v18M3 12h18M9 6l3-3 3 3M9 18l3 3 3-3M6 9l-3 3 3 3M18 9l3 3-3 3" /> },
    };
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
             fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            { body }
            if off { <path d="M3 3l18 18" /> }
        </svg>
    }
}

/// A person's initials on a colour of their own (each with white text at
/// 5:1 or better), for the lobby and for a camera that is off.
pub fn avatar(name: &str, size: &'static str) -> Html {
    const COLOURS: [&str; 8] = ["#0550ae", "#6639ba", "#953800", "#116329", "#a40e26", "#57606a", "#0a7a8a", "#bf3989"];
    let hash = name.chars().fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(c as u32));
    let colour = COLOURS[(hash % COLOURS.len() as u32) as usize];
    let initials: String = name
        .split(|c: char| c.is_whitespace() || c == '.' || c == '_' || c == '-')
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    // The browser capitalises them (any script): Rust's case tables would
    // cost the first load ~20 KB.
    html! {
        <span class={classes!("avatar", size)} style={format!("background:{colour};text-transform:uppercase")} aria-hidden="true">{ initials }</span>
    }
}
