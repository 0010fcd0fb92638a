//! `/admin/v1`: what the marketplace operator does (onboarding, pairing codes,
//! scoped tokens, moderation, forcing order expiry and the media sweep).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comptoir_protocol::admin::{
    CreateShopRequest, ExpireResult, IssueTokenRequest, MediaSweepResult, ModerationRequest, PairingCode, ShopCreated,
};
use comptoir_protocol::auth::{Scope, TokenGrant};
use comptoir_protocol::events::ProductModerated;

use crate::auth::{create_shop, issue_pairing_code, issue_token, shop_exists};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::{AppState, catalog, media, orders};

pub async fn shops_create(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateShopRequest>,
) -> ApiResult<(StatusCode, Json<ShopCreated>)> {
    if req.name.trim().is_empty() {
        return Err(ApiError::validation("/name", "must not be empty"));
    }
    let created = create_shop(&st.db, req.name.trim(), st.now(), st.config.pairing_code_ttl).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn pairing_codes_create(
    State(st): State<AppState>,
    Path(shop_id): Path<String>,
) -> ApiResult<(StatusCode, Json<PairingCode>)> {
    let mut tx = st.db.begin().await?;
    if !shop_exists(&mut tx, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let code = issue_pairing_code(&mut tx, &shop_id, st.now(), st.config.pairing_code_ttl).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(code)))
}

pub async fn tokens_create(
    State(st): State<AppState>,
    Path(shop_id): Path<String>,
    ApiJson(req): ApiJson<IssueTokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenGrant>)> {
    if let Some(i) = req.scopes.iter().position(|s| *s == Scope::Unknown) {
        return Err(ApiError::validation(format!("/scopes/{i}"), "unknown scope"));
    }
    let mut tx = st.db.begin().await?;
    if !shop_exists(&mut tx, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let token = issue_token(&mut tx, &shop_id, &req.scopes, Some("admin"), st.now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(TokenGrant { shop_id, token, scopes: req.scopes })))
}

pub async fn moderation_set(
    State(st): State<AppState>,
    Path((shop_id, external_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<ModerationRequest>,
) -> ApiResult<Json<ProductModerated>> {
    catalog::moderate(&st, &shop_id, &external_id, req.status, req.reason).await.map(Json)
}

pub async fn orders_expire(State(st): State<AppState>) -> ApiResult<Json<ExpireResult>> {
    Ok(Json(ExpireResult { expired_order_ids: orders::expire_due(&st).await? }))
}

/// Run the media sweep now (the server also runs it on its own).
pub async fn media_sweep(State(st): State<AppState>) -> ApiResult<Json<MediaSweepResult>> {
    media::sweep(&st).await.map(Json)
}
