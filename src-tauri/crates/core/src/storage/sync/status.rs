//! The sync's own state (one row: the connection, the last success, the failures in a
//! row) and what people are shown of it: the open issues and one product's sync facts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{ProductSyncRow, SyncIssue, SyncStateRow};
use crate::storage::{Db, ts};
use crate::{Error, Result};

impl Db {
    pub async fn sync_state(&self) -> Result<SyncStateRow> {
        let r = sqlx::query(
            "SELECT marketplace_url, shop_id, shop_name, limits, events_after, last_success_at, offline_since,
                    failures, retry_at, last_error, reconciled_at FROM sync_state WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        // A damaged instant is named, not read as "never": the retry time and the
        // offline period are decided from them.
        let at = |i: usize, column: &str| {
            r.get::<Option<&str>, _>(i).map(|s| crate::storage::stored_instant("sync_state", 1, column, s)).transpose()
        };
        Ok(SyncStateRow {
            marketplace_url: r.get(0),
            shop_id: r.get(1),
            shop_name: r.get(2),
            limits: r.get(3),
            events_after: r.get(4),
            last_success_at: at(5, "last_success_at")?,
            offline_since: at(6, "offline_since")?,
            failures: r.get(7),
            retry_at: at(8, "retry_at")?,
            last_error: r.get(9),
            reconciled_at: at(10, "reconciled_at")?,
        })
    }

    /// Records a new connection. A different shop than before forgets what was known of
    /// the previous one (versions, stock, open batches), so the next sync reconciles.
    pub async fn set_sync_connection(&self, url: &str, shop_id: &str, shop_name: &str, limits: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let previous: Option<String> =
            sqlx::query_scalar("SELECT shop_id FROM sync_state WHERE id = 1").fetch_one(&mut *tx).await?;
        if previous.as_deref() != Some(shop_id) {
            forget_remote(&mut tx).await?;
        }
        sqlx::query(
            "UPDATE sync_state SET marketplace_url = ?, shop_id = ?, shop_name = ?, limits = ?, failures = 0,
             retry_at = NULL, last_error = NULL WHERE id = 1",
        )
        .bind(url)
        .bind(shop_id)
        .bind(shop_name)
        .bind(limits)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disconnect: the local catalogue and its pending changes stay; what was known of
    /// the marketplace goes.
    pub async fn clear_sync_connection(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        forget_remote(&mut tx).await?;
        sqlx::query(
            "UPDATE sync_state SET marketplace_url = NULL, shop_id = NULL, shop_name = NULL, limits = NULL,
             last_success_at = NULL, offline_since = NULL, failures = 0, retry_at = NULL, last_error = NULL
             WHERE id = 1",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_sync_limits(&self, limits: &str) -> Result<()> {
        sqlx::query("UPDATE sync_state SET limits = ? WHERE id = 1").bind(limits).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn record_sync_success(&self, now: DateTime<Utc>, reconciled: bool) -> Result<()> {
        sqlx::query(
            "UPDATE sync_state SET last_success_at = ?1, offline_since = NULL, failures = 0, retry_at = NULL,
             last_error = NULL, reconciled_at = CASE WHEN ?2 THEN ?1 ELSE reconciled_at END WHERE id = 1",
        )
        .bind(ts(now))
        .bind(reconciled)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A failed attempt: `offline` when the server could not be reached at all;
    /// `progressed` when the attempt got some work accepted first (the count of failures
    /// in a row starts again at 1: a server that takes batches is not down).
    pub async fn record_sync_failure(
        &self,
        now: DateTime<Utc>,
        offline: bool,
        progressed: bool,
        message: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<i64> {
        let failures: i64 = sqlx::query_scalar(
            "UPDATE sync_state SET failures = CASE WHEN ? THEN 1 ELSE failures + 1 END, retry_at = ?, last_error = ?,
             offline_since = CASE WHEN ? THEN coalesce(offline_since, ?) ELSE offline_since END
             WHERE id = 1 RETURNING failures",
        )
        .bind(progressed)
        .bind(ts(retry_at))
        .bind(message)
        .bind(offline)
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(failures)
    }

    /// Records which of the products `checked` are withheld (published in Comptoir, sent
    /// unpublished: kind `incomplete`, with why) and resolves the issue of those that
    /// no longer are (completed, back to draft, deleted).
    pub async fn set_withheld_issues(
        &self,
        checked: &[String],
        withheld: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Those of the checked products only: a pass checks a page of products at a
        // time, and a catalogue of incomplete ones would be read again for each page.
        let filter = serde_json::to_string(checked).map_err(|e| crate::Error::Conflict(e.to_string()))?;
        let open: HashMap<String, String> = sqlx::query_as(
            "SELECT uid, message FROM sync_conflicts WHERE entity = 'product' AND kind = 'incomplete' AND resolved_at IS NULL
               AND uid IN (SELECT value FROM json_each(?))",
        )
        .bind(filter)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        for uid in checked {
            match (withheld.get(uid), open.get(uid)) {
                (Some(message), Some(known)) if message == known => {}
                (Some(message), _) => {
                    sqlx::query(
                        "INSERT INTO sync_conflicts (entity, uid, kind, message, created_at) VALUES ('product', ?, 'incomplete', ?, ?)
                         ON CONFLICT (entity, uid, kind) WHERE resolved_at IS NULL DO UPDATE SET message = excluded.message",
                    )
                    .bind(uid)
                    .bind(message)
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await?;
                }
                (None, Some(_)) => {
                    sqlx::query(
                        "UPDATE sync_conflicts SET resolved_at = ? WHERE entity = 'product' AND uid = ? AND kind = 'incomplete' AND resolved_at IS NULL",
                    )
                    .bind(ts(now))
                    .bind(uid)
                    .execute(&mut *tx)
                    .await?;
                }
                (None, None) => {}
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Everything the product view shows about one product's sync, in one read.
    pub async fn product_sync_row(&self, product_id: i64) -> Result<ProductSyncRow> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT p.uid, p.status = 'published',
                    o.id IS NOT NULL, o.batch_key IS NOT NULL,
                    so.version, so.sent_hash IS NOT NULL, so.moderation, so.moderation_reason
             FROM products p
             LEFT JOIN sync_outbox o ON o.entity = 'product' AND o.uid = p.uid
             LEFT JOIN sync_objects so ON so.entity = 'product' AND so.uid = p.uid
             WHERE p.id = ?",
        )
        .bind(product_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("produit", product_id))?;
        let uid: String = row.get(0);
        let issues = sqlx::query(
            "SELECT entity, uid, kind, message, created_at FROM sync_conflicts
             WHERE resolved_at IS NULL AND entity = 'product' AND uid = ? ORDER BY id",
        )
        .bind(&uid)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| SyncIssue { entity: r.get(0), uid: r.get(1), kind: r.get(2), message: r.get(3), created_at: r.get(4) })
        .collect();
        let photos = sqlx::query(
            "SELECT pp.photo_sha, m.sha256 IS NOT NULL FROM product_photos pp
             LEFT JOIN product_photo_renders r ON r.product_photo_id = pp.id
             LEFT JOIN sync_media m ON m.sha256 = r.render_sha
             WHERE pp.product_id = ? ORDER BY pp.position, pp.id",
        )
        .bind(product_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        let connected: bool =
            sqlx::query_scalar("SELECT shop_id IS NOT NULL FROM sync_state WHERE id = 1").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(ProductSyncRow {
            uid,
            connected,
            published_locally: row.get(1),
            pending: row.get(2),
            in_flight: row.get(3),
            server_version: row.get::<Option<i64>, _>(4).filter(|v| *v > 0),
            content_acknowledged: row.get::<Option<bool>, _>(5).unwrap_or(false),
            moderation: row.get(6),
            moderation_reason: row.get(7),
            issues,
            photos,
        })
    }

    pub async fn sync_issues(&self) -> Result<Vec<SyncIssue>> {
        let rows = sqlx::query(
            "SELECT entity, uid, kind, message, created_at FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SyncIssue {
                entity: r.get(0),
                uid: r.get(1),
                kind: r.get(2),
                message: r.get(3),
                created_at: r.get(4),
            })
            .collect())
    }
}

async fn forget_remote(tx: &mut sqlx::SqliteConnection) -> Result<()> {
    for q in [
        "UPDATE sync_outbox SET batch_key = NULL, sent_seq = NULL",
        "DELETE FROM sync_batches",
        "DELETE FROM sync_objects",
        "DELETE FROM sync_stock",
        "DELETE FROM sync_conflicts",
        "DELETE FROM sync_media",
        "UPDATE sync_state SET events_after = 0, reconciled_at = NULL WHERE id = 1",
    ] {
        sqlx::query(q).execute(&mut *tx).await?;
    }
    Ok(())
}
