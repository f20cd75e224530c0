//! Every string the app shows or announces, in English and Korean. The
//! source material is Korean; the browser's language picks one at start and
//! a switch changes it (remembered).
//!
//! Completeness is the compiler's job: [`Texts`] is a struct both languages
//! fill field by field, and the store's announcements ([`Msg`]) are rendered
//! by an exhaustive `match` per language. Pure Rust, tested natively. This
//! module reads the store's vocabulary; the store never reads this one.

mod en;
mod en_msg;
mod ko;
mod ko_msg;

use crate::store::{Lang, Msg};

/// The strings of the views in `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &en::TEXTS,
        Lang::Ko => &ko::TEXTS,
    }
}

/// What the store announced, said in `lang`.
pub fn render(lang: Lang, m: &Msg) -> String {
    match lang {
        Lang::En => en_msg::render(m),
        Lang::Ko => ko_msg::render(m),
    }
}

type Named = fn(&str) -> String;

/// The visible strings and accessible names of the views.
pub struct Texts {
    /// This language's own name, for the language switch.
    pub language_name: &'static str,
    pub language: &'static str,

    pub tagline: &'static str,
    pub username: &'static str,
    pub log_in: &'static str,
    pub logging_in: &'static str,
    pub access_key: &'static str,
    pub lacks_title: &'static str,
    pub lack_secure_context: &'static str,
    pub lack_secure_context_why: &'static str,
    pub lack_secure_context_fix: &'static str,
    pub lack_media_devices: &'static str,
    pub lack_media_devices_why: &'static str,
    pub lack_peer_connection: &'static str,
    pub lack_peer_connection_why: &'static str,
    pub lack_browser_fix: &'static str,
    pub access_key_help: &'static str,
    pub signed_in_by_site: &'static str,
    pub continue_: &'static str,
    pub signed_in_as: Named,

    pub online: &'static str,
    pub online_users: &'static str,
    pub you: Named,
    pub call_user: Named,
    pub in_a_call: &'static str,
    /// A recent call's person is not logged in now.
    pub not_online: &'static str,
    pub nobody_online: &'static str,
    pub relay_only: &'static str,
    pub relay_help: &'static str,
    pub connect_while_ringing: &'static str,
    pub connect_while_ringing_help: &'static str,

    pub lobby_chat: &'static str,
    pub chat_messages: &'static str,
    pub message: &'static str,
    pub send: &'static str,
    pub dismiss: &'static str,

    pub is_calling: Named,
    pub accept: &'static str,
    pub decline: &'static str,

    pub calling: Named,
    pub connecting_to: Named,
    pub reconnecting_to: Named,
    pub in_call_with: Named,
    pub video_from: Named,
    pub waiting_for_video: &'static str,
    pub peer_muted: Named,
    pub peer_camera_off: Named,
    pub you_are_sharing: &'static str,
    pub your_camera: &'static str,
    pub your_screen: &'static str,
    pub call_duration: &'static str,
    pub devices: &'static str,

    pub call_controls: &'static str,
    pub mute: &'static str,
    pub unmute: &'static str,
    pub camera_off: &'static str,
    pub camera_on: &'static str,
    pub share_screen: &'static str,
    pub stop_sharing: &'static str,
    pub chat: &'static str,
    pub chat_unread: fn(u32) -> String,
    pub statistics: &'static str,
    pub picture_in_picture: &'static str,
    pub full_screen: &'static str,
    pub keyboard_shortcuts: &'static str,
    pub cancel: &'static str,
    pub hang_up: &'static str,

    pub call_chat: &'static str,
    pub call_chat_messages: &'static str,
    pub call_message: &'static str,
    pub send_to_call: &'static str,

    pub call_statistics: &'static str,
    pub connection_good: &'static str,
    pub connection_fair: &'static str,
    pub connection_poor: &'static str,
    pub round_trip: &'static str,
    pub receiving: &'static str,
    pub sending: &'static str,
    pub packet_loss: &'static str,
    pub video_in: &'static str,
    pub video_out: &'static str,
    pub route: &'static str,

    pub camera: &'static str,
    pub microphone: &'static str,
    pub speaker: &'static str,
    pub system_default: &'static str,
    pub sound_processing: &'static str,
    pub noise_suppression: &'static str,
    pub echo_cancellation: &'static str,
    pub auto_gain: &'static str,
    pub safety_unverifiable: &'static str,
    pub recording_saved: Named,
    pub save_recording: &'static str,
    pub record: &'static str,
    pub stop_recording: &'static str,
    pub you_are_recording: &'static str,
    pub peer_recording: Named,
    pub offline: &'static str,
    pub update_ready: &'static str,
    pub reload: &'static str,
    pub notify_calls: &'static str,
    pub notify_calls_help: &'static str,
    pub missed_call_from: Named,
    pub data_saver: &'static str,
    pub data_saver_help: &'static str,
    pub turn_off_video: &'static str,
    pub verify_call: &'static str,
    pub safety_number: &'static str,
    pub safety_help: &'static str,
    pub safety_matches: &'static str,
    pub call_verified: &'static str,
    pub safety_pending: &'static str,
    pub recent_calls: &'static str,
    pub no_calls_yet: &'static str,
    pub missed_count: fn(u32) -> String,
    pub call_back: Named,
    pub clear_history: &'static str,
    pub outgoing_call: &'static str,
    pub incoming_call: &'static str,
    pub outcome_answered: &'static str,
    pub outcome_missed: &'static str,
    pub outcome_declined: &'static str,
    pub outcome_no_answer: &'static str,
    pub outcome_cancelled: &'static str,
    pub outcome_failed: &'static str,
    pub unnamed_device: fn(usize) -> String,
    pub camera_and_microphone: &'static str,
    pub check_devices: &'static str,
    pub stop_check: &'static str,
    pub camera_preview: &'static str,
    pub mic_level: &'static str,

    pub shortcut_mic: &'static str,
    pub shortcut_camera: &'static str,
    pub shortcut_share: &'static str,
    pub shortcut_hang_up: &'static str,
    pub shortcut_stats: &'static str,
    pub shortcut_help: &'static str,
    pub shortcut_escape: &'static str,
    /// Light, dark, or the system's setting
    pub theme: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub sign_out: &'static str,
    /// Copies the `/call/<you>` link others open to call you.
    pub invite: &'static str,
    pub link_copied: &'static str,
    pub search_people: &'static str,
    /// A row of the list on its way from the server.
    pub loading: &'static str,
    pub available: &'static str,
    /// The phone toolbar's menu of the less used controls.
    pub more: &'static str,
    /// Offered after a call that ended or did not connect.
    pub call_again: &'static str,
    /// The help overlay's switch for the single-key shortcuts (WCAG 2.1.4).
    pub shortcuts_on: &'static str,
    /// The call's toggle between filling the window and showing the whole picture.
    pub fill_video: &'static str,
    pub fit_video: &'static str,
    pub move_self: &'static str,
    /// The lobby's code could not be fetched (release builds load it apart).
    pub lobby_failed: &'static str,
    /// The call screen's code could not be fetched (release builds load it apart).
    pub call_screen_failed: &'static str,
    /// The rest of the app's code (the agent: signaling, the call's
    /// set-up) could not be fetched after the first screen.
    pub app_failed: &'static str,
    /// Asks again: for the camera and microphone after they could not be
    /// opened, for a part of the app that could not be fetched.
    pub try_again: &'static str,
    pub close: &'static str,
}

#[cfg(test)]
mod tests;
