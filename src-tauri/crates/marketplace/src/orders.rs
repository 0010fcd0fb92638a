//! Orders: the state machine, merchant transitions, reconciliation listing and
//! expiry. Every change rewrites the full snapshot, bumps `version` and appends
//! the matching event in the same transaction.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::events::{EventType, StockChangeReason};
use comptoir_protocol::orders::{Actor, Cancellation, Order, OrderStatus, OrdersPage, Pickup, TransitionRequest};
use comptoir_protocol::problem::codes;
use sqlx::SqliteConnection;

use crate::auth::Auth;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::clock::{from_ms, to_ms};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params, decode_at, idempotency_key};
use crate::{AppState, Effects, events, idempotency, ids, stock};

pub async fn load(conn: &mut SqliteConnection, id: &str) -> ApiResult<Option<Order>> {
    let data: Option<String> =
        sqlx::query_scalar("SELECT data FROM orders WHERE id = ?").bind(id).fetch_optional(conn).await?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// When an order in this state expires if nobody acts.
fn deadline(o: &Order) -> Option<DateTime<Utc>> {
    match o.status {
        OrderStatus::PendingAcceptance => Some(o.accept_before),
        OrderStatus::ReadyForPickup => o.pickup.as_ref().map(|p| p.ready_until),
        _ => None,
    }
}

/// Store the snapshot and append its event.
pub async fn save(conn: &mut SqliteConnection, fx: &mut Effects, o: &Order, ev: EventType) -> ApiResult<()> {
    let dl = deadline(o);
    sqlx::query(
        "INSERT INTO orders (id, shop_id, version, status, data, updated_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status,
           data = excluded.data, updated_at = excluded.updated_at, deadline = excluded.deadline",
    )
    .bind(&o.id)
    .bind(&o.shop_id)
    .bind(o.version)
    .bind(o.status.as_str())
    .bind(serde_json::to_string(o)?)
    .bind(to_ms(o.updated_at))
    .bind(dl.map(to_ms))
    .execute(&mut *conn)
    .await?;
    if dl.is_some() {
        fx.deadlines_changed = true;
    }
    events::append(conn, fx, &o.shop_id, ev, o.updated_at, o).await?;
    Ok(())
}

fn invalid_transition(from: OrderStatus, allowed: &[OrderStatus]) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        codes::INVALID_TRANSITION,
        "This transition is not allowed from the order's current status",
    )
    .detail(format!("the order is {}", from.as_str()));
    e.problem.allowed_transitions = Some(allowed.to_vec());
    e
}

fn total(o: &Order) -> i64 {
    o.lines.iter().filter(|l| !l.refused).map(|l| l.unit_price_ttc * l.quantity).sum()
}

/// What the document states of a transition request (`TransitionRequest`),
/// checked before the order is even looked up.
pub fn check_transition_request(req: &TransitionRequest) -> ApiResult<()> {
    match req.to {
        OrderStatus::Unknown => return Err(ApiError::validation("/to", "unknown order status")),
        OrderStatus::Refused if req.reason.as_deref().is_none_or(|r| r.trim().is_empty()) => {
            return Err(ApiError::validation("/reason", "tell the customer why"));
        }
        OrderStatus::ReadyForPickup if req.ready_until.is_none() => {
            return Err(ApiError::validation("/ready_until", "required: until when the order waits"));
        }
        _ => {}
    }
    if let Some(c) = &req.pickup_code
        && (c.len() < 4 || c.len() > 12 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()))
    {
        return Err(ApiError::validation("/pickup_code", "4 to 12 letters or digits"));
    }
    Ok(())
}

