//! SQL of imports and exports: the catalogue index an import plans against, the
//! bulk writes of a plan in one transaction with its undo snapshots, undo itself,
//! remembered mappings, and the rows of an export.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use super::offer::{OFFER_COLUMNS, OFFER_COLUMNS_P, OFFER_PLACEHOLDERS, StoredOffer};
use super::products::{parse_status, parse_unit, parse_vat, reindex_product};
use super::{Db, stored_json_at, ts};
use crate::model::catalogue::{Category, Offer, ProductStatus, Unit, VariantOption, legacy_net_quantity};
use crate::model::import::Mapping;
pub use crate::model::stored::{ProductSnapshot, VariantSnapshot};
use crate::vat::VatRate;
use crate::{Error, Result};

/// A stored variant, as an import looks it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantKey {
    pub product_id: i64,
    pub variant_id: i64,
    pub sku: String,
    pub ean: Option<String>,
}

/// Every stored variant by SKU (upper case) and by EAN, and the category tree.
#[derive(Debug, Clone, Default)]
pub struct CatalogueIndex {
    pub keys: Vec<VariantKey>,
    pub by_sku: HashMap<String, usize>,
    pub by_ean: HashMap<String, usize>,
    pub categories: Vec<Category>,
}

/// A product's stored rows read back as the catalogue's values. A value this version
/// cannot read is `Error::Corrupt` naming its table, row and column, never a default: an
/// import planned over it would write the default back (issue 19).
impl ProductSnapshot {
    pub fn stored_status(&self) -> Result<ProductStatus> {
        match self.status.as_str() {
            "draft" => Ok(ProductStatus::Draft),
            "published" => Ok(ProductStatus::Published),
            s => Err(super::corrupt_at("products", self.id, "status", format_args!("statut inconnu « {s} »"))),
        }
    }

    pub fn stored_vat(&self) -> Result<VatRate> {
        VatRate::from_basis_points(self.vat_bp).ok_or_else(|| {
            super::corrupt_at("products", self.id, "vat_bp", format_args!("taux inconnu « {} »", self.vat_bp))
        })
    }

    pub fn stored_unit(&self) -> Result<Unit> {
        Unit::from_stored(&self.unit).ok_or_else(|| {
            super::corrupt_at("products", self.id, "unit", format_args!("unité inconnue « {} »", self.unit))
        })
    }

    pub fn stored_offer(&self) -> Result<Offer> {
        self.offer.clone().into_offer_at(self.id)
    }
}

impl VariantSnapshot {
    pub fn stored_options(&self) -> Result<Vec<VariantOption>> {
        stored_json_at("variants", self.id, "options", &self.options)
    }
}

/// An import as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ImportBatch {
    pub id: i64,
    pub file_name: String,
    pub sheet: String,
    pub mode: String,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub created_at: String,
    pub undone_at: Option<String>,
}

/// What the batch row records besides the plan.
#[derive(Debug, Clone, Default)]
pub struct BatchInfo {
    pub file_name: String,
    pub sheet: String,
    pub mode: String,
    pub layout_hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct UndoReport {
    pub batch_id: i64,
    pub products_deleted: u32,
    pub products_restored: u32,
    pub categories_deleted: u32,
}

/// One variant line of the catalogue export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub product_uid: String,
    pub name: String,
    pub description: String,
    pub category_path: Option<String>,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub sku: String,
    pub options: Vec<VariantOption>,
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    pub net_quantity: Option<String>,
    pub offer: Offer,
}

impl Db {
    pub async fn import_mapping(&self, layout_hash: &str) -> Result<Option<Mapping>> {
        let json: Option<String> = sqlx::query_scalar("SELECT mapping FROM import_mappings WHERE layout_hash = ?")
            .bind(layout_hash)
            .fetch_optional(&self.pool)
            .await?;
        json.map(|j| stored_json_at("import_mappings", layout_hash, "mapping", &j)).transpose()
    }

