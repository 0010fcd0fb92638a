//! SQL of the photo studio: photos (content-addressed originals) and the ordered photos
//! of each product with their non-destructive edits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Db, stored_json_at, ts};
use crate::model::photos::{CodeMatch, Edits, Format, MatchedBy, NewPhoto, PhotoRecord, ProductPhotoRow, QualityFlag};
use crate::{Error, Result};

macro_rules! photo_columns {
    () => {
        "sha256, original_name, format, width, height, byte_size, quality_flags, sharpness, preset_fp, created_at, updated_at"
    };
}

fn photo_from_row(r: &SqliteRow) -> Result<PhotoRecord> {
    let sha256: String = r.get(0);
    let flags: String = r.get(6);
    let format: String = r.get(2);
    let flags: Vec<String> = stored_json_at("photos", &sha256, "quality_flags", &flags)?;
    let format = stored_format(&sha256, &format)?;
    Ok(PhotoRecord {
        sha256,
        original_name: r.get(1),
        format,
        width: r.get::<i64, _>(3) as u32,
        height: r.get::<i64, _>(4) as u32,
        byte_size: r.get::<i64, _>(5) as u64,
        // A flag this version does not know (a newer one wrote it) is left out.
        quality_flags: flags.iter().filter_map(|f| QualityFlag::parse(f)).collect(),
        sharpness: r.get::<f64, _>(7) as f32,
        preset_fp: r.get(8),
        created_at: r.get(9),
        updated_at: r.get(10),
    })
}

/// A photo's stored format. An unknown one is damaged data, named: read as JPEG, the
/// original would be decoded as what it is not.
pub(super) fn stored_format(sha256: &str, format: &str) -> Result<Format> {
    Format::parse(format)
        .ok_or_else(|| super::corrupt_at("photos", sha256, "format", format_args!("format inconnu « {format} »")))
}

macro_rules! pp_columns {
    () => {
        "id, product_id, photo_sha, position, alt_text, rotation, crop"
    };
}

fn product_photo_from_row(r: &SqliteRow) -> Result<ProductPhotoRow> {
    let id: i64 = r.get(0);
    let crop: Option<String> = r.get(6);
    Ok(ProductPhotoRow {
        id,
        product_id: r.get(1),
        photo_sha: r.get(2),
        position: r.get(3),
        alt_text: r.get(4),
        edits: Edits {
            rotation: r.get::<i64, _>(5) as u16,
            crop: crop.map(|c| stored_json_at("product_photos", id, "crop", &c)).transpose()?,
        },
    })
}

