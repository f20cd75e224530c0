//! duet-server: the signaling relay and static host for the Duet web app.
//!
//! The folders are the architecture (docs/architecture.md), each depending
//! only on those listed after it:
//!
//! - `server` wires the parts together and runs them;
//! - `edge/`: HTTP — listeners, TLS, client addresses, origins, headers, the
//!   app's files, and the WebSocket upgrade;
//! - `signaling/`: one task per WebSocket, each client's session, and the hub
//!   (presence, calls, chat);
//! - `config/`: every flag, grouped by the part it sets;
//! - `access/`: access keys, JWTs, names, resume tickets, TURN credentials;
//! - `cluster/`: the backplane to other nodes (memory or Redis);
//! - `limits/`: per-address tables and token buckets;
//! - leaves: `address`, `metrics`, `ids`, `private_file`.
//!
//! `main.rs` only parses flags and wires signals to [`serve`], so tests run
//! the very same server in-process.

pub mod access;
pub mod address;
pub mod cluster;
pub mod config;
pub mod edge;
pub mod ids;
pub mod limits;
pub mod metrics;
mod private_file;
pub mod server;
pub mod signaling;
pub mod testing;

pub use config::Config;
pub use edge::static_files::app_present;
pub use metrics::Metrics;
pub use server::{serve, spawn, ServeError, Server};
pub use signaling::{connection::close_code, hub::Hub};
