//! An import's transaction, on a connection of its own driven through rusqlite: the one
//! place in Comptoir that does not go through sqlx.
//!
//! Why: a 100,000-row import is about 30 bound values a row and a few hundred
//! statements of thousands of rows each. Through sqlx every value is boxed into an
//! argument, sent to sqlx's worker thread and freed there, and every statement is a
//! round trip between two threads; that was a third of the time of the thread running
//! SQLite, which is what bounds an import (measured: `bench import`). Here the same
//! statements are prepared once and bound straight from the plan, on the thread that
//! steps them. It is the same SQLite library (one libsqlite3-sys in the build), the same
//! file and the same settings as the pool's connections.
//!
//! The connection is opened for the import and closed after it, so what a bulk write
//! wants (a larger page cache, no checkpoint inside the commit) never stays on a pooled
//! connection; dropped without [`ImportTx::commit`], the transaction rolls back.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::imports::{BatchInfo, CatalogueIndex, ProductSnapshot, VariantKey, VariantSnapshot};
use super::offer::{OFFER_COLUMNS, OFFER_SET, StoredOffer};
use super::products::{SEARCH_PARTS_SQL, SearchPart, search_text_of_parts};
use super::{Db, ts};
use crate::model::catalogue::Category;
use crate::model::import::{Counts, CreatedProduct, Mapping, UpdatedProduct, VariantWrite, WriteBatch, photo_name_key};
use crate::{Error, Result};

pub struct ImportTx {
    conn: Connection,
    write: Option<WriteState>,
}

/// What [`ImportTx::write_batch`] wrote, to be dropped elsewhere.
pub struct Spent {
    _batch: WriteBatch,
    _search: Vec<(i64, String)>,
}

impl Db {
    /// A read transaction: the simulation sees one consistent catalogue. Blocking: call
    /// it from a blocking thread.
    pub fn import_read(&self) -> Result<ImportTx> {
        let conn = self.import_connection()?;
        conn.execute_batch("BEGIN")?;
        Ok(ImportTx { conn, write: None })
    }

    /// The write transaction, taking SQLite's write lock at once so the catalogue the
    /// import plans against is the one it writes to. Blocking.
    pub fn import_write(&self) -> Result<ImportTx> {
        let conn = self.import_connection()?;
        // A bulk write touches random pages of several indexes (sort key, category, FTS):
        // with SQLite's default 2 MB cache it re-reads them over and over. 64 MB at most.
        conn.execute_batch("PRAGMA cache_size = -65536")?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(ImportTx { conn, write: None })
    }

