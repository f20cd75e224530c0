//! Secrets as systemd hands them over (`LoadCredential=`), and a secret the
//! server was told to use but cannot read: it refuses to start, rather than
//! each login quietly going without a relay.

mod support;

use std::path::PathBuf;

use support::process::ServerProcess;

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_turn_secret_that_cannot_be_read_or_is_empty_stops_the_server_at_start() {
    let turn = ["--turn-url", "turn:127.0.0.1:3478"];
    let mut missing =
        ServerProcess::start(&[&turn[..], &["--turn-secret-file", "/nonexistent/duet/turn-secret"]].concat());
    assert!(!missing.exited().await.success());
    assert!(missing.log().contains("reading TURN secret file /nonexistent/duet/turn-secret"), "{}", missing.log());

    let dir = folder("empty-turn-secret", &[("turn-secret", "\n")]);
    let path = dir.join("turn-secret").display().to_string();
    let mut empty = ServerProcess::start(&[&turn[..], &["--turn-secret-file", &path]].concat());
    assert!(!empty.exited().await.success());
    assert!(empty.log().contains("the TURN secret is empty"), "{}", empty.log());
}

#[tokio::test]
async fn systemd_credentials_stand_in_for_the_key_and_turn_secret_files() {
    let dir =
        folder("credentials", &[("access-keys", "correct-horse-battery-staple\n"), ("turn-secret", "relay-secret\n")]);
    let args = ["--access", "key", "--turn-url", "turn:127.0.0.1:3478"];
    // Without the credentials, `--access key` has no key file: refused.
    let mut bare = ServerProcess::start(&args[..2]);
    assert!(!bare.exited().await.success());
    assert!(bare.log().contains("--access key needs --access-key-file"), "{}", bare.log());

    let server = ServerProcess::start_with_env(&args, &[("CREDENTIALS_DIRECTORY", &dir)]);
    let deadline = tokio::time::Instant::now() + support::WAIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "not listening:\n{}", server.log());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(server.log().contains(r#"used=["access-keys", "turn-secret"]"#), "{}", server.log());
}
