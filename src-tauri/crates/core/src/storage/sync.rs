//! SQL of the marketplace sync: outbox, frozen batches, known server versions, state.
//!
//! The outbox itself is filled by triggers (migration 0004) inside the transaction of
//! each catalogue change; this module reads and drains it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::{CategoryData, ProductData};
use sqlx::Row;

use super::offer::{OFFER_COLUMNS_P, StoredOffer};
use super::{Db, ts};
use crate::catalogue::{ProductInput, ProductStatus, VariantInput, VariantOption};
use crate::sync::wire::WireProduct;
use crate::{Error, Result};

/// Kind of object the outbox carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Category,
    Product,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Category => "category",
            Entity::Product => "product",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "category" => Some(Entity::Category),
            "product" => Some(Entity::Product),
            _ => None,
        }
    }
}

/// One pending change (already coalesced: one per object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub entity: Entity,
    pub uid: String,
    pub change_seq: i64,
    pub batch_key: Option<String>,
    pub attempts: i64,
}

/// A batch built earlier and not answered yet (kept across crashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenBatch {
    pub key: String,
    pub kind: String,
    pub body: String,
}

/// What we know the marketplace holds of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownObject {
    pub version: i64,
    pub sent_hash: Option<String>,
    /// The images the marketplace last accepted for it (products; `None`: unknown).
    pub sent_images: Option<Vec<String>>,
}

/// The engine's persistent state (one row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStateRow {
    pub marketplace_url: Option<String>,
    pub shop_id: Option<String>,
    pub shop_name: Option<String>,
    pub limits: Option<String>,
    pub events_after: i64,
    pub last_success_at: Option<DateTime<Utc>>,
    pub offline_since: Option<DateTime<Utc>>,
    pub failures: i64,
    pub retry_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub reconciled_at: Option<DateTime<Utc>>,
}

/// One `stock.changed` event, as the sync pass merges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStock {
    pub sku: String,
    pub product_uid: String,
    /// What the marketplace now holds.
    pub available: i64,
    pub product_version: i64,
    /// Move the local stock by the change. `false` for the stock an order took or gave
    /// back: that one moves with the order itself (`order_lines.stock_taken`), or it
    /// would be counted twice. The server's value is remembered either way.
    pub apply_delta: bool,
}

/// Something a person must look at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct SyncIssue {
    pub entity: String,
    pub uid: String,
    /// `rejected` (moderation), `invalid` (refused data), `conflict`, `incomplete`
    /// (published in Comptoir but sent unpublished: what the law requires to sell it
    /// online is missing; the message says what).
    pub kind: String,
    pub message: String,
    pub created_at: String,
}

/// The sync facts of one product (see `sync::product_sync_detail`).
#[derive(Debug, Clone)]
pub struct ProductSyncRow {
    pub uid: String,
    pub connected: bool,
    pub published_locally: bool,
    /// A change waits in the outbox.
    pub pending: bool,
    /// That change is in a batch sent but not yet answered.
    pub in_flight: bool,
    /// The version the marketplace holds, when it holds the product.
    pub server_version: Option<i64>,
    /// The marketplace acknowledged the content last sent.
    pub content_acknowledged: bool,
    pub moderation: Option<String>,
    pub moderation_reason: Option<String>,
    pub issues: Vec<SyncIssue>,
    /// (sha256 of the original, its render known to be on the marketplace), in display order.
    pub photos: Vec<(String, bool)>,
}

/// How a batch's op ended, as the engine understood the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpOutcome {
    /// Accepted at `version`; `hash` of what was sent (None for a delete), the product's
    /// `images` as sent. `interim`: sent with the images already on the server while its
    /// new photos upload, so the entry stays in line for the complete version.
    Ok { version: i64, hash: Option<String>, images: Option<Vec<String>>, interim: bool },
    /// The server holds `current_version`: the entry stays and is re-sent with it.
    Conflict { current_version: i64 },
    /// Refused for good until the shop changes it: kept as an issue for a person.
    Invalid { message: String },
}

fn parse_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|d| d.with_timezone(&Utc))
}

