//! `POST /v1/catalog/batch`, `GET /v1/catalog/state`, `GET /v1/catalog/content` and
//! product moderation.
//!
//! Ops are independent: each gets its own `ok` / `conflict` / `invalid` result and
//! the `ok` ones commit together. Only storage failures fail the whole batch.
//!
//! This module applies a batch, op by op, and moderates products; its parts:
//!
//! - `validate`: an object's data checked field by field, every cause told
//!   (`Invalid`), and what it refers to in the shop;
//! - `vocabulary`: the shop's vocabulary and what the law asks of a product on sale
//!   (`not_publishable`, `unit_price_mismatch`);
//! - `write`: a product or a deletion stored, the photo references kept in step;
//! - `read`: `state` and `content`, and the cursors of every paged list.

mod read;
mod validate;
mod vocabulary;
mod write;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::catalog::{
    CatalogBatchResponse, CatalogOp, CategoryData, Moderation, ModerationStatus, ObjectType, OpKind, OpResult,
    OpStatus, ProductData,
};
use comptoir_protocol::events::{EventType, ProductModerated};
use comptoir_protocol::hash::content_hash;
use comptoir_protocol::problem::codes;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::auth::Auth;
use crate::clock::to_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, decode_at, idempotency_key};
use crate::{AppState, Effects, events, idempotency};
pub use read::{content, decode_cursor, encode_cursor, state};
pub(crate) use validate::Invalid;
pub use validate::VAT_RATES;
use validate::{check_text, validate_category, validate_product, version_of};
pub use write::write_product;
use write::{delete, track_images};

/// The desired state of an upsert, decoded after the op's `type`.
enum Data {
    // Boxed: a product (with its food information) is many times a category's size.
    Product(Box<ProductData>),
    Category(CategoryData),
}

/// Checks an upsert's data; `refs`: also what it refers to.
async fn validate_data(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    data: &Data,
    at: &str,
    refs: bool,
) -> ApiResult<()> {
    match data {
        Data::Product(d) => validate_product(conn, shop, ext, d, at, refs).await,
        Data::Category(d) => validate_category(conn, shop, ext, d, at, refs).await,
    }
}

struct OpCtx<'a> {
    shop: &'a str,
    at: String,
    now: DateTime<Utc>,
}

fn result(op: &CatalogOp, status: OpStatus) -> OpResult {
    OpResult {
        external_id: op.external_id.clone(),
        object_type: op.object_type,
        status,
        version: None,
        current_version: None,
        problem: None,
    }
}

