//! Limits kept per client address: open connections, and attempts per minute
//! (logins, failed access checks, lobby chat). One address can then cost
//! everyone else only its own share.
//!
//! An IPv6 "address" here is the network it lies in (`--ipv6-prefix`, /64 by
//! default): one host is routinely given a whole /64, so counting each /128
//! would let it be any number of clients.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
    time::Instant,
};

use crate::limits::rate::TokenBucket;

/// What one client counts as: the address itself for IPv4, its first
/// `v6_prefix` bits for IPv6.
pub fn client_key(ip: IpAddr, v6_prefix: u8) -> IpAddr {
    match crate::address::canonical(ip) {
        // 6to4 (2002:V4ADDR::/48): 65,536 /64s for anyone with one IPv4
        // address, so it counts as that address.
        IpAddr::V6(v6) if v6.segments()[0] == 0x2002 => {
            let [_, hi, lo, ..] = v6.segments();
            IpAddr::V4(std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)))
        }
        IpAddr::V6(v6) if v6_prefix < 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(v6_prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
        other => other,
    }
}

/// Open connections per address, capped; a [`ConnSlot`] holds one until dropped.
#[derive(Debug)]
pub struct ConnCounts {
    max_per_ip: usize,
    v6_prefix: u8,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection of one address.
#[derive(Debug)]
pub struct ConnSlot {
    counts: Arc<ConnCounts>,
    ip: IpAddr,
}

impl ConnCounts {
    /// `max_per_ip` 0 counts nothing and refuses nothing.
    pub fn new(max_per_ip: usize, v6_prefix: u8) -> Arc<Self> {
        Arc::new(ConnCounts { max_per_ip, v6_prefix, open: Mutex::default() })
    }

    /// A slot for `ip`, or None when it already has its most connections.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr) -> Option<Option<ConnSlot>> {
        if self.max_per_ip == 0 {
            return Some(None);
        }
        let ip = client_key(ip, self.v6_prefix);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max_per_ip {
            return None;
        }
        *n += 1;
        Some(Some(ConnSlot { counts: self.clone(), ip }))
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// A token bucket per address, e.g. "30 logins a minute". Buckets that have
/// refilled are forgotten, so the table holds only recently busy addresses.
#[derive(Debug)]
pub struct PerIpRate {
    per_minute: f64,
    burst: f64,
    v6_prefix: u8,
    buckets: Mutex<(HashMap<IpAddr, TokenBucket>, Instant)>,
}

impl PerIpRate {
    /// `per_minute` 0 limits nothing; the burst is a minute's worth.
    pub fn new(per_minute: u32, v6_prefix: u8) -> Self {
        PerIpRate::with_burst(per_minute as f64, per_minute as f64, v6_prefix)
    }

    /// `per_minute` refilling a bucket of `burst`.
    pub fn with_burst(per_minute: f64, burst: f64, v6_prefix: u8) -> Self {
        PerIpRate { per_minute, burst, v6_prefix, buckets: Mutex::new((HashMap::new(), Instant::now())) }
    }

    /// Takes one attempt for `ip`; false when it has used up its minute.
    pub fn try_take(&self, ip: IpAddr) -> bool {
        if self.per_minute == 0.0 {
            return true;
        }
        let ip = client_key(ip, self.v6_prefix);
        let mut guard = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (buckets, swept) = &mut *guard;
        // Every minute, drop the buckets that are full again.
        if swept.elapsed().as_secs() >= 60 {
            buckets.retain(|_, b| !b.is_full());
            *swept = Instant::now();
        }
        buckets.entry(ip).or_insert_with(|| TokenBucket::new(self.per_minute / 60.0, self.burst)).try_take()
    }

