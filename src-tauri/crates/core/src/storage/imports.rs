//! SQL of imports and exports: the catalogue index an import plans against, the
//! bulk writes of a plan in one transaction with its undo snapshots, undo itself,
//! remembered mappings, and the rows of an export.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, Transaction};

use super::catalogue::reindex_product;
use super::{Db, ts};
use crate::catalogue::{Category, ProductStatus, Unit, VariantOption};
use crate::import::{CategoryRef, Control, Mapping, Phase, Plan};
use crate::text::fold;
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

/// A product's stored rows, exactly, for undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSnapshot {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub sort_key: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub status: String,
    pub vat_bp: i64,
    pub unit: String,
    pub created_at: String,
    pub updated_at: String,
    pub variants: Vec<VariantSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantSnapshot {
    pub id: i64,
    pub sku: String,
    /// JSON text as stored.
    pub options: String,
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    pub weight_g: Option<i64>,
    pub volume_ml: Option<i64>,
    pub position: i64,
    pub created_at: String,
    pub updated_at: String,
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
    pub weight_g: Option<i64>,
    pub volume_ml: Option<i64>,
}

/// Rows per multi-row statement: 1,000 × 11 parameters stays under SQLite's limit (32,766).
const CHUNK: usize = 1000;

/// An import's transaction. Dropped without [`ImportTx::commit`], it rolls back.
pub struct ImportTx {
    db: Db,
    tx: Transaction<'static, Sqlite>,
}

impl Db {
    /// A read transaction: the simulation sees one consistent catalogue.
    pub async fn import_read(&self) -> Result<ImportTx> {
        Ok(ImportTx { db: self.clone(), tx: self.pool.begin().await? })
    }

    /// The write transaction, taking SQLite's write lock at once so the catalogue
    /// the import plans against is the one it writes to.
    pub async fn import_write(&self) -> Result<ImportTx> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // A bulk write touches random pages of several indexes (uid, sort key, FTS):
        // with SQLite's default 2 MB cache it re-reads them over and over. 64 MB at most,
        // for this transaction only (put back before commit).
        sqlx::query("PRAGMA cache_size = -65536").execute(&mut *tx).await?;
        Ok(ImportTx { db: self.clone(), tx })
    }

    pub async fn import_mapping(&self, layout_hash: &str) -> Result<Option<Mapping>> {
        let json: Option<String> = sqlx::query_scalar("SELECT mapping FROM import_mappings WHERE layout_hash = ?")
            .bind(layout_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub async fn save_import_mapping(&self, layout_hash: &str, mapping: &Mapping, now: DateTime<Utc>) -> Result<()> {
        let json = serde_json::to_string(mapping).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        sqlx::query(
            "INSERT INTO import_mappings (layout_hash, mapping, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (layout_hash) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
        )
        .bind(layout_hash)
        .bind(json)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
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
        let row = sqlx::query("SELECT undone_at, created_categories, attached_photos FROM import_batches WHERE id = ?")
            .bind(batch_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("Import", batch_id))?;
        let (undone, cats, photos): (Option<String>, String, String) = (row.get(0), row.get(1), row.get(2));
        if undone.is_some() {
            return Err(Error::Conflict(format!("L'import n° {batch_id} a déjà été annulé")));
        }
        let later: Option<i64> = sqlx::query_scalar(
            "SELECT min(b.id) FROM import_batches b
             WHERE b.id > ?1 AND b.undone_at IS NULL AND EXISTS (
               SELECT 1 FROM import_batch_products x JOIN import_batch_products y ON x.product_id = y.product_id
               WHERE x.batch_id = b.id AND y.batch_id = ?1)",
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
        // Photos the import attached (to products it created or changed, or left as they were).
        sqlx::query("DELETE FROM product_photos WHERE id IN (SELECT value FROM json_each(?))")
            .bind(&photos)
            .execute(&mut *tx)
            .await?;
        // Created products: deleted in bulk (their variants follow by cascade).
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
        let snapshots: Vec<String> = sqlx::query_scalar(
            "SELECT before FROM import_batch_products WHERE batch_id = ? AND before IS NOT NULL ORDER BY product_id",
        )
        .bind(batch_id)
        .fetch_all(&mut *tx)
        .await?;
        let snapshots: Vec<ProductSnapshot> = snapshots
            .iter()
            .map(|s| serde_json::from_str(s))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Database(sqlx::Error::Decode(Box::new(e))))?;
        // Park the EANs of every variant involved so swaps do not trip UNIQUE.
        for s in &snapshots {
            sqlx::query("UPDATE variants SET ean = NULL WHERE product_id = ?").bind(s.id).execute(&mut *tx).await?;
        }
        for s in &snapshots {
            restore_snapshot(&mut tx, s).await?;
            report.products_restored += 1;
        }
        // Created categories, children first, only those left empty.
        let cat_ids: Vec<i64> = serde_json::from_str(&cats).unwrap_or_default();
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
        let rows = sqlx::query(
            "SELECT p.uid, p.name, p.description, p.category_id, p.status, p.vat_bp, p.unit,
                    v.sku, v.options, v.price_cents, v.stock, v.ean, v.weight_g, v.volume_ml
             FROM products p JOIN variants v ON v.product_id = p.id
             ORDER BY p.sort_key, p.id, v.position, v.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let cat: Option<i64> = r.get(3);
                let status: String = r.get(4);
                let unit: String = r.get(6);
                let options: String = r.get(8);
                Ok(ExportRow {
                    product_uid: r.get(0),
                    name: r.get(1),
                    description: r.get(2),
                    category_path: cat.and_then(|c| paths.get(&c).cloned()),
                    status: if status == "published" { ProductStatus::Published } else { ProductStatus::Draft },
                    vat: VatRate::from_basis_points(r.get(5)).unwrap_or(VatRate::Normal),
                    unit: Unit::ALL.into_iter().find(|u| u.as_str() == unit).unwrap_or(Unit::Piece),
                    sku: r.get(7),
                    options: serde_json::from_str(&options).unwrap_or_default(),
                    price_cents: r.get(9),
                    stock: r.get(10),
                    ean: r.get(11),
                    weight_g: r.get(12),
                    volume_ml: r.get(13),
                })
            })
            .collect()
    }
}