async fn apply_op(conn: &mut SqliteConnection, cx: &OpCtx<'_>, raw: Value) -> ApiResult<OpResult> {
    let hint = OpResult {
        external_id: raw.get("external_id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        object_type: raw
            .get("type")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or(ObjectType::Unknown),
        status: OpStatus::Invalid,
        version: None,
        current_version: None,
        problem: None,
    };
    let invalid = |e: ApiError| OpResult { problem: Some(*e.problem), ..hint.clone() };
    let op: CatalogOp = match decode_at(raw, &cx.at) {
        Ok(op) => op,
        Err(e) => return Ok(invalid(e)),
    };
    let at = &cx.at;
    let mut inv = Invalid::default();
    check_text(&mut inv, format!("{at}/external_id"), &op.external_id, 200, true);
    if op.base_version < 0 {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/base_version"), "must be >= 0");
    }
    if op.op == OpKind::Unknown {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/op"), "upsert or delete");
    }
    if op.object_type == ObjectType::Unknown {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/type"), "category or product");
    }
    if op.op == OpKind::Upsert && op.data.is_none() {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/data"), "required for upsert");
    }
    if let Err(e) = inv.into_result() {
        return Ok(invalid(e));
    }
    let data_at = format!("{at}/data");
    let data = match (op.op, op.object_type, op.data.clone()) {
        (OpKind::Upsert, ObjectType::Product, Some(raw)) => match decode_at(raw, &data_at) {
            Ok(d) => Some(Data::Product(Box::new(d))),
            Err(e) => return Ok(invalid(e)),
        },
        (OpKind::Upsert, _, Some(raw)) => match decode_at(raw, &data_at) {
            Ok(d) => Some(Data::Category(d)),
            Err(e) => return Ok(invalid(e)),
        },
        _ => None,
    };
    // A stale op with invalid data is told `invalid` (with every cause), not `conflict`.
    if let Some(d) = &data
        && validate_data(conn, cx.shop, &op.external_id, d, &data_at, false).await.is_err()
        && let Err(e) = validate_data(conn, cx.shop, &op.external_id, d, &data_at, true).await
    {
        return Ok(invalid(e));
    }

    let current = version_of(conn, op.object_type, cx.shop, &op.external_id).await?;
    let current_version = current.map_or(0, |c| c.0);
    if op.base_version != current_version {
        return Ok(OpResult { current_version: Some(current_version), ..result(&op, OpStatus::Conflict) });
    }
    let version = match data {
        None => match current {
            None => 0,
            Some((v, true)) => v,
            Some((v, false)) => {
                delete(conn, op.object_type, cx, &op.external_id, v + 1).await?;
                v + 1
            }
        },
        Some(Data::Product(data)) => {
            if let Err(e) = validate_product(conn, cx.shop, &op.external_id, &data, &data_at, true).await {
                return Ok(invalid(e));
            }
            write_product(conn, cx.shop, &op.external_id, current_version + 1, &data, cx.now).await?;
            track_images(conn, cx.shop, &op.external_id, &data.images, cx.now).await?;
            current_version + 1
        }
        Some(Data::Category(data)) => {
            if let Err(e) = validate_category(conn, cx.shop, &op.external_id, &data, &data_at, true).await {
                return Ok(invalid(e));
            }
            sqlx::query(
                "INSERT INTO categories (shop_id, external_id, version, deleted, data, hash, updated_at)
                 VALUES (?, ?, ?, 0, ?, ?, ?)
                 ON CONFLICT (shop_id, external_id) DO UPDATE SET version = excluded.version, deleted = 0,
                   data = excluded.data, hash = excluded.hash, updated_at = excluded.updated_at",
            )
            .bind(cx.shop)
            .bind(&op.external_id)
            .bind(current_version + 1)
            .bind(serde_json::to_string(&data)?)
            .bind(content_hash(&data))
            .bind(to_ms(cx.now))
            .execute(&mut *conn)
            .await?;
            current_version + 1
        }
    };
    Ok(OpResult { version: Some(version), ..result(&op, OpStatus::Ok) })
}

fn ops_of(body: &Value, max: usize) -> ApiResult<Vec<Value>> {
    match body.get("ops") {
        Some(Value::Array(ops)) if !ops.is_empty() && ops.len() <= max => Ok(ops.clone()),
        Some(Value::Array(_)) => Err(ApiError::validation("/ops", format!("1 to {max} operations"))),
        Some(_) => Err(ApiError::validation("/ops", "must be an array")),
        None => Err(ApiError::validation("/ops", "missing field `ops`")),
    }
}

/// `POST /v1/catalog/batch`
pub async fn batch(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    auth.require(Scope::CatalogWrite)?;
    let key = idempotency_key(&headers)?;
    let fp = idempotency::fingerprint("POST", "/v1/catalog/batch", &body);
    let shop = auth.shop_id.clone();
    let st2 = st.clone();
    idempotency::run(&st, &auth.shop_id, &key, &fp, |mut tx, fx| async move {
        let ops = ops_of(&body, st2.config.max_batch_ops)?;
        let now = st2.now();
        let mut results = Vec::with_capacity(ops.len());
        for (i, raw) in ops.into_iter().enumerate() {
            let cx = OpCtx { shop: &shop, at: format!("/ops/{i}"), now };
            results.push(apply_op(&mut tx, &cx, raw).await?);
        }
        let body = serde_json::to_value(CatalogBatchResponse { results })?;
        Ok((tx, fx, StatusCode::OK, body))
    })
    .await
}

/// Marketplace moderation: bumps the product version (so the shop's next stale
/// upsert conflicts) and tells the shop through its event log.
pub async fn moderate(
    st: &AppState,
    shop: &str,
    ext: &str,
    status: ModerationStatus,
    reason: Option<String>,
) -> ApiResult<ProductModerated> {
    if status == ModerationStatus::Unknown {
        return Err(ApiError::validation("/status", "approved or rejected"));
    }
    if status == ModerationStatus::Rejected && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(ApiError::validation("/reason", "a rejection needs a reason the shop can act on"));
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let status_str = match status {
        ModerationStatus::Approved => "approved",
        _ => "rejected",
    };
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET version = version + 1, moderation_status = ?, moderation_reason = ?, updated_at = ?
         WHERE shop_id = ? AND external_id = ? AND deleted = 0 RETURNING version",
    )
    .bind(status_str)
    .bind(&reason)
    .bind(to_ms(now))
    .bind(shop)
    .bind(ext)
    .fetch_optional(&mut *tx)
    .await?;
    let version = version.ok_or_else(|| ApiError::not_found("product"))?;
    let ev = ProductModerated { external_id: ext.to_owned(), version, moderation: Moderation { status, reason } };
    let mut fx = Effects::default();
    events::append(&mut tx, &mut fx, shop, EventType::ProductModerated, now, &ev).await?;
    tx.commit().await?;
    st.published(fx);
    Ok(ev)
}
