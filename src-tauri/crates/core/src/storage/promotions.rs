//! Promotions, campaigns and the price history (schema 0013). Rows in, rows out: what
//! a reduction may be, and its reference price, are decided in the `promotions` module.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Db, ts};
use crate::model::promotions::{OtherPromotion, PastPrice, PriceFacts};
use crate::{Error, Result};

fn instant(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| Error::Corrupt(format!("date illisible dans les promotions : « {s} »")))
}

fn instant_opt(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(instant).transpose()
}

/// A variant a promotion may be set on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetVariant {
    pub variant_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub sku: String,
    pub price_cents: i64,
}

/// A promotion ready to be written: everything decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPromotion {
    pub variant_id: i64,
    pub price_cents: i64,
    pub percent: Option<u8>,
    pub reference_cents: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub quantity_limit: Option<u32>,
}

/// The campaign new promotions belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CampaignLink {
    None,
    Existing(i64),
    /// Created in the same transaction as the promotions.
    New {
        name: String,
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
        market_id: Option<String>,
    },
}

/// A stored promotion with what is shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPromotion {
    pub id: i64,
    pub variant_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub sku: String,
    pub regular_cents: i64,
    pub price_cents: i64,
    pub percent: Option<u8>,
    pub reference_cents: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub quantity_limit: Option<u32>,
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    pub campaign_market_id: Option<String>,
    /// The product's last change is on the marketplace (it has been sent and nothing
    /// of it waits in the outbox).
    pub on_market: bool,
}

/// Which promotions to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromotionSelect {
    pub ids: Option<Vec<i64>>,
    pub product_ids: Option<Vec<i64>>,
    pub campaign_id: Option<i64>,
    /// Only those not over at this instant.
    pub not_over_at: Option<DateTime<Utc>>,
}

/// A promotion brought back by recovery: its id, its campaign's, what it is.
pub type RestoredPromotion = (i64, Option<i64>, NewPromotion);

