//! Bearer tokens (stored as sha256 only), scopes, pairing and rotation.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use comptoir_protocol::admin::{PairingCode, ShopCreated};
use comptoir_protocol::auth::{PairRequest, RotatedToken, Scope, TokenGrant};
use comptoir_protocol::me::{Limits, Me, RateLimitPolicy, Shop};
use comptoir_protocol::media::ACCEPTED_MEDIA_TYPES;
use comptoir_protocol::problem::codes;
use sqlx::SqliteConnection;

use crate::clock::{from_ms, to_ms};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::{AppState, Db, ids};

/// The authenticated shop, put in request extensions by [`merchant_auth`].
#[derive(Clone, Debug)]
pub struct Auth {
    pub shop_id: String,
    pub shop_name: String,
    pub scopes: Vec<Scope>,
    pub token_hash: String,
}

impl Auth {
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                codes::INSUFFICIENT_SCOPE,
                "The token lacks the scope this operation needs",
            )
            .detail(format!("required scope: {}", scope.as_str())))
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn encode_scopes(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

fn decode_scopes(s: &str) -> Vec<Scope> {
    s.split_whitespace().map(Scope::parse).collect()
}

fn too_many_requests(d: &crate::ratelimit::Decision) -> Response {
    let mut resp = ApiError::new(StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMITED, "Too many requests")
        .detail(format!("retry in {} s", d.retry_after_s))
        .into_response();
    d.apply(resp.headers_mut());
    resp
}

/// shop_id, shop name, scopes, expires_at
type TokenRow = (String, String, String, Option<i64>);

/// Middleware of the merchant API: token, expiry, then the token's rate limit.
pub async fn merchant_auth(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(req.headers()) else {
        return ApiError::unauthorized("send `Authorization: Bearer <token>`").into_response();
    };
    let hash = ids::secret_hash(token);
    let row: Result<Option<TokenRow>, _> = sqlx::query_as(
        "SELECT t.shop_id, s.name, t.scopes, t.expires_at FROM tokens t
         JOIN shops s ON s.id = t.shop_id WHERE t.hash = ?",
    )
    .bind(&hash)
    .fetch_optional(&st.db.reader)
    .await;
    let (shop_id, shop_name, scopes, expires_at) = match row {
        Ok(Some(r)) => r,
        Ok(None) => return ApiError::unauthorized("unknown or revoked token").into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if expires_at.is_some_and(|t| t <= st.now_ms()) {
        return ApiError::unauthorized("this token was rotated and its grace period is over").into_response();
    }
    let decision = st.limiter.check(&hash, st.now_ms());
    if let Some(d) = decision.as_ref().filter(|d| !d.allowed) {
        return too_many_requests(d);
    }
    req.extensions_mut().insert(Auth { shop_id, shop_name, scopes: decode_scopes(&scopes), token_hash: hash });
    let mut resp = next.run(req).await;
    if let Some(d) = decision {
        d.apply(resp.headers_mut());
    }
    resp
}

/// Middleware of `/admin/v1`.
pub async fn admin_auth(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let Some(expected) = &st.config.admin_token else {
        return ApiError::unauthorized("the admin API is disabled on this server").into_response();
    };
    // Compare hashes so that the comparison time says nothing about the secret.
    match bearer(req.headers()) {
        Some(t) if ids::secret_hash(t) == ids::secret_hash(expected) => next.run(req).await,
        _ => ApiError::unauthorized("admin token required").into_response(),
    }
}

pub async fn issue_token(
    conn: &mut SqliteConnection,
    shop_id: &str,
    scopes: &[Scope],
    label: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    let token = ids::token();
    sqlx::query("INSERT INTO tokens (hash, shop_id, scopes, label, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(ids::secret_hash(&token))
        .bind(shop_id)
        .bind(encode_scopes(scopes))
        .bind(label)
        .bind(to_ms(now))
        .execute(conn)
        .await?;
    Ok(token)
}

pub async fn issue_pairing_code(
    conn: &mut SqliteConnection,
    shop_id: &str,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> sqlx::Result<PairingCode> {
    let code = ids::pairing_code();
    let expires_at = now + ttl;
    sqlx::query("INSERT INTO pairing_codes (hash, shop_id, expires_at) VALUES (?, ?, ?)")
        .bind(ids::secret_hash(&code))
        .bind(shop_id)
        .bind(to_ms(expires_at))
        .execute(conn)
        .await?;
    Ok(PairingCode { pairing_code: code, expires_at })
}

pub async fn shop_exists(conn: &mut SqliteConnection, shop_id: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT 1 FROM shops WHERE id = ?")
        .bind(shop_id)
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// A new shop with a full-scope token and a pairing code for its desktop app.
pub async fn create_shop(db: &Db, name: &str, now: DateTime<Utc>, ttl: chrono::Duration) -> sqlx::Result<ShopCreated> {
    let mut tx = db.begin().await?;
    let shop_id = ids::shop_id();
    sqlx::query("INSERT INTO shops (id, name, created_at) VALUES (?, ?, ?)")
        .bind(&shop_id)
        .bind(name)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
    let token = issue_token(&mut tx, &shop_id, &Scope::ALL, Some("admin"), now).await?;
    let code = issue_pairing_code(&mut tx, &shop_id, now, ttl).await?;
    tx.commit().await?;
    Ok(ShopCreated { shop_id, token, pairing_code: code.pairing_code })
}

/// `POST /v1/auth/pair`
pub async fn pair(State(st): State<AppState>, ApiJson(req): ApiJson<PairRequest>) -> Response {
    if req.pairing_code.trim().is_empty() {
        return ApiError::validation("/pairing_code", "must not be empty").into_response();
    }
    // One global bucket: pairing codes are short, so guessing must stay slow.
    if let Some(d) = st.limiter.check("pairing", st.now_ms()).filter(|d| !d.allowed) {
        return too_many_requests(&d);
    }
    match do_pair(&st, req).await {
        Ok(grant) => Json(grant).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn do_pair(st: &AppState, req: PairRequest) -> ApiResult<TokenGrant> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let shop: Option<String> = sqlx::query_scalar(
        "UPDATE pairing_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
         RETURNING shop_id",
    )
    .bind(to_ms(now))
    .bind(ids::secret_hash(&req.pairing_code))
    .bind(to_ms(now))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(shop_id) = shop else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::PAIRING_CODE_INVALID,
            "Unknown, used or expired pairing code",
        )
        .field("/pairing_code", "ask the marketplace for a new code"));
    };
    let token = issue_token(&mut tx, &shop_id, &Scope::ALL, req.device_name.as_deref(), now).await?;
    tx.commit().await?;
    Ok(TokenGrant { shop_id, token, scopes: Scope::ALL.to_vec() })
}

/// `POST /v1/auth/rotate`: the old token keeps working for a grace period so
/// that a lost response never locks the shop out.
pub async fn rotate(State(st): State<AppState>, Extension(auth): Extension<Auth>) -> ApiResult<Json<RotatedToken>> {
    let now = st.now();
    let grace_end = now + st.config.token_rotation_grace;
    let mut tx = st.db.begin().await?;
    let label: Option<String> = sqlx::query_scalar("SELECT label FROM tokens WHERE hash = ?")
        .bind(&auth.token_hash)
        .fetch_one(&mut *tx)
        .await?;
    let token = issue_token(&mut tx, &auth.shop_id, &auth.scopes, label.as_deref(), now).await?;
    let old_expiry: i64 = sqlx::query_scalar(
        "UPDATE tokens SET expires_at = MIN(COALESCE(expires_at, ?1), ?1) WHERE hash = ?2 RETURNING expires_at",
    )
    .bind(to_ms(grace_end))
    .bind(&auth.token_hash)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Json(RotatedToken {
        shop_id: auth.shop_id,
        token,
        scopes: auth.scopes,
        previous_token_expires_at: from_ms(old_expiry),
    }))
}

/// `GET /v1/me`
pub async fn me(State(st): State<AppState>, Extension(auth): Extension<Auth>) -> Json<Me> {
    let c = &st.config;
    let rl =
        c.rate_limit.clone().unwrap_or(crate::RateLimitConfig { burst: u32::MAX, per_second: f64::from(u32::MAX) });
    Json(Me {
        shop: Shop { id: auth.shop_id, name: auth.shop_name },
        scopes: auth.scopes,
        server_time: st.now(),
        limits: Limits {
            max_batch_ops: c.max_batch_ops as u32,
            max_body_bytes: c.max_body_bytes as u64,
            max_media_bytes: c.max_media_bytes as u64,
            accepted_media_types: ACCEPTED_MEDIA_TYPES.iter().map(|s| s.to_string()).collect(),
            max_page_size: c.max_page_size,
            long_poll_max_wait_seconds: c.long_poll_max_wait.as_secs() as u32,
            orders_overlap_seconds: c.orders_overlap.num_seconds() as u32,
            rate_limit: RateLimitPolicy { burst: rl.burst, per_second: rl.per_second },
        },
        protocol_version: comptoir_protocol::PROTOCOL_VERSION.to_owned(),
    })
}
