//! Settings read at run time from the page, so one static bundle can be
//! deployed anywhere: `<meta name="duet-signaling-url">` in index.html, or
//! query parameters (`?server=wss://…&ring=30&grace=5&connect=20`), which win.

use web_sys::UrlSearchParams;

#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// The signaling WebSocket URL.
    pub signaling_url: String,
    /// How long an unanswered call rings, in milliseconds.
    pub ring_timeout_ms: u32,
    /// How long a disconnected call may take to come back, in milliseconds.
    pub grace_ms: u32,
    /// How long an accepted call may take to connect, in milliseconds.
    pub connect_ms: u32,
}

impl RuntimeConfig {
    pub fn from_page() -> Self {
        let window = web_sys::window().expect("a browser window");
        let location = window.location();
        let params = location.search().ok().and_then(|q| UrlSearchParams::new_with_str(&q).ok());
        let param = |k: &str| params.as_ref().and_then(|p| p.get(k)).filter(|v| !v.is_empty());
        let seconds = |k: &str, default: u32| {
            param(k).and_then(|v| v.parse::<f64>().ok()).filter(|s| *s > 0.0).map_or(default, |s| (s * 1000.0) as u32)
        };
        let meta = window
            .document()
            .and_then(|d| d.query_selector("meta[name=duet-signaling-url]").ok().flatten())
            .and_then(|m| m.get_attribute("content"))
            .filter(|v| !v.is_empty());
        let https = location.protocol().is_ok_and(|p| p == "https:");
        let scheme = if https { "wss" } else { "ws" };
        // `trunk serve` (Trunk.toml: port 8081) cannot proxy this socket: its
        // proxy does not answer with the subprotocol the browser asked for, so
        // the browser drops it. A debug build there signals straight to
        // `cargo run -p duet-server` on port 8080 of the same host, which
        // accepts loopback pages when it listens on loopback.
        let trunk_dev = cfg!(debug_assertions) && location.port().is_ok_and(|p| p == "8081");
        let signaling_url = param("server").or(meta).unwrap_or_else(|| {
            if trunk_dev {
                return format!("{scheme}://{}:8080/ws", location.hostname().unwrap_or_default());
            }
            format!("{scheme}://{}/ws", location.host().unwrap_or_default())
        });
        RuntimeConfig {
            signaling_url,
            ring_timeout_ms: seconds("ring", 30_000),
            grace_ms: seconds("grace", 5_000),
            connect_ms: seconds("connect", 20_000),
        }
    }
}
