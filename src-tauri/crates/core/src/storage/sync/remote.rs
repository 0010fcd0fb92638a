//! What is known of the marketplace's side: the versions and hashes it holds, the
//! catalogue rows the sync sends, and a page of its events merged into the catalogue
//! (orders, stock, moderation).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::CategoryData;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Entity, KnownObject, Moderation, RemoteStock, SyncProductRows};
use crate::model::catalogue::{ProductInput, VariantInput, VariantOption};
use crate::storage::offer::{OFFER_COLUMNS_P, StoredOffer};
use crate::storage::products::{parse_status, parse_unit, parse_vat};
use crate::storage::{Db, OrderRules, ts};
use crate::{Error, Result};

impl Db {
    pub async fn known_objects(&self) -> Result<HashMap<(Entity, String), KnownObject>> {
        let rows = sqlx::query("SELECT entity, uid, version, sent_hash, sent_images FROM sync_objects")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(known_object).collect()
    }

    /// [`Db::known_objects`] of the given objects of one kind only (those of a page of
    /// the outbox); the others are absent from the map.
    pub async fn known_objects_of(
        &self,
        entity: Entity,
        uids: &[String],
    ) -> Result<HashMap<(Entity, String), KnownObject>> {
        let filter = serde_json::to_string(uids).map_err(|e| Error::Conflict(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT entity, uid, version, sent_hash, sent_images FROM sync_objects
             WHERE entity = ? AND uid IN (SELECT value FROM json_each(?))",
        )
        .bind(entity.as_str())
        .bind(filter)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(known_object).collect()
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

    /// The products the sync sends, by uid, in their editable form with their category's
    /// uid: all of them, the given ones, or a page of them in id order
    /// ([`SyncProductRows`]). A uid with no row is absent from the map (deleted
    /// locally). What is sent of them is the sync's rule (`Db::sync_products`, in
    /// `sync::wire`).
    pub async fn sync_product_inputs(
        &self,
        which: SyncProductRows<'_>,
    ) -> Result<BTreeMap<String, (ProductInput, Option<String>)>> {
        const SELECT: &str = "SELECT p.id, p.uid, p.name, p.description, c.uid, p.status, p.vat_bp, p.unit";
        const FROM: &str = "FROM products p LEFT JOIN categories c ON c.id = p.category_id";
        let rows = match which {
            SyncProductRows::All => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT}, {OFFER_COLUMNS_P} {FROM}")))
                    .fetch_all(&self.pool)
                    .await?
            }
            SyncProductRows::Uids(uids) => {
                let filter = serde_json::to_string(uids).map_err(|e| Error::Conflict(e.to_string()))?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT}, {OFFER_COLUMNS_P} {FROM} WHERE p.uid IN (SELECT value FROM json_each(?))"
                )))
                .bind(filter)
                .fetch_all(&self.pool)
                .await?
            }
            SyncProductRows::After { id, limit } => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT}, {OFFER_COLUMNS_P} {FROM} WHERE p.id > ? ORDER BY p.id LIMIT ?"
                )))
                .bind(id)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?
            }
        };
        let mut by_id: HashMap<i64, (String, ProductInput, Option<String>)> = HashMap::new();
        for r in rows {
            let name: String = r.get(2);
            // A status or rate this version does not know is corrupt data, named, as
            // everywhere a product is read (storage holds no default rate).
            let status = parse_status(r.get(5))?;
            let vat = parse_vat(r.get(6))?;
            let offer = StoredOffer::from_sqlx(&r, 8).into_offer(&format!("« {name} »"))?;
            let input = ProductInput {
                id: Some(r.get(0)),
                name,
                description: r.get(3),
                category_id: None,
                status,
                vat,
                unit: parse_unit(r.get(7))?,
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
                crate::storage::stored_json(format_args!("options de la déclinaison {sku}"), r.get::<&str, _>(3))?;
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
        Ok(by_id.into_values().map(|(uid, input, category_uid)| (uid, (input, category_uid))).collect())
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
    /// - moderation verdicts, each with the issue it opens or resolves.
    ///
    /// The orders are stored under `order_rules`, the orders module's (`Db::apply_remote_stock`).
    pub async fn apply_remote_events(
        &self,
        orders: &[comptoir_protocol::orders::Order],
        order_rules: &OrderRules,
        changes: &[RemoteStock],
        moderations: &[Moderation],
        last_seq: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT OR IGNORE INTO sync_remote_apply (id) VALUES (1)").execute(&mut *tx).await?;
        for o in orders {
            crate::storage::orders::store_order_tx(&mut tx, o, order_rules, now).await?;
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
        for Moderation { uid, version, status, reason, issue } in moderations {
            bump_version(&mut tx, uid, *version).await?;
            sqlx::query(
                "UPDATE sync_objects SET moderation = ?, moderation_reason = ? WHERE entity = 'product' AND uid = ?",
            )
            .bind(status)
            .bind(reason)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
            if let Some(message) = issue {
                sqlx::query(
                    "INSERT INTO sync_conflicts (entity, uid, kind, message, created_at) VALUES ('product', ?, 'rejected', ?, ?)
                     ON CONFLICT (entity, uid, kind) WHERE resolved_at IS NULL DO UPDATE SET message = excluded.message",
                )
                .bind(uid)
                .bind(message)
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

/// A `sync_objects` row (`entity, uid, version, sent_hash, sent_images`).
fn known_object(r: &SqliteRow) -> Result<((Entity, String), KnownObject)> {
    let uid: String = r.get(1);
    let entity = Entity::stored("sync_objects", &uid, r.get::<&str, _>(0))?;
    let sent_images = r
        .get::<Option<&str>, _>(4)
        .map(|j| crate::storage::stored_json_at::<Vec<String>>("sync_objects", &uid, "sent_images", j))
        .transpose()?;
    Ok(((entity, uid), KnownObject { version: r.get(2), sent_hash: r.get(3), sent_images }))
}
