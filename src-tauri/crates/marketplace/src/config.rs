//! Server limits and policies. Everything tests need to trigger quickly (rate
//! limits, heartbeats, timeouts) is configurable.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub burst: u32,
    pub per_second: f64,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub max_batch_ops: usize,
    pub max_body_bytes: usize,
    pub max_media_bytes: usize,
    pub max_page_size: u32,
    /// `None` disables rate limiting (benchmarks).
    pub rate_limit: Option<RateLimitConfig>,
    pub sse_heartbeat: Duration,
    pub long_poll_max_wait: Duration,
    pub orders_overlap: chrono::Duration,
    pub acceptance_timeout: chrono::Duration,
    pub pairing_code_ttl: chrono::Duration,
    pub token_rotation_grace: chrono::Duration,
    /// An in-flight idempotency record older than this is considered abandoned
    /// (the process died mid-request) and may be taken over.
    pub idempotency_stale_after: chrono::Duration,
    /// How long a photo no live product references is kept before the sweep deletes
    /// it. The desktop uploads photos before the products that list them, and a
    /// product may drop a photo another one is about to take: this covers both.
    pub media_grace: chrono::Duration,
    /// A resumable upload nobody added a byte to for this long is abandoned and purged.
    pub partial_upload_ttl: chrono::Duration,
    /// Bearer token of `/admin/v1`; `None` disables the admin API.
    pub admin_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_batch_ops: 100,
            max_body_bytes: 1024 * 1024,
            max_media_bytes: 8 * 1024 * 1024,
            max_page_size: 500,
            rate_limit: Some(RateLimitConfig { burst: 120, per_second: 20.0 }),
            sse_heartbeat: Duration::from_secs(15),
            long_poll_max_wait: Duration::from_secs(30),
            orders_overlap: chrono::Duration::seconds(60),
            acceptance_timeout: chrono::Duration::hours(2),
            pairing_code_ttl: chrono::Duration::minutes(15),
            token_rotation_grace: chrono::Duration::minutes(10),
            idempotency_stale_after: chrono::Duration::minutes(1),
            media_grace: chrono::Duration::hours(24),
            partial_upload_ttl: chrono::Duration::hours(24),
            admin_token: None,
        }
    }
}