    fn import_connection(&self) -> Result<Connection> {
        let conn = Connection::open(self.path())?;
        // What the pool's connections are opened with (storage::Db::open_file).
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        // The multi-row statements come in a dozen sizes per table (`ladder`).
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}

impl ImportTx {
    /// Every stored variant by SKU (upper case) and by EAN, with the category tree
    /// (read by the caller through the pool: this transaction holds the write lock, so
    /// the tree cannot change under it).
    pub fn index(&mut self, categories: Vec<Category>) -> Result<CatalogueIndex> {
        let mut stmt = self.conn.prepare_cached("SELECT id, product_id, sku, ean FROM variants")?;
        let keys = stmt
            .query_map([], |r| {
                Ok(VariantKey { variant_id: r.get(0)?, product_id: r.get(1)?, sku: r.get(2)?, ean: r.get(3)? })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut index = CatalogueIndex {
            by_sku: HashMap::with_capacity(keys.len()),
            by_ean: HashMap::new(),
            keys: Vec::new(),
            categories,
        };
        for (i, key) in keys.iter().enumerate() {
            index.by_sku.entry(key.sku.to_uppercase()).or_insert(i);
            if let Some(e) = &key.ean {
                index.by_ean.insert(e.clone(), i);
            }
        }
        index.keys = keys;
        Ok(index)
    }

    /// Stored rows of the given products.
    pub fn snapshots(&mut self, ids: &[i64]) -> Result<HashMap<i64, ProductSnapshot>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(10_000) {
            let json = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            let mut products = self.conn.prepare_cached(
                &format!("SELECT id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at, {OFFER_COLUMNS}
                 FROM products WHERE id IN (SELECT value FROM json_each(?))"),
            )?;
            let rows = products.query_map([&json], |r| {
                Ok(ProductSnapshot {
                    id: r.get(0)?,
                    uid: r.get(1)?,
                    name: r.get(2)?,
                    sort_key: r.get(3)?,
                    description: r.get(4)?,
                    category_id: r.get(5)?,
                    status: r.get(6)?,
                    vat_bp: r.get(7)?,
                    unit: r.get(8)?,
                    created_at: r.get(9)?,
                    updated_at: r.get(10)?,
                    offer: StoredOffer::from_rusqlite(r, 11)?,
                    variants: Vec::new(),
                })
            })?;
            for p in rows {
                let p = p?;
                out.insert(p.id, p);
            }
            let mut variants = self.conn.prepare_cached(
                "SELECT id, product_id, sku, options, price_cents, stock, ean, net_quantity, position, created_at, updated_at
                 FROM variants WHERE product_id IN (SELECT value FROM json_each(?)) ORDER BY product_id, position, id",
            )?;
            let rows = variants.query_map([&json], |r| {
                Ok((
                    r.get::<_, i64>(1)?,
                    VariantSnapshot {
                        id: r.get(0)?,
                        sku: r.get(2)?,
                        options: r.get(3)?,
                        price_cents: r.get(4)?,
                        stock: r.get(5)?,
                        ean: r.get(6)?,
                        net_quantity: r.get(7)?,
                        weight_g: None,
                        volume_ml: None,
                        position: r.get(8)?,
                        created_at: r.get(9)?,
                        updated_at: r.get(10)?,
                    },
                ))
            })?;
            for v in rows {
                let (pid, v) = v?;
                if let Some(p) = out.get_mut(&pid) {
                    p.variants.push(v);
                }
            }
        }
        Ok(out)
    }

    /// The photo library by file name ([`photo_name_key`]) → sha256; of
    /// two photos with the same name, the last one imported.
    pub fn photo_library(&mut self) -> Result<HashMap<String, String>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT original_name, sha256 FROM photos ORDER BY created_at, sha256")?;
        let rows = stmt.query_map([], |r| Ok((photo_name_key(&r.get::<_, String>(0)?), r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Where the ids an import hands out start: the next free product and category ids
    /// (the write transaction holds the lock, so nobody else takes them) and a random
    /// seed for product uids (SQLite's `randomblob`, as the column default uses).
    pub fn next_ids(&mut self) -> Result<(i64, i64, [u8; 16])> {
        let (p, c, seed): (i64, i64, Vec<u8>) = self.conn.query_row(
            "SELECT (SELECT coalesce(max(id), 0) + 1 FROM products), (SELECT coalesce(max(id), 0) + 1 FROM categories), randomblob(16)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok((p, c, seed.try_into().unwrap_or([7; 16])))
    }

    /// Records the import batch (its counts are filled in by [`ImportTx::finish_batch`]).
    /// `bulk`: the import may create as many products as the catalogue holds. The indexes
    /// of products by name and by category then go for the import and are built again
    /// at its end, in its transaction: sorting the keys once is much cheaper than placing
    /// each of many new names on a random page of the index (a rollback puts the indexes
    /// back with everything else).
    pub fn begin_batch(&mut self, info: &BatchInfo, bulk: bool, now: DateTime<Utc>) -> Result<i64> {
        let conn = &self.conn;
        // The commit of a large import would copy the whole write-ahead log into the
        // database file before returning; that copy is left to a checkpoint after it.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        // The search index merges its segments as it is written (automerge): a seventh
        // of a bulk import's writing. It is put off during the import (its own setting,
        // restored in this same transaction) and done after the commit, in the
        // background (Db::merge_search_index), like the checkpoint.
        let automerge: Option<i64> =
            conn.query_row("SELECT v FROM product_search_config WHERE k = 'automerge'", [], |r| r.get(0)).optional()?;
        conn.execute_batch("INSERT INTO product_search (product_search, rank) VALUES ('automerge', 0)")?;
        let mut indexes = Vec::new();
        if bulk {
            // Every value this transaction writes was validated by the planner against
            // the catalogue's rules, which the CHECK constraints state again; those with
            // an IN list (unit, VAT, status, stock policy…) cost SQLite a small temporary
            // b-tree per row and per list, a sixth of a bulk import's b-tree writes. A
            // bulk import does without them on its own connection (closed after it; set
            // before its writes are prepared: the pragma expires prepared statements).
            // `PRAGMA integrity_check` checks them still: the import tests run it.
            conn.execute_batch("PRAGMA ignore_check_constraints = ON")?;
            // Their definitions are the migrations': read back from the schema, not repeated here.
            let mut stmt = conn.prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'products' AND sql IS NOT NULL",
            )?;
            let found = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (name, sql) in found {
                conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
                indexes.push(sql);
            }
        }
        conn.execute(
            "INSERT INTO import_batches (file_name, sheet, mode, layout_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            params![info.file_name, info.sheet, info.mode, info.layout_hash, ts(now)],
        )?;
        let batch_id = conn.last_insert_rowid();
        self.write = Some(WriteState { batch_id, now: ts(now), indexes, automerge, ..WriteState::default() });
        Ok(batch_id)
    }

    /// Writes one batch of the plan: new categories, created products in bulk (rows,
    /// variants, search entries), changed products row by row, photos. Gives back what
    /// was written, for the caller to free on another thread: the strings of thousands
    /// of rows, allocated by the planning thread, are work this one is better spared
    /// (it is the import's bottleneck).
    pub fn write_batch(&mut self, mut batch: WriteBatch) -> Result<Spent> {
        let Some(st) = self.write.as_mut() else {
            return Err(Error::Conflict("Import non commencé".into()));
        };
        let conn = &self.conn;
        if !batch.categories.is_empty() {
            // The sync triggers queue each category as it is created.
            st.silence(conn, false)?;
            let mut insert = conn.prepare_cached(
                "INSERT INTO categories (id, parent_id, name, position, created_at, updated_at)
                 VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE parent_id IS ?2), ?4, ?4)",
            )?;
            for c in &batch.categories {
                insert.execute(params![c.id, c.parent_id, c.name, st.now])?;
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
            st.silence(conn, true)?;
            st.insert_created(conn, &mut batch.created)?;
        }
        if !batch.updated.is_empty() {
            st.silence(conn, false)?;
            for p in std::mem::take(&mut batch.updated) {
                st.update_product(conn, p)?;
            }
        }
        if !batch.photos.is_empty() {
            st.silence(conn, false)?;
            let mut insert = conn.prepare_cached(
                "INSERT INTO product_photos (product_id, photo_sha, position, alt_text, created_at, updated_at)
                 VALUES (?1, ?2, (SELECT coalesce(max(position) + 1, 0) FROM product_photos WHERE product_id = ?1),
                         (SELECT name FROM products WHERE id = ?1), ?3, ?3)
                 ON CONFLICT (product_id, photo_sha) DO NOTHING",
            )?;
            for a in &batch.photos {
                for sha in &a.sha256 {
                    if insert.execute(params![a.product_id, sha, st.now])? == 1 {
                        st.photos.push(conn.last_insert_rowid());
                    }
                }
            }
        }
        let search = if st.search.len() >= SEARCH_ROWS { st.flush_search(conn)? } else { Vec::new() };
        Ok(Spent { _batch: batch, _search: search })
    }

    /// What the batches left for the end: the indexes dropped for a bulk import, the
    /// remaining search entries, the EANs that move between variants, the outbox entries
    /// of the created products, and the batch's record (counts, the created products' id
    /// range for undo).
    pub fn finish_batch(&mut self, counts: &Counts) -> Result<i64> {
        let Some(mut st) = self.write.take() else {
            return Err(Error::Conflict("Import non commencé".into()));
        };
        let conn = &self.conn;
        st.silence(conn, false)?;
        for sql in std::mem::take(&mut st.indexes) {
            conn.execute_batch(&sql)?;
        }
        st.flush_search(conn)?;
        // FTS5's default is 4 when the table has no setting of its own.
        conn.execute(
            "INSERT INTO product_search (product_search, rank) VALUES ('automerge', ?)",
            [st.automerge.unwrap_or(4)],
        )?;
        {
            let mut set = conn.prepare_cached("UPDATE variants SET ean = ? WHERE sku = ?")?;
            for (sku, ean) in std::mem::take(&mut st.eans) {
                set.execute(params![ean, sku]).map_err(unique_to_conflict)?;
            }
        }
        for id in std::mem::take(&mut st.reindex) {
            reindex_product(conn, id)?;
        }
        if let Some((first, last)) = st.created {
            // What the triggers would have written: one pending change per created product,
            // stamped with SQLite's clock like theirs.
            conn.execute(
                "INSERT INTO sync_outbox (entity, uid, changed_at)
                 SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id BETWEEN ? AND ?
                 ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at",
                params![first, last],
            )?;
        }
        let (first, last) = st.created.unzip();
        conn.execute(
            "UPDATE import_batches SET created_count = ?, updated_count = ?, unchanged_count = ?, rejected_count = ?,
               created_categories = ?, attached_photos = ?, created_first = ?, created_last = ? WHERE id = ?",
            params![
                counts.create,
                counts.update,
                counts.unchanged,
                counts.rejected,
                serde_json::to_string(&st.categories).unwrap_or_else(|_| "[]".into()),
                serde_json::to_string(&st.photos).unwrap_or_else(|_| "[]".into()),
                first,
                last,
                st.batch_id
            ],
        )?;
        Ok(st.batch_id)
    }

    /// Remembers the mapping for this file layout, with the import it served.
    pub fn save_mapping(&mut self, layout_hash: &str, mapping: &Mapping, now: DateTime<Utc>) -> Result<()> {
        let json = serde_json::to_string(mapping).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        self.conn.execute(
            "INSERT INTO import_mappings (layout_hash, mapping, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (layout_hash) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
            params![layout_hash, json, ts(now)],
        )?;
        Ok(())
    }

    /// Commits; the write-ahead log is copied into the database file afterwards, off the
    /// import's path ([`Db::checkpoint`]).
    pub fn commit(self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.conn.close().map_err(|(_, e)| e)?;
        Ok(())
    }
}

/// Rows per multi-row statement at most: 2,048 × 11 values stays under SQLite's 32,766
/// parameters; fewer, larger statements also mean fewer statement journals.
const BULK_ROWS: usize = 2048;

/// `n` rows cut into statements of power-of-two sizes (largest first, `max` at most):
/// a dozen statement texts per table, each prepared once, whatever the batches hold.
/// (Preparing a statement of thousands of rows costs about what inserting them does.)
fn ladder(mut n: usize, max: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (n > 0).then(|| {
            let size = max.min(1 << n.ilog2());
            n -= size;
            size
        })
    })
}
/// Multi-row statements by size (`head` + `VALUES (?, …), …`), prepared once each.
type SqlCache = HashMap<(&'static str, usize), String>;

/// One row's values, bound in column order.
struct RowBinder<'s, 'c> {
    stmt: &'s mut rusqlite::CachedStatement<'c>,
    next: usize,
}

impl RowBinder<'_, '_> {
    fn put(&mut self, value: &dyn rusqlite::ToSql) -> Result<()> {
        self.next += 1;
        self.stmt.raw_bind_parameter(self.next, value)?;
        Ok(())
    }
}

/// Inserts `rows` with statements of `head` holding up to `max` rows of `width` values
/// each (sizes from [`ladder`]); `bind` puts one row's values. A UNIQUE violation is
/// told as a conflict in French.
fn insert_rows<T>(
    conn: &Connection,
    cache: &mut SqlCache,
    head: &'static str,
    width: usize,
    rows: &[T],
    max: usize,
    mut bind: impl FnMut(&mut RowBinder<'_, '_>, &T) -> Result<()>,
) -> Result<()> {
    // SQLite binds at most 32,766 values in one statement (SQLITE_MAX_VARIABLE_NUMBER):
    // wide rows (a product has 18 columns) take fewer rows per statement.
    let max = max.min(32_766 / width);
    let mut start = 0;
    for size in ladder(rows.len(), max) {
        let chunk = &rows[start..start + size];
        start += size;
        let sql = cache.entry((head, size)).or_insert_with(|| {
            let row = format!("({})", vec!["?"; width].join(", "));
            format!("{head} VALUES {}", vec![row; size].join(", "))
        });
        let mut stmt = conn.prepare_cached(sql)?;
        let mut binder = RowBinder { stmt: &mut stmt, next: 0 };
        for row in chunk {
            bind(&mut binder, row)?;
        }
        stmt.raw_execute().map_err(unique_to_conflict)?;
    }
    Ok(())
}

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
    sql: SqlCache,
    /// Indexes dropped for a bulk import, built again at its end (their SQL).
    indexes: Vec<String>,
    /// The search index's own automerge setting before the import, if it had one.
    automerge: Option<i64>,
}

impl WriteState {
    fn silence(&mut self, conn: &Connection, on: bool) -> Result<()> {
        if self.silenced != on {
            let sql = if on {
                "INSERT OR IGNORE INTO sync_remote_apply (id) VALUES (1)"
            } else {
                "DELETE FROM sync_remote_apply"
            };
            conn.execute_batch(sql)?;
            self.silenced = on;
        }
        Ok(())
    }

    /// Inserts the products (their search text is taken, to be written in bulk later).
    fn insert_created(&mut self, conn: &Connection, created: &mut [CreatedProduct]) -> Result<()> {
        const PRODUCTS: &str = "INSERT INTO products (id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at)";
        static WITH_OFFER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "INSERT INTO products (id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at, {OFFER_COLUMNS})"
            )
        });
        const VARIANTS: &str = "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, net_quantity, position, created_at, updated_at)";
        let (first, last) = (created[0].id, created[created.len() - 1].id);
        self.created = Some(self.created.map_or((first, last), |(a, _)| (a, last)));
        let now = self.now.as_str();
        let product = |row: &mut RowBinder<'_, '_>, p: &CreatedProduct| -> Result<()> {
            row.put(&p.id)?;
            row.put(&p.uid)?;
            row.put(&p.name)?;
            row.put(&p.sort_key)?;
            row.put(&p.description)?;
            row.put(&p.category_id)?;
            row.put(&p.status.as_str())?;
            row.put(&p.vat.basis_points())?;
            row.put(&p.unit.as_str())?;
            row.put(&now)?;
            row.put(&now)
        };
        // Most products of an import are plain goods: their offer is what the columns'
        // defaults hold, so they are inserted without it. Binding the seven offer columns
        // of every row was a tenth of the import's SQLite time (and 18 values a row fit
        // fewer rows in a statement). The others go with their offer, after them.
        let (plain, offered): (Vec<&CreatedProduct>, Vec<&CreatedProduct>) =
            created.iter().partition(|p| p.offer.is_default());
        insert_rows(conn, &mut self.sql, PRODUCTS, 11, &plain, BULK_ROWS, |row, p| product(row, p))?;
        insert_rows(conn, &mut self.sql, WITH_OFFER.as_str(), 18, &offered, BULK_ROWS, |row, p| {
            product(row, p)?;
            for value in p.offer.values() {
                row.put(value)?;
            }
            Ok(())
        })?;
        let variants: Vec<(i64, bool, &VariantWrite, &str)> = created
            .iter()
            .flat_map(|p| p.variants.iter().map(move |(v, json)| (p.id, p.ean_later, v, json.as_str())))
            .collect();
        insert_rows(conn, &mut self.sql, VARIANTS, 10, &variants, BULK_ROWS, |row, (pid, later, v, json)| {
            row.put(pid)?;
            row.put(&v.sku)?;
            row.put(json)?;
            row.put(&v.price_cents)?;
            row.put(&v.stock)?;
            // Planned at the end of the file, its EAN may still be another variant's.
            row.put(if *later { &None::<String> } else { &v.ean })?;
            row.put(&v.net_quantity)?;
            row.put(&v.position)?;
            row.put(&now)?;
            row.put(&now)
        })?;
        for p in created {
            if p.ean_later {
                for (v, _) in &p.variants {
                    if let Some(ean) = &v.ean {
                        self.eans.push((v.sku.clone(), ean.clone()));
                    }
                }
            }
            self.search.push((p.id, std::mem::take(&mut p.search_body)));
        }
        Ok(())
    }

