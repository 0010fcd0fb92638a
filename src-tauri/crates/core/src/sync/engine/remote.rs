//! What the marketplace tells a pass: its events (sales merged into the local stock,
//! orders stored, moderation), the full reconciliation of its hashes against ours, and
//! the campaigns it announces.

use std::collections::HashMap;

use comptoir_protocol::catalog::ObjectType;
use comptoir_protocol::hash::content_hash;

use super::catalogue::split_withheld;
use super::{Pass, SResult, api_error};
use crate::storage::promotions::MarketCampaignRow;
use crate::storage::sync::{Entity, KnownObject, Moderation, RemoteStock};

impl Pass<'_> {
    /// Keeps the campaigns the marketplace announces (MSP/1.1), for the Promotions
    /// screen to offer. A server of MSP/1.0 has none (404): nothing to keep, no error.
    pub(super) async fn fetch_campaigns(&mut self) -> SResult<()> {
        self.report.requests += 1;
        let page = match self.patiently(|c| async move { c.campaigns().await }).await {
            Ok(page) => page,
            Err(e) if e.status() == Some(404) => return Ok(()),
            Err(e) => return Err(api_error(&e)),
        };
        let rows: Vec<MarketCampaignRow> = page
            .items
            .into_iter()
            .map(|c| MarketCampaignRow {
                id: c.id,
                name: c.name,
                description: c.description,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
            })
            .collect();
        self.db.replace_market_campaigns(&rows, self.now).await?;
        Ok(())
    }

    pub(super) async fn pull_events(&mut self, mut after: i64) -> SResult<()> {
        loop {
            self.report.requests += 1;
            let page = match self.patiently(|c| async move { c.events(after, None, Some(500)).await }).await {
                Ok(p) => p,
                // A token without orders:read cannot see events: nothing to merge.
                Err(e) if e.status() == Some(403) => return Ok(()),
                Err(e) => return Err(api_error(&e)),
            };
            let mut orders = Vec::new();
            let mut stock = Vec::new();
            let mut moderations = Vec::new();
            for ev in &page.events {
                if let Some(o) = ev.order() {
                    // Stored here too (a replay is ignored by version), so the stock of
                    // a sale is in the local stock before any re-send of the product.
                    orders.push(o);
                } else if let Some(s) = ev.stock() {
                    use comptoir_protocol::events::StockChangeReason as R;
                    // The shop's own stock writes are already in the local stock.
                    if s.reason != R::Merchant {
                        self.report.stock_changes_applied += 1;
                    }
                    stock.push(RemoteStock {
                        sku: s.sku,
                        product_uid: s.product_external_id,
                        available: s.available,
                        product_version: s.product_version,
                        // An order's stock moves with the order (stored above or by the
                        // orders feed), exactly once.
                        apply_delta: !matches!(s.reason, R::OrderPlaced | R::OrderReleased),
                    });
                } else if let Some(m) = ev.moderation() {
                    let status = match m.moderation.status {
                        comptoir_protocol::catalog::ModerationStatus::Rejected => "rejected",
                        comptoir_protocol::catalog::ModerationStatus::Approved => "approved",
                        comptoir_protocol::catalog::ModerationStatus::Unknown => "unknown",
                    };
                    // A rejection is an issue a person must read, worded by the
                    // moderator or else by us; any other verdict resolves it.
                    let issue = (status == "rejected")
                        .then(|| m.moderation.reason.clone().unwrap_or_else(|| "Refusé par la modération".to_owned()));
                    if issue.is_some() {
                        self.report.rejected += 1;
                    }
                    moderations.push(Moderation {
                        uid: m.external_id,
                        version: m.version,
                        status: status.to_owned(),
                        reason: m.moderation.reason,
                        issue,
                    });
                }
            }
            if !page.events.is_empty() || page.last_seq != after {
                self.db.apply_remote_stock(&orders, &stock, &moderations, page.last_seq, self.now).await?;
            }
            after = page.last_seq;
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// Full reconciliation: the server's hashes against ours; only differences are queued.
    pub(super) async fn reconcile(&mut self) -> SResult<()> {
        let mut server: HashMap<(Entity, String), (i64, bool, Option<String>)> = HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            self.report.requests += 1;
            let at = cursor.clone();
            let page = self
                .patiently(|c| {
                    let at = at.clone();
                    async move { c.catalog_state(at.as_deref(), None).await }
                })
                .await
                .map_err(|e| api_error(&e))?;
            for it in page.items {
                let e = match it.object_type {
                    ObjectType::Product => Entity::Product,
                    ObjectType::Category => Entity::Category,
                    ObjectType::Unknown => continue,
                };
                server.insert((e, it.external_id), (it.version, it.deleted, it.hash));
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        // Ours, compared as it is read: the categories (few), then the products a page at
        // a time, never the whole catalogue at once. What each page found is written
        // before the next is read (the versions the server holds, what to send).
        let mut known = Vec::new();
        let mut queue = Vec::new();
        for (uid, (data, _)) in self.db.sync_category_data().await? {
            compare(&mut server, (Entity::Category, uid), content_hash(&data), &mut known, &mut queue);
        }
        let mut after = 0;
        loop {
            let (page, last) = self.db.sync_products_page(after, self.opts.page.max(1)).await?;
            let Some(last) = last else { break };
            after = last;
            let (mut products, withheld) = split_withheld(page);
            let uids: Vec<String> = products.keys().cloned().collect();
            self.db.set_withheld_issues(&uids, &withheld, self.now).await?;
            self.renders.fill(&mut products, false).await?;
            for (uid, data) in products {
                compare(&mut server, (Entity::Product, uid), content_hash(&data), &mut known, &mut queue);
            }
            self.db.set_known_objects(&std::mem::take(&mut known)).await?;
            self.db.enqueue_sync(&std::mem::take(&mut queue)).await?;
        }
        // What is left of the server's is not ours (any more): deleted here.
        for (key, (v, deleted, _)) in server {
            if !deleted {
                known.push((key.0, key.1.clone(), KnownObject { version: v, sent_hash: None, sent_images: None }));
                queue.push(key);
            }
        }
        self.db.set_known_objects(&known).await?;
        self.db.enqueue_sync(&queue).await?;
        Ok(())
    }
}

/// One of our objects against what the server holds of it (taken out of `server`, so
/// that what is left there at the end is the server's alone): the same content is known
/// to be there; anything else is queued, with the server's version when it has one.
fn compare(
    server: &mut HashMap<(Entity, String), (i64, bool, Option<String>)>,
    key: (Entity, String),
    hash: String,
    known: &mut Vec<(Entity, String, KnownObject)>,
    queue: &mut Vec<(Entity, String)>,
) {
    match server.remove(&key) {
        Some((v, false, Some(h))) if h == hash => {
            known.push((key.0, key.1, KnownObject { version: v, sent_hash: Some(h), sent_images: None }));
        }
        Some((v, _, _)) => {
            known.push((key.0, key.1.clone(), KnownObject { version: v, sent_hash: None, sent_images: None }));
            queue.push(key);
        }
        None => queue.push(key),
    }
}