/// Pure state machine for a merchant request. Returns the new snapshot and the
/// indices of the lines whose stock goes back on the shelf.
pub fn merchant_transition(
    o: &Order,
    req: &TransitionRequest,
    now: DateTime<Utc>,
) -> ApiResult<(Order, Vec<usize>, EventType)> {
    check_transition_request(req)?;
    if req.base_version != o.version {
        let mut e =
            ApiError::new(StatusCode::CONFLICT, codes::VERSION_CONFLICT, "The order changed since base_version")
                .detail("reload the order and decide again");
        e.problem.current_version = Some(o.version);
        return Err(e);
    }
    let allowed = o.status.merchant_transitions();
    if !allowed.contains(&req.to) {
        return Err(invalid_transition(o.status, allowed));
    }
    let mut n = o.clone();
    let mut released = Vec::new();
    let mut event = EventType::OrderUpdated;
    let live_lines = |o: &Order| -> Vec<usize> { (0..o.lines.len()).filter(|&i| !o.lines[i].refused).collect() };
    match req.to {
        OrderStatus::Accepted => {
            for (j, id) in req.refused_line_ids.iter().enumerate() {
                match n.lines.iter().position(|l| &l.line_id == id) {
                    Some(i) if !n.lines[i].refused => {
                        n.lines[i].refused = true;
                        released.push(i);
                    }
                    Some(_) => {}
                    None => return Err(ApiError::validation(format!("/refused_line_ids/{j}"), "no such line")),
                }
            }
            if n.lines.iter().all(|l| l.refused) {
                return Err(ApiError::validation("/refused_line_ids", "every line refused: refuse the order instead"));
            }
        }
        OrderStatus::Refused => {
            let reason = req.reason.as_deref().map(str::trim).unwrap_or_default();
            if reason.is_empty() {
                return Err(ApiError::validation("/reason", "tell the customer why"));
            }
            n.refusal_reason = Some(reason.to_owned());
            released = live_lines(&n);
        }
        OrderStatus::ReadyForPickup => {
            let Some(until) = req.ready_until else {
                return Err(ApiError::validation("/ready_until", "required: until when the order waits"));
            };
            if until <= now {
                return Err(ApiError::validation("/ready_until", "must be in the future"));
            }
            // Its form was checked by `check_transition_request`.
            let code = req.pickup_code.clone().unwrap_or_else(ids::pickup_code);
            n.pickup = Some(Pickup { code, ready_until: until });
        }
        OrderStatus::Cancelled => {
            n.cancellation = Some(Cancellation { by: Actor::Merchant, reason: req.reason.clone() });
            released = live_lines(&n);
            event = EventType::OrderCancelled;
        }
        _ => {}
    }
    n.status = req.to;
    n.version += 1;
    n.updated_at = now;
    n.total_ttc = total(&n);
    Ok((n, released, event))
}

async fn release(
    conn: &mut SqliteConnection,
    fx: &mut Effects,
    o: &Order,
    lines: &[usize],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    for &i in lines {
        let l = &o.lines[i];
        stock::adjust(conn, fx, &o.shop_id, &l.sku, l.quantity, StockChangeReason::OrderReleased, Some(&o.id), now)
            .await?;
        // Units that were not sold after all go back to the promotion's quantity, as
        // the goods go back on the shelf.
        if let Some(id) = &l.promotion_id {
            crate::promotions::add_units(conn, &o.shop_id, id, -l.quantity).await?;
        }
    }
    Ok(())
}

/// `POST /v1/orders/{id}/transitions`
pub async fn transition(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    auth.require(Scope::OrdersWrite)?;
    let key = idempotency_key(&headers)?;
    let fp = idempotency::fingerprint("POST", &format!("/v1/orders/{id}/transitions"), &body);
    let shop = auth.shop_id.clone();
    let st2 = st.clone();
    idempotency::run(&st, &auth.shop_id, &key, &fp, |mut tx, mut fx| async move {
        let req: TransitionRequest = decode_at(body, "")?;
        check_transition_request(&req)?;
        let order =
            load(&mut tx, &id).await?.filter(|o| o.shop_id == shop).ok_or_else(|| ApiError::not_found("order"))?;
        let now = st2.now();
        let (next, released, ev) = merchant_transition(&order, &req, now)?;
        save(&mut tx, &mut fx, &next, ev).await?;
        release(&mut tx, &mut fx, &next, &released, now).await?;
        Ok((tx, fx, StatusCode::OK, serde_json::to_value(&next)?))
    })
    .await
}

