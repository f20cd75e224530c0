//! Random sequences of connects, disconnects and messages (valid, spoofed,
//! misdirected and garbage) from several clients never break the hub: calls
//! stay paired, gauges stay true, and nobody receives a message in someone
//! else's name.

use duet_server::signaling::sim::{Sim, Step};
use proptest::prelude::*;
use serde_json::json;

const NAMES: &[&str] = &["alice", "bob", "carol", "alice1", " bob ", ""];

fn message() -> impl Strategy<Value = String> {
    let name = proptest::sample::select(NAMES);
    let sdp = json!({"type": "offer", "sdp": "v=0"});
    prop_oneof![
        (name.clone(), any::<bool>()).prop_map(|(n, duet)| if duet {
            json!({"type": "username", "name": n, "duet": 1}).to_string()
        } else {
            json!({"type": "username", "name": n}).to_string()
        }),
        (name.clone(), name.clone()).prop_map(move |(spoof, t)| {
            json!({"type": "video-offer", "name": spoof, "target": t, "sdp": sdp}).to_string()
        }),
        (name.clone(), name.clone()).prop_map(|(spoof, t)| {
            json!({"type": "video-answer", "name": spoof, "target": t, "sdp": {"type": "answer", "sdp": ""}})
                .to_string()
        }),
        name.clone().prop_map(
            |t| json!({"type": "new-ice-candidate", "target": t, "candidate": {"candidate": "c"}}).to_string()
        ),
        (name.clone(), proptest::sample::select(&["declined", "busy", "bogus"][..]))
            .prop_map(|(t, r)| json!({"type": "hang-up", "target": t, "reason": r}).to_string()),
        (name.clone(), any::<bool>())
            .prop_map(|(t, a)| json!({"type": "media-state", "target": t, "audio": a, "video": !a}).to_string()),
        "\\PC{0,30}".prop_map(|t| json!({"type": "message", "text": t}).to_string()),
        "\\PC{0,40}",
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let slot = 0..4usize;
    prop_oneof![
        1 => slot.clone().prop_map(Step::Connect),
        1 => slot.clone().prop_map(Step::Disconnect),
        8 => (slot.clone(), message()).prop_map(|(s, m)| Step::Text(s, m)),
        1 => slot.prop_map(Step::Binary),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn any_sequence_keeps_the_hub_consistent_and_identities_true(steps in proptest::collection::vec(step(), 1..60)) {
        let mut sim = Sim::new(4);
        for s in 0..4 {
            sim.step(Step::Connect(s)).unwrap();
        }
        for s in steps {
            let shown = format!("{s:?}");
            if let Err(e) = sim.step(s) {
                prop_assert!(false, "after {}: {}", shown, e);
            }
        }
        for s in 0..4 {
            sim.step(Step::Disconnect(s)).unwrap();
        }
        prop_assert!(sim.hub().users_online().is_empty());
    }
}

/// The path random sequences rarely reach: a call to someone already in a
/// call is refused by the server in the callee's name, and the simulator
/// accepts that name only (not any name on a hang-up back to the sender).
#[test]
fn a_busy_callee_is_refused_in_its_own_name() {
    let mut sim = Sim::new(3);
    let login = |n: &str| json!({"type": "username", "name": n, "duet": 1}).to_string();
    let offer =
        |t: &str| json!({"type": "video-offer", "target": t, "sdp": {"type": "offer", "sdp": "v=0"}}).to_string();
    let answer =
        |t: &str| json!({"type": "video-answer", "target": t, "sdp": {"type": "answer", "sdp": "v=0"}}).to_string();
    for (slot, name) in ["alice", "bob", "carol"].into_iter().enumerate() {
        sim.step(Step::Connect(slot)).unwrap();
        sim.step(Step::Text(slot, login(name))).unwrap();
    }
    sim.step(Step::Text(0, offer("bob"))).unwrap();
    sim.step(Step::Text(1, answer("alice"))).unwrap();
    sim.step(Step::Text(2, offer("bob"))).unwrap();
    assert_eq!(sim.hub().partner_of("bob").as_deref(), Some("alice"), "bob's call is untouched");
    assert_eq!(sim.hub().partner_of("carol"), None, "carol was refused");
}
