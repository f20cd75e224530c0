//! Keyboard shortcuts: one table, read by the key handler and by the "?"
//! help overlay, so the two cannot disagree.

use super::Action;

/// A shortcut's key (as `KeyboardEvent.key` reports it, lower-cased for
/// letters) and what it does.
pub struct Shortcut {
    pub key: &'static str,
    pub action: Action,
}

/// Every shortcut, in the order the help overlay lists them.
pub fn all() -> Vec<Shortcut> {
    vec![
        Shortcut { key: "m", action: Action::ToggleMic },
        Shortcut { key: "v", action: Action::ToggleCamera },
        Shortcut { key: "s", action: Action::ToggleShare },
        Shortcut { key: "h", action: Action::HangUp },
        Shortcut { key: "i", action: Action::ToggleStats },
        Shortcut { key: "?", action: Action::ToggleHelp },
    ]
}

/// The action for a key press, if it is a shortcut. Presses with Ctrl, Alt
/// or Meta belong to the browser and the system; the view also passes
/// nothing typed into a text field.
pub fn action_for(key: &str, ctrl_alt_or_meta: bool) -> Option<Action> {
    if ctrl_alt_or_meta {
        return None;
    }
    if key == "Escape" {
        return Some(Action::CloseOverlays);
    }
    // Shortcut keys are ASCII letters.
    let key = key.to_ascii_lowercase();
    all().into_iter().find(|s| s.key == key).map(|s| s.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_work_in_either_case_and_modifiers_are_left_alone() {
        assert_eq!(action_for("m", false), Some(Action::ToggleMic));
        assert_eq!(action_for("M", false), Some(Action::ToggleMic));
        assert_eq!(action_for("V", false), Some(Action::ToggleCamera));
        assert_eq!(action_for("s", false), Some(Action::ToggleShare));
        assert_eq!(action_for("h", false), Some(Action::HangUp));
        assert_eq!(action_for("i", false), Some(Action::ToggleStats));
        assert_eq!(action_for("?", false), Some(Action::ToggleHelp));
        assert_eq!(action_for("Escape", false), Some(Action::CloseOverlays));
        assert_eq!(action_for("m", true), None, "Ctrl+M is the browser's");
        assert_eq!(action_for("x", false), None);
        assert_eq!(action_for("Enter", false), None);
    }

    #[test]
    fn every_key_is_bound_once() {
        let keys: Vec<_> = all().iter().map(|s| s.key).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(keys.len(), unique.len(), "{keys:?}");
    }
}
