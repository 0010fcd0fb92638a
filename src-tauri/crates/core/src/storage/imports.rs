//! SQL of imports and exports: the catalogue index an import plans against, the
//! bulk writes of a plan in one transaction with its undo snapshots, undo itself,
//! remembered mappings, and the rows of an export.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, AssertSqlSafe, Connection, Row, Sqlite, SqliteConnection};

use super::catalogue::reindex_product;
use super::{Db, ts};
use crate::catalogue::{Category, ProductStatus, Unit, VariantOption};
use crate::import::Mapping;
use crate::import::plan::{Counts, CreatedProduct, Ids, UpdatedProduct, VariantWrite, WriteBatch};
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

/// An import's transaction, on a connection of its own: the settings a bulk write wants
/// (a larger page cache, no checkpoint inside the commit) die with it instead of staying
/// on a pooled connection, and so does the transaction if the import fails or is
/// cancelled: dropped without [`ImportTx::commit`], it rolls back.
pub struct ImportTx {
    db: Db,
    tx: SqliteConnection,
    write: Option<WriteState>,
}

impl Db {
    /// A read transaction: the simulation sees one consistent catalogue.
    pub async fn import_read(&self) -> Result<ImportTx> {
        let mut tx = SqliteConnection::connect_with(&self.options).await?;
        sqlx::query("BEGIN").execute(&mut tx).await?;
        Ok(ImportTx { db: self.clone(), tx, write: None })
    }

