//! Frozen batches: ops cut into batches within the server's limits, each frozen with
//! its Idempotency-Key before it is sent (and sent again, same key, after a cut), the
//! results mapped back to the outbox entries.

use comptoir_protocol::catalog::{
    CatalogBatchRequest, CatalogBatchResponse, CatalogOp, ObjectType, OpKind, OpStatus, ProductData,
};
use serde::Serialize;

use super::{Pass, SResult, SyncError, api_error};
use crate::storage::sync::{Entity, OpOutcome, OutboxEntry};

/// The images an upsert of a product names.
fn op_images(op: &CatalogOp) -> Vec<String> {
    if op.op != OpKind::Upsert || op.object_type != ObjectType::Product {
        return Vec::new();
    }
    let images = op.data.as_ref().and_then(|d| d.get("images")).and_then(|i| i.as_array());
    images.into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// Serialized size of one op in a batch body (its JSON and the separating comma).
pub(super) fn op_size(op: &CatalogOp) -> usize {
    serde_json::to_vec(op).map_or(0, |b| b.len()) + 1
}

/// Cuts items, as they come, into batches of at most `max_ops` items whose bodies stay
/// under `max_body` bytes (with a margin for the envelope): long descriptions or many
/// variants would otherwise make a 100-op batch too large, refused as a whole (413)
/// again and again. A single op larger than the limit goes alone (the server says
/// why, once). Fed one op at a time, a pass holds one batch, never the catalogue's ops.
pub(super) struct Batches<T> {
    items: Vec<T>,
    bytes: usize,
    max_ops: usize,
    budget: usize,
}

impl<T> Batches<T> {
    pub(super) fn new(max_ops: usize, max_body: usize) -> Self {
        let budget = max_body.saturating_sub(max_body / 20 + 64).max(1);
        Self { items: Vec::new(), bytes: 0, max_ops: max_ops.max(1), budget }
    }

    /// Adds an item of `size` bytes; the batch it closes, when it does not fit in it.
    pub(super) fn push(&mut self, item: T, size: usize) -> Option<Vec<T>> {
        let full = !self.items.is_empty() && (self.items.len() >= self.max_ops || self.bytes + size > self.budget);
        let closed = full.then(|| {
            self.bytes = 0;
            std::mem::take(&mut self.items)
        });
        self.items.push(item);
        self.bytes += size;
        closed
    }

    /// The last batch, if any item is left.
    pub(super) fn finish(self) -> Option<Vec<T>> {
        (!self.items.is_empty()).then_some(self.items)
    }
}

/// What the shop is told of an op the marketplace refused: its explanation and each
/// field's (the server words the shop's vocabulary in French), else its title.
fn problem_message(p: &comptoir_protocol::Problem) -> String {
    let fields: Vec<&str> = p.errors.iter().map(|e| e.detail.as_str()).collect();
    match (&p.detail, fields.is_empty()) {
        (Some(d), true) => d.clone(),
        (Some(d), false) => format!("{d} : {}", fields.join(" ; ")),
        (None, false) => fields.join(" ; "),
        (None, true) => p.title.clone(),
    }
}

/// Ops of one frozen batch, to map results back to outbox entries.
#[derive(Serialize, serde::Deserialize)]
struct Frozen {
    request: CatalogBatchRequest,
    hashes: Vec<Option<String>>,
    /// Per op: sent with the images already on the server while its new photos upload
    /// (the outbox entry stays for the complete version). Absent in older batches.
    #[serde(default)]
    interim: Vec<bool>,
}

/// One op ready to send, with its outbox entry.
pub(super) struct ReadyOp {
    pub(super) entry: OutboxEntry,
    pub(super) op: CatalogOp,
    pub(super) hash: Option<String>,
    pub(super) interim: bool,
}

impl Pass<'_> {
    /// A batch frozen and not answered (a crash, the line dropped under it): the same
    /// request again, with its key — unless it names an image the server lacks. This
    /// version freezes a product only once its photos are up; a batch frozen by an older
    /// Comptoir named the photos' originals, which must never be uploaded: it is rebuilt
    /// from the rows instead.
    pub(super) async fn resend_open_batches(&mut self) -> SResult<()> {
        while let Some(b) = self.db.open_batch().await? {
            let frozen: Frozen = match serde_json::from_str(&b.body) {
                Ok(f) => f,
                Err(_) => {
                    self.db.abandon_batch(&b.key).await?;
                    continue;
                }
            };
            let images: Vec<String> = frozen.request.ops.iter().flat_map(op_images).collect();
            self.check_media(&images).await?;
            if images.iter().any(|i| !self.on_server.contains(i)) {
                self.db.abandon_batch(&b.key).await?;
                continue;
            }
            self.send(&b.key, &frozen).await?;
        }
        Ok(())
    }

    pub(super) async fn freeze_and_send(&mut self, chunk: &[ReadyOp]) -> SResult<()> {
        let request = CatalogBatchRequest { ops: chunk.iter().map(|r| r.op.clone()).collect() };
        let frozen = Frozen {
            request,
            hashes: chunk.iter().map(|r| r.hash.clone()).collect(),
            interim: chunk.iter().map(|r| r.interim).collect(),
        };
        let body = serde_json::to_string(&frozen).unwrap_or_default();
        let key = self.rng.key();
        let ids: Vec<(i64, i64)> = chunk.iter().map(|r| (r.entry.id, r.entry.change_seq)).collect();
        self.db.freeze_batch(&key, "catalog", &body, &ids, self.now).await?;
        self.send(&key, &frozen).await
    }

    async fn send(&mut self, key: &str, frozen: &Frozen) -> SResult<()> {
        self.report.requests += 1;
        self.report.bytes_sent += serde_json::to_vec(&frozen.request).map_or(0, |b| b.len() as u64);
        let sent = self
            .patiently(|c| {
                let (key, request) = (key.to_owned(), frozen.request.clone());
                async move { c.catalog_batch(&key, &request).await }
            })
            .await;
        let resp: CatalogBatchResponse = match sent {
            Ok(r) => r.value,
            Err(e) if e.code() == Some(comptoir_protocol::problem::codes::IDEMPOTENCY_KEY_REUSED) => {
                self.db.abandon_batch(key).await?;
                return Ok(());
            }
            Err(e) => {
                let err = api_error(&e);
                if matches!(err, SyncError::Refused(_)) {
                    // Refused as a whole (malformed): rebuilt from the rows next time.
                    self.db.abandon_batch(key).await?;
                }
                return Err(err);
            }
        };
        let mut outcomes = Vec::new();
        let mut stock = Vec::new();
        for (i, op) in frozen.request.ops.iter().enumerate() {
            let entity = match op.object_type {
                ObjectType::Category => Entity::Category,
                _ => Entity::Product,
            };
            let Some(r) = resp.results.get(i) else { continue };
            let outcome = match r.status {
                OpStatus::Ok => {
                    self.report.operations += 1;
                    let mut images = None;
                    if entity == Entity::Product
                        && let Some(d) =
                            op.data.as_ref().and_then(|d| serde_json::from_value::<ProductData>(d.clone()).ok())
                    {
                        stock.extend(d.variants.iter().map(|v| (v.sku.clone(), v.stock.available)));
                        images = Some(d.images);
                    }
                    OpOutcome::Ok {
                        version: r.version.unwrap_or(0),
                        hash: frozen.hashes.get(i).cloned().flatten(),
                        images,
                        interim: frozen.interim.get(i).copied().unwrap_or(false),
                    }
                }
                OpStatus::Conflict => {
                    self.report.conflicts_resolved += 1;
                    *self.conflicts.entry((entity, op.external_id.clone())).or_default() += 1;
                    OpOutcome::Conflict { current_version: r.current_version.unwrap_or(0) }
                }
                OpStatus::Invalid => {
                    self.report.rejected += 1;
                    let message =
                        r.problem.as_ref().map_or_else(|| "Refusé par la place de marché".to_owned(), problem_message);
                    OpOutcome::Invalid { message }
                }
                // An answer this client does not understand: keep the entry for later.
                OpStatus::Unknown => OpOutcome::Conflict { current_version: r.current_version.unwrap_or(0) },
            };
            outcomes.push((entity, op.external_id.clone(), outcome));
        }
        self.db.finish_batch(key, &outcomes, self.now).await?;
        self.db.set_known_stock(&stock).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Batches;

    /// The batches' lengths of items of these sizes.
    fn cut(sizes: &[usize], max_ops: usize, max_body: usize) -> Vec<usize> {
        let mut batches = Batches::new(max_ops, max_body);
        let mut out: Vec<usize> = sizes.iter().filter_map(|s| batches.push(*s, *s)).map(|b| b.len()).collect();
        out.extend(batches.finish().map(|b| b.len()));
        out
    }

    #[test]
    fn batches_respect_both_the_op_count_and_the_body_size() {
        assert_eq!(cut(&[10; 25], 10, 1 << 20), [10, 10, 5]);
        // 1000-byte budget (minus the envelope's margin): 300-byte ops go 2 by 2.
        assert_eq!(cut(&[300; 5], 100, 1000), [2, 2, 1]);
        // An op larger than the limit goes alone, never dropped.
        assert_eq!(cut(&[10, 5000, 10], 100, 1000), [1, 1, 1]);
        assert_eq!(cut(&[], 100, 1000), Vec::<usize>::new());
    }
}
