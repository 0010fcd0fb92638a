//! Resumable photo uploads: `GET` and `PATCH /v1/media/{sha256}/upload`.
//!
//! Over a rural uplink (~40 KB/s) that drops connections, a photo sent in one `PUT`
//! may never arrive whole. Here the client sends the photo's bytes from an offset
//! (`Upload-Offset`), and the server writes what arrives as it arrives (pieces of
//! about 64 KiB, and whatever is held as soon as the line goes quiet or breaks), so
//! that after a cut the client asks where the server got to and sends only the rest.
//! The last byte triggers the same checks as `PUT`: the whole must hash to the path
//! and be the image type declared (`Upload-Media-Type`).
//!
//! Several requests may race on one upload (a retry while the server has not yet
//! noticed that the first connection died): every write moves `received` only from
//! the offset it started at, so the loser gets `409 upload_offset_mismatch` and the
//! bytes stay contiguous.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::hash::sha256_hex;
use comptoir_protocol::media::{ACCEPTED_MEDIA_TYPES, UPLOAD_CONTENT_TYPE, UploadStatus};
use comptoir_protocol::problem::codes;
use futures_util::StreamExt;
use sqlx::SqliteConnection;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::media::{check_sha, sniff, store, touch_unreferenced, unsupported};

/// Bytes gathered in memory before they are written, one row each: a few writes a
/// second on a fast line, one every second or two at 40 KB/s.
pub const CHUNK: usize = 64 * 1024;

/// Bytes held in memory are written once nothing more arrived for this long, so
/// that a connection gone silent without closing (half-open) keeps them too.
const IDLE_FLUSH: Duration = Duration::from_secs(1);

// The protocol's header names (`comptoir_protocol::media::UPLOAD_*_HEADER`), lowercase
// as `HeaderName` constants must be; a test keeps them equal.
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_MEDIA_TYPE: HeaderName = HeaderName::from_static("upload-media-type");

/// One upload, as the request declares it.
struct Upload {
    shop: String,
    sha: String,
    content_type: String,
    length: u64,
}

impl Upload {
    fn status(&self, offset: u64, complete: bool) -> UploadStatus {
        UploadStatus {
            sha256: self.sha.clone(),
            offset,
            length: self.length,
            content_type: self.content_type.clone(),
            complete,
        }
    }
}

/// 200/201 with the status in the body and in the `Upload-Offset`/`Upload-Length` headers.
fn answer(status: StatusCode, s: &UploadStatus) -> Response {
    let mut resp = (status, Json(s)).into_response();
    let h = resp.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(s.offset));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(s.length));
    // The offset moves with every PATCH: never answer it from a cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn offset_mismatch(server_offset: u64, sent: u64) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, codes::UPLOAD_OFFSET_MISMATCH, "The upload is not at that offset")
        .detail(format!(
            "the server holds {server_offset} bytes of this photo, the request starts at {sent}: \
             resume from offset {server_offset}"
        ))
        .header(UPLOAD_OFFSET, server_offset)
}

fn malformed(detail: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, codes::MALFORMED_REQUEST, "Invalid upload request").detail(detail)
}

fn too_large(detail: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, codes::PAYLOAD_TOO_LARGE, "Photo too large").detail(detail)
}

/// A required header holding a non-negative integer.
fn header_u64(headers: &HeaderMap, name: &HeaderName, shown: &str) -> ApiResult<u64> {
    let v = headers.get(name).ok_or_else(|| malformed(format!("the `{shown}` header is required")))?;
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or_else(|| malformed(format!("`{shown}` must be a non-negative integer")))
}

