//! Serves Trunk's dist/: hashed assets cached for a year, index.html never
//! cached, unknown paths answered with index.html so client-side routes like
//! /call/bob load the app (unknown hashed asset names get a 404). A built app in `--static-dir` wins; without one,
//! the bundle compiled into the binary (`cargo xtask dist`) is served.

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

use crate::edge::cache;

const NOT_BUILT: &str = "<!doctype html><title>Duet</title><p>The Duet app has not been built. Run <code>cargo xtask serve</code>, or <code>trunk build --release</code> and start duet-server with <code>--static-dir dist</code>.</p>";

pub fn service<S: Clone + Send + Sync + 'static>(dir: &Path) -> MethodRouter<S> {
    let dir = dir.to_path_buf();
    axum::routing::get(move |req: Request<Body>| serve_file(dir.clone(), req)).layer(CompressionLayer::new())
}

async fn serve_file(dir: PathBuf, req: Request<Body>) -> Response {
    let index = dir.join("index.html");
    if !index.is_file() {
        if crate::edge::embedded::present() {
            return crate::edge::embedded::serve(req.uri().path(), req.headers());
        }
        return (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response();
    }
    if leaves_dir(&dir, req.uri().path()) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let hashed = cache::is_hashed_asset(req.uri().path());
    let asset = cache::is_asset_request(req.uri().path());

    let files = ServeDir::new(&dir).precompressed_gzip().precompressed_br();
    // An asset that is not here (another build's, say) is a 404: the
    // app's page under that name would reach the browser as a script or a
    // wasm chunk, and a revalidation could keep it there once the file is back.
    let served =
        if asset { files.oneshot(req).await } else { files.fallback(ServeFile::new(&index)).oneshot(req).await };
    let mut res = match served {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    };
    // A 304's headers replace the cached copy's: a revalidated asset stays immutable.
    let fresh = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let cache = if hashed && fresh && !is_html(&res) { cache::IMMUTABLE } else { cache::REVALIDATE };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// Whether the file a request names (or its precompressed copies) is a
/// symlink, or under one, that leads out of the static folder: such files
/// are not served, so a stray link cannot publish the rest of the disk.
fn leaves_dir(dir: &Path, uri_path: &str) -> bool {
    let Ok(root) = dir.canonicalize() else { return false };
    let Some(decoded) = percent_decode(uri_path) else { return true };
    let rel = decoded.trim_start_matches('/');
    let file = if rel.is_empty() || rel.ends_with('/') { dir.join(rel).join("index.html") } else { dir.join(rel) };
    let name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    let variants = ["", ".gz", ".br"].map(|ext| {
        let mut n = name.clone();
        n.push(ext);
        file.with_file_name(n)
    });
    let index = dir.join("index.html");
    let escapes = variants.iter().chain([&index]).any(|p| p.canonicalize().is_ok_and(|real| !real.starts_with(&root)));
    escapes
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The app's index page (for `/`).
pub async fn index(dir: &Path) -> Response {
    let req = Request::builder().uri("/index.html").body(Body::empty()).expect("static request");
    serve_file(dir.to_path_buf(), req).await
}

fn is_html(res: &Response) -> bool {
    res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

/// The app's index.html as served (for its inline script's CSP hash).
pub async fn index_html(dir: &Path) -> Option<String> {
    match tokio::fs::read_to_string(dir.join("index.html")).await {
        Ok(html) => Some(html),
        Err(_) => crate::edge::embedded::index_html().map(str::to_owned),
    }
}

/// Whether there is an app to serve at all.
pub fn app_present(dir: &Path) -> bool {
    dir.join("index.html").is_file() || crate::edge::embedded::present()
}
