//! Request extractors that fail with precise problem details instead of axum's
//! plain-text rejections.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use comptoir_protocol::IDEMPOTENCY_KEY_HEADER;
use comptoir_protocol::problem::codes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};

/// A JSON body: raw value for fingerprints and per-item validation.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, codes::PAYLOAD_TOO_LARGE, "Request body too large")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, codes::MALFORMED_REQUEST, "Cannot read request body")
                    .detail(e.body_text())
            }
        })?;
        if bytes.is_empty() {
            return Ok(JsonBody(Value::Object(Default::default())));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, codes::MALFORMED_REQUEST, "Request body is not valid JSON")
                .detail(e.to_string())
        })?;
        // Every body of the API is an object (serde would take `[]` for a struct
        // whose fields are all optional).
        if !value.is_object() {
            return Err(ApiError::validation("", "must be a JSON object"));
        }
        Ok(JsonBody(value))
    }
}

/// A JSON body decoded into `T`, with a JSON pointer on the first bad field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let JsonBody(v) = JsonBody::from_request(req, state).await?;
        decode_at(v, "").map(ApiJson)
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Decode `value` into `T`; errors point into the whole body through `prefix`.
pub fn decode_at<T: DeserializeOwned>(value: Value, prefix: &str) -> ApiResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = prefix.to_owned();
        for seg in e.path().iter() {
            use serde_path_to_error::Segment;
            match seg {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => pointer.push_str(&format!("/{}", escape_pointer(key))),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        let msg = e.inner().to_string();
        // serde reports a missing field at its parent; point at the field itself.
        if let Some(field) = msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            pointer.push('/');
            pointer.push_str(&escape_pointer(field));
        }
        ApiError::validation(pointer, msg)
    })
}

/// Query string as a map; typed accessors report the bad parameter by name.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(m)| Params(m))
            .map_err(|e| ApiError::bad_query(e.body_text()))
    }
}

impl Params {
    /// A parameter with a value; `cursor=` (empty) is the same as no cursor.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|s| !s.is_empty())
    }

    /// A parameter as sent: `name=` (empty) is a value, and a wrong one for a
    /// number, a date or a status.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn int(&self, name: &str) -> ApiResult<Option<i64>> {
        self.raw(name)
            .map(|v| v.parse::<i64>().map_err(|_| ApiError::bad_query(format!("`{name}` must be an integer"))))
            .transpose()
    }

    /// An integer of at least `min`, as the document states (`minimum`).
    pub fn int_min(&self, name: &str, min: i64) -> ApiResult<Option<i64>> {
        match self.int(name)? {
            Some(v) if v < min => Err(ApiError::bad_query(format!("`{name}` must be at least {min}"))),
            v => Ok(v),
        }
    }

    /// `limit=`: 1 to `max` (refused outside), `default` when absent.
    pub fn limit(&self, default: u32, max: u32) -> ApiResult<i64> {
        match self.int("limit")? {
            None => Ok(i64::from(default.min(max))),
            Some(l) if (1..=i64::from(max)).contains(&l) => Ok(l),
            Some(_) => Err(ApiError::bad_query(format!("`limit` must be between 1 and {max}"))),
        }
    }
}

/// The `Idempotency-Key` header, required on the writes that accept it.
pub fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let missing = || {
        ApiError::new(StatusCode::BAD_REQUEST, codes::IDEMPOTENCY_KEY_REQUIRED, "An Idempotency-Key header is required")
            .detail("send a unique key (a UUID) per logical write, and the same key when retrying it")
    };
    let raw = headers.get(IDEMPOTENCY_KEY_HEADER).ok_or_else(missing)?.to_str().map_err(|_| missing())?.trim();
    // As the document states: 1 to 255 visible ASCII characters, the whole
    // optionally in double quotes (a structured-field string), none inside.
    let v = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    if v.is_empty() || raw.len() > 255 || !v.bytes().all(|b| b.is_ascii_graphic() && b != b'"') {
        return Err(missing().detail("the key must be 1 to 255 visible ASCII characters"));
    }
    Ok(v.to_owned())
}
