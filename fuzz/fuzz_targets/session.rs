//! The connection state machine: byte strings become steps (connect,
//! disconnect, text or binary frames) for four clients; the simulation
//! checks the hub's invariants and sender identities after every step.
#![no_main]

use duet_server::signaling::sim::{Sim, Step};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sim = Sim::new(4);
    // Steps are separated by 0xFF; a step's first byte picks the kind and
    // the client, the rest is the frame's text.
    for chunk in data.split(|b| *b == 0xFF) {
        let Some((&head, rest)) = chunk.split_first() else { continue };
        let slot = usize::from(head & 0x03);
        let step = match head >> 2 & 0x03 {
            0 => Step::Connect(slot),
            1 => Step::Disconnect(slot),
            2 => Step::Binary(slot),
            _ => Step::Text(slot, String::from_utf8_lossy(rest).into_owned()),
        };
        if let Err(e) = sim.step(step) {
            panic!("{e}");
        }
    }
});