/// The photo as the server holds it: stored (complete), partly uploaded, or nothing.
async fn current(conn: &mut SqliteConnection, shop: &str, sha: &str) -> sqlx::Result<Option<UploadStatus>> {
    let stored: Option<(String, i64)> =
        sqlx::query_as("SELECT content_type, size FROM media WHERE shop_id = ? AND sha256 = ?")
            .bind(shop)
            .bind(sha)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((content_type, size)) = stored {
        let size = size as u64;
        return Ok(Some(UploadStatus {
            sha256: sha.to_owned(),
            offset: size,
            length: size,
            content_type,
            complete: true,
        }));
    }
    let partial: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT content_type, length, received FROM media_uploads WHERE shop_id = ? AND sha256 = ?")
            .bind(shop)
            .bind(sha)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(partial.map(|(content_type, length, received)| UploadStatus {
        sha256: sha.to_owned(),
        offset: received as u64,
        length: length as u64,
        content_type,
        complete: false,
    }))
}

/// `GET /v1/media/{sha256}/upload`
pub async fn status(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(sha): Path<String>,
) -> ApiResult<Response> {
    auth.require(Scope::CatalogWrite)?;
    check_sha(&sha)?;
    let mut conn = st.db.reader.acquire().await?;
    match current(&mut conn, &auth.shop_id, &sha).await? {
        Some(s) => Ok(answer(StatusCode::OK, &s)),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, codes::UPLOAD_NOT_FOUND, "No upload of this photo")
            .detail("the server holds no byte of it: start at offset 0")),
    }
}

/// `PATCH /v1/media/{sha256}/upload`: 201 the photo is now stored, 200 it was
/// already, or the body ended before the photo did (the status says where).
pub async fn patch(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(sha): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    auth.require(Scope::CatalogWrite)?;
    check_sha(&sha)?;
    let h = req.headers();
    let body_type = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    if body_type != UPLOAD_CONTENT_TYPE {
        return Err(unsupported(format!(
            "the body of an upload is a slice of the photo: `Content-Type: {UPLOAD_CONTENT_TYPE}`, \
             the photo's own type goes in `Upload-Media-Type`"
        )));
    }
    let offset = header_u64(h, &UPLOAD_OFFSET, "Upload-Offset")?;
    let length = header_u64(h, &UPLOAD_LENGTH, "Upload-Length")?;
    let media_type = h
        .get(UPLOAD_MEDIA_TYPE)
        .ok_or_else(|| malformed("the `Upload-Media-Type` header is required".to_owned()))?
        .to_str()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !ACCEPTED_MEDIA_TYPES.contains(&media_type.as_str()) {
        return Err(unsupported(format!(
            "Upload-Media-Type `{media_type}` is not one of {}",
            ACCEPTED_MEDIA_TYPES.join(", ")
        )));
    }
    if length == 0 {
        return Err(malformed("`Upload-Length` must be at least 1".to_owned()));
    }
    let max = st.config.max_media_bytes as u64;
    if length > max {
        return Err(too_large(format!("at most {max} bytes per photo")));
    }
    let declared_body =
        h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = declared_body
        && offset.saturating_add(n) > length
    {
        return Err(too_large(format!("the body goes past Upload-Length: {n} bytes from offset {offset} of {length}")));
    }
    let up = Upload { shop: auth.shop_id.clone(), sha, content_type: media_type, length };
    if let Some(stored) = begin(&st, &up, offset).await? {
        return Ok(answer(StatusCode::OK, &stored));
    }
    // The body is read and written by a task of its own: when the connection breaks,
    // the server may drop this handler, but the bytes that came must still be written.
    let task = tokio::spawn(receive(st.clone(), up, offset, req.into_body()));
    let (status, s) = task.await.map_err(ApiError::internal)??;
    Ok(answer(status, &s))
}