/// Customer cancellation from the storefront.
pub async fn customer_cancel(st: &AppState, id: &str, reason: Option<String>) -> ApiResult<Order> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let o = load(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("order"))?;
    if !o.status.customer_can_cancel() {
        return Err(invalid_transition(o.status, &[]));
    }
    let mut n = o.clone();
    n.status = OrderStatus::Cancelled;
    n.cancellation = Some(Cancellation { by: Actor::Customer, reason });
    n.version += 1;
    n.updated_at = now;
    let mut fx = Effects::default();
    save(&mut tx, &mut fx, &n, EventType::OrderCancelled).await?;
    let lines: Vec<usize> = (0..n.lines.len()).filter(|&i| !n.lines[i].refused).collect();
    release(&mut tx, &mut fx, &n, &lines, now).await?;
    tx.commit().await?;
    st.published(fx);
    Ok(n)
}

/// Expire every order whose deadline has passed at the injected clock's now.
pub async fn expire_due(st: &AppState) -> ApiResult<Vec<String>> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM orders WHERE deadline IS NOT NULL AND deadline <= ?")
        .bind(to_ms(now))
        .fetch_all(&mut *tx)
        .await?;
    let mut fx = Effects::default();
    for id in &ids {
        let Some(o) = load(&mut tx, id).await? else { continue };
        let mut n = o.clone();
        n.status = OrderStatus::Expired;
        n.version += 1;
        n.updated_at = now;
        save(&mut tx, &mut fx, &n, EventType::OrderUpdated).await?;
        let lines: Vec<usize> = (0..n.lines.len()).filter(|&i| !n.lines[i].refused).collect();
        release(&mut tx, &mut fx, &n, &lines, now).await?;
    }
    tx.commit().await?;
    st.published(fx);
    Ok(ids)
}

/// `GET /v1/orders/{id}`
pub async fn get(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(id): Path<String>,
) -> ApiResult<Json<Order>> {
    auth.require(Scope::OrdersRead)?;
    let mut conn = st.db.reader.acquire().await?;
    load(&mut conn, &id)
        .await?
        .filter(|o| o.shop_id == auth.shop_id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("order"))
}

/// `GET /v1/orders?updated_since=&status=&cursor=&limit=`, oldest change first.
pub async fn list(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<OrdersPage>> {
    auth.require(Scope::OrdersRead)?;
    let server_time = st.now();
    let limit = params.limit(100, st.config.max_page_size)?;
    let since = match params.raw("updated_since") {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map_err(|_| ApiError::bad_query("`updated_since` must be an RFC 3339 date-time"))?
            .with_timezone(&Utc),
        None => from_ms(0),
    };
    let status = match params.raw("status") {
        Some(s) => match OrderStatus::parse(s) {
            OrderStatus::Unknown => return Err(ApiError::bad_query(format!("unknown status `{s}`"))),
            st => Some(st.as_str()),
        },
        None => None,
    };
    let (after_ms, after_id) = match params.get("cursor") {
        Some(c) => {
            let p = decode_cursor(c, 2)?;
            (p[0].parse::<i64>().map_err(|_| ApiError::bad_query("bad cursor"))?, p[1].clone())
        }
        None => (i64::MIN, String::new()),
    };
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT data, updated_at, id FROM orders
          WHERE shop_id = ?1 AND updated_at >= ?2 AND (?3 IS NULL OR status = ?3) AND (updated_at, id) > (?4, ?5)
          ORDER BY updated_at, id LIMIT ?6",
    )
    .bind(&auth.shop_id)
    .bind(to_ms(since))
    .bind(status)
    .bind(after_ms)
    .bind(&after_id)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next_cursor = if more { rows.last().map(|(_, at, id)| encode_cursor(&[&at.to_string(), id])) } else { None };
    let items = rows.into_iter().map(|(d, _, _)| serde_json::from_str(&d)).collect::<Result<Vec<Order>, _>>()?;
    Ok(Json(OrdersPage { items, next_cursor, server_time }))
}
