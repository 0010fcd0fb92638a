//! Stock lives inside the product (its `variants[].stock.available`): every stock
//! move rewrites the product, bumps its version and emits `stock.changed`.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::catalog::{OpStatus, ProductData};
use comptoir_protocol::events::{EventType, StockChangeReason, StockChanged};
use comptoir_protocol::problem::codes;
use comptoir_protocol::stock::{StockBatchResponse, StockOp, StockResult};
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::auth::Auth;
use crate::catalog::write_product;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, decode_at, idempotency_key};
use crate::{AppState, Effects, events, idempotency};

/// A live product found through one of its SKUs.
pub struct SkuProduct {
    pub external_id: String,
    pub version: i64,
    pub data: ProductData,
    pub variant: usize,
    pub sellable: bool,
}

impl SkuProduct {
    pub fn available(&self) -> i64 {
        self.data.variants[self.variant].stock.available
    }
}

pub async fn find_sku(conn: &mut SqliteConnection, shop: &str, sku: &str) -> ApiResult<Option<SkuProduct>> {
    let row: Option<(String, i64, String, bool, String)> = sqlx::query_as(
        "SELECT p.external_id, p.version, p.data, p.published, p.moderation_status
           FROM variants v JOIN products p ON p.shop_id = v.shop_id AND p.external_id = v.product_external_id
          WHERE v.shop_id = ? AND v.sku = ? AND p.deleted = 0",
    )
    .bind(shop)
    .bind(sku)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((external_id, version, data, published, moderation)) = row else {
        return Ok(None);
    };
    let data: ProductData = serde_json::from_str(&data)?;
    let Some(variant) = data.variants.iter().position(|v| v.sku == sku) else {
        return Ok(None);
    };
    Ok(Some(SkuProduct { external_id, version, data, variant, sellable: published && moderation == "approved" }))
}

/// Set one SKU's stock; returns the product's new version.
#[allow(clippy::too_many_arguments)]
pub async fn set_available(
    conn: &mut SqliteConnection,
    fx: &mut Effects,
    shop: &str,
    mut p: SkuProduct,
    available: i64,
    reason: StockChangeReason,
    order_id: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    p.data.variants[p.variant].stock.available = available;
    let version = p.version + 1;
    write_product(conn, shop, &p.external_id, version, &p.data, now).await?;
    let ev = StockChanged {
        sku: p.data.variants[p.variant].sku.clone(),
        product_external_id: p.external_id,
        available,
        product_version: version,
        reason,
        order_id: order_id.map(str::to_owned),
    };
    events::append(conn, fx, shop, EventType::StockChanged, now, &ev).await?;
    Ok(version)
}

/// Add `delta` to a SKU's stock (orders and releases).
#[allow(clippy::too_many_arguments)]
pub async fn adjust(
    conn: &mut SqliteConnection,
    fx: &mut Effects,
    shop: &str,
    sku: &str,
    delta: i64,
    reason: StockChangeReason,
    order_id: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    // A product deleted since the order was placed has no stock to give back; one whose
    // stock is not counted (a service, always available, made to order) has none to
    // take or give back either.
    if let Some(p) = find_sku(conn, shop, sku).await?.filter(|p| p.data.counts_stock()) {
        let available = (p.available() + delta).max(0);
        set_available(conn, fx, shop, p, available, reason, order_id, now).await?;
    }
    Ok(())
}

fn outcome(sku: &str, status: OpStatus) -> StockResult {
    StockResult {
        sku: sku.to_owned(),
        status,
        available: None,
        product_version: None,
        current_available: None,
        problem: None,
    }
}

async fn apply(
    conn: &mut SqliteConnection,
    fx: &mut Effects,
    shop: &str,
    i: usize,
    raw: Value,
    now: DateTime<Utc>,
) -> ApiResult<StockResult> {
    let at = format!("/ops/{i}");
    let hint = raw.get("sku").and_then(Value::as_str).unwrap_or_default().to_owned();
    let op: StockOp = match decode_at(raw, &at) {
        Ok(op) => op,
        Err(e) => {
            return Ok(StockResult { problem: Some(*e.problem), ..outcome(&hint, OpStatus::Invalid) });
        }
    };
    let sku = match &op {
        StockOp::Set { sku, .. } | StockOp::Adjust { sku, .. } => sku.clone(),
    };
    if sku.is_empty() {
        let e = ApiError::validation(format!("{at}/sku"), "must not be empty");
        return Ok(StockResult { problem: Some(*e.problem), ..outcome(&sku, OpStatus::Invalid) });
    }
    if let StockOp::Set { available, .. } = op
        && available < 0
    {
        let e = ApiError::validation(format!("{at}/available"), "must be >= 0");
        return Ok(StockResult { problem: Some(*e.problem), ..outcome(&sku, OpStatus::Invalid) });
    }
    let Some(p) = find_sku(conn, shop, &sku).await? else {
        let e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::UNKNOWN_SKU, "Unknown SKU")
            .field(format!("{at}/sku"), "no live product has this sku");
        return Ok(StockResult { problem: Some(*e.problem), ..outcome(&sku, OpStatus::Invalid) });
    };
    let current = p.available();
    let target = match op {
        StockOp::Set { available, .. } if available < 0 => None,
        StockOp::Set { expected_available: Some(exp), .. } if exp != current => {
            return Ok(StockResult { current_available: Some(current), ..outcome(&sku, OpStatus::Conflict) });
        }
        StockOp::Set { available, .. } => Some(available),
        StockOp::Adjust { delta, .. } if current + delta < 0 => {
            return Ok(StockResult { current_available: Some(current), ..outcome(&sku, OpStatus::Conflict) });
        }
        StockOp::Adjust { delta, .. } => Some(current + delta),
    };
    let Some(target) = target else {
        let e = ApiError::validation(format!("{at}/available"), "must be >= 0");
        return Ok(StockResult { problem: Some(*e.problem), ..outcome(&sku, OpStatus::Invalid) });
    };
    let version = set_available(conn, fx, shop, p, target, StockChangeReason::Merchant, None, now).await?;
    Ok(StockResult { available: Some(target), product_version: Some(version), ..outcome(&sku, OpStatus::Ok) })
}

/// `POST /v1/stock/batch`
pub async fn batch(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    auth.require(Scope::CatalogWrite)?;
    let key = idempotency_key(&headers)?;
    let fp = idempotency::fingerprint("POST", "/v1/stock/batch", &body);
    let shop = auth.shop_id.clone();
    let st2 = st.clone();
    idempotency::run(&st, &auth.shop_id, &key, &fp, |mut tx, mut fx| async move {
        let max = st2.config.max_batch_ops;
        let ops = match body.get("ops") {
            Some(Value::Array(ops)) if !ops.is_empty() && ops.len() <= max => ops.clone(),
            _ => return Err(ApiError::validation("/ops", format!("an array of 1 to {max} operations"))),
        };
        let now = st2.now();
        let mut results = Vec::with_capacity(ops.len());
        for (i, raw) in ops.into_iter().enumerate() {
            results.push(apply(&mut tx, &mut fx, &shop, i, raw, now).await?);
        }
        Ok((tx, fx, StatusCode::OK, serde_json::to_value(StockBatchResponse { results })?))
    })
    .await
}
