//! Content-addressed photos. The hash in the path is the contract: bytes that do
//! not hash to it, or that are not the image type they claim, are refused.
//!
//! A photo lives while the catalogue uses it: `catalog.rs` keeps `media_refs` (which
//! live product lists which photo) and `media.unreferenced_since` in each batch's
//! transaction, and [`sweep`] deletes the photos unreferenced for longer than
//! `Config::media_grace` (photos are uploaded before the products that list them, so
//! a fresh upload starts unreferenced) and the resumable uploads (`upload.rs`)
//! abandoned for `Config::partial_upload_ttl`.

use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comptoir_protocol::admin::MediaSweepResult;
use comptoir_protocol::auth::Scope;
use comptoir_protocol::hash::{is_sha256_hex, sha256_hex};
use comptoir_protocol::media::{
    ACCEPTED_MEDIA_TYPES, MediaCheckRequest, MediaCheckResponse, MediaListItem, MediaObject, MediaPage,
};
use comptoir_protocol::problem::codes;
use sqlx::SqliteConnection;

use crate::AppState;
use crate::auth::Auth;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};

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
    // Uploads in progress among the missing: the client resumes them without asking
    // each one's offset (one round trip a photo on a high-latency line).
    let mut partial = std::collections::BTreeMap::new();
    for h in &missing {
        let received = sqlx::query_scalar::<_, i64>(
            "SELECT received FROM media_uploads WHERE shop_id = ? AND sha256 = ? AND received > 0",
        )
        .bind(&auth.shop_id)
        .bind(h)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(n) = received {
            partial.insert(h.clone(), n as u64);
        }
    }
    Ok(Json(MediaCheckResponse { missing, partial }))
}

/// What the bytes actually are, by their magic numbers.
pub(crate) fn sniff(bytes: &[u8]) -> Option<&'static str> {
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

pub(crate) fn unsupported(detail: String) -> ApiError {
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
    check_sha(&sha)?;
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
    let mut conn = st.db.writer.acquire().await?;
    let created = store(&mut conn, &auth.shop_id, &sha, &declared, &bytes, st.now_ms()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(obj)).into_response())
}

/// 400 unless `sha` is a lowercase hex sha256 (the path's last segment).
pub(crate) fn check_sha(sha: &str) -> ApiResult<()> {
    if is_sha256_hex(sha) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_REQUEST,
            "The path must name the photo by its lowercase hex sha256",
        ))
    }
}

/// Store verified bytes (true) or find them already there (false). Either way the
/// photo counts as just uploaded: unreferenced (a fresh upload precedes the product
/// that lists it), or, when it was already waiting unreferenced, its grace period
/// starts again, since the shop is evidently about to use it.
pub(crate) async fn store(
    conn: &mut SqliteConnection,
    shop: &str,
    sha: &str,
    content_type: &str,
    bytes: &[u8],
    now_ms: i64,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO media (shop_id, sha256, content_type, size, bytes, created_at, unreferenced_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (shop_id, sha256) DO NOTHING",
    )
    .bind(shop)
    .bind(sha)
    .bind(content_type)
    .bind(bytes.len() as i64)
    .bind(bytes)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        touch_unreferenced(conn, shop, sha, now_ms).await?;
    }
    Ok(inserted)
}

/// Restart the grace period of a stored photo that no product references.
pub(crate) async fn touch_unreferenced(
    conn: &mut SqliteConnection,
    shop: &str,
    sha: &str,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE media SET unreferenced_since = ? WHERE shop_id = ? AND sha256 = ? AND unreferenced_since IS NOT NULL",
    )
    .bind(now_ms)
    .bind(shop)
    .bind(sha)
    .execute(conn)
    .await?;
    Ok(())
}