impl Db {
    /// Records a photo, or refreshes what is known of it (a re-render with another preset).
    pub async fn upsert_photo(&self, p: &NewPhoto, now: DateTime<Utc>) -> Result<PhotoRecord> {
        let flags = serde_json::to_string(&p.quality_flags.iter().map(|f| f.code()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO photos (sha256, original_name, format, width, height, byte_size, quality_flags, sharpness, preset_fp, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             ON CONFLICT (sha256) DO UPDATE SET width = excluded.width, height = excluded.height,
                 quality_flags = excluded.quality_flags, sharpness = excluded.sharpness,
                 preset_fp = excluded.preset_fp, updated_at = excluded.updated_at",
        )
        .bind(&p.sha256)
        .bind(&p.original_name)
        .bind(p.format.as_str())
        .bind(i64::from(p.width))
        .bind(i64::from(p.height))
        .bind(p.byte_size as i64)
        .bind(flags)
        .bind(f64::from(p.sharpness))
        .bind(&p.preset_fp)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        self.photo(&p.sha256).await?.ok_or_else(|| Error::not_found("Photo", &p.sha256))
    }

    pub async fn photo(&self, sha: &str) -> Result<Option<PhotoRecord>> {
        let sql = concat!("SELECT ", photo_columns!(), " FROM photos WHERE sha256 = ?");
        sqlx::query(sql).bind(sha).fetch_optional(&self.pool).await?.as_ref().map(photo_from_row).transpose()
    }

    pub async fn photos(&self) -> Result<Vec<PhotoRecord>> {
        let sql = concat!("SELECT ", photo_columns!(), " FROM photos ORDER BY created_at DESC, sha256");
        sqlx::query(sql).fetch_all(&self.pool).await?.iter().map(photo_from_row).collect()
    }

    /// The library, newest first, each photo with the names of the products it is on
    /// (`unattached_only`: the photos still waiting for a product).
    pub async fn photo_library(&self, unattached_only: bool, limit: u32) -> Result<Vec<(PhotoRecord, Vec<String>)>> {
        let sql = concat!(
            "SELECT ",
            photo_columns!(),
            ", (SELECT json_group_array(p.name) FROM product_photos pp JOIN products p ON p.id = pp.product_id
                WHERE pp.photo_sha = photos.sha256)
             FROM photos
             WHERE NOT ?1 OR NOT EXISTS (SELECT 1 FROM product_photos pp WHERE pp.photo_sha = photos.sha256)
             ORDER BY created_at DESC, sha256 LIMIT ?2"
        );
        let rows = sqlx::query(sql).bind(unattached_only).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let names: Option<String> = r.get(11);
                let photo = photo_from_row(r)?;
                let names = match names {
                    Some(n) => super::stored_json(format_args!("produits de la photo {}", photo.sha256), &n)?,
                    None => Vec::new(),
                };
                Ok((photo, names))
            })
            .collect()
    }

    /// sha256 → fingerprint of the stored derivatives, for every known photo.
    pub async fn photo_fingerprints(&self) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT sha256, preset_fp FROM photos").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub async fn set_photo_fingerprint(&self, sha: &str, fp: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE photos SET preset_fp = ?, updated_at = ? WHERE sha256 = ?")
            .bind(fp)
            .bind(ts(now))
            .bind(sha)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The product a file-name code stands for: a SKU (any case) or an EAN.
    pub async fn product_for_code(&self, code: &str) -> Result<Option<CodeMatch>> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let by_sku = sqlx::query(
            "SELECT p.id, p.name, v.sku FROM variants v JOIN products p ON p.id = v.product_id
             WHERE v.sku = ? COLLATE NOCASE LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = by_sku {
            return Ok(Some(CodeMatch {
                product_id: r.get(0),
                product_name: r.get(1),
                code: r.get(2),
                matched_by: MatchedBy::Sku,
            }));
        }
        if !(code.len() == 8 || code.len() == 13) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let by_ean = sqlx::query(
            "SELECT p.id, p.name, v.ean FROM variants v JOIN products p ON p.id = v.product_id WHERE v.ean = ? LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(by_ean.map(|r| CodeMatch {
            product_id: r.get(0),
            product_name: r.get(1),
            code: r.get(2),
            matched_by: MatchedBy::Ean,
        }))
    }

    // ---- photos of a product ---------------------------------------------------------

    /// The photos of a product in display order (the first is the main photo).
    pub async fn product_photo_rows(&self, product_id: i64) -> Result<Vec<ProductPhotoRow>> {
        let sql = concat!("SELECT ", pp_columns!(), " FROM product_photos WHERE product_id = ? ORDER BY position, id");
        sqlx::query(sql).bind(product_id).fetch_all(&self.pool).await?.iter().map(product_photo_from_row).collect()
    }

    pub async fn product_photo_row(&self, id: i64) -> Result<ProductPhotoRow> {
        let sql = concat!("SELECT ", pp_columns!(), " FROM product_photos WHERE id = ?");
        sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(product_photo_from_row)
            .ok_or_else(|| Error::not_found("Photo du produit", id))?
    }

    /// Adds a photo at the end of a product's photos, alt text prefilled with the product
    /// name. Attaching a photo the product already has returns the existing row.
    pub async fn attach_photo(&self, product_id: i64, sha: &str, now: DateTime<Utc>) -> Result<ProductPhotoRow> {
        let mut tx = self.pool.begin().await?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM products WHERE id = ?")
            .bind(product_id)
            .fetch_optional(&mut *tx)
            .await?;
        let name = name.ok_or_else(|| Error::not_found("Produit", product_id))?;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM photos WHERE sha256 = ?").bind(sha).fetch_optional(&mut *tx).await?;
        if known.is_none() {
            return Err(Error::not_found("Photo", sha));
        }
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM product_photos WHERE product_id = ? AND photo_sha = ?")
                .bind(product_id)
                .bind(sha)
                .fetch_optional(&mut *tx)
                .await?;
        let id = match existing {
            Some(id) => id,
            None => sqlx::query(
                "INSERT INTO product_photos (product_id, photo_sha, position, alt_text, created_at, updated_at)
                 VALUES (?1, ?2, (SELECT coalesce(max(position) + 1, 0) FROM product_photos WHERE product_id = ?1), ?3, ?4, ?4)",
            )
            .bind(product_id)
            .bind(sha)
            .bind(name)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?
            .last_insert_rowid(),
        };
        tx.commit().await?;
        self.product_photo_row(id).await
    }

    /// Puts a product's photos in the given order (ids of its product_photos rows; ids
    /// left out keep their relative order after the given ones).
    pub async fn reorder_product_photos(&self, product_id: i64, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let current: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM product_photos WHERE product_id = ? ORDER BY position, id")
                .bind(product_id)
                .fetch_all(&mut *tx)
                .await?;
        if let Some(stranger) = ids.iter().find(|id| !current.contains(id)) {
            return Err(Error::not_found("Photo du produit", stranger));
        }
        let mut order: Vec<i64> = Vec::with_capacity(current.len());
        for id in ids.iter().chain(current.iter()) {
            if !order.contains(id) {
                order.push(*id);
            }
        }
        for (pos, id) in order.iter().enumerate() {
            sqlx::query("UPDATE product_photos SET position = ?, updated_at = ? WHERE id = ?")
                .bind(pos as i64)
                .bind(ts(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Makes one photo the main one (first), the others keeping their order.
    pub async fn set_main_photo(&self, product_photo_id: i64, now: DateTime<Utc>) -> Result<()> {
        let row = self.product_photo_row(product_photo_id).await?;
        self.reorder_product_photos(row.product_id, &[product_photo_id], now).await
    }

    pub async fn set_photo_edits(&self, product_photo_id: i64, edits: &Edits, now: DateTime<Utc>) -> Result<()> {
        let crop = edits.crop.map(|c| serde_json::to_string(&c).unwrap_or_default());
        let n = sqlx::query("UPDATE product_photos SET rotation = ?, crop = ?, updated_at = ? WHERE id = ?")
            .bind(i64::from(edits.rotation))
            .bind(crop)
            .bind(ts(now))
            .bind(product_photo_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(Error::not_found("Photo du produit", product_photo_id));
        }
        Ok(())
    }

    pub async fn set_photo_alt(&self, product_photo_id: i64, alt: &str, now: DateTime<Utc>) -> Result<()> {
        let n = sqlx::query("UPDATE product_photos SET alt_text = ?, updated_at = ? WHERE id = ?")
            .bind(alt.trim())
            .bind(ts(now))
            .bind(product_photo_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(Error::not_found("Photo du produit", product_photo_id));
        }
        Ok(())
    }

    /// Takes a photo off a product (the photo itself stays in the library).
    pub async fn detach_photo(&self, product_photo_id: i64, now: DateTime<Utc>) -> Result<()> {
        let row = self.product_photo_row(product_photo_id).await?;
        sqlx::query("DELETE FROM product_photos WHERE id = ?").bind(product_photo_id).execute(&self.pool).await?;
        self.reorder_product_photos(row.product_id, &[], now).await
    }
}
