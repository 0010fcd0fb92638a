//! The catalogue lane: while the photo lane uploads, it looks at the outbox and sends
//! what is ready — a product once its own photos are up, deletions, categories, and at
//! once any change of a product already online (with the images it already has there).

use std::collections::BTreeMap;
use std::time::Duration;

use comptoir_protocol::catalog::{CatalogOp, CategoryData, ObjectType, ProductData};
use comptoir_protocol::hash::content_hash;

use super::batches::{Batches, ReadyOp, op_size};
use super::media::MediaQuestions;
use super::{Pass, SResult, SyncError};
use crate::storage::sync::{Entity, OutboxEntry};
use crate::sync::upload::UploadLane;

/// The wire data of products, and the French reason of those withheld (published in
/// Comptoir, sent unpublished).
pub(super) fn split_withheld(
    products: BTreeMap<String, crate::sync::wire::WireProduct>,
) -> (BTreeMap<String, ProductData>, BTreeMap<String, String>) {
    let mut withheld = BTreeMap::new();
    let data = products
        .into_iter()
        .map(|(uid, w)| {
            if let Some(why) = w.withheld {
                withheld.insert(uid.clone(), why);
            }
            (uid, w.data)
        })
        .collect();
    (data, withheld)
}

/// Where an op goes in the order of a look's requests: category upserts first, by depth
/// (parents before children), then products, then deletions — a category once emptied.
const UPSERT_PRODUCT: u32 = 1000;
const DELETE_PRODUCT: u32 = 2000;
const DELETE_CATEGORY: u32 = 3000;

/// Conflicts on one object after which it waits for the next pass.
const MAX_CONFLICTS: u32 = 5;
/// Batches lost to the line in a row, while photos upload, before the pass gives up.
const MAX_LINE_FAILURES: u32 = 5;
/// How often the catalogue lane looks at the outbox while photos upload: a stock or
/// price change made meanwhile leaves within about this long.
const OUTBOX_POLL: Duration = Duration::from_secs(1);

