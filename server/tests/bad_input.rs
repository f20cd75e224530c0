//! Bad input gets a clear error, keeps the connection, and costs nobody else anything.

mod support;

use serde_json::json;
use support::*;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn each_kind_of_bad_message_gets_its_error_code_and_the_connection_survives() {
    let s = TestServer::start().await;
    let mut bob = s.mdn_user("bob").await;
    let mut c = s.client().await;
    c.name = "c".into();

    let cases: &[(&str, &str)] = &[
        ("this is not json", "invalid-json"),
        ("[1, 2, 3]", "invalid-json"),
        (r#"{"name": "no type"}"#, "unknown-type"),
        (r#"{"type": "teleport"}"#, "unknown-type"),
        (r#"{"type": "username"}"#, "invalid-message"),
        (r#"{"type": "username", "name": 42}"#, "invalid-message"),
        (r#"{"type": "video-offer", "target": "bob", "sdp": "not an object"}"#, "not-logged-in"),
        (r#"{"type": "message", "text": "hi"}"#, "not-logged-in"),
        (r#"{"type": "username", "name": "   "}"#, "invalid-username"),
        (r#"{"type": "username", "name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#, "invalid-username"),
        (r#"{"type": "username", "name": "a\u0007b"}"#, "invalid-username"),
    ];
    for (input, code) in cases {
        // Wrong field types are invalid-message before login is even checked.
        let expected = if input.contains("not an object") { "invalid-message" } else { code };
        c.send_text(input).await;
        let e = c.recv().await;
        assert_eq!(e["type"], "error", "{input}");
        assert_eq!(e["code"], expected, "{input} -> {e}");
        assert!(!e["text"].as_str().unwrap().is_empty());
    }
    c.ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(c.recv().await["code"], "binary-not-supported");

    // Still usable: it can log in, and then relay errors are specific.
    c.send(json!({"type": "username", "name": "carol"})).await;
    c.recv_type("userlist").await;
    c.send(json!({"type": "username", "name": "again"})).await;
    assert_eq!(c.recv_type("error").await["code"], "already-logged-in");
    c.send(json!({"type": "video-offer", "target": "nobody", "sdp": sdp("offer")})).await;
    assert_eq!(c.recv_type("error").await["code"], "target-offline");
    c.send(json!({"type": "video-offer", "target": "carol", "sdp": sdp("offer")})).await;
    assert_eq!(c.recv_type("error").await["code"], "target-self");
    c.send(json!({"type": "video-answer", "target": "bob", "sdp": sdp("answer")})).await;
    assert_eq!(c.recv_type("error").await["code"], "not-in-call");
    c.send(json!({"type": "message", "text": "x".repeat(2001)})).await;
    assert_eq!(c.recv_type("error").await["code"], "invalid-message");

    // bob saw carol join, and nothing else of all that.
    assert_eq!(bob.recv().await["users"], json!(["bob", "carol"]));
    c.say("sentinel").await;
    bob.expect_nothing_before("sentinel").await;
    assert!(s.metrics().await.contains(r#"duet_errors_total{code="invalid-json"} 2"#));
}

use futures_util::SinkExt;
