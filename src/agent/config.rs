//! Settings read at run time from the page, so one static bundle can be
//! deployed anywhere: `<meta name="duet-signaling-url">` in index.html, or
//! query parameters (`?server=wss://…&ring=30&grace=5&connect=20`), which win.

use std::cell::OnceCell;

use web_sys::UrlSearchParams;

thread_local! {
    static AT_START: OnceCell<RuntimeConfig> = const { OnceCell::new() };
}

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
    /// The settings of the page as it was opened. Read first before the
    /// first render (early.rs): the shell then sets the address bar from the
    /// state, and the query goes with it, before the agent's code is in.
    pub fn at_start() -> Self {
        AT_START.with(|c| c.get_or_init(Self::from_page).clone())
    }

    fn from_page() -> Self {
        let window = web_sys::window().expect("a browser window");
        let location = window.location();
        let params = location.search().ok().and_then(|q| UrlSearchParams::new_with_str(&q).ok());
        let param = |k: &str| params.as_ref().and_then(|p| p.get(k)).filter(|v| !v.is_empty());
        let seconds = |k: &str, default: u32| param(k).and_then(|v| millis(&v)).unwrap_or(default);
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

/// Seconds as written in a query (`30`, `2.5`) in milliseconds, if above
/// zero. Read by hand: Rust's float parser would bring ~25 KB of tables into
/// the first load for these three settings.
fn millis(v: &str) -> Option<u32> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ms = frac.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |ms, d| ms * 10 + u32::from(d - b'0'));
    let whole: u32 = if whole.is_empty() && !frac.is_empty() { 0 } else { whole.parse().ok()? };
    whole.checked_mul(1000)?.checked_add(ms).filter(|ms| *ms > 0)
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::millis;

    #[wasm_bindgen_test]
    fn seconds_in_a_query_read_as_milliseconds() {
        assert_eq!(millis("30"), Some(30_000));
        assert_eq!(millis("2.5"), Some(2_500));
        assert_eq!(millis("0.25"), Some(250));
        assert_eq!(millis(".5"), Some(500));
        assert_eq!(millis("1.23456"), Some(1_234), "below a millisecond is dropped");
        for bad in ["0", "0.0", "-1", "abc", "1e3", "1.x", "", ".", "99999999"] {
            assert_eq!(millis(bad), None, "{bad}");
        }
    }
}