    /// The write transaction, taking SQLite's write lock at once so the catalogue
    /// the import plans against is the one it writes to.
    pub async fn import_write(&self) -> Result<ImportTx> {
        let mut tx = SqliteConnection::connect_with(&self.options).await?;
        // A bulk write touches random pages of several indexes (sort key, category, FTS):
        // with SQLite's default 2 MB cache it re-reads them over and over. 64 MB at most.
        sqlx::query("PRAGMA cache_size = -65536").execute(&mut tx).await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut tx).await?;
        Ok(ImportTx { db: self.clone(), tx, write: None })
    }

    pub async fn import_mapping(&self, layout_hash: &str) -> Result<Option<Mapping>> {
        let json: Option<String> = sqlx::query_scalar("SELECT mapping FROM import_mappings WHERE layout_hash = ?")
            .bind(layout_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
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
        let rows = sqlx::query("SELECT id, product_id, sku, ean FROM variants").fetch_all(&mut self.tx).await?;
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
            .fetch_all(&mut self.tx)
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
            .fetch_all(&mut self.tx)
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

    /// The ids an import hands out from here: the next free product and category ids
    /// (the write transaction holds the lock, so nobody else takes them) and a random
    /// seed for product uids.
    pub async fn next_ids(&mut self) -> Result<Ids> {
        let conn: &mut SqliteConnection = &mut self.tx;
        let (p, c, seed): (i64, i64, Vec<u8>) = sqlx::query_as(
            "SELECT (SELECT coalesce(max(id), 0) + 1 FROM products), (SELECT coalesce(max(id), 0) + 1 FROM categories), randomblob(16)",
        )
        .fetch_one(conn)
        .await?;
        Ok(Ids::new(p, c, seed.try_into().unwrap_or([7; 16])))
    }

    /// Records the import batch (its counts are filled in by [`ImportTx::finish_batch`]).
    pub async fn begin_batch(&mut self, info: &BatchInfo, now: DateTime<Utc>) -> Result<i64> {
        let conn: &mut SqliteConnection = &mut self.tx;
        // The commit of a large import would copy the whole write-ahead log into the
        // database file before returning; that copy is left to a checkpoint after it.
        sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut *conn).await?;
        let id = sqlx::query(
            "INSERT INTO import_batches (file_name, sheet, mode, layout_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&info.file_name)
        .bind(&info.sheet)
        .bind(&info.mode)
        .bind(&info.layout_hash)
        .bind(ts(now))
        .execute(conn)
        .await?
        .last_insert_rowid();
        self.write = Some(WriteState { batch_id: id, now: ts(now), ..WriteState::default() });
        Ok(id)
    }

    /// Writes one batch of the plan: new categories, created products in bulk (rows,
    /// variants, search entries), changed products row by row, photos.
    pub async fn write_batch(&mut self, batch: WriteBatch) -> Result<()> {
        let Some(st) = self.write.as_mut() else {
            return Err(Error::Conflict("Import non commencé".into()));
        };
        let conn: &mut SqliteConnection = &mut self.tx;
        if !batch.categories.is_empty() {
            // The sync triggers queue each category as it is created.
            st.silence(conn, false).await?;
            for c in &batch.categories {
                sqlx::query(
                    "INSERT INTO categories (id, parent_id, name, position, created_at, updated_at)
                     VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE parent_id IS ?2), ?4, ?4)",
                )
                .bind(c.id)
                .bind(c.parent_id)
                .bind(&c.name)
                .bind(&st.now)
                .execute(&mut *conn)
                .await?;
                st.categories.push(c.id);
            }
        }
        if !batch.created.is_empty() {
            // The sync triggers upsert the outbox row by row, twice per created product
            // (the product, then its variant). They are silenced for the bulk inserts by
            // the marker they already honour; the created products get their outbox rows
            // in one statement at the end, in this same transaction. No other connection
            // can see the marker (this transaction holds the write lock), and a failure
            // rolls it back with everything else.
            st.silence(conn, true).await?;
            st.insert_created(conn, batch.created).await?;
        }
        if !batch.updated.is_empty() {
            st.silence(conn, false).await?;
            for p in batch.updated {
                st.update_product(conn, p).await?;
            }
        }
        if !batch.photos.is_empty() {
            st.silence(conn, false).await?;
            for a in &batch.photos {
                for sha in &a.sha256 {
                    let res = sqlx::query(
                        "INSERT INTO product_photos (product_id, photo_sha, position, alt_text, created_at, updated_at)
                         VALUES (?1, ?2, (SELECT coalesce(max(position) + 1, 0) FROM product_photos WHERE product_id = ?1),
                                 (SELECT name FROM products WHERE id = ?1), ?3, ?3)
                         ON CONFLICT (product_id, photo_sha) DO NOTHING",
                    )
                    .bind(a.product_id)
                    .bind(sha)
                    .bind(&st.now)
                    .execute(&mut *conn)
                    .await?;
                    if res.rows_affected() == 1 {
                        st.photos.push(res.last_insert_rowid());
                    }
                }
            }
        }
        Ok(())
    }

    /// What the batches left for the end: the remaining search entries, the EANs that
    /// move between variants, the outbox and undo records of the created products, and
    /// the batch's counts.
    pub async fn finish_batch(&mut self, counts: &Counts) -> Result<i64> {
        let Some(mut st) = self.write.take() else {
            return Err(Error::Conflict("Import non commencé".into()));
        };
        let conn: &mut SqliteConnection = &mut self.tx;
        st.silence(conn, false).await?;
        st.flush_search(conn).await?;
        for (sku, ean) in std::mem::take(&mut st.eans) {
            sqlx::query("UPDATE variants SET ean = ? WHERE sku = ?")
                .bind(ean)
                .bind(sku)
                .execute(&mut *conn)
                .await
                .map_err(unique_to_conflict)?;
        }
        for id in std::mem::take(&mut st.reindex) {
            reindex_product(conn, id).await?;
        }
        if let Some((first, last)) = st.created {
            // What the triggers would have written: one pending change per created product,
            // stamped with SQLite's clock like theirs.
            sqlx::query(
                "INSERT INTO sync_outbox (entity, uid, changed_at)
                 SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id BETWEEN ? AND ?
                 ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at",
            )
            .bind(first)
            .bind(last)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO import_batch_products (batch_id, product_id, before) SELECT ?, id, NULL FROM products WHERE id BETWEEN ? AND ?",
            )
            .bind(st.batch_id)
            .bind(first)
            .bind(last)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(
            "UPDATE import_batches SET created_count = ?, updated_count = ?, unchanged_count = ?, rejected_count = ?,
               created_categories = ?, attached_photos = ? WHERE id = ?",
        )
        .bind(counts.create)
        .bind(counts.update)
        .bind(counts.unchanged)
        .bind(counts.rejected)
        .bind(serde_json::to_string(&st.categories).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(&st.photos).unwrap_or_else(|_| "[]".into()))
        .bind(st.batch_id)
        .execute(&mut *conn)
        .await?;
        Ok(st.batch_id)
    }

    /// Remembers the mapping for this file layout, with the import it served.
    pub async fn save_mapping(&mut self, layout_hash: &str, mapping: &Mapping, now: DateTime<Utc>) -> Result<()> {
        save_mapping(&mut self.tx, layout_hash, mapping, now).await
    }

    /// The photo library by file name ([`crate::import::photo_name_key`]) → sha256; of
    /// two photos with the same name, the last one imported.
    pub async fn photo_library(&mut self) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT original_name, sha256 FROM photos ORDER BY created_at, sha256")
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows.into_iter().map(|r| (crate::import::photo_name_key(&r.get::<String, _>(0)), r.get(1))).collect())
    }

    /// Commits; the write-ahead log is copied into the database file afterwards, off the
    /// import's path ([`Db::checkpoint`]).
    pub async fn commit(mut self) -> Result<()> {
        sqlx::query("COMMIT").execute(&mut self.tx).await?;
        self.tx.close().await?;
        Ok(())
    }
}

