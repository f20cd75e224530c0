//! Which web pages may open the signaling WebSocket.
//!
//! Browsers send `Origin` on WebSocket upgrades; without a check any site a
//! user visits could log in as them and place calls. Clients that send no
//! Origin (not browsers: tools, tests, bots) are let through, as they could
//! forge it anyway.

use axum::http::{header, HeaderMap};

pub fn check(headers: &HeaderMap, allowed: &[String]) -> Result<(), String> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| "unreadable Origin header".to_string())?;
    if allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return Ok(());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        return Ok(());
    }
    Err(format!("origin {origin} is not allowed (see --allowed-origin)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_host_is_allowed_by_default_and_others_are_not() {
        assert!(check(&headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"), &[]).is_ok());
        assert!(check(&headers(Some("https://evil.example"), "127.0.0.1:8080"), &[]).is_err());
        assert!(check(&headers(None, "127.0.0.1:8080"), &[]).is_ok());
    }

    #[test]
    fn listed_origins_and_wildcard_are_allowed() {
        let allowed = vec!["https://app.example/".to_string()];
        assert!(check(&headers(Some("https://app.example"), "signal.example"), &allowed).is_ok());
        assert!(check(&headers(Some("https://other.example"), "signal.example"), &allowed).is_err());
        assert!(check(&headers(Some("https://any.example"), "x"), &["*".to_string()]).is_ok());
    }
}
