//! Who a client is and what it may do: the access check at the upgrade
//! (`check`: keys, JWTs with `jwt_keys`), the rules a name must pass
//! (`names`), resume tickets and the sessions signed out of (`ticket`,
//! `signed_out`), and the TURN credentials a signed-in user is handed (`turn`).
//!
//! It decides; it does not connect, route or serve. It knows neither HTTP
//! routes nor the hub, so signaling and the edge both build on it.

mod check;
pub mod jwt_keys;
pub mod names;
pub mod signed_out;
pub mod ticket;
pub mod turn;

pub use check::{
    close_code, generated_key_file, Access, AccessMode, Admitted, Denied, JwtCheck, JwtSource, KeyRing, JWT_PROTOCOL,
    KEY_PROTOCOL, MIN_KEY_CHARS,
};
