//! Signaling: one task per WebSocket (`connection`), one protocol state per
//! client (`session`), and the hub that knows who is online and relays call
//! messages, presence and chat between them (`hub`). `sim` drives sessions
//! without sockets for the property tests and the fuzz target.
//!
//! It is handed an upgraded socket and never sees HTTP: routes, headers and
//! origins are the edge's. Other nodes are reached through `cluster`.

pub mod connection;
pub mod hub;
pub mod session;
pub mod sim;
