//! RFC 9457 problem details, with the protocol's stable `code`.

use serde::{Deserialize, Serialize};

use crate::orders::OrderStatus;

/// One invalid field, addressed by a JSON pointer (RFC 6901) into the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type", default = "about_blank")]
    pub type_uri: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code; see [`codes`]. Match on this, never on `title`.
    #[serde(default)]
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// On `version_conflict`: the version the server holds now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// On `invalid_transition`: where the order may go from its current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_transitions: Option<Vec<OrderStatus>>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

impl Problem {
    pub fn new(status: u16, code: &str, title: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:comptoir:problem:{code}"),
            title: title.into(),
            status,
            detail: None,
            code: code.to_owned(),
            errors: Vec::new(),
            request_id: None,
            current_version: None,
            allowed_transitions: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_error(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        self.errors.push(FieldError { pointer: pointer.into(), detail: detail.into() });
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.title)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        for e in &self.errors {
            write!(f, "; {} {}", e.pointer, e.detail)?;
        }
        Ok(())
    }
}

/// Stable problem codes. New codes may appear; clients treat unknown ones by status.
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    pub const NOT_FOUND: &str = "not_found";
    pub const ROUTE_NOT_FOUND: &str = "route_not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const MALFORMED_REQUEST: &str = "malformed_request";
    pub const VALIDATION_FAILED: &str = "validation_failed";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const MEDIA_HASH_MISMATCH: &str = "media_hash_mismatch";
    pub const MEDIA_MISSING: &str = "media_missing";
    pub const MEDIA_NOT_FOUND: &str = "media_not_found";
    pub const UPLOAD_NOT_FOUND: &str = "upload_not_found";
    pub const UPLOAD_OFFSET_MISMATCH: &str = "upload_offset_mismatch";
    pub const UPLOAD_LENGTH_MISMATCH: &str = "upload_length_mismatch";
    pub const SKU_TAKEN: &str = "sku_taken";
    pub const UNKNOWN_CATEGORY: &str = "unknown_category";
    pub const UNKNOWN_SKU: &str = "unknown_sku";
    /// A product sent as published lacks what the law requires to sell it online (the
    /// food information of Regulation (EU) No 1169/2011; for an alcoholic drink, the
    /// health message and the ban on sales to minors). The same product unpublished is
    /// accepted.
    pub const NOT_PUBLISHABLE: &str = "not_publishable";
    /// A variant's `unit_price` is not the one its price, selling unit and net quantity give.
    pub const UNIT_PRICE_MISMATCH: &str = "unit_price_mismatch";
    /// MSP/1.1: a variant's promotions break a rule their schema cannot state: a reduced
    /// price not below its reference price (not a reduction: Code de la consommation,
    /// art. L112-1-1), an end not after the start, two promotions of one variant running
    /// at the same instant, a promotion id used twice in one product. The pointers name
    /// the promotion (`…/variants/0/promotions/1/price_ttc`).
    pub const PROMOTION_INVALID: &str = "promotion_invalid";
    /// MSP/1.1, `POST /admin/v1/campaigns`: a campaign whose end is not after its start.
    pub const CAMPAIGN_INVALID: &str = "campaign_invalid";
    pub const IDEMPOTENCY_KEY_REQUIRED: &str = "idempotency_key_required";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const IDEMPOTENCY_IN_FLIGHT: &str = "idempotency_in_flight";
    pub const VERSION_CONFLICT: &str = "version_conflict";
    pub const STOCK_CONFLICT: &str = "stock_conflict";
    pub const INSUFFICIENT_STOCK: &str = "insufficient_stock";
    pub const INVALID_TRANSITION: &str = "invalid_transition";
    pub const PAIRING_CODE_INVALID: &str = "pairing_code_invalid";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const INTERNAL: &str = "internal";
}
