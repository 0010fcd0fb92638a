//! Per-token token buckets, refilled from the injected clock.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue};

use crate::config::RateLimitConfig;

struct Bucket {
    tokens: f64,
    at_ms: i64,
}

pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_s: u64,
    /// Seconds until one request is allowed (only meaningful when denied).
    pub retry_after_s: u64,
    window_s: u64,
}

impl Decision {
    /// `RateLimit-*` headers (draft-ietf-httpapi-ratelimit-headers).
    pub fn apply(&self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                headers.insert(name, v);
            }
        };
        set("RateLimit-Limit", self.limit.to_string());
        set("RateLimit-Remaining", self.remaining.to_string());
        set("RateLimit-Reset", self.reset_s.to_string());
        set("RateLimit-Policy", format!("{};w={}", self.limit, self.window_s));
        if !self.allowed {
            set("Retry-After", self.retry_after_s.to_string());
        }
    }
}

pub struct RateLimiter {
    cfg: Option<RateLimitConfig>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(cfg: Option<RateLimitConfig>) -> Self {
        Self { cfg, buckets: Mutex::new(HashMap::new()) }
    }

    /// Take one token from `key`'s bucket; `None` when limiting is disabled.
    pub fn check(&self, key: &str, now_ms: i64) -> Option<Decision> {
        let cfg = self.cfg.as_ref()?;
        let burst = f64::from(cfg.burst.max(1));
        let rate = cfg.per_second.max(1e-9);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: burst, at_ms: now_ms });
        let elapsed = (now_ms - b.at_ms).max(0) as f64 / 1000.0;
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.at_ms = now_ms;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        let secs = |t: f64| (t / rate).ceil().max(0.0) as u64;
        Some(Decision {
            allowed,
            limit: cfg.burst,
            remaining: b.tokens.floor() as u32,
            reset_s: secs(burst - b.tokens),
            retry_after_s: secs(1.0 - b.tokens).max(1),
            window_s: secs(burst).max(1),
        })
    }
}