/// Check the request against what the server holds, in one write transaction:
/// `Some` when the photo is stored already, `None` to go on and read the body.
async fn begin(st: &AppState, up: &Upload, offset: u64) -> ApiResult<Option<UploadStatus>> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    match current(&mut tx, &up.shop, &up.sha).await? {
        Some(s) if s.complete => {
            // Uploading it again says the shop is about to use it (see `media::store`).
            touch_unreferenced(&mut tx, &up.shop, &up.sha, now).await?;
            tx.commit().await?;
            return Ok(Some(s));
        }
        None if offset != 0 => return Err(offset_mismatch(0, offset)),
        None => {
            sqlx::query(
                "INSERT INTO media_uploads (shop_id, sha256, content_type, length, received, updated_at)
                 VALUES (?, ?, ?, ?, 0, ?)",
            )
            .bind(&up.shop)
            .bind(&up.sha)
            .bind(&up.content_type)
            .bind(up.length as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // One hash, one photo: a different size or type cannot be the same upload, and
        // resuming either one over the other's bytes could only fail at the end.
        Some(s) if s.length != up.length || s.content_type != up.content_type => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::UPLOAD_LENGTH_MISMATCH,
                "The upload was started with another length or media type",
            )
            .detail(format!(
                "this upload is {} bytes of {}, the request says {} bytes of {}",
                s.length, s.content_type, up.length, up.content_type
            )));
        }
        Some(s) if s.offset != offset => return Err(offset_mismatch(s.offset, offset)),
        Some(_) => {
            sqlx::query("UPDATE media_uploads SET updated_at = ? WHERE shop_id = ? AND sha256 = ?")
                .bind(now)
                .bind(&up.shop)
                .bind(&up.sha)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(None)
}

/// What one write did.
enum Written {
    /// The upload now holds this many bytes.
    Partial(u64),
    /// The photo is stored: by this write (true) or by a concurrent request (false).
    Complete(bool),
}

/// Read the body from `offset`, writing it as it comes.
async fn receive(st: AppState, up: Upload, offset: u64, body: Body) -> ApiResult<(StatusCode, UploadStatus)> {
    let mut stream = body.into_data_stream();
    // `pos`: bytes written; `buf`: bytes received after them, not written yet.
    let mut pos = offset;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut done: Option<bool> = None;
    loop {
        let next = if buf.is_empty() {
            stream.next().await
        } else {
            match tokio::time::timeout(IDLE_FLUSH, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    // The line went quiet: write what we hold rather than risk it.
                    match write(&st, &up, pos, &buf).await? {
                        Written::Partial(p) => pos = p,
                        Written::Complete(created) => done = Some(created),
                    }
                    buf.clear();
                    continue;
                }
            }
        };
        match next {
            Some(Ok(data)) => {
                if done.is_some() || pos + (buf.len() + data.len()) as u64 > up.length {
                    // What is held is dropped with the request: it came with bytes that
                    // cannot belong to this photo.
                    return Err(too_large(format!(
                        "the body goes past Upload-Length ({} bytes): the server holds {pos}",
                        up.length
                    ))
                    .header(UPLOAD_OFFSET, pos));
                }
                buf.extend_from_slice(&data);
                let whole = buf.len() / CHUNK * CHUNK;
                let last = pos + buf.len() as u64 == up.length;
                let n = if last { buf.len() } else { whole };
                if n > 0 {
                    match write(&st, &up, pos, &buf[..n]).await? {
                        Written::Partial(p) => pos = p,
                        Written::Complete(created) => done = Some(created),
                    }
                    buf.drain(..n);
                }
            }
            Some(Err(e)) => {
                // The connection broke mid-body: keep what came, the client resumes
                // from there (nobody may be left to read this answer).
                if !buf.is_empty() {
                    write(&st, &up, pos, &buf).await?;
                }
                return Err(malformed(format!("the request body was cut: {e}")));
            }
            None => break,
        }
    }
    if !buf.is_empty() {
        match write(&st, &up, pos, &buf).await? {
            Written::Partial(p) => pos = p,
            Written::Complete(created) => done = Some(created),
        }
    }
    Ok(match done {
        Some(true) => (StatusCode::CREATED, up.status(up.length, true)),
        Some(false) => (StatusCode::OK, up.status(up.length, true)),
        None => (StatusCode::OK, up.status(pos, false)),
    })
}

