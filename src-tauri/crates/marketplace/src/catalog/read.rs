//! `GET /v1/catalog/state` and `GET /v1/catalog/content`: the shop's objects in pages,
//! and the opaque cursors every paged list of this server uses.

use axum::extract::State;
use axum::{Extension, Json};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::catalog::{
    CategoryData, ContentItem, ContentPage, Moderation, ModerationStatus, ObjectType, ProductData, StateItem, StatePage,
};
use serde_json::Value;

use crate::AppState;
use crate::auth::Auth;
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;

pub fn encode_cursor(parts: &[&str]) -> String {
    hex::encode(parts.join("\u{1f}"))
}

pub fn decode_cursor(c: &str, n: usize) -> ApiResult<Vec<String>> {
    let bad = || ApiError::bad_query("`cursor` is not a cursor this server issued");
    let raw = String::from_utf8(hex::decode(c).map_err(|_| bad())?).map_err(|_| bad())?;
    let parts: Vec<String> = raw.split('\u{1f}').map(str::to_owned).collect();
    if parts.len() == n { Ok(parts) } else { Err(bad()) }
}

/// Where a page of `state` or `content` starts: after this (type, external id).
fn type_cursor(params: &Params) -> ApiResult<(String, String)> {
    Ok(match params.get("cursor") {
        Some(c) => {
            let p = decode_cursor(c, 2)?;
            (p[0].clone(), p[1].clone())
        }
        None => (String::new(), String::new()),
    })
}

type StateRow = (String, String, i64, bool, Option<String>, Option<String>, Option<String>, i64);

/// `GET /v1/catalog/state?cursor=&limit=`
pub async fn state(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<StatePage>> {
    auth.require(Scope::CatalogWrite)?;
    let limit = params.limit(500, st.config.max_page_size)?;
    let (after_type, after_ext) = type_cursor(&params)?;
    let rows: Vec<StateRow> = sqlx::query_as(
        "SELECT type, external_id, version, deleted, hash, mstatus, mreason, updated_at FROM (
           SELECT 'category' AS type, external_id, version, deleted, hash,
                  NULL AS mstatus, NULL AS mreason, updated_at
             FROM categories WHERE shop_id = ?1
           UNION ALL
           SELECT 'product', external_id, version, deleted, hash, moderation_status, moderation_reason, updated_at
             FROM products WHERE shop_id = ?1)
         WHERE (type, external_id) > (?2, ?3) ORDER BY type, external_id LIMIT ?4",
    )
    .bind(&auth.shop_id)
    .bind(&after_type)
    .bind(&after_ext)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<StateItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(ty, ext, version, deleted, hash, ms, mr, at)| StateItem {
            object_type: serde_json::from_value(Value::String(ty)).unwrap_or(ObjectType::Unknown),
            external_id: ext,
            version,
            deleted,
            hash,
            moderation: ms.map(|s| Moderation {
                status: serde_json::from_value(Value::String(s)).unwrap_or(ModerationStatus::Unknown),
                reason: mr,
            }),
            updated_at: from_ms(at),
        })
        .collect();
    let next_cursor =
        if more { items.last().map(|i| encode_cursor(&[i.object_type.as_str(), &i.external_id])) } else { None };
    Ok(Json(StatePage { items, next_cursor }))
}

type ContentRow = (String, String, i64, Option<String>, Option<String>, Option<String>, Option<String>);

/// `GET /v1/catalog/content?cursor=&limit=`: the live objects with their stored data,
/// for a shop rebuilding its catalogue (a new PC, no backup). Same order and cursors
/// as `state`; pages default to 100 objects (products carry their variants).
pub async fn content(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<ContentPage>> {
    auth.require(Scope::CatalogWrite)?;
    let limit = params.limit(100, st.config.max_page_size)?;
    let (after_type, after_ext) = type_cursor(&params)?;
    let rows: Vec<ContentRow> = sqlx::query_as(
        "SELECT type, external_id, version, data, hash, mstatus, mreason FROM (
           SELECT 'category' AS type, external_id, version, data, hash, NULL AS mstatus, NULL AS mreason
             FROM categories WHERE shop_id = ?1 AND deleted = 0
           UNION ALL
           SELECT 'product', external_id, version, data, hash, moderation_status, moderation_reason
             FROM products WHERE shop_id = ?1 AND deleted = 0)
         WHERE (type, external_id) > (?2, ?3) ORDER BY type, external_id LIMIT ?4",
    )
    .bind(&auth.shop_id)
    .bind(&after_type)
    .bind(&after_ext)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::with_capacity(rows.len().min(limit as usize));
    for (ty, ext, version, data, hash, ms, mr) in rows.into_iter().take(limit as usize) {
        let object_type = serde_json::from_value(Value::String(ty)).unwrap_or(ObjectType::Unknown);
        let data = data.unwrap_or_default();
        let (category, product) = match object_type {
            ObjectType::Category => (Some(serde_json::from_str::<CategoryData>(&data)?), None),
            _ => (None, Some(serde_json::from_str::<ProductData>(&data)?)),
        };
        items.push(ContentItem {
            object_type,
            external_id: ext,
            version,
            hash: hash.unwrap_or_default(),
            category,
            product,
            moderation: ms.map(|s| Moderation {
                status: serde_json::from_value(Value::String(s)).unwrap_or(ModerationStatus::Unknown),
                reason: mr,
            }),
        });
    }
    let next_cursor =
        if more { items.last().map(|i| encode_cursor(&[i.object_type.as_str(), &i.external_id])) } else { None };
    Ok(Json(ContentPage { items, next_cursor }))
}
