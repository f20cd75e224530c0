//! Token bucket used for per-connection rate limits.

use std::time::Instant;

#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate_per_sec: f64, burst: f64) -> Self {
        TokenBucket { rate: rate_per_sec, burst, tokens: burst, last: Instant::now() }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    /// Whether a token is there now, without taking it.
    pub fn peek(&mut self) -> bool {
        self.refill(Instant::now());
        self.tokens >= 1.0
    }

    /// Whether the bucket has refilled completely (it can be forgotten).
    pub fn is_full(&mut self) -> bool {
        self.refill(Instant::now());
        self.tokens >= self.burst
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
    }

    fn take_at(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_sustained_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket { rate: 10.0, burst: 3.0, tokens: 3.0, last: t0 };
        assert!(b.take_at(t0) && b.take_at(t0) && b.take_at(t0));
        assert!(!b.take_at(t0), "burst exhausted");
        assert!(b.take_at(t0 + Duration::from_millis(100)), "one token refilled after 1/rate");
        assert!(!b.take_at(t0 + Duration::from_millis(120)));
        // Idle time refills no more than the burst.
        let later = t0 + Duration::from_secs(60);
        assert!((0..3).all(|_| b.take_at(later)));
        assert!(!b.take_at(later));
    }
}
