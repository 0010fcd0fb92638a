//! The only place with SQL. Everything above talks to [`Db`].
//!
//! One SQLite file per shop, in WAL mode so the UI can read while a sync or an
//! import writes; foreign keys on; forward-only migrations embedded in the binary.
//!
//! Storage stores and loads: it depends on the plain values of [`crate::model`] and
//! the value modules only, never on a feature module. A `Db` method that applies a
//! rule (validating a product, deriving its unit prices, its wire form) is declared
//! beside that rule, in its feature module, over the methods here.

pub mod backup;
mod categories;
mod import_tx;
pub mod imports;
pub mod offer;
mod orders;
mod photos;
mod products;
pub mod promotions;
pub mod report;
pub mod sync;
pub mod sync_photos;

pub use crate::model::catalogue::product_to_input;
pub use categories::{CategoryContents, CategorySpot, PATH_SEP};
pub use import_tx::{ImportTx, Spent};
pub use orders::{LineStock, OrderRules, ProductStock, QueuedTransition};
pub use products::ListedProduct;
pub(crate) use products::search_text;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::Result;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the shop's database. Cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
    path: PathBuf,
}

impl Db {
    /// Opens (or creates) `comptoir.db` inside `data_dir` and brings its schema up to date.
    pub async fn open_in(data_dir: &Path) -> Result<Self> {
        Self::open_file(&data_dir.join(crate::paths::DB_FILE)).await
    }

    pub async fn open_file(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable in WAL mode except for the last transactions on power loss,
            // and never corrupts: the usual trade-off for desktop apps.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Up to four connections for bursts (a search while the sync reads), but one kept
        // at rest: each holds its own page cache (~2.5 MB once warm) and a worker thread,
        // which an idle shop PC should not pay for (issue 17).
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .idle_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let db = Self { pool, path: path.to_path_buf() };
        db.rebuild_sort_keys().await?;
        Ok(db)
    }

    /// Products' sort keys made by an older [`crate::text::sort_key`] formula are made
    /// again (once: the formula's version is stored). SQL cannot compute the key, so it
    /// is not a migration; it runs in one transaction, about 0.1 s for 50,000 products.
    async fn rebuild_sort_keys(&self) -> Result<()> {
        const KEY: &str = "catalogue.sort_key_version";
        if self.setting(KEY).await?.as_deref() == Some(crate::text::SORT_KEY_VERSION) {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM products").fetch_all(&mut *tx).await?;
        for (id, name) in rows {
            sqlx::query("UPDATE products SET sort_key = ? WHERE id = ?")
                .bind(crate::text::sort_key(&name))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(KEY)
        .bind(crate::text::SORT_KEY_VERSION)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies what the write-ahead log holds into the database file, without waiting for
    /// readers or blocking writers (PASSIVE). Commits do it themselves past 1,000 pages;
    /// an import leaves it to this, called after it returns.
    pub async fn checkpoint(&self) -> Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.pool).await?;
        Ok(())
    }

    /// Merges the search index's segments, a few hundred pages per statement so that
    /// the write lock is never held long (an import leaves them unmerged). FTS5 says
    /// there is no work left when a merge changes fewer than two rows.
    pub async fn merge_search_index(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        for _ in 0..10_000 {
            let before: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *conn).await?;
            sqlx::query("INSERT INTO product_search (product_search, rank) VALUES ('merge', 256)")
                .execute(&mut *conn)
                .await?;
            let after: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *conn).await?;
            if after - before < 2 {
                break;
            }
        }
        Ok(())
    }

    /// Flushes the WAL into the main file and closes every connection.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
        self.pool.close().await;
    }

    /// What the shop holds, in one read: products, orders, whether a marketplace is
    /// connected, and the welcome screen's recorded choice.
    pub async fn shop_facts(&self, choice_key: &str) -> Result<ShopFacts> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM orders),
                    (SELECT shop_id IS NOT NULL FROM sync_state WHERE id = 1),
                    (SELECT value FROM settings WHERE key = ?)",
        )
        .bind(choice_key)
        .fetch_one(&self.pool)
        .await?;
        Ok(ShopFacts {
            products: row.get(0),
            orders: row.get(1),
            connected: row.get::<Option<bool>, _>(2).unwrap_or(false),
            choice: row.get(3),
        })
    }

    /// The counts the guided start ticks its steps by (see `shop::first_steps`).
    pub async fn first_step_counts(&self) -> Result<FirstStepCounts> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM products),
                    (SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_photos pp WHERE pp.product_id = p.id)),
                    (SELECT shop_id IS NOT NULL FROM sync_state WHERE id = 1),
                    (SELECT count(*) FROM products WHERE status = 'published'),
                    (SELECT count(*) FROM products p JOIN sync_objects o ON o.entity = 'product' AND o.uid = p.uid
                      WHERE p.status = 'published' AND o.version > 0)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(FirstStepCounts {
            products: row.get(0),
            without_photo: row.get(1),
            connected: row.get::<Option<bool>, _>(2).unwrap_or(false),
            published: row.get(3),
            on_marketplace: row.get(4),
        })
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(key).fetch_optional(&self.pool).await?)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Reads back JSON Comptoir stored; corrupt data is an error naming `what` it is.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(what: impl std::fmt::Display, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| crate::Error::Corrupt(format!("{what} ({e})")))
}

/// [`stored_json`] for one cell, named by its table, its row (its key) and its column.
pub(crate) fn stored_json_at<T: serde::de::DeserializeOwned>(
    table: &str,
    row: impl std::fmt::Display,
    column: &str,
    json: &str,
) -> Result<T> {
    serde_json::from_str(json).map_err(|e| corrupt_at(table, row, column, e))
}

/// A stored value that cannot be read back, named by its table, its row (its key) and
/// its column, with what is wrong with it.
pub(crate) fn corrupt_at(
    table: &str,
    row: impl std::fmt::Display,
    column: &str,
    detail: impl std::fmt::Display,
) -> crate::Error {
    crate::Error::Corrupt(format!("colonne « {column} » de la table « {table} », ligne {row} ({detail})"))
}

/// A stored instant (RFC 3339) read back. A damaged one is an error naming its cell:
/// read as the epoch, an order would sort last and its deadline pass unnoticed.
pub(crate) fn stored_instant(
    table: &str,
    row: impl std::fmt::Display,
    column: &str,
    s: &str,
) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|e| corrupt_at(table, row, column, format_args!("« {s} » : {e}")))
}

/// See [`Db::shop_facts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopFacts {
    pub products: i64,
    pub orders: i64,
    pub connected: bool,
    pub choice: Option<String>,
}

/// See [`Db::first_step_counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstStepCounts {
    pub products: i64,
    pub without_photo: i64,
    pub connected: bool,
    pub published: i64,
    /// Published products the marketplace has accepted at least once.
    pub on_marketplace: i64,
}

/// Timestamps are stored as RFC 3339 UTC text with second precision.
pub(crate) fn ts(now: chrono::DateTime<chrono::Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
