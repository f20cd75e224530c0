//! The web app reads server messages with a hand-written reader (smaller
//! than serde's derive for an internally tagged enum); native builds keep
//! the derive. Both must read every message alike: the same value for a
//! well-formed one, the same kind of error for a broken one.

use duet_protocol::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn names() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(text(), 0..3)
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    let sdp = || (prop_oneof!["offer", "answer"], text()).prop_map(|(kind, sdp)| SessionDescription { kind, sdp });
    let cand = (text(), proptest::option::of(text()), proptest::option::of(any::<u16>())).prop_map(
        |(candidate, sdp_mid, idx)| IceCandidate { candidate, sdp_mid, sdp_m_line_index: idx, username_fragment: None },
    );
    let ice = || {
        proptest::collection::vec(
            (names(), proptest::option::of(text()), proptest::option::of(text()))
                .prop_map(|(urls, username, credential)| IceServer { urls, username, credential }),
            0..2,
        )
    };
    prop_oneof![
        any::<u64>().prop_map(|id| ServerMessage::Id { id }),
        (any::<u64>(), text()).prop_map(|(id, name)| ServerMessage::RejectUsername { id, name }),
        (names(), names(), any::<bool>()).prop_map(|(users, busy, more)| ServerMessage::UserList { users, busy, more }),
        (text(), text(), proptest::option::of(0u32..2_000_000), proptest::option::of(any::<u64>()))
            .prop_map(|(name, text, date, id)| ServerMessage::Message { name, text, date: date.map(f64::from), id }),
        (text(), text(), sdp(), any::<bool>(), any::<bool>()).prop_map(|(name, target, sdp, linked, preconnect)| {
            ServerMessage::VideoOffer { name, target, sdp, linked, preconnect }
        }),
        (text(), text(), sdp(), any::<bool>()).prop_map(|(name, target, sdp, ringing)| ServerMessage::VideoAnswer {
            name,
            target,
            sdp,
            ringing
        }),
        (text(), text()).prop_map(|(name, target)| ServerMessage::CallAccepted { name, target }),
        (text(), text(), cand).prop_map(|(name, target, candidate)| ServerMessage::NewIceCandidate {
            name,
            target,
            candidate
        }),
        (
            text(),
            text(),
            prop_oneof![Just(HangupReason::Busy), Just(HangupReason::Declined), Just(HangupReason::default())]
        )
            .prop_map(|(name, target, reason)| ServerMessage::HangUp { name, target, reason }),
        (text(), text(), any::<bool>(), any::<bool>())
            .prop_map(|(name, target, audio, video)| ServerMessage::MediaState { name, target, audio, video }),
        (text(), ice(), proptest::option::of(text())).prop_map(|(name, ice_servers, resume)| ServerMessage::Welcome {
            name,
            ice_servers,
            resume
        }),
        ice().prop_map(|ice_servers| ServerMessage::IceServers { ice_servers }),
        text().prop_map(|ticket| ServerMessage::ResumeTicket { ticket }),
        (names(), names(), names(), any::<bool>())
            .prop_map(|(available, busy, left, more)| ServerMessage::PresenceUpdate { available, busy, left, more }),
        (any::<u32>(), any::<u32>(), text(), names(), names()).prop_map(|(total, from, query, users, busy)| {
            ServerMessage::Directory { total, from, query, users, busy }
        }),
        (proptest::sample::select(ErrorCode::ALL.to_vec()), text())
            .prop_map(|(code, text)| ServerMessage::Error { code, text }),
    ]
}

/// What may happen to a message on its way: a field dropped, mistyped
/// (each JSON type in turn), nulled or added, or the type renamed.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    Drop(usize),
    Replace(usize, u8),
    Extra(String),
    Kind(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::None),
        (0usize..8).prop_map(Mutation::Drop),
        (0usize..8, 0u8..6).prop_map(|(i, t)| Mutation::Replace(i, t)),
        "[a-z]{1,6}".prop_map(Mutation::Extra),
        "[a-z-]{0,12}".prop_map(Mutation::Kind),
    ]
}

fn mutate(m: &ServerMessage, how: &Mutation) -> String {
    let mut v: Value = serde_json::from_str(&m.to_json()).unwrap();
    let obj = v.as_object_mut().unwrap();
    let fields: Vec<String> = obj.keys().filter(|k| *k != "type").cloned().collect();
    match how {
        Mutation::None => {}
        Mutation::Drop(i) if !fields.is_empty() => {
            obj.remove(&fields[i % fields.len()]);
        }
        Mutation::Replace(i, t) if !fields.is_empty() => {
            let other = [json!(null), json!(true), json!(7), json!(-1.5), json!("s"), json!([1]), json!({"a": 1})];
            obj.insert(fields[i % fields.len()].clone(), other[*t as usize].clone());
        }
        Mutation::Extra(k) => {
            obj.insert(k.clone(), json!(1));
        }
        Mutation::Kind(k) => {
            obj.insert("type".into(), json!(k));
        }
        _ => {}
    }
    v.to_string()
}

fn kind(r: &Result<ServerMessage, ParseError>) -> String {
    match r {
        Ok(m) => format!("{m:?}"),
        Err(ParseError::InvalidJson(_)) => "invalid json".into(),
        Err(ParseError::UnknownType(t)) => format!("unknown type {t}"),
        Err(ParseError::InvalidFields { kind, .. }) => format!("invalid fields of {kind}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_reader_and_the_derive_agree_on_every_message(m in server_message(), how in mutation()) {
        let text = mutate(&m, &how);
        let (read, derived) = (ServerMessage::parse(&text), ServerMessage::parse_derived(&text));
        prop_assert_eq!(kind(&read), kind(&derived), "{}", text);
        if matches!(how, Mutation::None) {
            prop_assert_eq!(read.unwrap(), m);
        }
    }

    #[test]
    fn the_reader_and_the_derive_agree_on_any_text(text in "\\PC{0,60}") {
        prop_assert_eq!(kind(&ServerMessage::parse(&text)), kind(&ServerMessage::parse_derived(&text)));
    }
}

#[test]
fn a_missing_field_is_named_in_the_error() {
    let e = ServerMessage::parse(r#"{"type": "video-offer", "name": "a", "target": "b"}"#).unwrap_err();
    assert!(e.to_string().contains("sdp"), "{e}");
}
