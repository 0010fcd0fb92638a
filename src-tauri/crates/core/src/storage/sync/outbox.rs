//! The outbox (filled by triggers, drained here) and the batches frozen from it with
//! their Idempotency-Key before they are sent, until their answer is applied.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Entity, FrozenBatch, OpOutcome, OutboxEntry};
use crate::storage::{Db, ts};
use crate::{Error, Result};

impl Db {
    pub async fn outbox_len(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM sync_outbox").fetch_one(&self.pool).await?)
    }

    /// Changes to the outbox's waiting entries show here: (entries, sum of their change
    /// sequences), read cheaply every second while photos upload.
    pub async fn outbox_signature(&self) -> Result<(i64, i64)> {
        let r = sqlx::query("SELECT count(*), coalesce(sum(change_seq), 0) FROM sync_outbox WHERE batch_key IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok((r.get(0), r.get(1)))
    }

    /// Pending entries not in a batch, categories first (parents before children
    /// is handled by the engine), oldest first.
    pub async fn outbox_unbatched(&self) -> Result<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT id, entity, uid, change_seq, batch_key, attempts FROM sync_outbox
             WHERE batch_key IS NULL ORDER BY entity = 'product', id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_entry).collect()
    }

    /// One page of [`Db::outbox_unbatched`]'s entries of one kind: those after entry
    /// `after_id`, oldest first, at most `limit`. A pass reads the outbox this way so
    /// that what it holds at once is a page, not the whole catalogue (issue 17).
    ///
    /// A row of no known kind is read too, and is an error naming it: filtered out by
    /// the kind asked for, the change it stands for would never be sent, silently.
    pub async fn outbox_unbatched_page(&self, entity: Entity, after_id: i64, limit: usize) -> Result<Vec<OutboxEntry>> {
        let known =
            serde_json::to_string(&Entity::ALL.map(Entity::as_str)).map_err(|e| Error::Conflict(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT id, entity, uid, change_seq, batch_key, attempts FROM sync_outbox
             WHERE batch_key IS NULL AND id > ?
               AND (entity = ? OR entity NOT IN (SELECT value FROM json_each(?)))
             ORDER BY id LIMIT ?",
        )
        .bind(after_id)
        .bind(entity.as_str())
        .bind(known)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_entry).collect()
    }

    /// Adds objects to the outbox (reconciliation found them different).
    pub async fn enqueue_sync(&self, objects: &[(Entity, String)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (e, uid) in objects {
            sqlx::query(
                "INSERT INTO sync_outbox (entity, uid, changed_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ'))
                 ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1",
            )
            .bind(e.as_str())
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes entries that turned out to need no request (content already there),
    /// unless they changed again meanwhile.
    pub async fn drop_outbox_entries(&self, entries: &[(i64, i64)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (id, seq) in entries {
            sqlx::query("DELETE FROM sync_outbox WHERE id = ? AND change_seq = ? AND batch_key IS NULL")
                .bind(id)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The oldest batch still waiting for its answer (a crash or a timeout left it).
    pub async fn open_batch(&self) -> Result<Option<FrozenBatch>> {
        let r = sqlx::query("SELECT idempotency_key, kind, body FROM sync_batches ORDER BY created_at, rowid LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| FrozenBatch { key: r.get(0), kind: r.get(1), body: r.get(2) }))
    }

    /// Freezes a batch: its body and key are stored with its entries BEFORE it is sent.
    pub async fn freeze_batch(
        &self,
        key: &str,
        kind: &str,
        body: &str,
        entries: &[(i64, i64)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO sync_batches (idempotency_key, kind, body, created_at) VALUES (?, ?, ?, ?)")
            .bind(key)
            .bind(kind)
            .bind(body)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        for (id, seq) in entries {
            sqlx::query(
                "UPDATE sync_outbox SET batch_key = ?, sent_seq = ?, attempts = attempts + 1 WHERE id = ? AND batch_key IS NULL",
            )
            .bind(key)
            .bind(seq)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Applies a batch's answer in one transaction: versions and hashes of what was
    /// accepted, entries drained unless changed again since, issues recorded.
    pub async fn finish_batch(
        &self,
        key: &str,
        outcomes: &[(Entity, String, OpOutcome)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (entity, uid, outcome) in outcomes {
            match outcome {
                OpOutcome::Ok { version, hash, images, interim } => {
                    let images = images.as_ref().map(|i| serde_json::to_string(i).unwrap_or_else(|_| "[]".to_owned()));
                    sqlx::query(
                        "INSERT INTO sync_objects (entity, uid, version, sent_hash, sent_images) VALUES (?, ?, ?, ?, ?)
                         ON CONFLICT (entity, uid) DO UPDATE SET version = excluded.version,
                             sent_hash = excluded.sent_hash, sent_images = excluded.sent_images",
                    )
                    .bind(entity.as_str())
                    .bind(uid)
                    .bind(version)
                    .bind(hash)
                    .bind(images)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE sync_conflicts SET resolved_at = ? WHERE entity = ? AND uid = ? AND kind IN ('invalid', 'conflict') AND resolved_at IS NULL",
                    )
                    .bind(ts(now))
                    .bind(entity.as_str())
                    .bind(uid)
                    .execute(&mut *tx)
                    .await?;
                    if !interim {
                        sqlx::query(
                            "DELETE FROM sync_outbox WHERE entity = ? AND uid = ? AND batch_key = ? AND change_seq = sent_seq",
                        )
                        .bind(entity.as_str())
                        .bind(uid)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                OpOutcome::Conflict { current_version } => {
                    sqlx::query(
                        "INSERT INTO sync_objects (entity, uid, version) VALUES (?, ?, ?)
                         ON CONFLICT (entity, uid) DO UPDATE SET version = excluded.version, sent_hash = NULL, sent_images = NULL",
                    )
                    .bind(entity.as_str())
                    .bind(uid)
                    .bind(current_version)
                    .execute(&mut *tx)
                    .await?;
                }
                OpOutcome::Invalid { message } => {
                    sqlx::query(
                        "INSERT INTO sync_conflicts (entity, uid, kind, message, created_at) VALUES (?, ?, 'invalid', ?, ?)
                         ON CONFLICT (entity, uid, kind) WHERE resolved_at IS NULL DO UPDATE SET message = excluded.message",
                    )
                    .bind(entity.as_str())
                    .bind(uid)
                    .bind(message)
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE sync_outbox SET last_error = ? WHERE entity = ? AND uid = ? AND batch_key = ?")
                        .bind(message)
                        .bind(entity.as_str())
                        .bind(uid)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM sync_outbox WHERE entity = ? AND uid = ? AND batch_key = ? AND change_seq = sent_seq")
                        .bind(entity.as_str())
                        .bind(uid)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        // Entries of this batch still here changed meanwhile (or conflicted): back in line.
        sqlx::query("UPDATE sync_outbox SET batch_key = NULL, sent_seq = NULL WHERE batch_key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sync_batches WHERE idempotency_key = ?").bind(key).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops a frozen batch the server refused as a whole (e.g. its key expired):
    /// its entries go back in line and will be rebuilt from the current rows.
    pub async fn abandon_batch(&self, key: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE sync_outbox SET batch_key = NULL, sent_seq = NULL WHERE batch_key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sync_batches WHERE idempotency_key = ?").bind(key).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// An outbox row (`id, entity, uid, change_seq, batch_key, attempts`).
fn outbox_entry(r: &SqliteRow) -> Result<OutboxEntry> {
    let id: i64 = r.get(0);
    Ok(OutboxEntry {
        id,
        entity: Entity::stored("sync_outbox", id, r.get::<&str, _>(1))?,
        uid: r.get(2),
        change_seq: r.get(3),
        batch_key: r.get(4),
        attempts: r.get(5),
    })
}
