//! Content-addressed photos: a re-sync never re-sends an unchanged photo.

use chrono::{DateTime, Utc};
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
    /// Among the missing, those with a resumable upload in progress: the bytes the
    /// server already holds (`PATCH /v1/media/{sha256}/upload` goes on from there).
    /// Saves a client one round trip per photo; absent from older servers.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub partial: std::collections::BTreeMap<String, u64>,
}

/// Body of `PUT /v1/media/{sha256}` responses (201 new, 200 already there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaObject {
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
}

/// Header of the resumable upload (`/v1/media/{sha256}/upload`): on a `PATCH`, where the
/// body starts in the photo; in answers, how many bytes the server holds.
pub const UPLOAD_OFFSET_HEADER: &str = "Upload-Offset";
/// Header of a resumable upload `PATCH`: the photo's total size in bytes.
pub const UPLOAD_LENGTH_HEADER: &str = "Upload-Length";
/// Header of a resumable upload `PATCH`: the photo's media type (one of
/// [`ACCEPTED_MEDIA_TYPES`]); `Content-Type` describes the body, a slice of it.
pub const UPLOAD_MEDIA_TYPE_HEADER: &str = "Upload-Media-Type";
/// `Content-Type` of a resumable upload `PATCH` body.
pub const UPLOAD_CONTENT_TYPE: &str = "application/offset+octet-stream";

/// Where a resumable upload stands (`GET` and `PATCH /v1/media/{sha256}/upload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    pub sha256: String,
    /// Bytes the server holds, from the start of the photo: the next `PATCH` starts here.
    pub offset: u64,
    /// Total size of the photo.
    pub length: u64,
    pub content_type: String,
    /// The photo is stored (then `offset == length`): nothing left to send.
    pub complete: bool,
}

/// One photo of `GET /v1/media`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaListItem {
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
    /// Some live product of the shop lists it in `images`. An unreferenced photo is
    /// deleted by the server once the grace period after it lost its last reference ends.
    pub referenced: bool,
    pub created_at: DateTime<Utc>,
}

/// One page of `GET /v1/media`.
pub type MediaPage = crate::Page<MediaListItem>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_and_list_wire_names_are_the_documented_ones() {
        let s = UploadStatus {
            sha256: "ab".to_owned(),
            offset: 3,
            length: 9,
            content_type: "image/png".to_owned(),
            complete: false,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"sha256": "ab", "offset": 3, "length": 9, "content_type": "image/png", "complete": false})
        );
        let page: MediaPage = serde_json::from_str(
            r#"{"items":[{"sha256":"ab","content_type":"image/webp","size":9,"referenced":false,
                "created_at":"2026-06-01T08:00:00Z","unreferenced_since":"later"}],"next_cursor":"c"}"#,
        )
        .unwrap();
        assert_eq!((page.items[0].size, page.items[0].referenced), (9, false));
        assert_eq!(page.next_cursor.as_deref(), Some("c"));
    }
}
