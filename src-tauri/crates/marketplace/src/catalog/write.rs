//! What an op writes: a product's full state (also when stock moves), a deletion, and
//! the photo references kept in step with the images a product lists.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::{ObjectType, ProductData};
use comptoir_protocol::hash::content_hash;
use sqlx::SqliteConnection;

use super::OpCtx;
use crate::clock::to_ms;
use crate::error::ApiResult;

pub(super) async fn delete(
    conn: &mut SqliteConnection,
    ty: ObjectType,
    cx: &OpCtx<'_>,
    ext: &str,
    version: i64,
) -> ApiResult<()> {
    let q = match ty {
        ObjectType::Product => {
            sqlx::query("DELETE FROM variants WHERE shop_id = ? AND product_external_id = ?")
                .bind(cx.shop)
                .bind(ext)
                .execute(&mut *conn)
                .await?;
            track_images(conn, cx.shop, ext, &[], cx.now).await?;
            "UPDATE products SET version = ?, deleted = 1, data = NULL, hash = NULL, published = 0, updated_at = ?
             WHERE shop_id = ? AND external_id = ?"
        }
        _ => {
            "UPDATE categories SET version = ?, deleted = 1, data = NULL, hash = NULL, updated_at = ?
             WHERE shop_id = ? AND external_id = ?"
        }
    };
    sqlx::query(q).bind(version).bind(to_ms(cx.now)).bind(cx.shop).bind(ext).execute(conn).await?;
    Ok(())
}

/// Keep the photo references in step with the `images` product `ext` now lists
/// (none once deleted), in the batch's transaction: a photo it starts listing is
/// referenced again, and one it drops that no other live product lists becomes
/// unreferenced from now, for the sweep to delete after `media_grace` (`media.rs`).
/// Stock moves rewrite a product with the same images, so they need not call this.
pub(super) async fn track_images(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    images: &[String],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let before: Vec<String> =
        sqlx::query_scalar("SELECT sha256 FROM media_refs WHERE shop_id = ? AND product_external_id = ?")
            .bind(shop)
            .bind(ext)
            .fetch_all(&mut *conn)
            .await?;
    let after: BTreeSet<&str> = images.iter().map(String::as_str).collect();
    for sha in after.iter().filter(|s| !before.iter().any(|b| b == *s)) {
        sqlx::query("INSERT INTO media_refs (shop_id, sha256, product_external_id) VALUES (?, ?, ?)")
            .bind(shop)
            .bind(sha)
            .bind(ext)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE media SET unreferenced_since = NULL
             WHERE shop_id = ? AND sha256 = ? AND unreferenced_since IS NOT NULL",
        )
        .bind(shop)
        .bind(sha)
        .execute(&mut *conn)
        .await?;
    }
    for sha in before.iter().filter(|b| !after.contains(b.as_str())) {
        sqlx::query("DELETE FROM media_refs WHERE shop_id = ? AND sha256 = ? AND product_external_id = ?")
            .bind(shop)
            .bind(sha)
            .bind(ext)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE media SET unreferenced_since = ?1
             WHERE shop_id = ?2 AND sha256 = ?3 AND unreferenced_since IS NULL
               AND NOT EXISTS (SELECT 1 FROM media_refs WHERE shop_id = ?2 AND sha256 = ?3)",
        )
        .bind(to_ms(now))
        .bind(shop)
        .bind(sha)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Store a product's full state at `version` (also used when stock moves).
pub async fn write_product(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    version: i64,
    data: &ProductData,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO products (shop_id, external_id, version, deleted, data, hash, published, updated_at)
         VALUES (?, ?, ?, 0, ?, ?, ?, ?)
         ON CONFLICT (shop_id, external_id) DO UPDATE SET version = excluded.version, deleted = 0,
           data = excluded.data, hash = excluded.hash, published = excluded.published,
           updated_at = excluded.updated_at",
    )
    .bind(shop)
    .bind(ext)
    .bind(version)
    .bind(serde_json::to_string(data)?)
    .bind(content_hash(data))
    .bind(data.published)
    .bind(to_ms(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM variants WHERE shop_id = ? AND product_external_id = ?")
        .bind(shop)
        .bind(ext)
        .execute(&mut *conn)
        .await?;
    for v in &data.variants {
        sqlx::query("INSERT INTO variants (shop_id, sku, product_external_id) VALUES (?, ?, ?)")
            .bind(shop)
            .bind(&v.sku)
            .bind(ext)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