/// Append `data` at `pos`, in one transaction; when it is the photo's last byte,
/// check the whole and store it as `PUT` would.
async fn write(st: &AppState, up: &Upload, pos: u64, data: &[u8]) -> ApiResult<Written> {
    let now = st.now_ms();
    let end = pos + data.len() as u64;
    let mut tx = st.db.begin().await?;
    // Only from where this request believes the upload stands (see the module doc).
    let moved = sqlx::query(
        "UPDATE media_uploads SET received = ?, updated_at = ? WHERE shop_id = ? AND sha256 = ? AND received = ?",
    )
    .bind(end as i64)
    .bind(now)
    .bind(&up.shop)
    .bind(&up.sha)
    .bind(pos as i64)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return match current(&mut tx, &up.shop, &up.sha).await? {
            Some(s) if s.complete => Ok(Written::Complete(false)),
            // Moved on by another request, or purged (then the server holds nothing).
            s => Err(offset_mismatch(s.map_or(0, |s| s.offset), pos)),
        };
    }
    for (i, piece) in data.chunks(CHUNK).enumerate() {
        sqlx::query("INSERT INTO media_upload_chunks (shop_id, sha256, offset, bytes) VALUES (?, ?, ?, ?)")
            .bind(&up.shop)
            .bind(&up.sha)
            .bind((pos + (i * CHUNK) as u64) as i64)
            .bind(piece)
            .execute(&mut *tx)
            .await?;
    }
    if end < up.length {
        tx.commit().await?;
        return Ok(Written::Partial(end));
    }
    let pieces: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT bytes FROM media_upload_chunks WHERE shop_id = ? AND sha256 = ? ORDER BY offset")
            .bind(&up.shop)
            .bind(&up.sha)
            .fetch_all(&mut *tx)
            .await?;
    let mut bytes = Vec::with_capacity(up.length as usize);
    for p in pieces {
        bytes.extend_from_slice(&p);
    }
    // Whatever the verdict, the partial upload is over (its pieces go by cascade):
    // bytes that fail the checks can never become this photo.
    sqlx::query("DELETE FROM media_uploads WHERE shop_id = ? AND sha256 = ?")
        .bind(&up.shop)
        .bind(&up.sha)
        .execute(&mut *tx)
        .await?;
    let actual = sha256_hex(&bytes);
    if actual != up.sha {
        tx.commit().await?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::MEDIA_HASH_MISMATCH,
            "The bytes do not match the sha256 in the path",
        )
        .detail(format!("the {} bytes received hash to {actual}; the upload is discarded", bytes.len())));
    }
    if sniff(&bytes) != Some(up.content_type.as_str()) {
        tx.commit().await?;
        return Err(unsupported(format!(
            "the bytes are not a valid {} file; the upload is discarded",
            up.content_type
        )));
    }
    let created = store(&mut tx, &up.shop, &up.sha, &up.content_type, &bytes, now).await?;
    tx.commit().await?;
    Ok(Written::Complete(created))
}

#[cfg(test)]
mod tests {
    use comptoir_protocol::media::{UPLOAD_LENGTH_HEADER, UPLOAD_MEDIA_TYPE_HEADER, UPLOAD_OFFSET_HEADER};

    use super::*;

    #[test]
    fn header_names_are_the_protocol_ones() {
        assert!(UPLOAD_OFFSET.as_str().eq_ignore_ascii_case(UPLOAD_OFFSET_HEADER));
        assert!(UPLOAD_LENGTH.as_str().eq_ignore_ascii_case(UPLOAD_LENGTH_HEADER));
        assert!(UPLOAD_MEDIA_TYPE.as_str().eq_ignore_ascii_case(UPLOAD_MEDIA_TYPE_HEADER));
    }
}
