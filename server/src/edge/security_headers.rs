//! Headers every response carries: a Content Security Policy the app fully
//! works under, no framing unless the operator allows it, no MIME sniffing,
//! no referrer, camera and microphone for this origin only. Also the
//! DNS-rebinding check of a server without TLS, which guards every request.

use std::path::Path;

use axum::{
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::edge::state::AppState;

pub async fn apply(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Err(why) = state.origins.check_host(req.headers()) {
        tracing::info!("refused a request: {why}");
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    let host =
        req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| plain_host(h)).map(str::to_owned);
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Trunk starts the app with an inline module script; it is allowed by
    // its hash rather than by 'unsafe-inline'. A 304 has no content type,
    // but a browser stores its headers over the cached page's: without the
    // hash there, the page it revalidated loads blank the next time.
    let revalidated = res.status() == StatusCode::NOT_MODIFIED;
    let hashes = if html || revalidated { inline_script_hashes(&state.config.edge.static_dir).await } else { vec![] };
    let csp = content_security_policy(&state.config, host.as_deref(), &hashes);
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.entry(name).or_insert(v);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &csp);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self), picture-in-picture=(self), \
         speaker-selection=(self), geolocation=(), payment=(), usb=(), serial=()",
    );
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    // Browsers then insist on HTTPS for a year: only with a real
    // certificate, never a self-signed one a person clicked through.
    if state.tls.as_ref().is_some_and(|t| t.is_trusted_kind()) {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    if state.config.edge.frame_ancestors.trim() == "'none'" {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    res
}

/// A Host value safe to repeat inside the policy (no spaces or semicolons).
fn plain_host(h: &str) -> bool {
    !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
}

pub fn content_security_policy(config: &crate::config::Config, host: Option<&str>, script_hashes: &[String]) -> String {
    let frame_ancestors = &config.edge.frame_ancestors;
    let mut script = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        script.push_str(&format!(" 'sha256-{h}'"));
    }
    // 'self' covers same-origin WebSockets in current browsers; the explicit
    // ws/wss sources keep older ones working.
    let mut connect = match host {
        Some(h) => format!("'self' ws://{h} wss://{h}"),
        None => "'self'".into(),
    };
    for extra in &config.edge.connect_src {
        connect.push(' ');
        connect.push_str(extra);
    }
    format!(
        "default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
         media-src 'self' blob:; connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {frame_ancestors}"
    )
}

/// SHA-256 (base64) of each inline `<script>` in the page, for script-src.
async fn inline_script_hashes(dir: &Path) -> Vec<String> {
    let Some(html) = crate::edge::static_files::index_html(dir).await else { return vec![] };
    inline_scripts(&html).map(|body| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))).collect()
}

fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let after = &rest[start..];
        let open_end = after.find('>')?;
        let tag = &after[..open_end];
        let body_and_more = &after[open_end + 1..];
        let close = body_and_more.find("</script>")?;
        rest = &body_and_more[close..];
        if !tag.contains("src=") {
            return Some(&body_and_more[..close]);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = r#"<html><script src="/a.js"></script><script type="module">import init from '/x.js';
await init();</script><p>hi</p><script>b()</script></html>"#;
        let found: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(found, vec!["import init from '/x.js';\nawait init();", "b()"]);
    }

    #[test]
    fn the_policy_allows_the_app_and_nothing_else() {
        let mut config = crate::config::Config::defaults();
        config.edge.connect_src = vec!["wss://signal.example".into()];
        let csp = content_security_policy(&config, Some("127.0.0.1:8080"), &["abc=".into()]);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='"), "{csp}");
        assert!(
            csp.contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080 wss://signal.example;"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
        assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"));
        assert!(!plain_host("a.example; script-src *"));
    }
}
