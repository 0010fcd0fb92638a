//! Content-addressed photos. The hash in the path is the contract: bytes that do
//! not hash to it, or that are not the image type they claim, are refused.

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::hash::{is_sha256_hex, sha256_hex};
use comptoir_protocol::media::{ACCEPTED_MEDIA_TYPES, MediaCheckRequest, MediaCheckResponse, MediaObject};
use comptoir_protocol::problem::codes;

use crate::AppState;
use crate::auth::Auth;
use crate::clock::to_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

/// `POST /v1/media/check`
pub async fn check(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    ApiJson(req): ApiJson<MediaCheckRequest>,
) -> ApiResult<Json<MediaCheckResponse>> {
    auth.require(Scope::CatalogWrite)?;
    if req.sha256.len() > 1000 {
        return Err(ApiError::validation("/sha256", "at most 1000 hashes per call"));
    }
    let mut err: Option<ApiError> = None;
    for (i, h) in req.sha256.iter().enumerate() {
        if !is_sha256_hex(h) {
            let e = err.take().unwrap_or_else(|| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::VALIDATION_FAILED, "Invalid hashes")
            });
            err = Some(e.field(format!("/sha256/{i}"), "lowercase hex sha256"));
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    let mut conn = st.db.reader.acquire().await?;
    let mut missing = Vec::new();
    for h in req.sha256 {
        let present = sqlx::query_scalar::<_, i64>("SELECT 1 FROM media WHERE shop_id = ? AND sha256 = ?")
            .bind(&auth.shop_id)
            .bind(&h)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if !present && !missing.contains(&h) {
            missing.push(h);
        }
    }
    Ok(Json(MediaCheckResponse { missing }))
}

/// What the bytes actually are, by their magic numbers.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn unsupported(detail: String) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, codes::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
        .detail(detail)
}

/// `PUT /v1/media/{sha256}`: 201 stored, 200 already there.
pub async fn put(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(sha): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    auth.require(Scope::CatalogWrite)?;
    if !is_sha256_hex(&sha) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_REQUEST,
            "The path must end with a lowercase hex sha256",
        ));
    }
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !ACCEPTED_MEDIA_TYPES.contains(&declared.as_str()) {
        return Err(unsupported(format!(
            "Content-Type `{declared}` is not one of {}",
            ACCEPTED_MEDIA_TYPES.join(", ")
        )));
    }
    let bytes = Bytes::from_request(req, &st).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, codes::PAYLOAD_TOO_LARGE, "Photo too large")
                .detail(format!("at most {} bytes", st.config.max_media_bytes))
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, codes::MALFORMED_REQUEST, "Cannot read body")
        }
    })?;
    let actual = sha256_hex(&bytes);
    if actual != sha {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::MEDIA_HASH_MISMATCH,
            "The bytes do not match the sha256 in the path",
        )
        .detail(format!("received bytes hash to {actual}")));
    }
    if sniff(&bytes) != Some(declared.as_str()) {
        return Err(unsupported(format!("the bytes are not a valid {declared} file")));
    }
    let obj = MediaObject { sha256: sha.clone(), content_type: declared.clone(), size: bytes.len() as u64 };
    let inserted = sqlx::query(
        "INSERT INTO media (shop_id, sha256, content_type, size, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (shop_id, sha256) DO NOTHING",
    )
    .bind(&auth.shop_id)
    .bind(&sha)
    .bind(&declared)
    .bind(bytes.len() as i64)
    .bind(bytes.as_ref())
    .bind(to_ms(st.now()))
    .execute(&st.db.writer)
    .await?
    .rows_affected();
    let status = if inserted == 1 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(obj)).into_response())
}
