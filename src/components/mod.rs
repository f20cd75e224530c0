//! Views: each renders part of the store and dispatches the user's commands.

mod call_view;
mod chat;
mod controls;
mod incoming_call;
mod login;
mod privacy;
mod status;
mod user_list;

pub use call_view::CallView;
pub use chat::Chat;
pub use controls::Controls;
pub use incoming_call::IncomingCall;
pub use login::Login;
pub use privacy::Privacy;
pub use status::Status;
pub use user_list::UserList;
