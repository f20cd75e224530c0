//! Which address a request comes from, for per-address limits and logs.
//!
//! The socket's peer is the client, unless that peer is a reverse proxy the
//! operator named with `--trusted-proxy`: then the proxy's `Forwarded` or
//! `X-Forwarded-For` header says who the client is. Headers from anyone else
//! are ignored, since any client can write them.

use std::{net::IpAddr, str::FromStr};

use axum::http::HeaderMap;

/// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim().parse().map_err(|_| format!("{s:?} is not an address or CIDR range"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(b) => {
                b.trim().parse::<u8>().ok().filter(|b| *b <= max).ok_or(format!("{s:?} has a bad prefix length"))?
            }
        };
        Ok(Cidr { net, bits })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// An IPv4 peer seen through an IPv6 socket counts as the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn new(ranges: Vec<Cidr>) -> Self {
        TrustedProxies(ranges)
    }

    pub fn trusts(&self, peer: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(peer))
    }

    /// The client behind `peer`: walking the forwarding chain from the
    /// nearest hop, the first address that is not a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for(headers);
        hops.iter().rev().copied().map(canonical).find(|ip| !self.trusts(*ip)).or(hops.first().copied()).unwrap_or(peer)
    }

    /// Whether the client reached the proxy over HTTPS, when a trusted proxy says so.
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        if !self.trusts(canonical(peer)) {
            return false;
        }
        let xfp = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
        let fwd = headers.get("forwarded").and_then(|v| v.to_str().ok()).and_then(|v| {
            v.split([',', ';'])
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.eq_ignore_ascii_case("proto"))
                .map(|(_, v)| v.trim_matches('"'))
        });
        fwd.or(xfp).is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }
}

/// The addresses a request passed through, client first: from `Forwarded`
/// (RFC 7239) if present, else `X-Forwarded-For`. Unreadable entries are skipped.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let joined =
        |name: &str| headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    let forwarded = joined("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .split(',')
            .filter_map(|el| {
                el.split(';').filter_map(|p| p.trim().split_once('=')).find(|(k, _)| k.eq_ignore_ascii_case("for"))
            })
            .filter_map(|(_, v)| parse_node(v.trim().trim_matches('"')))
            .collect();
    }
    joined("x-forwarded-for").split(',').filter_map(|v| parse_node(v.trim())).collect()
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
    fn cidr_ranges_match_by_prefix() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains("10.200.1.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        let c: Cidr = "172.16.0.0/12".parse().unwrap();
        assert!(c.contains("172.31.255.255".parse().unwrap()));
        assert!(!c.contains("172.32.0.0".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains("::ffff:127.0.0.1".parse().unwrap()), "IPv4-mapped counts as IPv4");
        assert!("::1/128".parse::<Cidr>().unwrap().contains("::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("proxy.local".parse::<Cidr>().is_err());
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
        let spoof = h(&[("x-forwarded-for", "203.0.113.9")]);
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(proxies.client(stranger, &spoof), stranger, "a client cannot name itself someone else");
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(proxies.client(local, &spoof), "203.0.113.9".parse::<IpAddr>().unwrap());
        // A client-written entry before the real one is not believed.
        let chain = h(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(proxies.client(local, &chain), "203.0.113.9".parse::<IpAddr>().unwrap());
        let fwd = h(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")]);
        assert_eq!(proxies.client(local, &fwd), "2001:db8::7".parse::<IpAddr>().unwrap());
        assert!(proxies.forwarded_https(local, &fwd));
        assert!(!proxies.forwarded_https(stranger, &fwd));
        assert_eq!(proxies.client(local, &HeaderMap::new()), local, "no header: the proxy itself");
    }
}
