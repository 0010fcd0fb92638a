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
    /// The protocol version the server speaks ([`crate::PROTOCOL_VERSION`], « 1.1 »).
    /// Empty from an MSP/1.0 server, which did not send it: such a server ignores
    /// promotions and has no `GET /v1/campaigns`.
    #[serde(default)]
    pub protocol_version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_msp_1_0_answer_reads_with_an_empty_version() {
        let old = r#"{"shop":{"id":"s","name":"Cave"},"scopes":["orders:read"],"server_time":"2026-06-01T08:00:00Z",
            "limits":{"max_batch_ops":100,"max_body_bytes":1,"max_media_bytes":1,"accepted_media_types":[],
            "max_page_size":500,"long_poll_max_wait_seconds":30,"orders_overlap_seconds":120,
            "rate_limit":{"burst":1,"per_second":1.0}}}"#;
        let me: Me = serde_json::from_str(old).unwrap();
        assert_eq!(me.protocol_version, "");
        let mut v = serde_json::to_value(&me).unwrap();
        v["protocol_version"] = crate::PROTOCOL_VERSION.into();
        let me: Me = serde_json::from_value(v).unwrap();
        assert_eq!(me.protocol_version, "1.1");
    }
}
