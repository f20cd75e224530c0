//! Any client message Duet writes reads back as itself; a well-formed
//! message with one field dropped, mistyped or added, or its type changed,
//! is refused with the error that says so (or read the same, for fields the
//! protocol lets clients leave out or add); no input string makes the parser
//! panic.

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
        (text(), sdp(), any::<bool>()).prop_map(|(target, sdp, preconnect)| ClientMessage::VideoOffer {
            name: None,
            target,
            sdp,
            preconnect
        }),
        (text(), sdp(), any::<bool>()).prop_map(|(target, sdp, ringing)| ClientMessage::VideoAnswer {
            name: None,
            target,
            sdp,
            ringing
        }),
        text().prop_map(|target| ClientMessage::CallAccepted { name: None, target }),
        (text(), cand).prop_map(|(target, candidate)| ClientMessage::NewIceCandidate { target, candidate }),
        (text(), prop_oneof![Just(None), Just(Some(HangupReason::Busy)), Just(Some(HangupReason::Declined))])
            .prop_map(|(target, reason)| ClientMessage::HangUp { name: None, target, reason }),
        (text(), any::<bool>(), any::<bool>()).prop_map(|(target, audio, video)| ClientMessage::MediaState {
            target,
            audio,
            video
        }),
        (any::<u32>(), any::<u32>(), text()).prop_map(|(from, count, query)| ClientMessage::View {
            from,
            count,
            query
        }),
        proptest::collection::vec(text(), 0..4).prop_map(|names| ClientMessage::Watch { names }),
    ]
}

/// One change to a well-formed message, as a buggy or hostile client makes it.
#[derive(Debug, Clone)]
enum Mutation {
    /// Leave out the n-th field (other than `type`).
    Drop(usize),
    /// Give the n-th field a value of another JSON type.
    Mistype(usize),
    /// Add a field no version of the protocol has.
    Extra(String),
    /// A `type` no version of the protocol has.
    UnknownKind(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..8).prop_map(Mutation::Drop),
        (0usize..8).prop_map(Mutation::Mistype),
        "x[a-z]{0,6}".prop_map(Mutation::Extra),
        "[a-z-]{1,12}".prop_filter("unknown", |t| !KNOWN_TYPES.contains(&t.as_str())).prop_map(Mutation::UnknownKind),
    ]
}

const KNOWN_TYPES: &[&str] = &[
    "username",
    "message",
    "video-offer",
    "video-answer",
    "call-accepted",
    "new-ice-candidate",
    "hang-up",
    "media-state",
    "view",
    "watch",
];

/// The fields a message cannot do without (the rest default when absent).
fn required(kind: &str) -> &'static [&'static str] {
    match kind {
        "username" => &["name"],
        "message" => &["text"],
        "video-offer" | "video-answer" => &["target", "sdp"],
        "new-ice-candidate" => &["target", "candidate"],
        "call-accepted" => &["target"],
        "media-state" => &["target", "audio", "video"],
        "view" => &["from", "count"],
        "watch" => &["names"],
        _ => &[],
    }
}

/// A value of another JSON type than `v` that no field accepts in its place.
fn other_type(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::{json, Value};
    match v {
        Value::String(_) => json!(42),
        Value::Number(_) => json!("7"),
        Value::Bool(_) => json!("yes"),
        Value::Object(_) | Value::Array(_) | Value::Null => json!(true),
    }
}

proptest! {
    #[test]
    fn a_changed_message_is_refused_with_the_error_that_says_why(m in client_message(), change in mutation()) {
        let mut v = serde_json::to_value(&m).unwrap();
        let kind = v["type"].as_str().unwrap().to_owned();
        let fields: Vec<String> = v.as_object().unwrap().keys().filter(|k| *k != "type").cloned().collect();
        let object = v.as_object_mut().unwrap();
        let got = |object: &serde_json::Map<String, serde_json::Value>| {
            ClientMessage::parse(&serde_json::Value::Object(object.clone()).to_string())
        };
        match change {
            Mutation::Drop(n) => {
                let field = &fields[n % fields.len()];
                object.remove(field);
                match got(object) {
                    Err(ParseError::InvalidFields { kind: k, detail }) => {
                        prop_assert_eq!(&k, &kind);
                        prop_assert!(required(&kind).contains(&field.as_str()), "{field} refused: {detail}");
                        prop_assert!(detail.contains(field.as_str()), "the error names {field}: {detail}");
                    }
                    Ok(_) => prop_assert!(!required(&kind).contains(&field.as_str()), "{kind} without {field} read"),
                    Err(e) => prop_assert!(false, "dropping {field}: {e}"),
                }
            }
            Mutation::Mistype(n) => {
                let field = &fields[n % fields.len()];
                let bad = other_type(&object[field]);
                object.insert(field.clone(), bad);
                let refused = matches!(got(object), Err(ParseError::InvalidFields { kind: ref k, .. }) if *k == kind);
                prop_assert!(refused, "{kind}.{field} of another type: {:?}", got(object));
            }
            Mutation::Extra(field) => {
                object.insert(field, serde_json::json!({"future": [1, 2]}));
                prop_assert_eq!(got(object).unwrap(), m, "an unknown field is ignored (MDN clients add their own)");
            }
            Mutation::UnknownKind(t) => {
                object.insert("type".into(), serde_json::Value::String(t.clone()));
                prop_assert_eq!(got(object), Err(ParseError::UnknownType(t)));
            }
        }
    }

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