/// `GET /v1/media/{sha256}`: the stored bytes, only to the shop that uploaded them.
pub async fn get(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(sha): Path<String>,
) -> ApiResult<Response> {
    // No `catalog:read` scope exists: the catalogue is read with the scope that writes it.
    auth.require(Scope::CatalogWrite)?;
    check_sha(&sha)?;
    let row: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT content_type, bytes FROM media WHERE shop_id = ? AND sha256 = ?")
            .bind(&auth.shop_id)
            .bind(&sha)
            .fetch_optional(&st.db.reader)
            .await?;
    let Some((content_type, bytes)) = row else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, codes::MEDIA_NOT_FOUND, "No such photo")
            .detail(format!("this shop holds no photo {sha}")));
    };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).map_err(ApiError::internal)?);
    // Content-addressed: the bytes behind a hash never change.
    h.insert(header::ETAG, HeaderValue::from_str(&format!("\"{sha}\"")).map_err(ApiError::internal)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// sha256, content_type, size, referenced, created_at
type MediaRow = (String, String, i64, bool, i64);

/// `GET /v1/media?cursor=&limit=`: every photo the shop has on the server, by sha256.
pub async fn list(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<MediaPage>> {
    auth.require(Scope::CatalogWrite)?;
    let limit = params.limit(500, st.config.max_page_size)?;
    let after = match params.get("cursor") {
        Some(c) => decode_cursor(c, 1)?.remove(0),
        None => String::new(),
    };
    let rows: Vec<MediaRow> = sqlx::query_as(
        "SELECT sha256, content_type, size, unreferenced_since IS NULL, created_at FROM media
         WHERE shop_id = ? AND sha256 > ? ORDER BY sha256 LIMIT ?",
    )
    .bind(&auth.shop_id)
    .bind(&after)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<MediaListItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(sha256, content_type, size, referenced, created_at)| MediaListItem {
            sha256,
            content_type,
            size: size as u64,
            referenced,
            created_at: from_ms(created_at),
        })
        .collect();
    let next_cursor = if more { items.last().map(|i| encode_cursor(&[&i.sha256])) } else { None };
    Ok(Json(MediaPage { items, next_cursor }))
}

/// Delete the photos unreferenced for at least `media_grace` and the partial uploads
/// untouched for `partial_upload_ttl`, in every shop.
pub async fn sweep(st: &AppState) -> ApiResult<MediaSweepResult> {
    let now = st.now_ms();
    let media_cutoff = now - st.config.media_grace.num_milliseconds();
    let upload_cutoff = now - st.config.partial_upload_ttl.num_milliseconds();
    let mut tx = st.db.begin().await?;
    // `unreferenced_since` is kept in the catalogue's transactions; the reference
    // index is checked again anyway, since a referenced photo must never be deleted
    // (and a disagreement, which would be a bug, is mended rather than looped on).
    sqlx::query(
        "UPDATE media SET unreferenced_since = NULL
         WHERE unreferenced_since IS NOT NULL AND unreferenced_since <= ?
           AND EXISTS (SELECT 1 FROM media_refs r WHERE r.shop_id = media.shop_id AND r.sha256 = media.sha256)",
    )
    .bind(media_cutoff)
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query(
        "DELETE FROM media WHERE unreferenced_since IS NOT NULL AND unreferenced_since <= ?
           AND NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.shop_id = media.shop_id AND r.sha256 = media.sha256)",
    )
    .bind(media_cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Their pieces go with them (ON DELETE CASCADE).
    let partial_uploads_deleted = sqlx::query("DELETE FROM media_uploads WHERE updated_at <= ?")
        .bind(upload_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(MediaSweepResult { deleted, partial_uploads_deleted })
}

/// When the next photo or partial upload becomes due for the sweep.
async fn next_due(st: &AppState) -> sqlx::Result<Option<i64>> {
    let media: Option<i64> =
        sqlx::query_scalar("SELECT MIN(unreferenced_since) FROM media WHERE unreferenced_since IS NOT NULL")
            .fetch_one(&st.db.reader)
            .await?;
    let uploads: Option<i64> =
        sqlx::query_scalar("SELECT MIN(updated_at) FROM media_uploads").fetch_one(&st.db.reader).await?;
    Ok([
        media.map(|t| t + st.config.media_grace.num_milliseconds()),
        uploads.map(|t| t + st.config.partial_upload_ttl.num_milliseconds()),
    ]
    .into_iter()
    .flatten()
    .min())
}

/// The background sweep: sleeps until the earliest due photo or partial upload. It
/// needs no waking: whatever becomes unreferenced (or starts uploading) while it
/// sleeps is due a full grace period (or TTL) later, and it never sleeps longer than
/// that, nor longer than an hour (so a wall-clock jump is caught up).
pub async fn run_sweeper(st: AppState) {
    let ms = |d: chrono::Duration| d.num_milliseconds().max(1000);
    let longest = ms(st.config.media_grace).min(ms(st.config.partial_upload_ttl)).min(3_600_000);
    loop {
        let wait = match next_due(&st).await {
            Ok(Some(due)) if due <= st.now_ms() => {
                if let Err(e) = sweep(&st).await {
                    eprintln!("media sweep failed: {:?}", e.problem);
                }
                // At most one pass a second, whatever happens.
                1000
            }
            Ok(Some(due)) => (due - st.now_ms()).clamp(1000, longest),
            Ok(None) => longest,
            Err(e) => {
                eprintln!("media sweep: {e}");
                1000
            }
        };
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
}
