//! The app bundle compiled into the binary by `cargo xtask dist` (see
//! build.rs), served from memory: brotli or gzip as the browser accepts,
//! hashed files cached for good, index.html never.

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::edge::cache;

pub struct Embedded {
    pub path: &'static str,
    pub raw: &'static [u8],
    pub br: &'static [u8],
    pub gz: &'static [u8],
}

static FILES: &[Embedded] = include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Whether this binary carries the app.
pub fn present() -> bool {
    !FILES.is_empty()
}

fn find(path: &str) -> Option<&'static Embedded> {
    FILES.iter().find(|f| f.path == path)
}

pub fn index_html() -> Option<&'static str> {
    find("/index.html").and_then(|f| std::str::from_utf8(f.raw).ok())
}

/// The file at `path`, or index.html for the app's own routes (/call/bob).
pub fn serve(path: &str, headers: &HeaderMap) -> Response {
    // Client routes get the app's page; a missing hashed asset does not
    // (static_files.rs says why).
    let fallback = || if cache::is_asset_request(path) { None } else { find("/index.html") };
    let Some(file) = find(path).or_else(fallback) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let accepts = |enc: &str| {
        headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
            |e| e.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case(enc)) && !e.contains("q=0"),
        )
    };
    let (body, encoding) = if accepts("br") {
        (file.br, Some("br"))
    } else if accepts("gzip") {
        (file.gz, Some("gzip"))
    } else {
        (file.raw, None)
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(file.path)));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(enc) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    }
    let cache = if cache::is_hashed_asset(file.path) && file.path != "/index.html" {
        cache::IMMUTABLE
    } else {
        cache::REVALIDATE
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "webmanifest" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
