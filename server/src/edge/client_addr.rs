//! Which address a request comes from, for per-address limits and logs.
//!
//! The socket's peer is the client, unless that peer is a reverse proxy the
//! operator named with `--trusted-proxy`: then the one header the operator
//! chose with `--forwarded-header` says who the client is and which scheme
//! it used — `X-Forwarded-For` + `X-Forwarded-Proto` by default, or RFC 7239
//! `Forwarded`. The other header is never read: proxies pass through what
//! they do not set themselves, so a client could write it. Headers from
//! anyone but a trusted proxy are ignored.

use std::net::IpAddr;

use axum::http::HeaderMap;

use crate::{
    address::{canonical, Cidr},
    config::{Config, ForwardedHeader},
};

/// The proxies whose forwarding header is believed, and which header that is.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    ranges: Vec<Cidr>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    pub fn from_config(config: &Config) -> Self {
        TrustedProxies::new(config.edge.trusted_proxies.clone(), config.edge.forwarded_header)
    }

    pub fn new(ranges: Vec<Cidr>, header: ForwardedHeader) -> Self {
        TrustedProxies { ranges, header }
    }

    pub fn trusts(&self, peer: IpAddr) -> bool {
        self.ranges.iter().any(|c| c.contains(peer))
    }

    /// The client behind `peer`: walking the forwarding chain from the
    /// nearest hop, the first address that is not a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded_for(headers),
        };
        // From the nearest hop back: the first address no trusted proxy has.
        // An entry that is not an address (`unknown`, an obfuscated name)
        // ends the walk: what stands before it may be the client's writing,
        // so the last proxy that named something is all that is known.
        let mut last_known = peer;
        for hop in hops.iter().rev() {
            match hop.map(canonical) {
                Some(ip) if self.trusts(ip) => last_known = ip,
                Some(ip) => return ip,
                None => return last_known,
            }
        }
        hops.first().copied().flatten().map(canonical).unwrap_or(peer)
    }

    /// Whether the client reached the proxy over HTTPS, when a trusted proxy says so.
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        if !self.trusts(canonical(peer)) {
            return false;
        }
        // The scheme the client used is the one the nearest proxy saw: the
        // last value, as anything before it may have come from the client.
        let proto = match self.header {
            ForwardedHeader::XForwardedFor => {
                joined(headers, "x-forwarded-proto").rsplit(',').next().map(|p| p.trim().to_owned())
            }
            ForwardedHeader::Forwarded => joined(headers, "forwarded").rsplit(',').next().and_then(|el| {
                el.split(';')
                    .filter_map(|p| p.trim().split_once('='))
                    .find(|(k, _)| k.eq_ignore_ascii_case("proto"))
                    .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            }),
        };
        proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
    }
}

/// Every value of header `name`, as one comma-separated list.
fn joined(headers: &HeaderMap, name: &str) -> String {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",")
}

/// The addresses a request passed through, client first, from RFC 7239
/// `Forwarded` (None for an entry that is not an address).
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    joined(headers, "forwarded")
        .split(',')
        .filter(|el| !el.trim().is_empty())
        .map(|el| {
            el.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse_node(v.trim().trim_matches('"')))
        })
        .collect()
}

/// The same from `X-Forwarded-For`.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    joined(headers, "x-forwarded-for")
        .split(',')
        .filter(|v| !v.trim().is_empty())
        .map(|v| parse_node(v.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(v: &str) -> Option<IpAddr> {
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    v.parse().ok().or_else(|| v.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()], ForwardedHeader::XForwardedFor);
        let spoof = h(&[("x-forwarded-for", "203.0.113.9")]);
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(proxies.client(stranger, &spoof), stranger, "a client cannot name itself someone else");
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(proxies.client(local, &spoof), "203.0.113.9".parse::<IpAddr>().unwrap());
        // A client-written entry before the real one is not believed.
        let chain = h(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(proxies.client(local, &chain), "203.0.113.9".parse::<IpAddr>().unwrap());
        let https = h(&[("x-forwarded-proto", "https")]);
        assert!(proxies.forwarded_https(local, &https));
        assert!(!proxies.forwarded_https(stranger, &https));
        assert_eq!(proxies.client(local, &HeaderMap::new()), local, "no header: the proxy itself");
    }

    /// nginx and Caddy set X-Forwarded-For but pass a client's `Forwarded`
    /// through: with the default header, a client-written `Forwarded` (or a
    /// client-written proto before the proxy's) changes nothing.
    #[test]
    fn only_the_chosen_header_is_read() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let real: IpAddr = "203.0.113.9".parse().unwrap();
        let xff = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()], ForwardedHeader::XForwardedFor);
        let spoofed = h(&[
            ("forwarded", "for=198.51.100.66;proto=https"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "http"),
        ]);
        assert_eq!(xff.client(local, &spoofed), real, "a client's Forwarded names nobody");
        assert!(!xff.forwarded_https(local, &spoofed), "nor claims https");
        let only_forwarded = h(&[("forwarded", "for=198.51.100.66")]);
        assert_eq!(xff.client(local, &only_forwarded), local, "the proxy set no X-Forwarded-For: the proxy itself");
        let two_protos = h(&[("x-forwarded-proto", "https"), ("x-forwarded-proto", "http")]);
        assert!(!xff.forwarded_https(local, &two_protos), "the proxy's own value comes last");

        let fwd = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()], ForwardedHeader::Forwarded);
        let header = h(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"), ("x-forwarded-for", "192.0.2.1")]);
        assert_eq!(fwd.client(local, &header), "2001:db8::7".parse::<IpAddr>().unwrap(), "X-Forwarded-For ignored");
        assert!(fwd.forwarded_https(local, &header));
        let client_written = h(&[("forwarded", "for=192.0.2.1;proto=https, for=203.0.113.9;proto=http")]);
        assert_eq!(fwd.client(local, &client_written), real);
        assert!(!fwd.forwarded_https(local, &client_written));
        // An entry that is no address ends the walk: the client's own
        // writing before it is not believed.
        let hidden = h(&[("forwarded", "for=192.0.2.66, for=unknown")]);
        assert_eq!(fwd.client(local, &hidden), local, "only the proxy is known");
        let xff_hidden = h(&[("x-forwarded-for", "192.0.2.66, _hidden")]);
        assert_eq!(xff.client(local, &xff_hidden), local);
    }
}
