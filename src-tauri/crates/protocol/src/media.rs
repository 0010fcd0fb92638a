//! Content-addressed photos: a re-sync never re-sends an unchanged photo.

use serde::{Deserialize, Serialize};

/// Media types the reference server accepts (checked against the bytes too).
pub const ACCEPTED_MEDIA_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

/// `POST /v1/media/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaCheckRequest {
    pub sha256: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaCheckResponse {
    /// The hashes the server does not hold yet, in request order.
    pub missing: Vec<String>,
}

/// Body of `PUT /v1/media/{sha256}` responses (201 new, 200 already there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaObject {
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
}
