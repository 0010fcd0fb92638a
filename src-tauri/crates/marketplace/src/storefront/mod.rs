//! Minimal public storefront: enough for customers (and the simulator) to see a
//! shop's sellable products and place click-and-collect orders.
//!
//! This module answers the storefront's requests; its parts word what a buyer reads:
//!
//! - `wording`: a stored product as the storefront shows it, every text in French —
//!   prices, unit prices, a running promotion, durations, sessions, food information;
//! - `allergens`: the allergens set apart in an ingredients list;
//! - `html`: the shop's products on sale as one small French HTML page.

mod allergens;
mod html;
mod wording;

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::ProductData;
use comptoir_protocol::events::{EventType, StockChangeReason};
use comptoir_protocol::orders::{Order, OrderLine, OrderStatus};
use comptoir_protocol::problem::codes;
use comptoir_protocol::storefront::{CustomerCancelRequest, PlaceOrderRequest, StorefrontPage, StorefrontProduct};
use sqlx::SqliteConnection;

use crate::auth::shop_exists;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use crate::promotions::{self, Running, Usage};
use crate::{AppState, Effects, ids, orders, stock};
pub use allergens::emphasise_allergens;
pub use html::{html_escape, page_html};
pub use wording::{
    MINORS_NOTICE, abv_text, discount_text, duration_text, format_eur, storefront_product, storefront_promotion,
    unit_price, unit_price_text, until_text,
};

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
    let now = st.now();
    let mut conn = st.db.reader.acquire().await?;
    if !shop_exists(&mut conn, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let mut rows = on_sale(&mut conn, &shop_id, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let items = shown_at(&mut conn, &shop_id, rows, now).await?;
    let next_cursor = if more { items.last().map(|p| encode_cursor(&[&p.external_id])) } else { None };
    Ok(Json(StorefrontPage { items, next_cursor }))
}

/// The shop's products on sale (published, approved) after `after`, by external id.
async fn on_sale(
    conn: &mut SqliteConnection,
    shop_id: &str,
    after: &str,
    limit: i64,
) -> ApiResult<Vec<(String, ProductData)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT external_id, data FROM products
          WHERE shop_id = ? AND deleted = 0 AND published = 1 AND moderation_status = 'approved' AND external_id > ?
          ORDER BY external_id LIMIT ?",
    )
    .bind(shop_id)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut products = Vec::with_capacity(rows.len());
    for (ext, data) in rows {
        products.push((ext, serde_json::from_str(&data)?));
    }
    Ok(products)
}

/// Products as a buyer reads them at `now`: each variant at the price charged then,
/// with the promotion that sets it (see [`promotions::running_at`]).
async fn shown_at(
    conn: &mut SqliteConnection,
    shop_id: &str,
    products: Vec<(String, ProductData)>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<StorefrontProduct>> {
    let ids: Vec<&str> = products.iter().flat_map(|(_, d)| promotions::limited_running_ids(d, now)).collect();
    let used = promotions::usage(conn, shop_id, &ids).await?;
    Ok(products.into_iter().map(|(ext, d)| storefront_product(ext, d, now, &used)).collect())
}

/// `GET /storefront/v1/shops/{shop_id}/page`: the shop's products on sale as one small
/// French HTML page (no script, every text escaped). A running promotion shows the
/// reduced price, the reference price struck through (`<del>`), the reduction and
/// until when it runs.
pub async fn page(State(st): State<AppState>, Path(shop_id): Path<String>) -> ApiResult<Response> {
    let now = st.now();
    let mut conn = st.db.reader.acquire().await?;
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM shops WHERE id = ?").bind(&shop_id).fetch_optional(&mut *conn).await?;
    let name = name.ok_or_else(|| ApiError::not_found("shop"))?;
    let rows = on_sale(&mut conn, &shop_id, "", i64::MAX).await?;
    let items = shown_at(&mut conn, &shop_id, rows, now).await?;
    let mut resp = page_html(&name, &items).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // Nothing to run, fetch or submit: only the page's own style.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
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
    // Units sold at each limited promotion's price, this order's lines counted as they
    // are priced (two lines of one SKU share what is left).
    let mut used = Usage::new();
    let mut lines: Vec<OrderLine> = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        let p = stock::find_sku(&mut tx, &shop_id, &l.sku).await?.filter(|p| p.sellable).ok_or_else(|| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::UNKNOWN_SKU, "Not for sale")
                .field(format!("/lines/{i}/sku"), "no published product has this sku")
        })?;
        let total = wanted.entry(l.sku.clone()).or_default();
        *total += l.quantity;
        // Goods made to order, always available, or a service: no stock to run out of.
        if p.data.counts_stock() && p.available() < *total {
            return Err(ApiError::new(StatusCode::CONFLICT, codes::INSUFFICIENT_STOCK, "Not enough stock")
                .field(format!("/lines/{i}/quantity"), format!("only {} available", p.available())));
        }
        let v = &p.data.variants[p.variant];
        let unknown: Vec<&str> = v
            .promotions
            .iter()
            .filter(|x| x.quantity_limit.is_some() && x.runs_at(now) && !used.contains_key(&x.id))
            .map(|x| x.id.as_str())
            .collect();
        if !unknown.is_empty() {
            used.extend(promotions::usage(&mut tx, &shop_id, &unknown).await?);
            for id in unknown {
                used.entry(id.to_owned()).or_insert(0);
            }
        }
        let line = |quantity: i64, unit_price_ttc: i64| OrderLine {
            line_id: String::new(),
            sku: v.sku.clone(),
            product_external_id: p.external_id.clone(),
            title: p.data.title.clone(),
            options: v.options.clone(),
            quantity,
            unit_price_ttc,
            vat_rate: v.vat_rate.clone(),
            promotion_id: None,
            regular_price_ttc: None,
            refused: false,
        };
        // The price charged now: a running promotion's, for as many units as it has
        // left; the units beyond them at the regular price, on a line of their own.
        let mut priced = Vec::with_capacity(2);
        match promotions::running_at(v, now, &used) {
            None => priced.push(line(l.quantity, v.price_ttc)),
            Some(Running { promotion, remaining }) => {
                let at_promotion = remaining.map_or(l.quantity, |left| l.quantity.min(left as i64));
                priced.push(OrderLine {
                    promotion_id: Some(promotion.id.clone()),
                    regular_price_ttc: Some(v.price_ttc),
                    ..line(at_promotion, promotion.price_ttc)
                });
                if remaining.is_some() {
                    *used.entry(promotion.id.clone()).or_default() += at_promotion as u64;
                }
                if l.quantity > at_promotion {
                    priced.push(line(l.quantity - at_promotion, v.price_ttc));
                }
            }
        }
        for mut ol in priced {
            ol.line_id = format!("l{}", lines.len() + 1);
            lines.push(ol);
        }
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
        if let Some(id) = &l.promotion_id {
            promotions::add_units(&mut tx, &shop_id, id, l.quantity).await?;
        }
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
