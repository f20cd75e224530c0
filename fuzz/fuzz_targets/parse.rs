//! Any text frame either parses or is refused with an error; never a panic,
//! and what parses writes back as something that parses the same.
#![no_main]

use duet_protocol::{ClientMessage, ServerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = ClientMessage::parse(text) {
        assert_eq!(ClientMessage::parse(&m.to_json()).unwrap(), m);
    }
    let _ = ServerMessage::parse(text);
});
