//! The OpenAPI 3.1 document of the protocol, kept in the repo and served as is.

use axum::http::header;
use axum::response::IntoResponse;

pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

pub async fn json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
