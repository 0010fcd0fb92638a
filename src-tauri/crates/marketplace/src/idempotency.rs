//! Idempotency-Key (draft-ietf-httpapi-idempotency-key-header).
//!
//! A key is claimed in its own short transaction (so a concurrent duplicate sees
//! it "in flight"); the write and the stored response then commit together, so a
//! replay can never disagree with what was written.

use std::future::Future;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comptoir_protocol::problem::codes;
use comptoir_protocol::{IDEMPOTENT_REPLAYED_HEADER, PROBLEM_CONTENT_TYPE};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::{AppState, Effects};

/// Same method, path and JSON value (key order and whitespace do not matter).
pub fn fingerprint(method: &str, path: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    // serde_json's default map is sorted, so this serialization is canonical.
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// fingerprint, state, status, body, created_at
type KeyRow = (String, String, Option<i64>, Option<String>, i64);

enum Claim {
    /// This request runs; the key was claimed at this instant (ms).
    Fresh(i64),
    Replay(u16, String),
}

async fn claim(st: &AppState, shop: &str, key: &str, fp: &str) -> ApiResult<Claim> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT fingerprint, state, status, body, created_at FROM idempotency WHERE shop_id = ? AND key = ?",
    )
    .bind(shop)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    let claim = match row {
        None => {
            sqlx::query(
                "INSERT INTO idempotency (shop_id, key, fingerprint, state, created_at) VALUES (?, ?, ?, 'in_flight', ?)",
            )
            .bind(shop)
            .bind(key)
            .bind(fp)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Claim::Fresh(now)
        }
        Some((old_fp, ..)) if old_fp != fp => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was already used for a different request",
            )
            .detail("use a new key for a new write; reuse a key only to retry the identical request"));
        }
        Some((_, state, Some(status), Some(body), _)) if state == "done" => Claim::Replay(status as u16, body),
        Some((_, _, _, _, created)) if created + st.config.idempotency_stale_after.num_milliseconds() < now => {
            // The first attempt died without finishing: let this one take over.
            sqlx::query("UPDATE idempotency SET created_at = ? WHERE shop_id = ? AND key = ?")
                .bind(now)
                .bind(shop)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            Claim::Fresh(now)
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::IDEMPOTENCY_IN_FLIGHT,
                "A request with this Idempotency-Key is still being processed",
            )
            .detail("retry later with the same key")
            .header(header::RETRY_AFTER, 1));
        }
    };
    tx.commit().await?;
    Ok(claim)
}

fn stored_response(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let ct = if status.is_success() { "application/json" } else { PROBLEM_CONTENT_TYPE };
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if replayed {
        resp.headers_mut().insert(IDEMPOTENT_REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    resp
}

/// Client errors are final and stored (a retry gets the same answer); server
/// errors release the key so that a retry runs again.
async fn settle_failure(st: &AppState, shop: &str, key: &str, err: &ApiError) {
    let res = if err.status().is_server_error() {
        sqlx::query("DELETE FROM idempotency WHERE shop_id = ? AND key = ?")
            .bind(shop)
            .bind(key)
            .execute(&st.db.writer)
            .await
    } else {
        let body = serde_json::to_string(&err.finished_problem()).unwrap_or_default();
        sqlx::query("UPDATE idempotency SET state = 'done', status = ?, body = ? WHERE shop_id = ? AND key = ?")
            .bind(i64::from(err.problem.status))
            .bind(body)
            .bind(shop)
            .bind(key)
            .execute(&st.db.writer)
            .await
    };
    if let Err(e) = res {
        eprintln!("cannot settle idempotency key {key}: {e}");
    }
}

/// Run `work` at most once per (shop, key). `work` gets the write transaction
/// and returns it with the response; the stored response commits with it.
pub async fn run<F, Fut>(st: &AppState, shop: &str, key: &str, fp: &str, work: F) -> ApiResult<Response>
where
    F: FnOnce(Tx, Effects) -> Fut,
    Fut: Future<Output = ApiResult<(Tx, Effects, StatusCode, Value)>>,
{
    let mut release = match claim(st, shop, key, fp).await? {
        Claim::Replay(status, body) => return Ok(stored_response(status, body, true)),
        Claim::Fresh(claimed_at) => {
            Release { st: st.clone(), shop: shop.to_owned(), key: key.to_owned(), claimed_at, armed: true }
        }
    };
    if let Some(gate) = &st.hooks.idempotency_gate {
        gate.entered.notify_one();
        gate.release.notified().await;
    }
    let result = async {
        let tx = st.db.begin().await?;
        let (mut tx, fx, status, body) = work(tx, Effects::default()).await?;
        let body = serde_json::to_string(&body)?;
        sqlx::query("UPDATE idempotency SET state = 'done', status = ?, body = ? WHERE shop_id = ? AND key = ?")
            .bind(i64::from(status.as_u16()))
            .bind(&body)
            .bind(shop)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, ApiError>((fx, status, body))
    }
    .await;
    // Finished either way: settled below, nothing left to release.
    release.armed = false;
    match result {
        Ok((fx, status, body)) => {
            st.published(fx);
            Ok(stored_response(status.as_u16(), body, false))
        }
        Err(e) => {
            settle_failure(st, shop, key, &e).await;
            Err(e)
        }
    }
}

/// Gives back a claimed key whose request stopped half-way: the client went away (a cut
/// line, a killed process) and the server dropped the handler with its transaction. A
/// retry then runs at once instead of meeting `409 idempotency_in_flight` until
/// `idempotency_stale_after` passes. Only the row of this very claim, still in flight,
/// is released: one taken over since, or finished, is left alone.
struct Release {
    st: AppState,
    shop: String,
    key: String,
    claimed_at: i64,
    armed: bool,
}

impl Drop for Release {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        let (st, shop, key, at) =
            (self.st.clone(), std::mem::take(&mut self.shop), std::mem::take(&mut self.key), self.claimed_at);
        rt.spawn(async move {
            let res = sqlx::query(
                "DELETE FROM idempotency WHERE shop_id = ? AND key = ? AND state = 'in_flight' AND created_at = ?",
            )
            .bind(&shop)
            .bind(&key)
            .bind(at)
            .execute(&st.db.writer)
            .await;
            if let Err(e) = res {
                eprintln!("cannot release idempotency key {key}: {e}");
            }
        });
    }
}
