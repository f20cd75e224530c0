//! Limits kept per client address: open connections, and attempts per minute
//! (logins, failed access checks). One address can then cost everyone else
//! only its own share.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Instant,
};

use crate::rate::TokenBucket;

/// Open connections per address, capped; a [`ConnSlot`] holds one until dropped.
#[derive(Debug)]
pub struct ConnCounts {
    max_per_ip: usize,
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
    pub fn new(max_per_ip: usize) -> Arc<Self> {
        Arc::new(ConnCounts { max_per_ip, open: Mutex::default() })
    }

    /// A slot for `ip`, or None when it already has its most connections.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr) -> Option<Option<ConnSlot>> {
        if self.max_per_ip == 0 {
            return Some(None);
        }
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
    buckets: Mutex<(HashMap<IpAddr, TokenBucket>, Instant)>,
}

impl PerIpRate {
    /// `per_minute` 0 limits nothing.
    pub fn new(per_minute: u32) -> Self {
        PerIpRate { per_minute: per_minute as f64, buckets: Mutex::new((HashMap::new(), Instant::now())) }
    }

    /// Takes one attempt for `ip`; false when it has used up its minute.
    pub fn try_take(&self, ip: IpAddr) -> bool {
        if self.per_minute == 0.0 {
            return true;
        }
        let mut guard = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (buckets, swept) = &mut *guard;
        // Every minute, drop the buckets that are full again.
        if swept.elapsed().as_secs() >= 60 {
            buckets.retain(|_, b| !b.is_full());
            *swept = Instant::now();
        }
        buckets.entry(ip).or_insert_with(|| TokenBucket::new(self.per_minute / 60.0, self.per_minute)).try_take()
    }

    /// Whether `ip` has attempts left, without taking one.
    pub fn has_left(&self, ip: IpAddr) -> bool {
        if self.per_minute == 0.0 {
            return true;
        }
        let mut guard = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.get_mut(&ip).is_none_or(|b| b.peek())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_per_address_and_freed_on_drop() {
        let counts = ConnCounts::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let s1 = counts.acquire(a).unwrap();
        let _s2 = counts.acquire(a).unwrap();
        assert!(counts.acquire(a).is_none(), "third from the same address");
        assert!(counts.acquire(b).is_some(), "another address is not affected");
        drop(s1);
        assert!(counts.acquire(a).is_some(), "a closed connection frees its slot");
        assert!(ConnCounts::new(0).acquire(a).unwrap().is_none(), "0 counts nothing");
    }

    #[test]
    fn attempts_are_limited_per_address() {
        let rate = PerIpRate::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..3).all(|_| rate.try_take(a)));
        assert!(!rate.has_left(a));
        assert!(!rate.try_take(a));
        assert!(rate.try_take("192.0.2.9".parse().unwrap()));
        assert!((0..1000).all(|_| PerIpRate::new(0).try_take(a)));
    }
}
