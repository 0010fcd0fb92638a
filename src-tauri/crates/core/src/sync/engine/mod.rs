//! Draining the outbox against the marketplace.
//!
//! This module drives one pass ([`sync_once`]: the pass's state, its order of work,
//! what it records and logs when it ends); its parts:
//!
//! - `error`: why a sync did not complete, and client errors mapped to it;
//! - `connection`: connecting (pairing, the token in the keychain) and disconnecting;
//! - `remote`: what the marketplace tells the pass — events, the full reconciliation,
//!   the campaigns it announces;
//! - `catalogue`: the catalogue lane — what is ready to send, as it becomes ready;
//! - `batches`: frozen batches — cut to the server's limits, sent with their key, the
//!   results mapped back to the outbox;
//! - `media`: which images the server holds, and the photo lane's uploads as they end.

mod batches;
mod catalogue;
mod connection;
mod error;
mod media;
mod remote;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use comptoir_protocol::client::{Client, ClientError};
use serde::Serialize;

use super::backoff::{Backoff, Rng};
use super::credentials::TokenStore;
use super::renders::Renders;
use super::upload::{ProgressSink, UploadLane};
use crate::Db;
use crate::storage::sync::Entity;
use connection::client;
pub use connection::{Connection, Credential, check_url, connect, disconnect};
pub use error::SyncError;
pub(crate) use error::api_error;

type SResult<T> = std::result::Result<T, SyncError>;

#[derive(Clone)]
pub struct SyncOptions {
    /// Diff `catalog/state` against the local catalogue first (also done on the first
    /// sync after connecting).
    pub reconcile: bool,
    /// Most photos uploaded at once (on a fast line; a slow one gets one at a time).
    pub parallel_uploads: usize,
    pub backoff: Backoff,
    /// A request with no byte moving for this long counts as lost (the frozen batch is
    /// re-sent with its key, so a write the server did commit is not doubled). Never a
    /// limit on a whole request: a 1 MiB batch takes 25 s on a 40 KB/s line, and is fine.
    pub idle_timeout: Duration,
    /// Told how the photo uploads stand, about once a second.
    pub progress: Option<ProgressSink>,
    /// Outbox entries (and, reconciling, products) read and turned into requests at
    /// once. What a pass holds is bounded by this, not by the catalogue: a first sync of
    /// 50,000 products held them all, their ops and their JSON at once (issue 17). The
    /// requests sent do not depend on it; tests make it small to cross pages.
    pub page: usize,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("reconcile", &self.reconcile)
            .field("parallel_uploads", &self.parallel_uploads)
            .field("backoff", &self.backoff)
            .field("idle_timeout", &self.idle_timeout)
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            reconcile: false,
            parallel_uploads: 3,
            backoff: Backoff::default(),
            idle_timeout: Duration::from_secs(30),
            progress: None,
            page: 1000,
        }
    }
}

/// What one sync pass did.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct SyncReport {
    /// Catalogue operations sent (upserts and deletes).
    pub operations: u32,
    pub photos_uploaded: u32,
    pub photo_bytes: u64,
    /// HTTP requests made.
    pub requests: u32,
    /// Request bodies sent, in bytes.
    pub bytes_sent: u64,
    /// Local stock moved by sales on the marketplace.
    pub stock_changes_applied: u32,
    pub conflicts_resolved: u32,
    pub rejected: u32,
    pub pending_after: i64,
}

impl SyncReport {
    /// Adds another pass's figures (several passes shown as one); `pending_after` is
    /// the later pass's.
    pub fn add(&mut self, r: &SyncReport) {
        self.operations += r.operations;
        self.photos_uploaded += r.photos_uploaded;
        self.photo_bytes += r.photo_bytes;
        self.requests += r.requests;
        self.bytes_sent += r.bytes_sent;
        self.stock_changes_applied += r.stock_changes_applied;
        self.conflicts_resolved += r.conflicts_resolved;
        self.rejected += r.rejected;
        self.pending_after = r.pending_after;
    }
}

struct Pass<'a> {
    db: &'a Db,
    client: Client,
    renders: Renders,
    opts: &'a SyncOptions,
    rng: &'a mut Rng,
    now: DateTime<Utc>,
    report: SyncReport,
    max_ops: usize,
    max_body: usize,
    /// Images the server is known to hold (`media/check`, or uploaded in this pass).
    on_server: HashSet<String>,
    /// Images asked about that the server lacks (renders among them are uploading).
    missing: HashSet<String>,
    /// Of those, the bytes the server holds of an upload an earlier pass began.
    partial: HashMap<String, u64>,
    /// Renders given to the photo lane in this pass (each once: one that failed waits
    /// for the next pass, with its products).
    pushed: HashSet<String>,
    /// Renders whose upload failed in this pass.
    failed: Vec<(String, SyncError)>,
    /// Conflicts met per object in this pass (a few rounds settle them).
    conflicts: HashMap<(Entity, String), u32>,
}

