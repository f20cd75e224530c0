//! Any client message Duet writes reads back as itself, and no input string
//! makes the parser panic.

use duet_protocol::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    let sdp = || (prop_oneof!["offer", "answer"], text()).prop_map(|(kind, sdp)| SessionDescription { kind, sdp });
    let cand = (text(), proptest::option::of(text()), proptest::option::of(any::<u16>())).prop_map(
        |(candidate, sdp_mid, idx)| IceCandidate { candidate, sdp_mid, sdp_m_line_index: idx, username_fragment: None },
    );
    prop_oneof![
        (
            text(),
            proptest::option::of(any::<u64>()),
            proptest::option::of(1u32..3),
            proptest::option::of(text()),
            proptest::option::of(text())
        )
            .prop_map(|(name, id, duet, resume, call)| ClientMessage::Username {
                name,
                date: Some(1.0),
                id,
                duet,
                resume,
                call
            }),
        text().prop_map(|text| ClientMessage::Message { text, date: None, id: None }),
        (text(), sdp()).prop_map(|(target, sdp)| ClientMessage::VideoOffer { name: None, target, sdp }),
        (text(), sdp()).prop_map(|(target, sdp)| ClientMessage::VideoAnswer { name: None, target, sdp }),
        (text(), cand).prop_map(|(target, candidate)| ClientMessage::NewIceCandidate { target, candidate }),
        (text(), prop_oneof![Just(None), Just(Some(HangupReason::Busy)), Just(Some(HangupReason::Declined))])
            .prop_map(|(target, reason)| ClientMessage::HangUp { name: None, target, reason }),
        (text(), any::<bool>(), any::<bool>()).prop_map(|(target, audio, video)| ClientMessage::MediaState {
            target,
            audio,
            video
        }),
    ]
}

proptest! {
    #[test]
    fn client_messages_round_trip(m in client_message()) {
        prop_assert_eq!(ClientMessage::parse(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = ClientMessage::parse(&s);
        let _ = ServerMessage::parse(&s);
    }

    #[test]
    fn json_shaped_garbage_never_panics(kind in proptest::sample::select(vec!["username", "video-offer", "hang-up", "new-ice-candidate", "x"]),
                                        field in "[a-z]{1,8}", value in proptest::sample::select(vec!["1", "\"s\"", "null", "[]", "{}", "true", "-1.5e300"])) {
        let s = format!(r#"{{"type":"{kind}","{field}":{value},"target":{value}}}"#);
        let _ = ClientMessage::parse(&s);
    }
}