    /// The created products' search entries, written [`SEARCH_ROWS`] at a time; gives
    /// them back (to be dropped elsewhere).
    fn flush_search(&mut self, conn: &Connection) -> Result<Vec<(i64, String)>> {
        let entries = std::mem::take(&mut self.search);
        insert_rows(
            conn,
            &mut self.sql,
            "INSERT INTO product_search (rowid, body)",
            2,
            &entries,
            SEARCH_ROWS,
            |row, (id, body)| {
                row.put(id)?;
                row.put(body)
            },
        )?;
        Ok(entries)
    }

    /// One changed product: its row, then its variants, one statement each (the
    /// triggers fill the outbox); the rows as they were go to the batch for undo.
    fn update_product(&mut self, conn: &Connection, u: UpdatedProduct) -> Result<()> {
        let UpdatedProduct { id, write: p, category_id } = u;
        let now_s = &self.now;
        if p.product_changed {
            let offer = StoredOffer::from_offer(&p.offer);
            let [o1, o2, o3, o4, o5, o6, o7] = offer.values();
            conn.prepare_cached(&format!(
                "UPDATE products SET name = ?, sort_key = ?, description = ?, category_id = ?, status = ?, vat_bp = ?, unit = ?, updated_at = ?, {OFFER_SET}
                 WHERE id = ?"
            ))?
            .execute(params![
                p.name,
                crate::text::sort_key(&p.name),
                p.description,
                category_id,
                p.status.as_str(),
                p.vat.basis_points(),
                p.unit.as_str(),
                now_s,
                o1,
                o2,
                o3,
                o4,
                o5,
                o6,
                o7,
                id
            ])?;
        } else {
            conn.prepare_cached("UPDATE products SET updated_at = ? WHERE id = ?")?.execute(params![now_s, id])?;
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
                Some(vid) => conn
                    .prepare_cached(
                        "UPDATE variants SET sku = ?, options = ?, price_cents = ?, stock = ?, ean = ?, net_quantity = ?, updated_at = ?
                         WHERE id = ?",
                    )?
                    .execute(params![v.sku, opts, v.price_cents, v.stock, ean, v.net_quantity, now_s, vid]),
                None => conn
                    .prepare_cached(
                        "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, net_quantity, position, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    )?
                    .execute(params![id, v.sku, opts, v.price_cents, v.stock, ean, v.net_quantity, v.position, now_s, now_s]),
            };
            res.map_err(unique_to_conflict)?;
        }
        if p.search_changed {
            self.reindex.push(id);
        }
        let before = p.before.as_ref().map(|b| serde_json::to_string(b).unwrap_or_default());
        conn.prepare_cached("INSERT INTO import_batch_products (batch_id, product_id, before) VALUES (?, ?, ?)")?
            .execute(params![self.batch_id, id, before])?;
        Ok(())
    }
}

