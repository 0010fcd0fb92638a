//! The SQL of backups (issue 15): a consistent snapshot of the live database, the facts
//! a backup records about its copy (integrity, schema version, counts, photo files), the
//! settings a backup needs before the pool is open, and what a restore resets.
//!
//! The snapshot is `VACUUM INTO` on a connection of its own (rusqlite, the same bundled
//! SQLite as the pool): one read transaction, so it is the database as of one commit —
//! an import's 100,000 rows are all in it or none — while the app goes on writing in the
//! WAL. A file copy of a live WAL database can tear; this cannot. The copy is compact
//! (no free pages) and is turned to the rollback journal so that it is one
//! self-contained file (no `-wal`/`-shm` beside it on a USB key).

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Db;
use crate::Result;

/// The newest schema version this build knows (the last embedded migration).
pub fn latest_schema_version() -> i64 {
    super::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// What a backup holds, counted in its own database copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
// Named apart from the import's `Counts` in the generated TypeScript.
#[serde(rename = "BackupCounts")]
pub struct Counts {
    pub products: u64,
    pub published_products: u64,
    pub variants: u64,
    pub categories: u64,
    pub photos: u64,
    pub orders: u64,
}

/// The facts read from a database file (a snapshot or a restored copy).
#[derive(Debug, Clone)]
pub struct DbFacts {
    /// `PRAGMA integrity_check`'s answer: empty when the file is sound.
    pub problems: Vec<String>,
    /// The last migration applied (0 for a database sqlx never migrated).
    pub schema_version: i64,
    pub counts: Counts,
    /// The photo originals the database references: (sha256, format).
    pub photos: Vec<(String, String)>,
}

fn open_existing(path: &Path, flags: OpenFlags) -> Result<Connection> {
    // Without SQLITE_OPEN_CREATE: a wrong path must fail, not make an empty database.
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn read_only(path: &Path) -> Result<Connection> {
    open_existing(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
}

/// Writes a consistent copy of the live database `db_file` to `out` (which must not
/// exist), then makes the copy a self-contained rollback-journal file.
pub fn snapshot_into(db_file: &Path, out: &Path) -> Result<()> {
    let conn = open_existing(db_file, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let target = out.to_string_lossy().into_owned();
    conn.execute("VACUUM INTO ?1", [target])?;
    drop(conn);
    let copy = open_existing(out, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    // VACUUM INTO keeps the source's WAL flag in the header; a backup is one file.
    let _: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    Ok(())
}

/// The schema version of a database file, without opening the pool (which would migrate
/// it): `None` when the file does not exist, 0 when it was never migrated.
pub fn schema_version_of(db_file: &Path) -> Result<Option<i64>> {
    if !db_file.is_file() {
        return Ok(None);
    }
    let conn = read_only(db_file)?;
    Ok(Some(schema_version(&conn)?))
}

fn schema_version(conn: &Connection) -> Result<i64> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(0);
    }
    Ok(conn.query_row("SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success", [], |r| r.get(0))?)
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

fn count(conn: &Connection, table: &str, sql: &str) -> Result<u64> {
    if !table_exists(conn, table)? {
        return Ok(0);
    }
    let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Integrity, schema version, counts and referenced photos of a database file, opened
/// read-only. `full` runs `integrity_check` (every page and index); otherwise only
/// what opening and counting read is checked.
pub fn facts(db_file: &Path, full: bool) -> Result<DbFacts> {
    let conn = read_only(db_file)?;
    let problems = if full {
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        rows.into_iter().filter(|r| r != "ok").collect()
    } else {
        Vec::new()
    };
    let counts = Counts {
        products: count(&conn, "products", "SELECT count(*) FROM products")?,
        published_products: count(&conn, "products", "SELECT count(*) FROM products WHERE status = 'published'")?,
        variants: count(&conn, "variants", "SELECT count(*) FROM variants")?,
        categories: count(&conn, "categories", "SELECT count(*) FROM categories")?,
        photos: count(&conn, "photos", "SELECT count(*) FROM photos")?,
        orders: count(&conn, "orders", "SELECT count(*) FROM orders")?,
    };
    let photos = if table_exists(&conn, "photos")? {
        let mut stmt = conn.prepare("SELECT sha256, format FROM photos ORDER BY sha256")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    Ok(DbFacts { problems, schema_version: schema_version(&conn)?, counts, photos })
}

/// The settings whose key starts with `prefix`, read from a database file without the
/// pool (a backup taken before a migration runs before the pool opens).
pub fn settings_of(db_file: &Path, prefix: &str) -> Result<Vec<(String, String)>> {
    if !db_file.is_file() {
        return Ok(Vec::new());
    }
    let conn = read_only(db_file)?;
    if !table_exists(&conn, "settings")? {
        return Ok(Vec::new());
    }
    let mut stmt =
        conn.prepare("SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key")?;
    let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A digest of what a shop holds, for comparing two databases: the catalogue
/// (categories, products, variants, product photos and their edits) and the orders
/// (with their lines), each row by its stable identity, never by local ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDigest {
    pub catalogue: String,
    pub orders: String,
}

const CATALOGUE_ROWS: &[&str] = &[
    "SELECT c.uid, c.name, p.uid, c.position FROM categories c LEFT JOIN categories p ON p.id = c.parent_id ORDER BY c.uid",
    "SELECT p.uid, p.name, p.description, c.uid, p.status, p.vat_bp, p.unit, p.created_at, p.updated_at,
            p.packaging, p.kind, p.stock_policy, p.lead_time_days, p.duration_min, p.sessions, p.food
     FROM products p LEFT JOIN categories c ON c.id = p.category_id ORDER BY p.uid",
    "SELECT p.uid, v.sku, v.options, v.price_cents, v.stock, v.ean, v.net_quantity, v.position
     FROM variants v JOIN products p ON p.id = v.product_id ORDER BY v.sku",
    "SELECT p.uid, pp.photo_sha, pp.position, pp.alt_text, pp.rotation, pp.crop
     FROM product_photos pp JOIN products p ON p.id = pp.product_id ORDER BY p.uid, pp.photo_sha",
];

const ORDER_ROWS: &[&str] = &[
    "SELECT server_id, number, status, version, customer_name, customer_email, customer_phone, pickup_at,
            pickup_code, payment_status, total_cents, accept_before, refusal_reason, created_at, snapshot
     FROM orders ORDER BY server_id",
    "SELECT o.server_id, l.position, l.line_id, l.sku, l.title, l.options, l.quantity, l.unit_price_cents,
            l.vat_rate, l.refused, l.stock_taken
     FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY o.server_id, l.position",
];

fn digest_rows(conn: &Connection, queries: &[&str]) -> Result<String> {
    let mut h = Sha256::new();
    for q in queries {
        let mut stmt = conn.prepare(q)?;
        let n = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for i in 0..n {
                h.update(format!("{:?}\u{1f}", row.get_ref(i)?).as_bytes());
            }
            h.update(b"\x1e");
        }
        h.update(b"\x1d");
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// [`ContentDigest`] of a database file, opened read-only.
pub fn content_digest(db_file: &Path) -> Result<ContentDigest> {
    let conn = read_only(db_file)?;
    Ok(ContentDigest { catalogue: digest_rows(&conn, CATALOGUE_ROWS)?, orders: digest_rows(&conn, ORDER_ROWS)? })
}

impl Db {
    /// After a restore, in the restored copy: what tied it to a marketplace session goes
    /// (the connection, what was known of the server: the shopkeeper reconnects with a
    /// pairing code, and the token never was in the backup), and the recorded render
    /// hashes, so that renders made again on this PC are hashed from their own bytes.
    pub async fn reset_after_restore(&self) -> Result<()> {
        self.clear_sync_connection().await?;
        sqlx::query("DELETE FROM product_photo_renders").execute(&self.pool).await?;
        Ok(())
    }

    /// The settings whose key starts with `prefix`.
    pub async fn settings_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key")
            .bind(prefix)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM settings WHERE key = ?").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Whether the shop holds nothing of its own yet: no product, no photo, no order,
    /// and no category beyond the ones every new shop starts with (migration 0001).
    pub async fn is_empty_shop(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM photos) + (SELECT count(*) FROM orders)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 0)
    }
}

impl Db {
    /// Recovery from the marketplace: a category or product created locally takes the
    /// marketplace's id (its uid), so that the next sync recognises it instead of
    /// creating a copy; a category also its position.
    pub async fn adopt_remote_uid(
        &self,
        entity: super::sync::Entity,
        id: i64,
        uid: &str,
        position: Option<i64>,
    ) -> Result<()> {
        match entity {
            super::sync::Entity::Category => {
                sqlx::query("UPDATE categories SET uid = ?, position = coalesce(?, position) WHERE id = ?")
                    .bind(uid)
                    .bind(position)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
            }
            super::sync::Entity::Product => {
                sqlx::query("UPDATE products SET uid = ? WHERE id = ?").bind(uid).bind(id).execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// Recovery from the marketplace: what recovery wrote is what the marketplace
    /// already holds, so nothing of it waits to be sent.
    pub async fn clear_outbox(&self) -> Result<()> {
        sqlx::query("DELETE FROM sync_outbox").execute(&self.pool).await?;
        Ok(())
    }
}
