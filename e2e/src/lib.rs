//! End-to-end harness: duet-server on loopback serving the release bundle,
//! ChromeDriver, and one separate headless Chromium (own profile) per user
//! with a fake camera and microphone. Tests drive the UI by accessible
//! names, as a person would, and measure media rather than assume it.
//!
//! Everything must run inside a network namespace that holds only `lo`
//! (`cargo xtask test` arranges it); the harness refuses to run otherwise.

mod axe;
mod browser;
mod caddy;
mod crowd;
pub mod door;
mod harness;
pub mod lossy_udp;
pub mod mdn_client;
pub mod mdn_server;
pub mod nginx;
mod notifications;
pub mod offer_gate;
pub mod screens;
pub mod systemd;
mod turn;

pub use browser::Browser;
pub use caddy::Caddy;
pub use crowd::Crowd;
pub use harness::{scenario, Harness};
pub use nginx::Nginx;
pub use notifications::Shown;
pub use turn::Coturn;

/// `caller` rings `callee`, who accepts; returns once video and audio flow
/// both ways.
pub async fn connect(caller: &Browser, callee: &Browser) {
    caller.click(&format!("Call {}", callee.user)).await;
    callee.wait_text(&format!("{} is calling", caller.user)).await;
    callee.click("Accept").await;
    caller.assert_media_flows().await;
    callee.assert_media_flows().await;
}

/// The package `cargo xtask dist` made (cargo xtask test makes it first).
pub fn release_package() -> std::path::PathBuf {
    let dir = harness::workspace().join("target/dist");
    std::fs::read_dir(&dir)
        .ok()
        .and_then(|d| d.filter_map(Result::ok).map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(".tar.gz")))
        .unwrap_or_else(|| {
            panic!("no release package in {} — run `cargo xtask dist` (cargo xtask test does)", dir.display())
        })
}

/// Waits until something listens on 127.0.0.1:`port` (a server started as a process).
pub async fn wait_for_port(what: &str, port: u16, limit: std::time::Duration) {
    wait_until(what, limit, || async { tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok().map(|_| ()) })
        .await;
}

/// How long any single wait may take before the test fails.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// Polls `check` until it yields Some, or fails after `limit` saying `what`.
pub async fn wait_until<T, F, Fut>(what: &str, limit: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The finished `.webm` files in `dir` (a download in progress has another name).
pub fn recordings(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".webm"))
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap_or_default()))
        .collect();
    found.sort();
    found
}