async fn restore_snapshot(conn: &mut SqliteConnection, s: &ProductSnapshot) -> Result<()> {
    sqlx::query(
        "INSERT INTO products (id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET uid = excluded.uid, name = excluded.name, sort_key = excluded.sort_key,
           description = excluded.description, category_id = excluded.category_id, status = excluded.status,
           vat_bp = excluded.vat_bp, unit = excluded.unit, created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
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
    .bind(&s.updated_at)
    .execute(&mut *conn)
    .await?;
    let keep = serde_json::to_string(&s.variants.iter().map(|v| v.id).collect::<Vec<_>>()).unwrap_or_default();
    sqlx::query("DELETE FROM variants WHERE product_id = ? AND id NOT IN (SELECT value FROM json_each(?))")
        .bind(s.id)
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    for v in &s.variants {
        sqlx::query(
            "INSERT INTO variants (id, product_id, sku, options, price_cents, stock, ean, weight_g, volume_ml, position, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, sku = excluded.sku, options = excluded.options,
               price_cents = excluded.price_cents, stock = excluded.stock, ean = excluded.ean, weight_g = excluded.weight_g,
               volume_ml = excluded.volume_ml, position = excluded.position, created_at = excluded.created_at,
               updated_at = excluded.updated_at",
        )
        .bind(v.id)
        .bind(s.id)
        .bind(&v.sku)
        .bind(&v.options)
        .bind(v.price_cents)
        .bind(v.stock)
        .bind(&v.ean)
        .bind(v.weight_g)
        .bind(v.volume_ml)
        .bind(v.position)
        .bind(&v.created_at)
        .bind(&v.updated_at)
        .execute(&mut *conn)
        .await?;
    }
    reindex_product(conn, s.id).await
}

impl ImportTx {
    pub async fn index(&mut self) -> Result<CatalogueIndex> {
        let rows = sqlx::query("SELECT id, product_id, sku, ean FROM variants").fetch_all(&mut *self.tx).await?;
        let mut index = CatalogueIndex {
            keys: Vec::with_capacity(rows.len()),
            by_sku: HashMap::with_capacity(rows.len()),
            by_ean: HashMap::new(),
            categories: self.db.categories().await?,
        };
        for r in rows {
            let key = VariantKey { variant_id: r.get(0), product_id: r.get(1), sku: r.get(2), ean: r.get(3) };
            let i = index.keys.len();
            index.by_sku.entry(key.sku.to_uppercase()).or_insert(i);
            if let Some(e) = &key.ean {
                index.by_ean.insert(e.clone(), i);
            }
            index.keys.push(key);
        }
        Ok(index)
    }

    /// Stored rows of the given products.
    pub async fn snapshots(&mut self, ids: &[i64]) -> Result<HashMap<i64, ProductSnapshot>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(10_000) {
            let json = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            let products = sqlx::query(
                "SELECT id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at
                 FROM products WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(&json)
            .fetch_all(&mut *self.tx)
            .await?;
            for r in products {
                let id: i64 = r.get(0);
                out.insert(
                    id,
                    ProductSnapshot {
                        id,
                        uid: r.get(1),
                        name: r.get(2),
                        sort_key: r.get(3),
                        description: r.get(4),
                        category_id: r.get(5),
                        status: r.get(6),
                        vat_bp: r.get(7),
                        unit: r.get(8),
                        created_at: r.get(9),
                        updated_at: r.get(10),
                        variants: Vec::new(),
                    },
                );
            }
            let variants = sqlx::query(
                "SELECT id, product_id, sku, options, price_cents, stock, ean, weight_g, volume_ml, position, created_at, updated_at
                 FROM variants WHERE product_id IN (SELECT value FROM json_each(?)) ORDER BY product_id, position, id",
            )
            .bind(&json)
            .fetch_all(&mut *self.tx)
            .await?;
            for r in variants {
                let pid: i64 = r.get(1);
                if let Some(p) = out.get_mut(&pid) {
                    p.variants.push(VariantSnapshot {
                        id: r.get(0),
                        sku: r.get(2),
                        options: r.get(3),
                        price_cents: r.get(4),
                        stock: r.get(5),
                        ean: r.get(6),
                        weight_g: r.get(7),
                        volume_ml: r.get(8),
                        position: r.get(9),
                        created_at: r.get(10),
                        updated_at: r.get(11),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Writes the plan and records the batch; returns its id. Bulk statements for
    /// created products, one statement per changed row otherwise; the search index
    /// is rebuilt for every product whose searchable text changed.
    pub async fn write(
        &mut self,
        plan: &Plan,
        info: &BatchInfo,
        categories: &[Category],
        now: DateTime<Utc>,
        control: &Control,
    ) -> Result<i64> {
        let now_s = ts(now);
        let conn: &mut SqliteConnection = &mut self.tx;
        let batch_id = sqlx::query(
            "INSERT INTO import_batches (file_name, sheet, mode, layout_hash, created_count, updated_count, unchanged_count, rejected_count, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&info.file_name)
        .bind(&info.sheet)
        .bind(&info.mode)
        .bind(&info.layout_hash)
        .bind(plan.counts.create)
        .bind(plan.counts.update)
        .bind(plan.counts.unchanged)
        .bind(plan.counts.rejected)
        .bind(&now_s)
        .execute(&mut *conn)
        .await?
        .last_insert_rowid();

        // Categories: names and parents of all, for paths in the search text.
        let mut tree: HashMap<i64, (String, Option<i64>)> =
            categories.iter().map(|c| (c.id, (c.name.clone(), c.parent_id))).collect();
        let mut new_ids: Vec<i64> = Vec::with_capacity(plan.new_categories.len());
        for c in &plan.new_categories {
            let parent = match c.parent {
                CategoryRef::None => None,
                CategoryRef::Existing(id) => Some(id),
                CategoryRef::New(i) => new_ids.get(i).copied(),
            };
            let id = sqlx::query(
                "INSERT INTO categories (parent_id, name, position, created_at, updated_at)
                 VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE parent_id IS ?1), ?3, ?3)",
            )
            .bind(parent)
            .bind(&c.name)
            .bind(&now_s)
            .execute(&mut *conn)
            .await?
            .last_insert_rowid();
            tree.insert(id, (c.name.clone(), parent));
            new_ids.push(id);
        }
        let category_id = |r: CategoryRef| match r {
            CategoryRef::None => None,
            CategoryRef::Existing(id) => Some(id),
            CategoryRef::New(i) => new_ids.get(i).copied(),
        };
        let category_names = |id: Option<i64>| -> Option<String> {
            let mut names = Vec::new();
            let mut cur = id;
            while let Some(c) = cur {
                let Some((name, parent)) = tree.get(&c) else { break };
                names.push(name.as_str());
                cur = *parent;
                if names.len() > 64 {
                    break;
                }
            }
            (!names.is_empty()).then(|| names.join(" "))
        };

        let total = plan.products.len() as u64;
        let mut done: u64 = 0;
        control.report(Phase::Writing, 0, total);

        // Created products: ids assigned here (the write lock is held), rows in bulk.
        let created: Vec<&crate::import::ProductWrite> = plan.products.iter().filter(|p| p.id.is_none()).collect();
        let mut next_id: i64 =
            sqlx::query_scalar::<_, i64>("SELECT coalesce(max(id), 0) FROM products").fetch_one(&mut *conn).await? + 1;
        let first_created = next_id;
        // The sync triggers upsert the outbox row by row: twice per created product (the
        // product, then its variant), which was most of the time of a 100,000-row import.
        // They are silenced for the bulk inserts by the marker they already honour, and the
        // created products get their outbox rows in one statement below, in this same
        // transaction. No other connection can see the marker (this transaction holds the
        // write lock), and a failure rolls it back with everything else.
        if !created.is_empty() {
            sqlx::query("INSERT OR IGNORE INTO sync_remote_apply (id) VALUES (1)").execute(&mut *conn).await?;
        }
        let uids = sorted_product_uids(conn, created.len()).await?;
        let mut items: Vec<(i64, Option<String>)> = Vec::with_capacity(plan.products.len());
        for chunk in created.chunks(CHUNK) {
            control.check()?;
            let first_id = next_id;
            let first_uid = (first_id - first_created) as usize;
            next_id += chunk.len() as i64;
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO products (id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut b, (k, p)| {
                b.push_bind(first_id + k as i64)
                    .push_bind(&uids[first_uid + k])
                    .push_bind(&p.name)
                    .push_bind(fold(&p.name))
                    .push_bind(&p.description)
                    .push_bind(category_id(p.category))
                    .push_bind(p.status.as_str())
                    .push_bind(p.vat.basis_points())
                    .push_bind(p.unit.as_str())
                    .push_bind(&now_s)
                    .push_bind(&now_s);
            });
            q.build().execute(&mut *conn).await?;
            let variants: Vec<(i64, &crate::import::VariantWrite, String)> = chunk
                .iter()
                .enumerate()
                .flat_map(|(k, p)| {
                    p.variants.iter().map(move |v| {
                        (first_id + k as i64, v, serde_json::to_string(&v.options).unwrap_or_else(|_| "[]".into()))
                    })
                })
                .collect();
            for vchunk in variants.chunks(CHUNK) {
                let mut q = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, weight_g, volume_ml, position, created_at, updated_at) ",
                );
                q.push_values(vchunk, |mut b, (pid, v, opts)| {
                    b.push_bind(*pid)
                        .push_bind(&v.sku)
                        .push_bind(opts)
                        .push_bind(v.price_cents)
                        .push_bind(v.stock)
                        .push_bind(&v.ean)
                        .push_bind(v.weight_g)
                        .push_bind(v.volume_ml)
                        .push_bind(v.position)
                        .push_bind(&now_s)
                        .push_bind(&now_s);
                });
                q.build().execute(&mut *conn).await.map_err(unique_to_conflict)?;
            }
            let bodies: Vec<(i64, String)> = chunk
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let vs: Vec<(&str, Option<&str>, String)> = p
                        .variants
                        .iter()
                        .map(|v| {
                            (v.sku.as_str(), v.ean.as_deref(), serde_json::to_string(&v.options).unwrap_or_default())
                        })
                        .collect();
                    (
                        first_id + k as i64,
                        search_body(&p.name, &p.description, category_names(category_id(p.category)), &vs),
                    )
                })
                .collect();
            let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO product_search (rowid, body) ");
            q.push_values(&bodies, |mut b, (id, body)| {
                b.push_bind(*id).push_bind(body);
            });
            q.build().execute(&mut *conn).await?;
            items.extend((first_id..next_id).map(|id| (id, None)));
            done += chunk.len() as u64;
            control.report(Phase::Writing, done, total);
        }

        if !created.is_empty() {
            sqlx::query("DELETE FROM sync_remote_apply").execute(&mut *conn).await?;
            // What the triggers would have written: one pending change per created product,
            // stamped with SQLite's clock like theirs.
            sqlx::query(
                "INSERT INTO sync_outbox (entity, uid, changed_at)
                 SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id >= ? AND id < ?
                 ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at",
            )
            .bind(first_created)
            .bind(next_id)
            .execute(&mut *conn)
            .await?;
        }

        // Changed products: park moving EANs, then one statement per changed row (the
        // triggers fill the outbox).
        for p in plan.products.iter().filter(|p| p.id.is_some()) {
            for v in p.variants.iter().filter(|v| v.ean_changed && v.id.is_some()) {
                sqlx::query("UPDATE variants SET ean = NULL WHERE id = ?").bind(v.id).execute(&mut *conn).await?;
            }
        }
        for p in plan.products.iter().filter(|p| p.id.is_some()) {
            if done.is_multiple_of(1000) {
                control.check()?;
                control.report(Phase::Writing, done, total);
            }
            let id = p.id.unwrap_or_default();
            if p.product_changed {
                sqlx::query(
                    "UPDATE products SET name = ?, sort_key = ?, description = ?, category_id = ?, status = ?, vat_bp = ?, unit = ?, updated_at = ?
                     WHERE id = ?",
                )
                .bind(&p.name)
                .bind(fold(&p.name))
                .bind(&p.description)
                .bind(category_id(p.category))
                .bind(p.status.as_str())
                .bind(p.vat.basis_points())
                .bind(p.unit.as_str())
                .bind(&now_s)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            } else {
                sqlx::query("UPDATE products SET updated_at = ? WHERE id = ?")
                    .bind(&now_s)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            for v in p.variants.iter().filter(|v| v.changed) {
                let opts = serde_json::to_string(&v.options).unwrap_or_else(|_| "[]".into());
                let res = match v.id {
                    Some(vid) => sqlx::query(
                        "UPDATE variants SET sku = ?, options = ?, price_cents = ?, stock = ?, ean = ?, weight_g = ?, volume_ml = ?, updated_at = ?
                         WHERE id = ?",
                    )
                    .bind(&v.sku)
                    .bind(&opts)
                    .bind(v.price_cents)
                    .bind(v.stock)
                    .bind(&v.ean)
                    .bind(v.weight_g)
                    .bind(v.volume_ml)
                    .bind(&now_s)
                    .bind(vid)
                    .execute(&mut *conn)
                    .await,
                    None => sqlx::query(
                        "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, weight_g, volume_ml, position, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(id)
                    .bind(&v.sku)
                    .bind(&opts)
                    .bind(v.price_cents)
                    .bind(v.stock)
                    .bind(&v.ean)
                    .bind(v.weight_g)
                    .bind(v.volume_ml)
                    .bind(v.position)
                    .bind(&now_s)
                    .bind(&now_s)
                    .execute(&mut *conn)
                    .await,
                };
                res.map_err(unique_to_conflict)?;
            }
            if p.search_changed {
                reindex_product(conn, id).await?;
            }
            let before = p.before.as_ref().map(|b| serde_json::to_string(b).unwrap_or_default());
            items.push((id, before));
            done += 1;
        }

        for chunk in items.chunks(CHUNK * 3) {
            let mut q =
                QueryBuilder::<Sqlite>::new("INSERT INTO import_batch_products (batch_id, product_id, before) ");
            q.push_values(chunk, |mut b, (id, before)| {
                b.push_bind(batch_id).push_bind(*id).push_bind(before);
            });
            q.build().execute(&mut *conn).await?;
        }
        sqlx::query("UPDATE import_batches SET created_categories = ? WHERE id = ?")
            .bind(serde_json::to_string(&new_ids).unwrap_or_else(|_| "[]".into()))
            .bind(batch_id)
            .execute(&mut *conn)
            .await?;
        control.report(Phase::Writing, total, total);
        Ok(batch_id)
    }

    /// The photo library by file name ([`crate::import::photo_name_key`]) → sha256; of
    /// two photos with the same name, the last one imported.
    pub async fn photo_library(&mut self) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT original_name, sha256 FROM photos ORDER BY created_at, sha256")
            .fetch_all(&mut *self.tx)
            .await?;
        Ok(rows.into_iter().map(|r| (crate::import::photo_name_key(&r.get::<String, _>(0)), r.get(1))).collect())
    }

    /// Attaches library photos to the products of the given references (SKU, else EAN),
    /// after their current photos, and records the rows added in the batch for undo. A
    /// photo the product already shows is left where it is.
    pub async fn attach_photos(
        &mut self,
        batch_id: i64,
        refs: &[(&str, Vec<&str>)],
        now: DateTime<Utc>,
    ) -> Result<u32> {
        let now_s = ts(now);
        let mut added: Vec<i64> = Vec::new();
        for (key, shas) in refs {
            let product: Option<(i64, String)> = sqlx::query_as(
                "SELECT p.id, p.name FROM variants v JOIN products p ON p.id = v.product_id
                 WHERE v.sku = ?1 OR v.ean = ?1 ORDER BY v.sku = ?1 DESC LIMIT 1",
            )
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?;
            let Some((product_id, name)) = product else { continue };
            for sha in shas {
                let res = sqlx::query(
                    "INSERT INTO product_photos (product_id, photo_sha, position, alt_text, created_at, updated_at)
                     VALUES (?1, ?2, (SELECT coalesce(max(position) + 1, 0) FROM product_photos WHERE product_id = ?1), ?3, ?4, ?4)
                     ON CONFLICT (product_id, photo_sha) DO NOTHING",
                )
                .bind(product_id)
                .bind(sha)
                .bind(&name)
                .bind(&now_s)
                .execute(&mut *self.tx)
                .await?;
                if res.rows_affected() == 1 {
                    added.push(res.last_insert_rowid());
                }
            }
        }
        if !added.is_empty() {
            sqlx::query("UPDATE import_batches SET attached_photos = ? WHERE id = ?")
                .bind(serde_json::to_string(&added).unwrap_or_else(|_| "[]".into()))
                .bind(batch_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(added.len() as u32)
    }

    pub async fn commit(mut self) -> Result<()> {
        sqlx::query("PRAGMA cache_size = -2000").execute(&mut *self.tx).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// `n` product uids of the same form and randomness as the column's default
/// (`p-` and 16 hex digits from SQLite's `randomblob`), in increasing order: a bulk
/// import's uids then append to the uid index instead of landing on random pages.
async fn sorted_product_uids(conn: &mut SqliteConnection, n: usize) -> Result<Vec<String>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let blob: Vec<u8> = sqlx::query_scalar("SELECT randomblob(?)")
        .bind(i64::try_from(n * 8).unwrap_or(i64::MAX))
        .fetch_one(conn)
        .await?;
    let mut keys: Vec<u64> =
        blob.chunks_exact(8).map(|b| u64::from_be_bytes(b.try_into().unwrap_or_default())).collect();
    keys.sort_unstable();
    Ok(keys.into_iter().map(|k| format!("p-{k:016x}")).collect())
}

fn unique_to_conflict(e: sqlx::Error) -> Error {
    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
        Error::Conflict(format!(
            "Une référence ou un code EAN du fichier est déjà utilisé dans le catalogue : {}",
            e.as_database_error().map(|d| d.message().to_owned()).unwrap_or_default()
        ))
    } else {
        e.into()
    }
}

/// The search text `reindex_product` would store, computed without reading back:
/// name, description, category names leaf first, then each variant's
/// `sku ean options-json`, folded.
fn search_body(
    name: &str,
    description: &str,
    categories: Option<String>,
    variants: &[(&str, Option<&str>, String)],
) -> String {
    let vars = (!variants.is_empty()).then(|| {
        variants
            .iter()
            .map(|(sku, ean, opts)| format!("{sku} {} {opts}", ean.unwrap_or("")))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let parts: Vec<&str> =
        [Some(name), Some(description), categories.as_deref(), vars.as_deref()].into_iter().flatten().collect();
    fold(&parts.join(" "))
}
