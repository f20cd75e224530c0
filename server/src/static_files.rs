//! Serves Trunk's dist/: hashed assets cached for a year, index.html never
//! cached, unknown paths answered with index.html so client-side routes like
//! /call/bob load the app.

use std::path::{Path, PathBuf};

use axum::{
    body::Body,
    http::{header, HeaderValue, Request, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::MethodRouter,
};
use tower::ServiceExt;
use tower_http::{
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
};

const NOT_BUILT: &str = "<!doctype html><title>Duet</title><p>The Duet app has not been built. Run <code>cargo xtask serve</code>, or <code>trunk build --release</code> and start duet-server with <code>--static-dir dist</code>.</p>";

pub fn service<S: Clone + Send + Sync + 'static>(dir: &Path) -> MethodRouter<S> {
    let dir = dir.to_path_buf();
    axum::routing::get(move |req: Request<Body>| serve_file(dir.clone(), req)).layer(CompressionLayer::new())
}

async fn serve_file(dir: PathBuf, req: Request<Body>) -> Response {
    let index = dir.join("index.html");
    if !index.is_file() {
        return (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response();
    }
    let hashed = is_hashed_asset(req.uri().path());
    let svc = ServeDir::new(&dir).precompressed_gzip().precompressed_br().fallback(ServeFile::new(&index));
    let mut res = match svc.oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    };
    let cache = if hashed && res.status().is_success() && !is_html(&res) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// The app's index page (for `/`).
pub async fn index(dir: &Path) -> Response {
    let req = Request::builder().uri("/index.html").body(Body::empty()).expect("static request");
    serve_file(dir.to_path_buf(), req).await
}

fn is_html(res: &Response) -> bool {
    res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

/// Trunk names assets `name-<16 hex digits>.ext`, and the wasm
/// `name-<16 hex digits>_bg.wasm`.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn trunk_hashed_names_are_recognized() {
        assert!(super::is_hashed_asset("/duet-5f1c0e9b2a7d4c31_bg.wasm"));
        assert!(super::is_hashed_asset("/duet-5f1c0e9b2a7d4c31.js"));
        assert!(!super::is_hashed_asset("/index.html"));
        assert!(!super::is_hashed_asset("/call/bob"));
    }
}