impl Db {
    pub async fn sync_state(&self) -> Result<SyncStateRow> {
        let r = sqlx::query(
            "SELECT marketplace_url, shop_id, shop_name, limits, events_after, last_success_at, offline_since,
                    failures, retry_at, last_error, reconciled_at FROM sync_state WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(SyncStateRow {
            marketplace_url: r.get(0),
            shop_id: r.get(1),
            shop_name: r.get(2),
            limits: r.get(3),
            events_after: r.get(4),
            last_success_at: parse_ts(r.get(5)),
            offline_since: parse_ts(r.get(6)),
            failures: r.get(7),
            retry_at: parse_ts(r.get(8)),
            last_error: r.get(9),
            reconciled_at: parse_ts(r.get(10)),
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

    pub async fn outbox_len(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM sync_outbox").fetch_one(&self.pool).await?)
    }

    /// Pending entries not in a batch, categories first (parents before children
    /// is handled by the engine), oldest first.
    /// Changes to the outbox's waiting entries show here: (entries, sum of their change
    /// sequences), read cheaply every second while photos upload.
    pub async fn outbox_signature(&self) -> Result<(i64, i64)> {
        let r = sqlx::query("SELECT count(*), coalesce(sum(change_seq), 0) FROM sync_outbox WHERE batch_key IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok((r.get(0), r.get(1)))
    }

    pub async fn outbox_unbatched(&self) -> Result<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT id, entity, uid, change_seq, batch_key, attempts FROM sync_outbox
             WHERE batch_key IS NULL ORDER BY entity = 'product', id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(OutboxEntry {
                    id: r.get(0),
                    entity: Entity::parse(r.get::<String, _>(1).as_str())?,
                    uid: r.get(2),
                    change_seq: r.get(3),
                    batch_key: r.get(4),
                    attempts: r.get(5),
                })
            })
            .collect())
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

    pub async fn known_objects(&self) -> Result<HashMap<(Entity, String), KnownObject>> {
        let rows = sqlx::query("SELECT entity, uid, version, sent_hash, sent_images FROM sync_objects")
            .fetch_all(&self.pool)
            .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in rows {
            let Some(e) = Entity::parse(r.get::<String, _>(0).as_str()) else { continue };
            let uid: String = r.get(1);
            let sent_images = match r.get::<Option<String>, _>(4) {
                Some(j) => Some(serde_json::from_str::<Vec<String>>(&j).map_err(|err| {
                    Error::Conflict(format!("Images envoyées illisibles dans la base pour « {uid} » : {err}"))
                })?),
                None => None,
            };
            out.insert((e, uid), KnownObject { version: r.get(2), sent_hash: r.get(3), sent_images });
        }
        Ok(out)
    }

    /// Reconciliation: the server's versions become ours; the hash is kept only where
    /// the server's content equals what we would send.
    pub async fn set_known_objects(&self, objects: &[(Entity, String, KnownObject)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (e, uid, k) in objects {
            sqlx::query(
                "INSERT INTO sync_objects (entity, uid, version, sent_hash, sent_images) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (entity, uid) DO UPDATE SET version = excluded.version, sent_hash = excluded.sent_hash,
                     sent_images = excluded.sent_images",
            )
            .bind(e.as_str())
            .bind(uid)
            .bind(k.version)
            .bind(&k.sent_hash)
            .bind(k.sent_images.as_ref().map(|i| serde_json::to_string(i).unwrap_or_else(|_| "[]".to_owned())))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Wire data of categories by uid (absent: deleted locally).
    pub async fn sync_category_data(&self) -> Result<BTreeMap<String, (CategoryData, u32)>> {
        let rows = sqlx::query(
            "WITH RECURSIVE d(id, depth) AS (SELECT id, 0 FROM categories WHERE parent_id IS NULL
               UNION ALL SELECT c.id, d.depth + 1 FROM categories c JOIN d ON c.parent_id = d.id)
             SELECT c.uid, c.name, p.uid, c.position, d.depth FROM categories c
             JOIN d ON d.id = c.id LEFT JOIN categories p ON p.id = c.parent_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let depth: i64 = r.get(4);
                (
                    r.get(0),
                    (
                        CategoryData { name: r.get(1), parent_external_id: r.get(2), position: r.get(3) },
                        u32::try_from(depth).unwrap_or(0),
                    ),
                )
            })
            .collect())
    }

    /// Wire data of products by uid, without their images: all of them (`None`) or the
    /// given ones. A uid with no row is absent from the map (deleted locally). A product
    /// published but incomplete is sent unpublished (see [`crate::sync::wire`]).
    pub async fn sync_product_data(&self, uids: Option<&[String]>) -> Result<BTreeMap<String, ProductData>> {
        Ok(self.sync_products(uids).await?.into_iter().map(|(uid, p)| (uid, p.data)).collect())
    }

    /// [`Db::sync_product_data`] with, for each product, whether it is withheld and why.
    pub async fn sync_products(&self, uids: Option<&[String]>) -> Result<BTreeMap<String, WireProduct>> {
        let filter = match uids {
            Some(u) => serde_json::to_string(u).map_err(|e| Error::Conflict(e.to_string()))?,
            None => String::new(),
        };
        let all = uids.is_none();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.id, p.uid, p.name, p.description, c.uid, p.status, p.vat_bp, p.unit, {OFFER_COLUMNS_P}
             FROM products p LEFT JOIN categories c ON c.id = p.category_id
             WHERE ?1 OR p.uid IN (SELECT value FROM json_each(?2))"
        )))
        .bind(all)
        .bind(if all { "[]" } else { filter.as_str() })
        .fetch_all(&self.pool)
        .await?;
        let mut by_id: HashMap<i64, (String, ProductInput, Option<String>)> = HashMap::new();
        for r in rows {
            let name: String = r.get(2);
            let status: String = r.get(5);
            // A rate this version does not know is corrupt data, named, as everywhere
            // a product is read (storage holds no default rate).
            let vat = super::catalogue::parse_vat(r.get(6))?;
            let offer = StoredOffer::from_sqlx(&r, 8).into_offer(&format!("« {name} »"))?;
            let input = ProductInput {
                id: Some(r.get(0)),
                name,
                description: r.get(3),
                category_id: None,
                status: if status == "published" { ProductStatus::Published } else { ProductStatus::Draft },
                vat,
                unit: super::catalogue::parse_unit(r.get(7))?,
                offer,
                variants: Vec::new(),
            };
            by_id.insert(r.get(0), (r.get(1), input, r.get(4)));
        }
        let ids =
            serde_json::to_string(&by_id.keys().collect::<Vec<_>>()).map_err(|e| Error::Conflict(e.to_string()))?;
        let vrows = sqlx::query(
            "SELECT product_id, id, sku, options, price_cents, stock, ean, net_quantity FROM variants
             WHERE product_id IN (SELECT value FROM json_each(?)) ORDER BY product_id, position, id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        for r in vrows {
            let pid: i64 = r.get(0);
            let Some((_, input, _)) = by_id.get_mut(&pid) else { continue };
            let sku: String = r.get(2);
            let options: Vec<VariantOption> =
                super::stored_json(format_args!("options de la déclinaison {sku}"), r.get::<&str, _>(3))?;
            input.variants.push(VariantInput {
                id: Some(r.get(1)),
                sku,
                options,
                price_cents: r.get(4),
                stock: r.get(5),
                ean: r.get(6),
                net_quantity: r.get(7),
            });
        }
        let variant_ids: Vec<i64> =
            by_id.values().flat_map(|(_, i, _)| i.variants.iter().filter_map(|v| v.id)).collect();
        let mut promotions = self.promotions_of_variants(&variant_ids).await?;
        // `images` stays empty here: what the marketplace is sent of a photo is its render
        // (`sync::renders`), which only core knows how to make.
        Ok(by_id
            .into_values()
            .map(|(uid, input, category_uid)| {
                let mut product = crate::sync::wire::product_data(&input, category_uid);
                for (wv, v) in product.data.variants.iter_mut().zip(&input.variants) {
                    if let Some(list) = v.id.and_then(|id| promotions.remove(&id)) {
                        wv.promotions = list.iter().map(crate::sync::wire::promotion).collect();
                    }
                }
                (uid, product)
            })
            .collect())
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
        let open: HashMap<String, String> = sqlx::query_as(
            "SELECT uid, message FROM sync_conflicts WHERE entity = 'product' AND kind = 'incomplete' AND resolved_at IS NULL",
        )
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

    /// What a page of the marketplace's events changed, merged in one transaction
    /// without echoing it to the outbox, with the event cursor moved:
    ///
    /// - the orders the page carries are stored (as the orders feed would), so the
    ///   stock they take or give back moves through `order_lines.stock_taken` — the
    ///   one owner of order-driven stock, whichever of the sync pass and the orders
    ///   feed sees the order first;
    /// - stock changes move the local stock by their delta from the last value known
    ///   to be on the server, except those of orders (see [`RemoteStock::apply_delta`]);
    /// - moderation verdicts.
    pub async fn apply_remote_stock(
        &self,
        orders: &[comptoir_protocol::orders::Order],
        changes: &[RemoteStock],
        moderations: &[(String, i64, String, Option<String>)],
        last_seq: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT OR IGNORE INTO sync_remote_apply (id) VALUES (1)").execute(&mut *tx).await?;
        for o in orders {
            super::orders::store_order_tx(&mut tx, o, now).await?;
        }
        for RemoteStock { sku, product_uid, available, product_version, apply_delta } in changes {
            let known: Option<i64> = sqlx::query_scalar("SELECT available FROM sync_stock WHERE sku = ?")
                .bind(sku)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(known) = known
                && *apply_delta
            {
                let delta = available - known;
                if delta != 0 {
                    sqlx::query("UPDATE variants SET stock = stock + ? WHERE sku = ?")
                        .bind(delta)
                        .bind(sku)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query(
                "INSERT INTO sync_stock (sku, available) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET available = excluded.available",
            )
            .bind(sku)
            .bind(available)
            .execute(&mut *tx)
            .await?;
            bump_version(&mut tx, product_uid, *product_version).await?;
        }
        for (uid, version, status, reason) in moderations {
            bump_version(&mut tx, uid, *version).await?;
            sqlx::query(
                "UPDATE sync_objects SET moderation = ?, moderation_reason = ? WHERE entity = 'product' AND uid = ?",
            )
            .bind(status)
            .bind(reason)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
            if status == "rejected" {
                sqlx::query(
                    "INSERT INTO sync_conflicts (entity, uid, kind, message, created_at) VALUES ('product', ?, 'rejected', ?, ?)
                     ON CONFLICT (entity, uid, kind) WHERE resolved_at IS NULL DO UPDATE SET message = excluded.message",
                )
                .bind(uid)
                .bind(reason.clone().unwrap_or_else(|| "Refusé par la modération".to_owned()))
                .bind(ts(now))
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "UPDATE sync_conflicts SET resolved_at = ? WHERE entity = 'product' AND uid = ? AND kind = 'rejected' AND resolved_at IS NULL",
                )
                .bind(ts(now))
                .bind(uid)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("UPDATE sync_state SET events_after = max(events_after, ?) WHERE id = 1")
            .bind(last_seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sync_remote_apply").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remembers the stock the server now holds per SKU (after an accepted upsert).
    pub async fn set_known_stock(&self, stock: &[(String, i64)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (sku, available) in stock {
            sqlx::query(
                "INSERT INTO sync_stock (sku, available) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET available = excluded.available",
            )
            .bind(sku)
            .bind(available)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Photos the marketplace holds (confirmed by `media/check` or an accepted upload).
    pub async fn mark_media_on_server(&self, shas: &[String], now: DateTime<Utc>) -> Result<()> {
        if shas.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for sha in shas {
            sqlx::query("INSERT INTO sync_media (sha256, confirmed_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(sha)
                .bind(ts(now))
                .execute(&mut *tx)
                .await?;
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

async fn bump_version(tx: &mut sqlx::SqliteConnection, uid: &str, version: i64) -> Result<()> {
    // The hash is forgotten: the server's content moved, the next send must not be skipped.
    sqlx::query(
        "INSERT INTO sync_objects (entity, uid, version) VALUES ('product', ?1, ?2)
         ON CONFLICT (entity, uid) DO UPDATE SET version = max(version, ?2),
           sent_hash = CASE WHEN ?2 > version THEN NULL ELSE sent_hash END",
    )
    .bind(uid)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    Ok(())
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
