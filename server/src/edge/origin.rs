//! Which web pages may open the signaling WebSocket, and which host names a
//! server answers to.
//!
//! Browsers send `Origin` on WebSocket upgrades; without a check any site a
//! user visits could log in as them and place calls. Origins are compared
//! whole — scheme, host and port. Clients that send no Origin (not browsers:
//! tools, tests, bots) are let through, as they could forge it anyway.

use axum::http::{header, HeaderMap};

/// scheme, host (lower case, IPv6 in brackets), port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" || scheme == "wss" {
        443
    } else {
        80
    }
}

/// `host[:port]` into (host, port) with `default` for a missing port.
fn split_host(hostport: &str, default: u16) -> Option<(String, u16)> {
    let hostport = hostport.to_ascii_lowercase();
    let (host, port) = if hostport.starts_with('[') {
        let end = hostport.find(']')?;
        let (h, rest) = hostport.split_at(end + 1);
        (h.to_owned(), rest.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (hostport.clone(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default,
    };
    (!host.is_empty()).then_some((host, port))
}

impl Origin {
    fn parse(s: &str) -> Option<Origin> {
        let s = s.trim().trim_end_matches('/');
        let (scheme, rest) = s.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if rest.contains('/') {
            return None;
        }
        let (host, port) = split_host(rest, default_port(&scheme))?;
        Some(Origin { scheme, host, port })
    }
}

/// Whether a host name (without port) is this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| crate::address::canonical(ip).is_loopback())
}

/// Which host names the listener answers to, against DNS rebinding (a page
/// on the attacker's name, re-pointed at this server's address, would be
/// same-origin with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostGuard {
    /// Bound to loopback: loopback names and `--allowed-host`s only.
    Loopback,
    /// Plain http on a network address: also any IP address literal (no
    /// DNS involved) and this machine's own names.
    Network { own_names: Vec<String> },
    /// HTTPS: a rebound name fails the certificate check, so any name.
    Tls,
}

impl HostGuard {
    /// Which host names a listener on `bound` answers to.
    pub fn for_listener(bound: std::net::SocketAddr, tls: bool, config: &crate::config::Config) -> Self {
        if bound.ip().is_loopback() {
            HostGuard::Loopback
        } else if tls {
            HostGuard::Tls
        } else {
            HostGuard::Network { own_names: crate::edge::tls::local_names(&config.edge.tls_names) }
        }
    }
}

#[derive(Debug, Clone)]
pub struct OriginPolicy {
    any: bool,
    allowed: Vec<Origin>,
    /// Which names are answered. On loopback, pages from loopback origins
    /// (the `trunk serve` dev loop on another port) may also connect.
    guard: HostGuard,
    allowed_hosts: Vec<String>,
}

impl OriginPolicy {
    pub fn new(allowed: &[String], allowed_hosts: &[String], guard: HostGuard) -> Result<Self, String> {
        let any = allowed.iter().any(|a| a == "*");
        let allowed = allowed
            .iter()
            .filter(|a| *a != "*")
            .map(|a| {
                Origin::parse(a).ok_or(format!("--allowed-origin {a:?} is not an origin like https://app.example"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut hosts: Vec<String> = allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        hosts.extend(allowed.iter().map(|o| o.host.clone()));
        Ok(OriginPolicy { any, allowed, guard, allowed_hosts: hosts })
    }

    /// Checks a WebSocket upgrade's Origin. `https` says the page reached us
    /// over TLS (known only with a trusted proxy): then a plain-http page may
    /// not connect.
    pub fn check(&self, headers: &HeaderMap, https: bool) -> Result<(), String> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let raw = origin.to_str().map_err(|_| "unreadable Origin header".to_string())?;
        if self.any {
            return Ok(());
        }
        let refused = || format!("origin {raw} is not allowed (see --allowed-origin)");
        let origin = Origin::parse(raw).ok_or_else(refused)?;
        if self.allowed.contains(&origin) {
            return Ok(());
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let same_host = split_host(host, origin.port).is_some_and(|(h, p)| h == origin.host && p == origin.port);
        let scheme_ok = origin.scheme == "https" || (origin.scheme == "http" && !https);
        if same_host && scheme_ok {
            return Ok(());
        }
        if self.guard == HostGuard::Loopback && origin.scheme == "http" && is_loopback_host(&origin.host) {
            return Ok(());
        }
        Err(refused())
    }

    /// A server without TLS answers only to the names it knows (see
    /// [`HostGuard`]), so a page on a rebound DNS name cannot reach it.
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), String> {
        let raw = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let host = split_host(raw, 0).map(|(h, _)| h).unwrap_or_default();
        if is_loopback_host(&host) || self.allowed_hosts.contains(&host) {
            return Ok(());
        }
        let (known, listens_on) = match &self.guard {
            HostGuard::Tls => return Ok(()),
            HostGuard::Loopback => (false, "loopback"),
            HostGuard::Network { own_names } => {
                let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok();
                (literal || own_names.iter().any(|n| n.eq_ignore_ascii_case(&host)), "plain http")
            }
        };
        if known {
            return Ok(());
        }
        Err(format!(
            "this server listens on {listens_on} and does not answer to the name {raw:?}; \
             start it with --allowed-host {host} if that name is yours"
        ))
    }
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

    fn policy(allowed: &[&str], loopback: bool) -> OriginPolicy {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        let guard = if loopback { HostGuard::Loopback } else { HostGuard::Tls };
        OriginPolicy::new(&allowed, &[], guard).unwrap()
    }

    #[test]
    fn same_origin_is_allowed_by_default_and_others_are_not() {
        let p = policy(&[], false);
        assert!(p.check(&headers(Some("http://duet.example:8080"), "duet.example:8080"), false).is_ok());
        assert!(p.check(&headers(Some("https://evil.example"), "duet.example:8080"), false).is_err());
        assert!(p.check(&headers(None, "duet.example:8080"), false).is_ok());
        // The port is part of the origin.
        assert!(p.check(&headers(Some("http://duet.example:9999"), "duet.example:8080"), false).is_err());
        // Behind a TLS proxy the Host has no port and the page is https.
        assert!(p.check(&headers(Some("https://duet.example"), "duet.example"), false).is_ok());
        // Known https: a plain-http page (a network attacker's) may not connect.
        assert!(p.check(&headers(Some("http://duet.example"), "duet.example"), true).is_err());
        assert!(p.check(&headers(Some("null"), "duet.example"), false).is_err());
    }

    #[test]
    fn listed_origins_match_scheme_host_and_port() {
        let p = policy(&["https://app.example/"], false);
        assert!(p.check(&headers(Some("https://app.example"), "signal.example"), false).is_ok());
        assert!(p.check(&headers(Some("https://app.example:443"), "signal.example"), false).is_ok());
        assert!(p.check(&headers(Some("http://app.example"), "signal.example"), false).is_err(), "scheme differs");
        assert!(p.check(&headers(Some("https://app.example:8443"), "signal.example"), false).is_err(), "port differs");
        assert!(p.check(&headers(Some("https://other.example"), "signal.example"), false).is_err());
        assert!(policy(&["*"], false).check(&headers(Some("https://any.example"), "x"), false).is_ok());
        assert!(OriginPolicy::new(&["app.example".into()], &[], HostGuard::Tls).is_err());
    }

    #[test]
    fn a_loopback_server_takes_local_dev_pages_and_refuses_rebound_names() {
        let p = policy(&[], true);
        // trunk serve on 8081 proxying to the server on 8080.
        assert!(p.check(&headers(Some("http://127.0.0.1:8081"), "127.0.0.1:8080"), false).is_ok());
        assert!(p.check(&headers(Some("http://localhost:8081"), "localhost:8080"), false).is_ok());
        assert!(p.check(&headers(Some("http://evil.example"), "127.0.0.1:8080"), false).is_err());
        assert!(p.check_host(&headers(None, "127.0.0.1:8080")).is_ok());
        assert!(p.check_host(&headers(None, "[::1]:8080")).is_ok());
        assert!(p.check_host(&headers(None, "localhost")).is_ok());
        assert!(p.check_host(&headers(None, "evil.example:8080")).is_err(), "DNS rebinding");
        let listed = OriginPolicy::new(&[], &["duet.example".into()], HostGuard::Loopback).unwrap();
        assert!(listed.check_host(&headers(None, "duet.example")).is_ok());
        assert!(policy(&[], false).check_host(&headers(None, "anything.example")).is_ok(), "HTTPS: any name");
    }

    /// A plain-http server on a LAN address (with `--access open`, say) is
    /// as reachable through DNS rebinding as a loopback one.
    #[test]
    fn a_plain_http_network_server_refuses_rebound_names_too() {
        let guard = HostGuard::Network { own_names: vec!["laptop".into(), "laptop.local".into()] };
        let p = OriginPolicy::new(&[], &["duet.lan".into()], guard).unwrap();
        for ok in ["192.168.1.20:8080", "[fd00::20]:8080", "laptop.local:8080", "LAPTOP:8080", "duet.lan", "localhost"]
        {
            assert!(p.check_host(&headers(None, ok)).is_ok(), "{ok}");
        }
        let err = p.check_host(&headers(None, "rebind.evil.example:8080")).unwrap_err();
        assert!(err.contains("--allowed-host rebind.evil.example"), "{err}");
    }
}
