//! Preferences kept in localStorage between visits.

use gloo::storage::{LocalStorage, Storage};

const RELAY_ONLY: &str = "duet.relayOnly";

pub fn relay_only() -> bool {
    LocalStorage::get::<bool>(RELAY_ONLY).unwrap_or(false)
}

pub fn set_relay_only(on: bool) {
    // Private browsing may refuse storage; the setting then lasts the visit.
    let _ = LocalStorage::set(RELAY_ONLY, on);
}
