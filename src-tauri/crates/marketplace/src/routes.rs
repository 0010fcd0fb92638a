//! The route table. The router is built from it and the OpenAPI test reads it,
//! so the document cannot silently drift from what the server answers.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{MethodRouter, get, patch, post, put};
use comptoir_protocol::REQUEST_ID_HEADER;
use comptoir_protocol::problem::codes;

use crate::error::{ApiError, REQUEST_ID};
use crate::{
    AppState, Config, admin, auth, campaigns, catalog, events, ids, media, openapi, orders, stock, storefront, upload,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Shop bearer token (+ per-token rate limit).
    Merchant,
    Admin,
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: MethodRouter<AppState>,
}

fn table(cfg: &Config) -> Vec<Route> {
    use Access::*;
    let r = |method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>| Route {
        method,
        path,
        access,
        handler,
    };
    vec![
        r(Method::GET, "/openapi.json", Public, get(openapi::json)),
        r(Method::GET, "/healthz", Public, get(health)),
        r(Method::POST, "/v1/auth/pair", Public, post(auth::pair)),
        r(Method::POST, "/v1/auth/rotate", Merchant, post(auth::rotate)),
        r(Method::GET, "/v1/me", Merchant, get(auth::me)),
        r(Method::POST, "/v1/media/check", Merchant, post(media::check)),
        r(
            Method::PUT,
            "/v1/media/{sha256}",
            Merchant,
            put(media::put).layer(DefaultBodyLimit::max(cfg.max_media_bytes)),
        ),
        r(Method::GET, "/v1/media", Merchant, get(media::list)),
        r(Method::GET, "/v1/media/{sha256}", Merchant, get(media::get)),
        r(Method::GET, "/v1/media/{sha256}/upload", Merchant, get(upload::status)),
        r(
            Method::PATCH,
            "/v1/media/{sha256}/upload",
            Merchant,
            // The body is streamed (never buffered whole) and bounded by Upload-Length;
            // the limit is there for consistency with PUT.
            patch(upload::patch).layer(DefaultBodyLimit::max(cfg.max_media_bytes)),
        ),
        r(Method::POST, "/v1/catalog/batch", Merchant, post(catalog::batch)),
        r(Method::GET, "/v1/catalog/state", Merchant, get(catalog::state)),
        r(Method::GET, "/v1/catalog/content", Merchant, get(catalog::content)),
        r(Method::POST, "/v1/stock/batch", Merchant, post(stock::batch)),
        r(Method::GET, "/v1/campaigns", Merchant, get(campaigns::list)),
        r(Method::GET, "/v1/events", Merchant, get(events::poll)),
        r(Method::GET, "/v1/events/stream", Merchant, get(events::stream)),
        r(Method::GET, "/v1/orders", Merchant, get(orders::list)),
        r(Method::GET, "/v1/orders/{id}", Merchant, get(orders::get)),
        r(Method::POST, "/v1/orders/{id}/transitions", Merchant, post(orders::transition)),
        r(Method::GET, "/storefront/v1/shops/{shop_id}/products", Public, get(storefront::products)),
        r(Method::GET, "/storefront/v1/shops/{shop_id}/page", Public, get(storefront::page)),
        r(Method::POST, "/storefront/v1/shops/{shop_id}/orders", Public, post(storefront::place_order)),
        r(Method::POST, "/storefront/v1/orders/{order_id}/cancel", Public, post(storefront::cancel)),
        r(Method::POST, "/admin/v1/shops", Admin, post(admin::shops_create)),
        r(Method::POST, "/admin/v1/shops/{shop_id}/pairing-codes", Admin, post(admin::pairing_codes_create)),
        r(Method::POST, "/admin/v1/shops/{shop_id}/tokens", Admin, post(admin::tokens_create)),
        r(
            Method::POST,
            "/admin/v1/shops/{shop_id}/products/{external_id}/moderation",
            Admin,
            post(admin::moderation_set),
        ),
        r(Method::POST, "/admin/v1/orders/expire", Admin, post(admin::orders_expire)),
        r(Method::POST, "/admin/v1/media/sweep", Admin, post(admin::media_sweep)),
        r(Method::POST, "/admin/v1/campaigns", Admin, post(campaigns::create)),
    ]
}

/// Every (method, path template) the server answers.
pub fn route_list() -> Vec<(Method, &'static str, Access)> {
    table(&Config::default()).into_iter().map(|r| (r.method, r.path, r.access)).collect()
}

async fn health() -> &'static str {
    "ok"
}

async fn route_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, codes::ROUTE_NOT_FOUND, "No such route")
        .detail("see /openapi.json for the routes of this server")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, codes::METHOD_NOT_ALLOWED, "Method not allowed on this route")
}

/// Accept the caller's request id when sane (to correlate logs across systems),
/// otherwise mint one; echo it in a header and in every problem body.
async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .map(str::to_owned)
        .unwrap_or_else(ids::request_id);
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

pub fn router(st: AppState) -> Router {
    let mut router = Router::new();
    for route in table(&st.config) {
        // route_layer: a wrong method gets its 405 without needing a token.
        let handler = match route.access {
            Access::Public => route.handler,
            Access::Merchant => route.handler.route_layer(from_fn_with_state(st.clone(), auth::merchant_auth)),
            Access::Admin => route.handler.route_layer(from_fn_with_state(st.clone(), auth::admin_auth)),
        };
        router = router.route(route.path, handler);
    }
    router
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(st.config.max_body_bytes))
        .layer(from_fn(request_id))
        .with_state(st)
}
