//! Wire types of the marketplace sync protocol (`/v1`).
//!
//! One definition shared by the desktop client (comptoir-core) and the reference
//! server (comptoir-marketplace), so that both sides agree on every field name.
//!
//! Forward compatibility: every struct a client reads ignores unknown fields (serde's
//! default) and every enum a client reads has an `Unknown` variant caught by
//! `#[serde(other)]`, so a newer server never breaks an older desktop.

pub mod admin;
pub mod auth;
pub mod catalog;
pub mod events;
pub mod hash;
pub mod me;
pub mod media;
pub mod orders;
pub mod problem;
pub mod sse;
pub mod stock;
pub mod storefront;

#[cfg(feature = "client")]
pub mod client;

pub use problem::{FieldError, Problem};

/// Path prefix of the versioned merchant API.
pub const API_PREFIX: &str = "/v1";
/// Header carrying the caller-chosen key that makes a write safe to retry.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Header set to `true` on a response replayed from the idempotency store.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// Header carrying the request id (also echoed inside problem details).
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";
/// Content type of errors (RFC 9457).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Opaque cursor page of any list endpoint.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back as `cursor=` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