impl Pass<'_> {
    /// Sends what is ready while the photo lane uploads: products whose photos are all
    /// on the server, deletions, categories, and — for a product the marketplace already
    /// shows — a change of its data with the images it already has. Wakes when a photo
    /// lands and every [`OUTBOX_POLL`] for changes made meanwhile; ends when nothing is
    /// left but products whose photos failed in this pass.
    pub(super) async fn catalogue_lane(&mut self, lane: &mut UploadLane) -> SResult<()> {
        let mut last_look: Option<(i64, i64)> = None;
        let mut landed = true;
        let mut line_failures = 0u32;
        loop {
            match self.send_ready(lane, &mut last_look, landed).await {
                Ok(true) => {
                    // Conflicts and changes made meanwhile: look again at once.
                    line_failures = 0;
                    last_look = None;
                    continue;
                }
                Ok(false) => {}
                // The line dropped under a batch while photos are still going up: the
                // batch stays frozen and goes again (same key) once the line is back,
                // rather than ending the pass and the uploads with it.
                Err(SyncError::Offline { retry_in, .. }) if !lane.is_idle() && line_failures < MAX_LINE_FAILURES => {
                    line_failures += 1;
                    last_look = None;
                    // Never sooner than the server asked (Retry-After of a 503).
                    let wait = crate::sync::upload::retry_wait(line_failures).max(retry_in);
                    for u in lane.wait(wait).await {
                        self.uploaded(u).await?;
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }
            if lane.is_idle() {
                return Ok(());
            }
            landed = false;
            for u in lane.wait(OUTBOX_POLL).await {
                landed = true;
                self.uploaded(u).await?;
            }
        }
    }

    /// One look at the outbox (when it changed or a photo landed): sends what is ready.
    /// Whether anything was sent.
    ///
    /// The outbox is read a page at a time ([`super::SyncOptions::page`]), each page's
    /// ops cut into batches as they come and a batch frozen and sent once full: what the
    /// look holds is a page and a batch, whatever the catalogue's size. The batches are
    /// those of every op built at once and sorted — category upserts parents first,
    /// product upserts, product deletions, category deletions, each in the outbox's
    /// order —, since the categories are read whole first and deletions kept for last.
    async fn send_ready(
        &mut self,
        lane: &mut UploadLane,
        last_look: &mut Option<(i64, i64)>,
        landed: bool,
    ) -> SResult<bool> {
        self.resend_open_batches().await?;
        let look = self.db.outbox_signature().await?;
        // Nothing changed in the outbox and no photo landed: nothing new to send.
        if !landed && *last_look == Some(look) {
            return Ok(false);
        }
        *last_look = Some(look);
        self.media_of_outbox(lane).await?;
        let page = self.opts.page.max(1);
        let categories = self.db.sync_category_data().await?;
        let mut batches = Batches::new(self.max_ops, self.max_body);
        let mut sent = false;
        // Deletions go last, products' then categories' (a category is emptied first).
        // They are small ops (no data): kept, not re-read.
        let (mut product_deletes, mut category_deletes) = (Vec::new(), Vec::new());
        // The shop's categories are few: their entries are read whole, to go by depth.
        let entries = self.db.outbox_unbatched_page(Entity::Category, 0, usize::MAX).await?;
        let (ops, _) = self.build_ops(&entries, &categories, lane).await?;
        for (order, op) in ops {
            sent = true;
            if order == DELETE_CATEGORY {
                category_deletes.push(op);
            } else {
                self.batch(&mut batches, op).await?;
            }
        }
        let mut waiting = 0;
        let mut after = 0;
        loop {
            let entries = self.db.outbox_unbatched_page(Entity::Product, after, page).await?;
            let Some(last) = entries.last() else { break };
            after = last.id;
            let (ops, w) = self.build_ops(&entries, &categories, lane).await?;
            waiting += w;
            for (order, op) in ops {
                sent = true;
                if order == DELETE_PRODUCT {
                    product_deletes.push(op);
                } else {
                    self.batch(&mut batches, op).await?;
                }
            }
        }
        lane.set_products_waiting(waiting);
        for op in product_deletes.into_iter().chain(category_deletes) {
            self.batch(&mut batches, op).await?;
        }
        if let Some(last) = batches.finish() {
            self.freeze_and_send(&last).await?;
        }
        Ok(sent)
    }

    /// Adds an op to the batch being filled, and sends the batch it closes.
    async fn batch(&mut self, batches: &mut Batches<ReadyOp>, op: ReadyOp) -> SResult<()> {
        let size = op_size(&op.op);
        if let Some(full) = batches.push(op, size) {
            self.freeze_and_send(&full).await?;
        }
        Ok(())
    }

    /// Which images of the outbox's products the server holds, asked before any batch
    /// goes, 1000 at a time over the whole outbox read a page at a time; then the renders
    /// it lacks queued on the photo lane in the outbox's order, so that products
    /// complete one after the other. The same requests as one list of every image made,
    /// without that list. A product's images are its renders and what it was last sent
    /// (kept on its page while its new photos upload).
    async fn media_of_outbox(&mut self, lane: &mut UploadLane) -> SResult<()> {
        let page = self.opts.page.max(1);
        let mut asking = MediaQuestions::default();
        // The products' renders in the outbox's order (as many as their photos).
        let mut renders: Vec<String> = Vec::new();
        let mut after = 0;
        loop {
            let entries = self.db.outbox_unbatched_page(Entity::Product, after, page).await?;
            let Some(last) = entries.last() else { break };
            after = last.id;
            let uids: Vec<String> = entries.iter().map(|e| e.uid.clone()).collect();
            let mut images = self.renders.images_of(&uids).await?;
            let mut known = self.db.known_objects_of(Entity::Product, &uids).await?;
            for e in &entries {
                let own = images.remove(&e.uid).unwrap_or_default();
                let sent = known.remove(&(Entity::Product, e.uid.clone())).and_then(|k| k.sent_images);
                for sha in own.iter().chain(sent.iter().flatten()) {
                    self.ask_media(&mut asking, sha).await?;
                }
                renders.extend(own);
            }
        }
        self.media_answers(asking).await?;
        for sha in renders {
            if self.missing.contains(&sha)
                && !self.pushed.contains(&sha)
                && let Some(r) = self.renders.get(&sha).cloned()
            {
                lane.push(r, self.partial.get(&sha).copied().unwrap_or(0));
                self.pushed.insert(sha);
            }
        }
        Ok(())
    }

    /// Builds the ops of pending entries of one kind (a page of the outbox) from the
    /// current rows (coalescing: the final state only), with each product's photos as
    /// renders, each with its place in the look's order (category upserts by depth, then
    /// [`UPSERT_PRODUCT`], [`DELETE_PRODUCT`], [`DELETE_CATEGORY`]), sorted. Entries
    /// whose content the server already holds are dropped. Renders the server lacks are
    /// queued on the photo lane (the outbox's were asked about and queued first: here
    /// only those of entries added since). Returns the ops ready now and how many
    /// products wait for their photos.
    async fn build_ops(
        &mut self,
        entries: &[OutboxEntry],
        categories: &BTreeMap<String, (CategoryData, u32)>,
        lane: &mut UploadLane,
    ) -> SResult<(Vec<(u32, ReadyOp)>, usize)> {
        let Some(entity) = entries.first().map(|e| e.entity) else { return Ok((Vec::new(), 0)) };
        let all: Vec<String> = entries.iter().map(|e| e.uid.clone()).collect();
        let known = self.db.known_objects_of(entity, &all).await?;
        let uids: Vec<String> = entries.iter().filter(|e| e.entity == Entity::Product).map(|e| e.uid.clone()).collect();
        let (mut products, withheld) = split_withheld(self.db.sync_products(Some(&uids)).await?);
        // A product published but incomplete goes unpublished; the shop is told why
        // (and the issue goes once it is completed, back to draft or deleted).
        self.db.set_withheld_issues(&uids, &withheld, self.now).await?;
        self.renders.fill(&mut products, false).await?;
        // Which images does the server hold? The renders, and what it was last sent of
        // each product (kept on a product's page while its new photos upload).
        let mut ask: Vec<String> = Vec::new();
        for e in entries.iter().filter(|e| e.entity == Entity::Product) {
            ask.extend(products.get(&e.uid).into_iter().flat_map(|d| d.images.iter().cloned()));
            let k = known.get(&(Entity::Product, e.uid.clone()));
            ask.extend(k.and_then(|k| k.sent_images.clone()).unwrap_or_default());
        }
        self.check_media(&ask).await?;
        for e in entries.iter().filter(|e| e.entity == Entity::Product) {
            for sha in products.get(&e.uid).into_iter().flat_map(|d| d.images.iter()) {
                if self.missing.contains(sha)
                    && !self.pushed.contains(sha)
                    && let Some(r) = self.renders.get(sha).cloned()
                {
                    self.pushed.insert(sha.clone());
                    lane.push(r, self.partial.get(sha).copied().unwrap_or(0));
                }
            }
        }
        let mut drop = Vec::new();
        let mut waiting = 0;
        // (order, op): category upserts by depth, products, product deletes, category deletes.
        let mut ops: Vec<(u32, ReadyOp)> = Vec::new();
        for e in entries {
            if self.conflicts.get(&(e.entity, e.uid.clone())).is_some_and(|n| *n >= MAX_CONFLICTS) {
                continue;
            }
            let k = known.get(&(e.entity, e.uid.clone())).cloned().unwrap_or_default();
            let ready = |order: u32, op: CatalogOp, hash: Option<String>, interim: bool| {
                (order, ReadyOp { entry: e.clone(), op, hash, interim })
            };
            match e.entity {
                Entity::Category => match categories.get(&e.uid) {
                    Some((data, depth)) => {
                        let h = content_hash(data);
                        if k.sent_hash.as_deref() == Some(h.as_str()) {
                            drop.push((e.id, e.change_seq));
                            continue;
                        }
                        ops.push(ready(*depth, CatalogOp::upsert_category(&e.uid, k.version, data), Some(h), false));
                    }
                    None if k.version == 0 => drop.push((e.id, e.change_seq)),
                    None => {
                        let op = CatalogOp::delete(ObjectType::Category, &e.uid, k.version);
                        ops.push(ready(DELETE_CATEGORY, op, None, false))
                    }
                },
                Entity::Product => match products.get(&e.uid) {
                    Some(data) => {
                        let h = content_hash(data);
                        if k.sent_hash.as_deref() == Some(h.as_str()) {
                            drop.push((e.id, e.change_seq));
                            continue;
                        }
                        if data.images.iter().all(|i| self.on_server.contains(i)) {
                            ops.push(ready(
                                UPSERT_PRODUCT,
                                CatalogOp::upsert_product(&e.uid, k.version, data),
                                Some(h),
                                false,
                            ));
                            continue;
                        }
                        // Its photos are not all up yet. A new product waits for them (it is
                        // published with its photos, never without). One the marketplace
                        // shows already gets its other changes now — a stock or a price must
                        // not wait behind photos — with the images the server already has.
                        waiting += 1;
                        let Some(previous) = k.sent_images.as_ref().filter(|_| k.version > 0) else { continue };
                        let mut interim = data.clone();
                        interim.images = previous.iter().filter(|i| self.on_server.contains(*i)).cloned().collect();
                        let hi = content_hash(&interim);
                        if k.sent_hash.as_deref() != Some(hi.as_str()) {
                            ops.push(ready(
                                UPSERT_PRODUCT,
                                CatalogOp::upsert_product(&e.uid, k.version, &interim),
                                Some(hi),
                                true,
                            ));
                        }
                    }
                    None if k.version == 0 => drop.push((e.id, e.change_seq)),
                    None => {
                        let op = CatalogOp::delete(ObjectType::Product, &e.uid, k.version);
                        ops.push(ready(DELETE_PRODUCT, op, None, false))
                    }
                },
            }
        }
        self.db.drop_outbox_entries(&drop).await?;
        ops.sort_by_key(|(o, r)| (*o, r.entry.id));
        Ok((ops, waiting))
    }
}