/// Rows per multi-row statement: 2,000 × 11 values stays under SQLite's 32,766
/// parameters; fewer, larger statements also mean fewer statement journals.
const BULK_ROWS: usize = 2000;
/// Search entries written together: each statement of the import makes the full-text
/// index write its pending terms as a new segment (the statement may roll back), and
/// the segments are then merged; entries are gathered so that this happens rarely.
const SEARCH_ROWS: usize = 8192;

/// Where a write transaction stands between batches.
#[derive(Default)]
struct WriteState {
    batch_id: i64,
    now: String,
    /// The sync triggers are silenced (marker row present).
    silenced: bool,
    /// First and last id of the products created.
    created: Option<(i64, i64)>,
    categories: Vec<i64>,
    photos: Vec<i64>,
    /// Search entries of created products not written yet.
    search: Vec<(i64, String)>,
    /// EANs set once every batch is written (SKU → EAN): an EAN may move from a variant
    /// written in a later batch.
    eans: Vec<(String, String)>,
    /// Changed products whose search text is rebuilt at the end (after their EANs).
    reindex: Vec<i64>,
    sql: HashMap<(&'static str, usize), String>,
}

impl WriteState {
    async fn silence(&mut self, conn: &mut SqliteConnection, on: bool) -> Result<()> {
        if self.silenced != on {
            let sql = if on {
                "INSERT OR IGNORE INTO sync_remote_apply (id) VALUES (1)"
            } else {
                "DELETE FROM sync_remote_apply"
            };
            sqlx::query(sql).execute(conn).await?;
            self.silenced = on;
        }
        Ok(())
    }

    /// `INSERT INTO … VALUES (?, …), (…)` for `rows` rows of `width` values each.
    /// Plain `?`: with numbered parameters sqlx looks each one up by name, and SQLite
    /// finds a name by scanning the statement's list (quadratic in its parameters).
    fn values_sql(&mut self, head: &'static str, width: usize, rows: usize) -> String {
        self.sql
            .entry((head, rows))
            .or_insert_with(|| {
                let row = format!("({})", vec!["?"; width].join(", "));
                let mut sql = String::with_capacity(head.len() + 8 + rows * (row.len() + 2));
                sql.push_str(head);
                sql.push_str(" VALUES ");
                for r in 0..rows {
                    if r > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&row);
                }
                sql
            })
            .clone()
    }

