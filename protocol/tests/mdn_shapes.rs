//! The exact message shapes MDN's webrtc-from-chat sample puts on the wire
//! (chatclient.js / chatserver.js) must read as the right messages, and what
//! Duet writes for them must carry MDN's field names.

use duet_protocol::*;
use serde_json::{json, Value};

fn client(v: Value) -> ClientMessage {
    ClientMessage::parse(&v.to_string()).unwrap_or_else(|e| panic!("{v} did not parse: {e}"))
}

fn server_json(m: &ServerMessage) -> Value {
    serde_json::from_str(&m.to_json()).unwrap()
}

#[test]
fn mdn_username_reads_as_a_login_without_duet_opt_in() {
    let m = client(json!({"name": "alice", "date": 1700000000000u64, "id": 3, "type": "username"}));
    assert_eq!(
        m,
        ClientMessage::Username {
            name: "alice".into(),
            date: Some(1.7e12),
            id: Some(3),
            duet: None,
            resume: None,
            call: None
        }
    );
}

#[test]
fn mdn_chat_message_reads() {
    let m = client(json!({"text": "hi <b>all</b>", "type": "message", "id": 3, "date": 1700000000000u64}));
    assert!(matches!(m, ClientMessage::Message { ref text, id: Some(3), .. } if text == "hi <b>all</b>"));
}

#[test]
fn mdn_offer_answer_candidate_and_hangup_read_with_their_targets() {
    let sdp = json!({"type": "offer", "sdp": "v=0\r\n"});
    let offer = client(json!({"name": "alice", "target": "bob", "type": "video-offer", "sdp": sdp}));
    assert_eq!(offer.target(), Some("bob"));
    assert!(matches!(offer, ClientMessage::VideoOffer { ref sdp, .. } if sdp.kind == "offer"));

    let answer = client(json!({"name": "bob", "target": "alice", "type": "video-answer",
        "sdp": {"type": "answer", "sdp": "v=0\r\n"}}));
    assert_eq!(answer.target(), Some("alice"));

    let cand = client(json!({"type": "new-ice-candidate", "target": "bob", "candidate": {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "abcd"}}));
    match cand {
        ClientMessage::NewIceCandidate { target, candidate } => {
            assert_eq!(target, "bob");
            assert_eq!(candidate.sdp_mid.as_deref(), Some("0"));
            assert_eq!(candidate.sdp_m_line_index, Some(0));
            assert_eq!(candidate.username_fragment.as_deref(), Some("abcd"));
        }
        other => panic!("{other:?}"),
    }

    let hang = client(json!({"name": "alice", "target": "bob", "type": "hang-up"}));
    assert_eq!(hang, ClientMessage::HangUp { name: Some("alice".into()), target: "bob".into(), reason: None });
}

#[test]
fn server_baseline_messages_use_mdn_field_names() {
    assert_eq!(server_json(&ServerMessage::Id { id: 7 }), json!({"type": "id", "id": 7}));
    assert_eq!(
        server_json(&ServerMessage::RejectUsername { id: 7, name: "alice2".into() }),
        json!({"type": "rejectusername", "id": 7, "name": "alice2"})
    );
    assert_eq!(
        server_json(&ServerMessage::UserList { more: false, users: vec!["alice".into(), "bob".into()], busy: vec![] }),
        json!({"type": "userlist", "users": ["alice", "bob"]})
    );
    assert_eq!(
        server_json(&ServerMessage::Message { name: "bob".into(), text: "hi".into(), date: Some(5.0), id: Some(2) }),
        json!({"type": "message", "name": "bob", "text": "hi", "date": 5.0, "id": 2})
    );
    let offer = ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: SessionDescription { kind: "offer".into(), sdp: "v=0\r\n".into() },
        linked: false,
    };
    assert_eq!(
        server_json(&offer),
        json!({"type": "video-offer", "name": "alice", "target": "bob", "sdp": {"type": "offer", "sdp": "v=0\r\n"}}),
        "a new call's offer is exactly MDN's"
    );
}

