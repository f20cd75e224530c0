//! Stopping the real binary with SIGTERM, as a service manager does.

mod support;

use serde_json::json;
use support::{process::ServerProcess, *};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test]
async fn sigterm_with_a_call_up_closes_both_ends_with_going_away_and_exits_cleanly() {
    let mut server = ServerProcess::start(&["--shutdown-grace-secs", "5"]);
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    alice.send(json!({"type": "video-offer", "target": "bob", "sdp": sdp("offer")})).await;
    bob.recv_type("video-offer").await;
    bob.send(json!({"type": "video-answer", "target": "alice", "sdp": sdp("answer")})).await;
    alice.recv_type("video-answer").await;

    server.terminate();
    // 1001: the app reconnects and resumes its call (the ticket path), rather
    // than showing an ended call.
    assert_eq!(alice.expect_close().await, Some(CloseCode::Away));
    assert_eq!(bob.expect_close().await, Some(CloseCode::Away));
    assert!(server.exited().await.success(), "{}", server.log());
    let log = server.log();
    assert!(log.contains("shutting down") && log.contains("duet-server stopped"), "{log}");
    assert!(!log.contains("shutdown grace over"), "everyone closed in time: {log}");
    // Stopped means stopped: nothing listens any more.
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err());
}

#[tokio::test]
async fn a_client_that_never_closes_is_dropped_when_the_shutdown_grace_runs_out() {
    let mut server = ServerProcess::start(&["--shutdown-grace-secs", "0.5"]);
    let mut alice = server.login("alice").await;
    // Never read again, so it never answers the server's close (which the
    // server waits up to 1 s for): it outlasts the grace.
    let _stuck = server.login("stuck").await;

    server.terminate();
    assert_eq!(alice.expect_close().await, Some(CloseCode::Away));
    assert!(server.exited().await.success(), "{}", server.log());
    let log = server.log();
    // The stuck one at least (alice too, if her close took longer on a loaded machine).
    let left = log.split("shutdown grace over").nth(1).and_then(|l| l.split("left=").nth(1));
    let left: u32 = left.and_then(|l| l.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(left >= 1, "{log}");
    assert!(log.contains("duet-server stopped"), "{log}");
}

/// Whoever read the server's output went away (`duet-server | head`, a
/// closed terminal): the server keeps serving and still stops on SIGTERM.
#[tokio::test]
async fn sigterm_still_stops_a_server_whose_output_nobody_reads_any_more() {
    use std::io::{BufRead, BufReader};
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_duet-server"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--static-dir", "/nonexistent"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read until the welcome's address, then close both pipes.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains(&format!("127.0.0.1:{port}")) {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the server ended before its welcome");
    }
    drop((out, child.stderr.take()));
    // Something to log into the closed pipes: a connection.
    let mut c = Client::connect(&format!("ws://127.0.0.1:{port}/ws")).await;
    c.recv_type("id").await;
    let ok = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success();
    assert!(ok);
    let deadline = tokio::time::Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("SIGTERM did not stop a server whose output pipes were closed");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