    async fn insert_created(&mut self, conn: &mut SqliteConnection, created: Vec<CreatedProduct>) -> Result<()> {
        const PRODUCTS: &str = "INSERT INTO products (id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at)";
        const VARIANTS: &str = "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, weight_g, volume_ml, position, created_at, updated_at)";
        let (first, last) = (created[0].id, created[created.len() - 1].id);
        self.created = Some(self.created.map_or((first, last), |(a, _)| (a, last)));
        let mut products = created.into_iter().peekable();
        while products.peek().is_some() {
            let chunk: Vec<CreatedProduct> = products.by_ref().take(BULK_ROWS).collect();
            let now: Arc<str> = Arc::from(self.now.as_str());
            let mut args = SqliteArguments::default();
            let mut variants: Vec<(i64, VariantWrite, String)> = Vec::with_capacity(chunk.len());
            let n = chunk.len();
            for p in chunk {
                add(&mut args, p.id)?;
                add(&mut args, p.uid)?;
                add(&mut args, p.name)?;
                add(&mut args, p.sort_key)?;
                add(&mut args, p.description)?;
                add(&mut args, p.category_id)?;
                add(&mut args, p.status.as_str())?;
                add(&mut args, p.vat.basis_points())?;
                add(&mut args, p.unit.as_str())?;
                add(&mut args, now.clone())?;
                add(&mut args, now.clone())?;
                self.search.push((p.id, p.search_body));
                for (mut v, json) in p.variants {
                    if p.ean_later
                        && let Some(ean) = v.ean.take()
                    {
                        self.eans.push((v.sku.clone(), ean));
                    }
                    variants.push((p.id, v, json));
                }
            }
            let sql = self.values_sql(PRODUCTS, 11, n);
            sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *conn).await?;
            let mut rest = variants.into_iter().peekable();
            while rest.peek().is_some() {
                let vchunk: Vec<(i64, VariantWrite, String)> = rest.by_ref().take(BULK_ROWS).collect();
                let n = vchunk.len();
                let mut args = SqliteArguments::default();
                for (pid, v, json) in vchunk {
                    add(&mut args, pid)?;
                    add(&mut args, v.sku)?;
                    add(&mut args, json)?;
                    add(&mut args, v.price_cents)?;
                    add(&mut args, v.stock)?;
                    add(&mut args, v.ean)?;
                    add(&mut args, v.weight_g)?;
                    add(&mut args, v.volume_ml)?;
                    add(&mut args, v.position)?;
                    add(&mut args, now.clone())?;
                    add(&mut args, now.clone())?;
                }
                let sql = self.values_sql(VARIANTS, 11, n);
                sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *conn).await.map_err(unique_to_conflict)?;
            }
        }
        if self.search.len() >= SEARCH_ROWS {
            self.flush_search(conn).await?;
        }
        Ok(())
    }

    async fn flush_search(&mut self, conn: &mut SqliteConnection) -> Result<()> {
        let entries = std::mem::take(&mut self.search);
        let mut entries = entries.into_iter().peekable();
        while entries.peek().is_some() {
            let chunk: Vec<(i64, String)> = entries.by_ref().take(SEARCH_ROWS).collect();
            let n = chunk.len();
            let mut args = SqliteArguments::default();
            for (id, body) in chunk {
                add(&mut args, id)?;
                add(&mut args, body)?;
            }
            let sql = self.values_sql("INSERT INTO product_search (rowid, body)", 2, n);
            sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// One changed product: its row, then its variants, one statement each (the
    /// triggers fill the outbox); the rows as they were go to the batch for undo.
    async fn update_product(&mut self, conn: &mut SqliteConnection, u: UpdatedProduct) -> Result<()> {
        let UpdatedProduct { id, write: p, category_id } = u;
        let now_s = &self.now;
        if p.product_changed {
            sqlx::query(
                "UPDATE products SET name = ?, sort_key = ?, description = ?, category_id = ?, status = ?, vat_bp = ?, unit = ?, updated_at = ?
                 WHERE id = ?",
            )
            .bind(&p.name)
            .bind(fold(&p.name))
            .bind(&p.description)
            .bind(category_id)
            .bind(p.status.as_str())
            .bind(p.vat.basis_points())
            .bind(p.unit.as_str())
            .bind(now_s)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        } else {
            sqlx::query("UPDATE products SET updated_at = ? WHERE id = ?")
                .bind(now_s)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        for v in p.variants.iter().filter(|v| v.changed) {
            let opts = serde_json::to_string(&v.options).unwrap_or_else(|_| "[]".into());
            // A new EAN is set at the end: it may still be another variant's.
            let ean = if v.ean_changed {
                if let Some(e) = &v.ean {
                    self.eans.push((v.sku.clone(), e.clone()));
                }
                None
            } else {
                v.ean.clone()
            };
            let res = match v.id {
                Some(vid) => sqlx::query(
                    "UPDATE variants SET sku = ?, options = ?, price_cents = ?, stock = ?, ean = ?, weight_g = ?, volume_ml = ?, updated_at = ?
                     WHERE id = ?",
                )
                .bind(&v.sku)
                .bind(&opts)
                .bind(v.price_cents)
                .bind(v.stock)
                .bind(ean)
                .bind(v.weight_g)
                .bind(v.volume_ml)
                .bind(now_s)
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
                .bind(ean)
                .bind(v.weight_g)
                .bind(v.volume_ml)
                .bind(v.position)
                .bind(now_s)
                .bind(now_s)
                .execute(&mut *conn)
                .await,
            };
            res.map_err(unique_to_conflict)?;
        }
        if p.search_changed {
            self.reindex.push(id);
        }
        let before = p.before.as_ref().map(|b| serde_json::to_string(b).unwrap_or_default());
        sqlx::query("INSERT INTO import_batch_products (batch_id, product_id, before) VALUES (?, ?, ?)")
            .bind(self.batch_id)
            .bind(id)
            .bind(before)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

async fn save_mapping(
    conn: &mut SqliteConnection,
    layout_hash: &str,
    mapping: &Mapping,
    now: DateTime<Utc>,
) -> Result<()> {
    let json = serde_json::to_string(mapping).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    sqlx::query(
        "INSERT INTO import_mappings (layout_hash, mapping, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (layout_hash) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
    )
    .bind(layout_hash)
    .bind(json)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn add<'q, T: sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite>>(args: &mut SqliteArguments, v: T) -> Result<()> {
    args.add(v).map_err(|e| Error::Database(sqlx::Error::Encode(e)))
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
pub(crate) fn search_body(
    name: &str,
    description: &str,
    categories: Option<String>,
    variants: &[(&str, Option<&str>, &str)],
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