    pub async fn import_batches(&self) -> Result<Vec<ImportBatch>> {
        let rows = sqlx::query(
            "SELECT id, file_name, sheet, mode, created_count, updated_count, unchanged_count, rejected_count, created_at, undone_at
             FROM import_batches ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ImportBatch {
                id: r.get(0),
                file_name: r.get(1),
                sheet: r.get(2),
                mode: r.get(3),
                created: r.get(4),
                updated: r.get(5),
                unchanged: r.get(6),
                rejected: r.get(7),
                created_at: r.get(8),
                undone_at: r.get(9),
            })
            .collect())
    }

    /// Puts the catalogue back exactly as it was before the batch: products it
    /// created are deleted, products it changed get their stored rows back, the
    /// categories it created go (when nothing else has been filed in them since).
    pub async fn undo_import(&self, batch_id: i64, now: DateTime<Utc>) -> Result<UndoReport> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(
            "SELECT undone_at, created_categories, attached_photos, promotions FROM import_batches WHERE id = ?",
        )
        .bind(batch_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("Import", batch_id))?;
        let (undone, cats, photos, promotions): (Option<String>, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if undone.is_some() {
            return Err(Error::Conflict(format!("L'import n° {batch_id} a déjà été annulé")));
        }
        // A later import changed a product this one created (its id range) or changed.
        let later: Option<i64> = sqlx::query_scalar(
            "SELECT min(b.id) FROM import_batches b, import_batches a
             WHERE a.id = ?1 AND b.id > ?1 AND b.undone_at IS NULL AND EXISTS (
               SELECT 1 FROM import_batch_products x
               WHERE x.batch_id = b.id AND (x.product_id BETWEEN a.created_first AND a.created_last
                 OR x.product_id IN (SELECT product_id FROM import_batch_products WHERE batch_id = ?1)))",
        )
        .bind(batch_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(later) = later {
            return Err(Error::Conflict(format!(
                "L'import n° {later} a modifié les mêmes produits ensuite : annulez-le d'abord"
            )));
        }
        let mut report = UndoReport { batch_id, products_deleted: 0, products_restored: 0, categories_deleted: 0 };
        // Promotions the import set (on products it created or changed).
        sqlx::query("DELETE FROM promotions WHERE id IN (SELECT value FROM json_each(?))")
            .bind(&promotions)
            .execute(&mut *tx)
            .await?;
        // Photos the import attached (to products it created or changed, or left as they were).
        sqlx::query("DELETE FROM product_photos WHERE id IN (SELECT value FROM json_each(?))")
            .bind(&photos)
            .execute(&mut *tx)
            .await?;
        // Created products: deleted in bulk (their variants follow by cascade); the range of
        // ids the import gave them, or their rows for imports made before it was kept.
        // An id of the range may have been taken again since (SQLite hands out max(id) + 1,
        // so deleting the import's last product frees its id for the editor's next one):
        // only the rows stamped with the import's own time are its own.
        sqlx::query(
            "DELETE FROM product_search WHERE rowid IN (SELECT p.id FROM products p, import_batches b
               WHERE b.id = ?1 AND p.id BETWEEN b.created_first AND b.created_last AND p.created_at = b.created_at)",
        )
        .bind(batch_id)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(
            "DELETE FROM products WHERE id IN (SELECT p.id FROM products p, import_batches b
               WHERE b.id = ?1 AND p.id BETWEEN b.created_first AND b.created_last AND p.created_at = b.created_at)",
        )
        .bind(batch_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        report.products_deleted += n as u32;
        let created: Vec<i64> = sqlx::query_scalar(
            "SELECT product_id FROM import_batch_products WHERE batch_id = ? AND before IS NULL ORDER BY product_id",
        )
        .bind(batch_id)
        .fetch_all(&mut *tx)
        .await?;
        for chunk in created.chunks(10_000) {
            let ids = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            let n = sqlx::query("DELETE FROM products WHERE id IN (SELECT value FROM json_each(?))")
                .bind(&ids)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM product_search WHERE rowid IN (SELECT value FROM json_each(?))")
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
            report.products_deleted += n as u32;
        }
        // Changed products: every stored column back.
        let snapshots: Vec<(i64, String)> = sqlx::query_as(
            "SELECT product_id, before FROM import_batch_products WHERE batch_id = ? AND before IS NOT NULL ORDER BY product_id",
        )
        .bind(batch_id)
        .fetch_all(&mut *tx)
        .await?;
        let snapshots: Vec<ProductSnapshot> = snapshots
            .iter()
            .map(|(product, s)| {
                stored_json_at("import_batch_products", format_args!("{batch_id}/{product}"), "before", s)
            })
            .collect::<Result<_>>()?;
        // Park the EANs of every variant involved so swaps do not trip UNIQUE.
        for s in &snapshots {
            sqlx::query("UPDATE variants SET ean = NULL WHERE product_id = ?").bind(s.id).execute(&mut *tx).await?;
        }
        for s in &snapshots {
            restore_snapshot(&mut tx, s).await?;
            report.products_restored += 1;
        }
        // Created categories, children first, only those left empty.
        let cat_ids: Vec<i64> =
            super::stored_json(format_args!("catégories créées par l'import n° {batch_id}"), &cats)?;
        for id in cat_ids.iter().rev() {
            let n = sqlx::query(
                "DELETE FROM categories WHERE id = ?1
                 AND NOT EXISTS (SELECT 1 FROM products WHERE category_id = ?1)
                 AND NOT EXISTS (SELECT 1 FROM categories WHERE parent_id = ?1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            report.categories_deleted += n as u32;
        }
        sqlx::query("UPDATE import_batches SET undone_at = ? WHERE id = ?")
            .bind(ts(now))
            .bind(batch_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Every variant with its product's fields, in catalogue order.
    pub async fn export_rows(&self) -> Result<Vec<ExportRow>> {
        let paths: HashMap<i64, String> = self.categories().await?.into_iter().map(|c| (c.id, c.path)).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.uid, p.name, p.description, p.category_id, p.status, p.vat_bp, p.unit,
                    v.sku, v.options, v.price_cents, v.stock, v.ean, v.net_quantity, {OFFER_COLUMNS_P}
             FROM products p JOIN variants v ON v.product_id = p.id
             ORDER BY p.sort_key, p.id, v.position, v.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let cat: Option<i64> = r.get(3);
                let status: String = r.get(4);
                let unit: String = r.get(6);
                let options: String = r.get(8);
                let sku: String = r.get(7);
                let name: String = r.get(1);
                let offer = StoredOffer::from_sqlx(&r, 13).into_offer(&format!("« {name} »"))?;
                Ok(ExportRow {
                    product_uid: r.get(0),
                    name,
                    description: r.get(2),
                    category_path: cat.and_then(|c| paths.get(&c).cloned()),
                    // Damaged values are errors naming them, as everywhere a product is
                    // read: storage holds no default status, rate or unit.
                    status: parse_status(status)?,
                    vat: parse_vat(r.get(5))?,
                    unit: parse_unit(unit)?,
                    options: super::stored_json(format_args!("options de la déclinaison {sku}"), &options)?,
                    sku,
                    price_cents: r.get(9),
                    stock: r.get(10),
                    ean: r.get(11),
                    net_quantity: r.get(12),
                    offer,
                })
            })
            .collect()
    }
}

async fn restore_snapshot(conn: &mut SqliteConnection, s: &ProductSnapshot) -> Result<()> {
    let sql = format!(
        "INSERT INTO products (id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at, {OFFER_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {OFFER_PLACEHOLDERS})
         ON CONFLICT (id) DO UPDATE SET uid = excluded.uid, name = excluded.name, sort_key = excluded.sort_key,
           description = excluded.description, category_id = excluded.category_id, status = excluded.status,
           vat_bp = excluded.vat_bp, unit = excluded.unit, created_at = excluded.created_at, updated_at = excluded.updated_at,
           packaging = excluded.packaging, kind = excluded.kind, stock_policy = excluded.stock_policy,
           lead_time_days = excluded.lead_time_days, duration_min = excluded.duration_min, sessions = excluded.sessions,
           food = excluded.food"
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s.id)
        .bind(&s.uid)
        .bind(&s.name)
        .bind(&s.sort_key)
        .bind(&s.description)
        .bind(s.category_id)
        .bind(&s.status)
        .bind(s.vat_bp)
        .bind(&s.unit)
        .bind(&s.created_at)
        .bind(&s.updated_at);
    s.offer.bind(q).execute(&mut *conn).await?;
    let keep = serde_json::to_string(&s.variants.iter().map(|v| v.id).collect::<Vec<_>>()).unwrap_or_default();
    sqlx::query("DELETE FROM variants WHERE product_id = ? AND id NOT IN (SELECT value FROM json_each(?))")
        .bind(s.id)
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    for v in &s.variants {
        sqlx::query(
            "INSERT INTO variants (id, product_id, sku, options, price_cents, stock, ean, net_quantity, position, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, sku = excluded.sku, options = excluded.options,
               price_cents = excluded.price_cents, stock = excluded.stock, ean = excluded.ean,
               net_quantity = excluded.net_quantity, position = excluded.position, created_at = excluded.created_at,
               updated_at = excluded.updated_at",
        )
        .bind(v.id)
        .bind(s.id)
        .bind(&v.sku)
        .bind(&v.options)
        .bind(v.price_cents)
        .bind(v.stock)
        .bind(&v.ean)
        .bind(v.net_quantity.clone().or_else(|| legacy_net_quantity(v.weight_g, v.volume_ml)))
        .bind(v.position)
        .bind(&v.created_at)
        .bind(&v.updated_at)
        .execute(&mut *conn)
        .await?;
    }
    reindex_product(conn, s.id).await
}
