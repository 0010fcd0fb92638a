//! Retry policy: exponential backoff with jitter, `Retry-After`, and a circuit breaker
//! that stops a background worker from hammering a server that is down.

use std::time::Duration;

/// Source of randomness, injected so tests are deterministic (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Any seed; 0 is replaced (xorshift needs a non-zero state).
    pub fn seeded(seed: u64) -> Self {
        Self(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A fresh idempotency key (128 random bits).
    pub fn key(&mut self) -> String {
        format!("comptoir-{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// After this many failures in a row the server is considered down: the background
    /// worker waits `max` between probes (the circuit is open) until one succeeds.
    pub breaker_after: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base: Duration::from_secs(1), max: Duration::from_secs(300), breaker_after: 6 }
    }
}

impl Backoff {
    /// Delay before attempt number `failures + 1` (`failures` >= 1): "equal jitter",
    /// half fixed and half random, so clients spread out but never retry at once;
    /// never shorter than the server's `Retry-After`.
    pub fn delay(&self, failures: i64, retry_after: Option<Duration>, rng: &mut Rng) -> Duration {
        let exp = u32::try_from(failures.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        let ceiling =
            if failures >= self.breaker_after { self.max } else { self.base.saturating_mul(1u32 << exp).min(self.max) };
        let half = ceiling / 2;
        let jittered = half + half.mul_f64(rng.unit());
        jittered.max(retry_after.unwrap_or_default())
    }

    pub fn circuit_open(&self, failures: i64) -> bool {
        failures >= self.breaker_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_honours_retry_after() {
        let b = Backoff::default();
        let mut rng = Rng::seeded(7);
        for f in 1..b.breaker_after {
            let d = b.delay(f, None, &mut rng);
            let ceiling = b.base.saturating_mul(1 << (f - 1)).min(b.max);
            assert!(d >= ceiling / 2 && d <= ceiling, "{f}: {d:?}");
        }
        // Circuit open: probes at most every `max` (a half-to-full jitter of it).
        assert!(b.delay(9, None, &mut rng) >= b.max / 2);
        assert!(b.delay(1, Some(Duration::from_secs(42)), &mut rng) >= Duration::from_secs(42));
        assert!(b.circuit_open(6) && !b.circuit_open(5));
        assert_ne!(rng.key(), rng.key());
    }
}