    /// Whether `ip` has attempts left, without taking one.
    pub fn has_left(&self, ip: IpAddr) -> bool {
        if self.per_minute == 0.0 {
            return true;
        }
        let ip = client_key(ip, self.v6_prefix);
        let mut guard = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.get_mut(&ip).is_none_or(|b| b.peek())
    }
}

/// What one user's own rate does not bound: lobby chat reaches everyone
/// online, and a directory search reads everyone online. On top of each
/// connection's rate, a budget per address (many sockets of one host are
/// one sender) and one for the whole server (many hosts cannot make it do
/// everyone's work either).
#[derive(Debug)]
pub struct SharedBudget {
    per_ip: PerIpRate,
    server: Mutex<TokenBucket>,
}

/// Which shared budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    Address,
    Server,
}

impl SharedBudget {
    /// Sustained rates per second, each with a burst of `burst_secs` seconds' worth.
    pub fn new(per_ip_per_sec: f64, server_per_sec: f64, burst_secs: f64, v6_prefix: u8) -> Self {
        SharedBudget {
            per_ip: PerIpRate::with_burst(per_ip_per_sec * 60.0, per_ip_per_sec * burst_secs, v6_prefix),
            server: Mutex::new(TokenBucket::new(server_per_sec, server_per_sec * burst_secs)),
        }
    }

    /// Takes one from `ip`'s budget, then the server's.
    pub fn try_take(&self, ip: IpAddr) -> Result<(), Spent> {
        if !self.per_ip.try_take(ip) {
            return Err(Spent::Address);
        }
        if !self.server.lock().unwrap_or_else(|p| p.into_inner()).try_take() {
            return Err(Spent::Server);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_per_address_and_freed_on_drop() {
        let counts = ConnCounts::new(2, 64);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let s1 = counts.acquire(a).unwrap();
        let _s2 = counts.acquire(a).unwrap();
        assert!(counts.acquire(a).is_none(), "third from the same address");
        assert!(counts.acquire(b).is_some(), "another address is not affected");
        drop(s1);
        assert!(counts.acquire(a).is_some(), "a closed connection frees its slot");
        assert!(ConnCounts::new(0, 64).acquire(a).unwrap().is_none(), "0 counts nothing");
    }

    #[test]
    fn attempts_are_limited_per_address() {
        let rate = PerIpRate::new(3, 64);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..3).all(|_| rate.try_take(a)));
        assert!(!rate.has_left(a));
        assert!(!rate.try_take(a));
        assert!(rate.try_take("192.0.2.9".parse().unwrap()));
        assert!((0..1000).all(|_| PerIpRate::new(0, 64).try_take(a)));
    }

    #[test]
    fn chat_is_budgeted_per_address_and_for_the_server() {
        let budget = SharedBudget::new(1.0, 2.0, 5.0, 64);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!((0..5).all(|_| budget.try_take(ip("192.0.2.1")).is_ok()), "a burst of five seconds");
        assert_eq!(budget.try_take(ip("192.0.2.1")), Err(Spent::Address));
        assert!((0..5).all(|_| budget.try_take(ip("192.0.2.2")).is_ok()));
        assert_eq!(budget.try_take(ip("192.0.2.3")), Err(Spent::Server), "ten in all, from any addresses");
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1"), 64), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1"), 48), ip("2001:db8:1::"));
        assert_eq!(client_key(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        assert_eq!(client_key(ip("::ffff:192.0.2.7"), 64), ip("192.0.2.7"), "IPv4 is never masked");
        assert_eq!(client_key(ip("2002:c000:207:1234::1"), 64), ip("192.0.2.7"), "6to4 is its IPv4 address");
        let counts = ConnCounts::new(2, 64);
        let _one = counts.acquire(ip("2001:db8:1:2::1")).unwrap();
        let _two = counts.acquire(ip("2001:db8:1:2::2")).unwrap();
        assert!(counts.acquire(ip("2001:db8:1:2:ffff::3")).is_none(), "a third address of the same /64");
        assert!(counts.acquire(ip("2001:db8:1:3::1")).is_some(), "the next /64 is someone else");
        let rate = PerIpRate::new(2, 64);
        assert!(rate.try_take(ip("2001:db8:1:2::1")) && rate.try_take(ip("2001:db8:1:2::2")));
        assert!(!rate.try_take(ip("2001:db8:1:2::3")));
    }
}