/// A campaign brought back by recovery, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredCampaign {
    pub id: i64,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub market_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCampaign {
    pub id: i64,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub market_id: Option<String>,
    pub promotion_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketCampaignRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

const PROMOTION_SELECT: &str =
    "SELECT pr.id, pr.variant_id, v.product_id, p.name, v.sku, v.price_cents, pr.price_cents,
        pr.percent, pr.reference_cents, pr.starts_at, pr.ends_at, pr.quantity_limit, pr.campaign_id, c.name,
        c.market_id,
        EXISTS (SELECT 1 FROM sync_objects o WHERE o.entity = 'product' AND o.uid = p.uid AND o.version > 0)
          AND NOT EXISTS (SELECT 1 FROM sync_outbox x WHERE x.entity = 'product' AND x.uid = p.uid)
   FROM promotions pr
   JOIN variants v ON v.id = pr.variant_id
   JOIN products p ON p.id = v.product_id
   LEFT JOIN campaigns c ON c.id = pr.campaign_id
  WHERE 1 = 1";

fn promotion_row(r: &sqlx::sqlite::SqliteRow) -> Result<StoredPromotion> {
    Ok(StoredPromotion {
        id: r.get(0),
        variant_id: r.get(1),
        product_id: r.get(2),
        product_name: r.get(3),
        sku: r.get(4),
        regular_cents: r.get(5),
        price_cents: r.get(6),
        percent: r.get::<Option<i64>, _>(7).and_then(|p| u8::try_from(p).ok()),
        reference_cents: r.get(8),
        starts_at: instant(r.get(9))?,
        ends_at: instant_opt(r.get(10))?,
        quantity_limit: r.get::<Option<i64>, _>(11).and_then(|q| u32::try_from(q).ok()),
        campaign_id: r.get(12),
        campaign_name: r.get(13),
        campaign_market_id: r.get(14),
        on_market: r.get::<i64, _>(15) != 0,
    })
}

fn json_ids(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

impl Db {
    /// The variants of the given SKUs (case-insensitive), products, or categories (with
    /// their descendants), in catalogue order. A SKU that does not exist is returned in
    /// the second list.
    pub async fn promotion_targets(
        &self,
        skus: &[String],
        product_ids: &[i64],
        category_ids: &[i64],
    ) -> Result<(Vec<TargetVariant>, Vec<String>)> {
        let wanted: Vec<String> = skus.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        let mut categories = Vec::new();
        if !category_ids.is_empty() {
            let tree = self.category_tree_flat().await?;
            for &id in category_ids {
                if let Some(start) = tree.iter().position(|c| c.0 == id) {
                    categories.push(id);
                    let depth = tree[start].1;
                    categories.extend(tree[start + 1..].iter().take_while(|c| c.1 > depth).map(|c| c.0));
                }
            }
        }
        let rows = sqlx::query(
            "SELECT v.id, v.product_id, p.name, v.sku, v.price_cents
               FROM variants v JOIN products p ON p.id = v.product_id
              WHERE v.sku IN (SELECT value FROM json_each(?1)) COLLATE NOCASE
                 OR v.product_id IN (SELECT value FROM json_each(?2))
                 OR p.category_id IN (SELECT value FROM json_each(?3))
              ORDER BY p.sort_key, p.id, v.position, v.id",
        )
        .bind(serde_json::to_string(&wanted).unwrap_or_else(|_| "[]".into()))
        .bind(json_ids(product_ids))
        .bind(json_ids(&categories))
        .fetch_all(&self.pool)
        .await?;
        let targets: Vec<TargetVariant> = rows
            .iter()
            .map(|r| TargetVariant {
                variant_id: r.get(0),
                product_id: r.get(1),
                product_name: r.get(2),
                sku: r.get(3),
                price_cents: r.get(4),
            })
            .collect();
        let missing =
            wanted.into_iter().filter(|s| !targets.iter().any(|t| t.sku.to_lowercase() == s.to_lowercase())).collect();
        Ok((targets, missing))
    }

    /// Ids and depths of the category tree, depth-first.
    async fn category_tree_flat(&self) -> Result<Vec<(i64, usize)>> {
        Ok(self.categories().await?.into_iter().map(|c| (c.id, c.path.split(super::PATH_SEP).count())).collect())
    }

    /// What the reference price of each variant is computed from: its price now, its
    /// creation, its past prices and its promotions (all of them: the caller leaves out
    /// the one being changed). Three queries whatever the number of variants.
    pub async fn price_facts(&self, variant_ids: &[i64]) -> Result<HashMap<i64, PriceFacts>> {
        let ids = json_ids(variant_ids);
        let mut facts = HashMap::with_capacity(variant_ids.len());
        for r in
            sqlx::query("SELECT id, price_cents, created_at FROM variants WHERE id IN (SELECT value FROM json_each(?))")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?
        {
            let since: String = r.get(2);
            facts.insert(
                r.get::<i64, _>(0),
                PriceFacts {
                    current_cents: r.get(1),
                    since: instant(&since)?,
                    history: Vec::new(),
                    promotions: Vec::new(),
                },
            );
        }
        for r in sqlx::query(
            "SELECT variant_id, price_cents, until FROM price_history WHERE variant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?
        {
            if let Some(f) = facts.get_mut(&r.get::<i64, _>(0)) {
                f.history.push(PastPrice { price_cents: r.get(1), until: instant(r.get(2))? });
            }
        }
        for r in sqlx::query(
            "SELECT variant_id, id, price_cents, starts_at, ends_at, campaign_id, reference_cents FROM promotions
              WHERE variant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?
        {
            if let Some(f) = facts.get_mut(&r.get::<i64, _>(0)) {
                f.promotions.push(OtherPromotion {
                    id: r.get(1),
                    price_cents: r.get(2),
                    starts_at: instant(r.get(3))?,
                    ends_at: instant_opt(r.get(4))?,
                    campaign_id: r.get(5),
                    reference_cents: r.get(6),
                });
            }
        }
        Ok(facts)
    }

    /// Writes new promotions, and their campaign when it is new, in one transaction:
    /// all of them or none. Returns the campaign's id and the promotions' ids.
    pub async fn insert_promotions(
        &self,
        campaign: &CampaignLink,
        rows: &[NewPromotion],
        now: DateTime<Utc>,
    ) -> Result<(Option<i64>, Vec<i64>)> {
        let mut tx = self.pool.begin().await?;
        let out = insert_promotions_tx(&mut tx, campaign, rows, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// A spreadsheet's promotions, after its import: the new ones, the changed ones and
    /// the batch's record of what it created (for undo), in one transaction.
    pub async fn save_sheet_promotions(
        &self,
        batch_id: i64,
        created: &[NewPromotion],
        updated: &[(i64, NewPromotion)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let (_, ids) = insert_promotions_tx(&mut tx, &CampaignLink::None, created, now).await?;
        for (id, row) in updated {
            update_promotion_tx(&mut tx, *id, row, now).await?;
        }
        sqlx::query(
            "UPDATE import_batches SET promotions = (SELECT json_group_array(value) FROM (
                SELECT value FROM json_each(promotions) UNION SELECT value FROM json_each(?2)))
             WHERE id = ?1",
        )
        .bind(batch_id)
        .bind(json_ids(&ids))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces what may change of a promotion (its price, reference, dates, limit).
    pub async fn update_promotion(&self, id: i64, p: &NewPromotion, now: DateTime<Utc>) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        update_promotion_tx(&mut conn, id, p, now).await
    }

    /// Sets the end of promotions (ending them early) in one transaction.
    pub async fn set_promotion_ends(&self, ids: &[i64], ends_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE promotions SET ends_at = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))")
            .bind(ts(ends_at))
            .bind(ts(now))
            .bind(json_ids(ids))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes promotions (planned ones withdrawn before they started).
    pub async fn delete_promotions(&self, ids: &[i64]) -> Result<()> {
        sqlx::query("DELETE FROM promotions WHERE id IN (SELECT value FROM json_each(?))")
            .bind(json_ids(ids))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn promotions(&self, select: &PromotionSelect) -> Result<Vec<StoredPromotion>> {
        let mut qb = QueryBuilder::<Sqlite>::new(PROMOTION_SELECT);
        if let Some(ids) = &select.ids {
            qb.push(" AND pr.id IN (SELECT value FROM json_each(").push_bind(json_ids(ids)).push("))");
        }
        if let Some(ids) = &select.product_ids {
            qb.push(" AND v.product_id IN (SELECT value FROM json_each(").push_bind(json_ids(ids)).push("))");
        }
        if let Some(c) = select.campaign_id {
            qb.push(" AND pr.campaign_id = ").push_bind(c);
        }
        if let Some(t) = select.not_over_at {
            qb.push(" AND (pr.ends_at IS NULL OR pr.ends_at > ").push_bind(ts(t)).push(")");
        }
        qb.push(" ORDER BY pr.starts_at, p.sort_key, v.position, pr.id");
        qb.build().fetch_all(&self.pool).await?.iter().map(promotion_row).collect()
    }

    /// The promotions of the given variants, for the wire.
    pub async fn promotions_of_variants(&self, variant_ids: &[i64]) -> Result<HashMap<i64, Vec<StoredPromotion>>> {
        let mut qb = QueryBuilder::<Sqlite>::new(PROMOTION_SELECT);
        qb.push(" AND pr.variant_id IN (SELECT value FROM json_each(").push_bind(json_ids(variant_ids)).push("))");
        qb.push(" ORDER BY pr.starts_at, pr.id");
        let mut by_variant: HashMap<i64, Vec<StoredPromotion>> = HashMap::new();
        for r in qb.build().fetch_all(&self.pool).await? {
            let p = promotion_row(&r)?;
            by_variant.entry(p.variant_id).or_default().push(p);
        }
        Ok(by_variant)
    }

    /// Recovery: campaigns and promotions with the ids the marketplace knows them by
    /// (`shop-3`, `p12`), so that the shop's next sync finds them unchanged. Into an
    /// empty shop only (the ids are free), in one transaction.
    pub async fn restore_promotions(
        &self,
        campaigns: &[RestoredCampaign],
        rows: &[RestoredPromotion],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = ts(now);
        let mut tx = self.pool.begin().await?;
        for c in campaigns {
            sqlx::query(
                "INSERT INTO campaigns (id, name, starts_at, ends_at, market_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(c.id)
            .bind(&c.name)
            .bind(ts(c.starts_at))
            .bind(c.ends_at.map(ts))
            .bind(&c.market_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        for (id, campaign_id, p) in rows {
            sqlx::query(
                "INSERT INTO promotions (id, variant_id, campaign_id, price_cents, percent, reference_cents, starts_at,
                    ends_at, quantity_limit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(p.variant_id)
            .bind(campaign_id)
            .bind(p.price_cents)
            .bind(p.percent.map(i64::from))
            .bind(p.reference_cents)
            .bind(ts(p.starts_at))
            .bind(p.ends_at.map(ts))
            .bind(p.quantity_limit.map(i64::from))
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Claims, in one statement (so each is told once, even across restarts), the
    /// promotions starting (`starting`) or ending in `(now, until]` not told yet.
    pub async fn claim_promotion_reminders(
        &self,
        starting: bool,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let sql = if starting {
            "UPDATE promotions SET reminded_start_at = ?1
              WHERE reminded_start_at IS NULL AND starts_at > ?1 AND starts_at <= ?2 RETURNING id"
        } else {
            "UPDATE promotions SET reminded_end_at = ?1
              WHERE reminded_end_at IS NULL AND ends_at IS NOT NULL AND ends_at > ?1 AND ends_at <= ?2 RETURNING id"
        };
        let mut ids: Vec<i64> = sqlx::query_scalar(sql).bind(ts(now)).bind(ts(until)).fetch_all(&self.pool).await?;
        ids.sort_unstable();
        Ok(ids)
    }

    // ---- campaigns ------------------------------------------------------------------

    pub async fn campaigns(&self) -> Result<Vec<StoredCampaign>> {
        sqlx::query(
            "SELECT c.id, c.name, c.starts_at, c.ends_at, c.market_id, (SELECT count(*) FROM promotions pr WHERE pr.campaign_id = c.id)
               FROM campaigns c ORDER BY c.starts_at, c.id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredCampaign {
                id: r.get(0),
                name: r.get(1),
                starts_at: instant(r.get(2))?,
                ends_at: instant_opt(r.get(3))?,
                market_id: r.get(4),
                promotion_count: r.get(5),
            })
        })
        .collect()
    }

    pub async fn market_campaigns(&self) -> Result<Vec<MarketCampaignRow>> {
        sqlx::query("SELECT id, name, description, starts_at, ends_at FROM market_campaigns ORDER BY starts_at, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(MarketCampaignRow {
                    id: r.get(0),
                    name: r.get(1),
                    description: r.get(2),
                    starts_at: instant(r.get(3))?,
                    ends_at: instant_opt(r.get(4))?,
                })
            })
            .collect()
    }

    /// Replaces the campaigns the marketplace announces with those it listed now.
    pub async fn replace_market_campaigns(&self, rows: &[MarketCampaignRow], now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM market_campaigns").execute(&mut *tx).await?;
        for c in rows {
            sqlx::query(
                "INSERT INTO market_campaigns (id, name, description, starts_at, ends_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&c.id)
            .bind(&c.name)
            .bind(&c.description)
            .bind(ts(c.starts_at))
            .bind(c.ends_at.map(ts))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_promotions_tx(
    conn: &mut sqlx::SqliteConnection,
    campaign: &CampaignLink,
    rows: &[NewPromotion],
    now: DateTime<Utc>,
) -> Result<(Option<i64>, Vec<i64>)> {
    let now = ts(now);
    let campaign_id = match campaign {
        CampaignLink::None => None,
        CampaignLink::Existing(id) => Some(*id),
        CampaignLink::New { name, starts_at, ends_at, market_id } => Some(
            sqlx::query_scalar(
                "INSERT INTO campaigns (name, starts_at, ends_at, market_id, created_at) VALUES (?, ?, ?, ?, ?)
                     RETURNING id",
            )
            .bind(name.trim())
            .bind(ts(*starts_at))
            .bind(ends_at.map(ts))
            .bind(market_id)
            .bind(&now)
            .fetch_one(&mut *conn)
            .await?,
        ),
    };
    let mut ids = Vec::with_capacity(rows.len());
    // 11 values a row: 500 rows stay well under SQLite's 32,766 bound parameters.
    for chunk in rows.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO promotions (variant_id, campaign_id, price_cents, percent, reference_cents, starts_at,
                    ends_at, quantity_limit, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, p| {
            b.push_bind(p.variant_id)
                .push_bind(campaign_id)
                .push_bind(p.price_cents)
                .push_bind(p.percent.map(i64::from))
                .push_bind(p.reference_cents)
                .push_bind(ts(p.starts_at))
                .push_bind(p.ends_at.map(ts))
                .push_bind(p.quantity_limit.map(i64::from))
                .push_bind(now.clone())
                .push_bind(now.clone());
        });
        qb.push(" RETURNING id");
        let chunk_ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await?;
        ids.extend(chunk_ids);
    }
    Ok((campaign_id, ids))
}

async fn update_promotion_tx(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    p: &NewPromotion,
    now: DateTime<Utc>,
) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE promotions SET price_cents = ?, percent = ?, reference_cents = ?, starts_at = ?, ends_at = ?,
            quantity_limit = ?, updated_at = ? WHERE id = ?",
    )
    .bind(p.price_cents)
    .bind(p.percent.map(i64::from))
    .bind(p.reference_cents)
    .bind(ts(p.starts_at))
    .bind(p.ends_at.map(ts))
    .bind(p.quantity_limit.map(i64::from))
    .bind(ts(now))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::not_found("Promotion", id));
    }
    Ok(())
}
