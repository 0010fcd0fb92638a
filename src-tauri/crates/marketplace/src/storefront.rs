//! Minimal public storefront: enough for customers (and the simulator) to see a
//! shop's sellable products and place click-and-collect orders.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comptoir_protocol::catalog::ProductData;
use comptoir_protocol::events::{EventType, StockChangeReason};
use comptoir_protocol::orders::{Order, OrderLine, OrderStatus};
use comptoir_protocol::problem::codes;
use comptoir_protocol::storefront::{
    CustomerCancelRequest, PlaceOrderRequest, StorefrontPage, StorefrontProduct, StorefrontVariant,
};

use crate::auth::shop_exists;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use crate::{AppState, Effects, ids, orders, stock};

/// `GET /storefront/v1/shops/{shop_id}/products`
pub async fn products(
    State(st): State<AppState>,
    Path(shop_id): Path<String>,
    params: Params,
) -> ApiResult<Json<StorefrontPage>> {
    let limit = params.limit(100, st.config.max_page_size)?;
    let after = match params.get("cursor") {
        Some(c) => decode_cursor(c, 1)?.remove(0),
        None => String::new(),
    };
    let mut conn = st.db.reader.acquire().await?;
    if !shop_exists(&mut conn, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT external_id, data FROM products
          WHERE shop_id = ? AND deleted = 0 AND published = 1 AND moderation_status = 'approved' AND external_id > ?
          ORDER BY external_id LIMIT ?",
    )
    .bind(&shop_id)
    .bind(&after)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    for (ext, data) in rows.into_iter().take(limit as usize) {
        let d: ProductData = serde_json::from_str(&data)?;
        items.push(StorefrontProduct {
            external_id: ext,
            title: d.title,
            description: d.description,
            images: d.images,
            variants: d
                .variants
                .into_iter()
                .map(|v| StorefrontVariant {
                    sku: v.sku,
                    options: v.options,
                    price_ttc: v.price_ttc,
                    currency: v.currency,
                    available: v.stock.available,
                })
                .collect(),
        });
    }
    let next_cursor = if more { items.last().map(|p| encode_cursor(&[&p.external_id])) } else { None };
    Ok(Json(StorefrontPage { items, next_cursor }))
}

/// `POST /storefront/v1/shops/{shop_id}/orders`: reserve the stock and create the
/// order in one transaction, so a customer can never buy what is not there.
pub async fn place_order(
    State(st): State<AppState>,
    Path(shop_id): Path<String>,
    ApiJson(req): ApiJson<PlaceOrderRequest>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    if req.customer.name.trim().is_empty() {
        return Err(ApiError::validation("/customer/name", "must not be empty"));
    }
    if req.lines.is_empty() || req.lines.len() > 50 {
        return Err(ApiError::validation("/lines", "1 to 50 lines"));
    }
    // The whole request is checked before any lookup: a malformed line is told as
    // such even when an earlier line names a SKU that is not for sale.
    for (i, l) in req.lines.iter().enumerate() {
        if l.sku.is_empty() {
            return Err(ApiError::validation(format!("/lines/{i}/sku"), "must not be empty"));
        }
        if !(1..=1000).contains(&l.quantity) {
            return Err(ApiError::validation(format!("/lines/{i}/quantity"), "1 to 1000"));
        }
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    if !shop_exists(&mut tx, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let order_id = ids::order_id();
    let mut wanted: HashMap<String, i64> = HashMap::new();
    let mut lines = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        let p = stock::find_sku(&mut tx, &shop_id, &l.sku).await?.filter(|p| p.sellable).ok_or_else(|| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::UNKNOWN_SKU, "Not for sale")
                .field(format!("/lines/{i}/sku"), "no published product has this sku")
        })?;
        let total = wanted.entry(l.sku.clone()).or_default();
        *total += l.quantity;
        if p.available() < *total {
            return Err(ApiError::new(StatusCode::CONFLICT, codes::INSUFFICIENT_STOCK, "Not enough stock")
                .field(format!("/lines/{i}/quantity"), format!("only {} available", p.available())));
        }
        let v = &p.data.variants[p.variant];
        lines.push(OrderLine {
            line_id: format!("l{}", i + 1),
            sku: v.sku.clone(),
            product_external_id: p.external_id.clone(),
            title: p.data.title.clone(),
            options: v.options.clone(),
            quantity: l.quantity,
            unit_price_ttc: v.price_ttc,
            vat_rate: v.vat_rate.clone(),
            refused: false,
        });
    }
    let order = Order {
        id: order_id.clone(),
        shop_id: shop_id.clone(),
        version: 1,
        status: OrderStatus::PendingAcceptance,
        customer: req.customer,
        total_ttc: lines.iter().map(|l| l.unit_price_ttc * l.quantity).sum(),
        lines,
        currency: "EUR".to_owned(),
        created_at: now,
        updated_at: now,
        accept_before: now + st.config.acceptance_timeout,
        pickup: None,
        refusal_reason: None,
        cancellation: None,
    };
    let mut fx = Effects::default();
    orders::save(&mut tx, &mut fx, &order, EventType::OrderCreated).await?;
    for l in &order.lines {
        stock::adjust(
            &mut tx,
            &mut fx,
            &shop_id,
            &l.sku,
            -l.quantity,
            StockChangeReason::OrderPlaced,
            Some(&order_id),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    st.published(fx);
    Ok((StatusCode::CREATED, Json(order)))
}

/// `POST /storefront/v1/orders/{order_id}/cancel`
pub async fn cancel(
    State(st): State<AppState>,
    Path(order_id): Path<String>,
    ApiJson(req): ApiJson<CustomerCancelRequest>,
) -> ApiResult<Json<Order>> {
    orders::customer_cancel(&st, &order_id, req.reason).await.map(Json)
}
