//! `GET /v1/me`: who the token belongs to and the limits the client must respect.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shop {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimitPolicy {
    /// Requests that may be sent back to back.
    pub burst: u32,
    /// Sustained requests per second.
    pub per_second: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub max_batch_ops: u32,
    pub max_body_bytes: u64,
    pub max_media_bytes: u64,
    pub accepted_media_types: Vec<String>,
    pub max_page_size: u32,
    pub long_poll_max_wait_seconds: u32,
    /// Subtract this from the last `server_time` when calling
    /// `GET /v1/orders?updated_since=` so that writes racing the previous
    /// reconciliation are seen again rather than missed.
    pub orders_overlap_seconds: u32,
    pub rate_limit: RateLimitPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub shop: Shop,
    pub scopes: Vec<Scope>,
    pub server_time: DateTime<Utc>,
    pub limits: Limits,
}