/// `storage::products::reindex_product` on this connection: the same parts, the same text.
fn reindex_product(conn: &Connection, id: i64) -> Result<()> {
    let rows = conn
        .prepare_cached(SEARCH_PARTS_SQL)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<SearchPart>>>()?;
    conn.prepare_cached("DELETE FROM product_search WHERE rowid = ?")?.execute([id])?;
    if let Some(body) = search_text_of_parts(&rows) {
        conn.prepare_cached("INSERT INTO product_search (rowid, body) VALUES (?, ?)")?.execute(params![id, body])?;
    }
    Ok(())
}

fn unique_to_conflict(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            Error::Conflict(format!(
                "Une référence ou un code EAN du fichier est déjà utilisé dans le catalogue : {}",
                msg.as_deref().unwrap_or_default()
            ))
        }
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ladder_cuts_rows_into_few_statement_sizes() {
        assert_eq!(super::ladder(2040, 2048).collect::<Vec<_>>(), vec![1024, 512, 256, 128, 64, 32, 16, 8]);
        assert_eq!(super::ladder(5000, 2048).collect::<Vec<_>>(), vec![2048, 2048, 512, 256, 128, 8]);
        assert_eq!(super::ladder(0, 2048).count(), 0);
        assert_eq!(super::ladder(1, 2048).collect::<Vec<_>>(), vec![1]);
    }
}