#[test]
fn unknown_fields_are_tolerated() {
    let m = client(json!({"type": "hang-up", "target": "bob", "extra": [1, 2], "name": "x"}));
    assert_eq!(m.target(), Some("bob"));
    let s = ServerMessage::parse(r#"{"type":"userlist","users":["a"],"future":true}"#).unwrap();
    assert_eq!(s, ServerMessage::UserList { more: false, users: vec!["a".into()], busy: vec![] });
}

#[test]
fn unknown_reasons_and_codes_from_newer_peers_still_read() {
    let m = client(json!({"type": "hang-up", "target": "bob", "reason": "teleported"}));
    assert!(matches!(m, ClientMessage::HangUp { reason: Some(HangupReason::Other), .. }));
    let m = client(json!({"type": "hang-up", "target": "bob", "reason": "app-failed"}));
    assert!(matches!(m, ClientMessage::HangUp { reason: Some(HangupReason::AppFailed), .. }));
    let e = ServerMessage::parse(r#"{"type":"error","code":"quota-exceeded","text":"x"}"#).unwrap();
    assert!(matches!(e, ServerMessage::Error { code: ErrorCode::Other, .. }));
}

#[test]
fn bad_frames_are_told_apart() {
    assert!(matches!(ClientMessage::parse("not json"), Err(ParseError::InvalidJson(_))));
    assert!(matches!(ClientMessage::parse("[1,2]"), Err(ParseError::InvalidJson(_))));
    assert!(matches!(ClientMessage::parse(r#"{"name":"x"}"#), Err(ParseError::UnknownType(_))));
    assert!(
        matches!(ClientMessage::parse(r#"{"type":"teleport"}"#), Err(ParseError::UnknownType(t)) if t == "teleport")
    );
    assert!(matches!(ClientMessage::parse(r#"{"type":7}"#), Err(ParseError::UnknownType(_))));
    assert!(matches!(
        ClientMessage::parse(r#"{"type":"video-offer","target":"bob"}"#),
        Err(ParseError::InvalidFields { kind, .. }) if kind == "video-offer"
    ));
    assert!(matches!(ClientMessage::parse(r#"{"type":"username","name":42}"#), Err(ParseError::InvalidFields { .. })));
}

#[test]
fn error_codes_serialize_as_their_wire_names() {
    for code in ErrorCode::ALL {
        let m = ServerMessage::error(code, "t");
        assert_eq!(server_json(&m)["code"], json!(code.as_str()));
        assert_eq!(ServerMessage::parse(&m.to_json()).unwrap(), m);
    }
}

#[test]
fn duet_additions_round_trip() {
    let msgs = vec![
        ServerMessage::Welcome {
            name: "alice".into(),
            ice_servers: vec![IceServer {
                urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
                username: Some("1700003600:alice".into()),
                credential: Some("c2VjcmV0".into()),
            }],
            resume: Some("00ff".into()),
        },
        ServerMessage::PresenceUpdate {
            more: false,
            available: vec!["dave".into()],
            busy: vec!["bob".into()],
            left: vec!["carol".into()],
        },
        ServerMessage::PresenceUpdate { more: false, available: vec![], busy: vec![], left: vec!["carol".into()] },
        ServerMessage::HangUp { name: "bob".into(), target: "alice".into(), reason: HangupReason::Busy },
        ServerMessage::MediaState { name: "bob".into(), target: "alice".into(), audio: false, video: true },
        ServerMessage::UserList { more: false, users: vec!["a".into(), "b".into()], busy: vec!["b".into()] },
        ServerMessage::Directory {
            total: 1500,
            from: 40,
            query: "ㅁㅈ".into(),
            users: vec!["김민지".into(), "박민준".into()],
            busy: vec!["박민준".into()],
        },
    ];
    for m in msgs {
        assert_eq!(ServerMessage::parse(&m.to_json()).unwrap(), m);
    }
    assert_eq!(
        server_json(&ServerMessage::Welcome { name: "a".into(), ice_servers: vec![], resume: None }),
        json!({"type": "welcome", "name": "a", "iceServers": []})
    );
    assert_eq!(
        server_json(&ServerMessage::Welcome { name: "a".into(), ice_servers: vec![], resume: Some("t".into()) }),
        json!({"type": "welcome", "name": "a", "iceServers": [], "resume": "t"})
    );
    assert_eq!(
        server_json(&ServerMessage::PresenceUpdate {
            more: false,
            available: vec!["a".into()],
            busy: vec!["b".into()],
            left: vec![]
        }),
        json!({"type": "presence", "available": ["a"], "busy": ["b"]})
    );
}
