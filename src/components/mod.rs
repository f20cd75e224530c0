//! Views: each renders part of the store and dispatches the user's commands.

mod call_timer;
mod call_view;
mod chat;
mod chat_box;
mod controls;
mod device_check;
mod device_picker;
mod incoming_call;
mod lang_switch;
mod login;
mod peer_chat;
mod privacy;
mod shortcut_help;
mod stats_panel;
mod status;
mod unsupported;
mod user_list;
mod video;

pub use call_timer::CallTimer;
pub use call_view::CallView;
pub use chat::Chat;
pub use chat_box::ChatBox;
pub use controls::Controls;
pub use device_check::DeviceCheck;
pub use device_picker::DevicePicker;
pub use incoming_call::IncomingCall;
pub use lang_switch::LangSwitch;
pub use login::Login;
pub use peer_chat::PeerChat;
pub use privacy::Privacy;
pub use shortcut_help::ShortcutHelp;
pub use stats_panel::{QualityBadge, StatsPanel};
pub use status::Status;
pub use unsupported::Unsupported;
pub use user_list::UserList;
pub use video::Video;