/// One sync pass: events, optional reconciliation, then the whole outbox.
///
/// On a network failure the failure is recorded (with the next retry time chosen by
/// the backoff) and returned as [`SyncError::Offline`] with the delay to wait.
pub async fn sync_once(
    db: &Db,
    data_dir: &Path,
    keychain: &dyn TokenStore,
    opts: &SyncOptions,
    rng: &mut Rng,
    now: DateTime<Utc>,
) -> SResult<SyncReport> {
    let st = db.sync_state().await?;
    let (Some(url), Some(shop)) = (st.marketplace_url.clone(), st.shop_id.clone()) else {
        return Err(SyncError::NotConnected);
    };
    let token = keychain.get(&shop).inspect_err(|e| tracing::warn!("synchronisation impossible : {e}"))?;
    let limits = st.limits.as_deref().and_then(|l| serde_json::from_str::<comptoir_protocol::me::Limits>(l).ok());
    let max_ops = limits.as_ref().map_or(100, |l| l.max_batch_ops as usize).max(1);
    // The body limit the server announced (1 MiB when unknown, the reference server's).
    let max_body = limits.as_ref().map_or(1024 * 1024, |l| l.max_body_bytes as usize);
    let mut pass = Pass {
        db,
        client: client(&url, &token, opts.idle_timeout),
        renders: Renders::new(db, data_dir).await?,
        opts,
        rng,
        now,
        report: SyncReport::default(),
        max_ops,
        max_body,
        on_server: HashSet::new(),
        missing: HashSet::new(),
        partial: HashMap::new(),
        pushed: HashSet::new(),
        failed: Vec::new(),
        conflicts: HashMap::new(),
    };
    let reconcile = opts.reconcile || st.reconciled_at.is_none();
    match pass.run(st.events_after, reconcile).await {
        Ok(()) => {
            db.record_sync_success(now, reconcile).await?;
            pass.report.pending_after = db.outbox_len().await?;
            let r = &pass.report;
            // A pass every minute that found nothing to do is not worth a line.
            if r.operations > 0 || r.photos_uploaded > 0 || r.stock_changes_applied > 0 || r.rejected > 0 || reconcile {
                tracing::info!(
                    "synchronisation : {} opération(s), {} photo(s) envoyée(s), {} mouvement(s) de stock reçus, {} refus, {} en attente{}",
                    r.operations,
                    r.photos_uploaded,
                    r.stock_changes_applied,
                    r.rejected,
                    r.pending_after,
                    if reconcile { " (rapprochement complet)" } else { "" }
                );
            }
            Ok(pass.report)
        }
        Err(SyncError::Offline { message, retry_in }) => {
            // A pass that got work accepted before a 429/503 met a busy server, not a
            // down one: the exponential wait starts again (Retry-After still holds), or a
            // long sync under a rate limit would crawl at the circuit breaker's pace.
            let progressed = pass.progressed();
            let failures = if progressed { 1 } else { db.sync_state().await?.failures + 1 };
            let delay = opts.backoff.delay(failures, Some(retry_in), pass.rng);
            let retry_at = now + chrono::Duration::from_std(delay).unwrap_or_default();
            db.record_sync_failure(now, true, progressed, &message, retry_at).await?;
            tracing::warn!(
                "synchronisation : place de marché injoignable ({message}), échec n° {failures}, nouvel essai dans {} s",
                delay.as_secs()
            );
            Err(SyncError::Offline { message, retry_in: delay })
        }
        Err(e) => {
            let failures = db.sync_state().await?.failures + 1;
            let delay = opts.backoff.delay(failures, None, pass.rng);
            let retry_at = now + chrono::Duration::from_std(delay).unwrap_or_default();
            db.record_sync_failure(now, false, false, &e.to_string(), retry_at).await?;
            tracing::warn!("synchronisation échouée (échec n° {failures}) : {e}");
            Err(e)
        }
    }
}

/// Longest Retry-After of a 429 waited out inside a pass ([`Pass::patiently`]).
const MAX_PACED_WAIT: Duration = Duration::from_secs(5);
/// 429s waited out per request before the pass gives up and backs off.
const MAX_PACED_WAITS: u32 = 20;

impl Pass<'_> {
    /// Sends a request, waiting out short rate limits inside the pass: a 429 with a
    /// Retry-After of a few seconds is the server pacing us, not a failure. Failing the
    /// whole pass instead would restart it (events, reconciliation pages) and, under a
    /// strict limit, it could never get through. Longer waits end the pass (backoff).
    async fn patiently<T, F, Fut>(&mut self, mut request: F) -> Result<T, ClientError>
    where
        F: FnMut(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut waits = 0;
        loop {
            match request(self.client.clone()).await {
                Err(e) if e.status() == Some(429) && waits < MAX_PACED_WAITS => {
                    let wait = e.retry_after().unwrap_or(Duration::from_secs(1));
                    if wait > MAX_PACED_WAIT {
                        return Err(e);
                    }
                    waits += 1;
                    self.report.requests += 1;
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    fn progressed(&self) -> bool {
        self.report.operations > 0 || self.report.photos_uploaded > 0 || self.report.conflicts_resolved > 0
    }

    async fn run(&mut self, events_after: i64, reconcile: bool) -> SResult<()> {
        self.pull_events(events_after).await?;
        if reconcile {
            self.reconcile().await?;
        }
        self.fetch_campaigns().await?;
        self.resend_open_batches().await?;
        let mut lane = UploadLane::start(
            self.client.clone(),
            self.db.clone(),
            self.opts.parallel_uploads,
            self.opts.progress.clone(),
        );
        // On an error the lane is dropped: uploads in flight stop where they are, and the
        // server keeps what arrived for the next pass to resume.
        self.catalogue_lane(&mut lane).await?;
        for u in lane.close().await {
            self.uploaded(u).await?;
        }
        match self.failed.drain(..).next() {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }
}
