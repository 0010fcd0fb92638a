//! Draining the outbox against the marketplace.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use comptoir_protocol::auth::PairRequest;
use comptoir_protocol::catalog::{
    CatalogBatchRequest, CatalogBatchResponse, CatalogOp, ObjectType, OpKind, OpStatus, ProductData,
};
use comptoir_protocol::client::{Client, ClientError};
use comptoir_protocol::hash::content_hash;
use comptoir_protocol::me::Me;
use serde::Serialize;

use super::backoff::{Backoff, Rng};
use super::credentials::TokenStore;
use super::renders::Renders;
use super::upload::{ProgressSink, UploadLane, Uploaded};
use crate::Db;
use crate::storage::promotions::MarketCampaignRow;
use crate::storage::sync::{Entity, KnownObject, OpOutcome, OutboxEntry, RemoteStock};

/// Why a sync did not complete. The messages are French and never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Comptoir n'est pas connecté à une place de marché : lancez d'abord la connexion")]
    NotConnected,
    #[error("Adresse de la place de marché invalide : {0}")]
    BadUrl(String),
    /// The server could not be reached or is overloaded; retry after `retry_in`.
    #[error("Place de marché injoignable ({message}) : nouvel essai dans {} s", retry_in.as_secs())]
    Offline { message: String, retry_in: Duration },
    #[error("La place de marché a refusé la demande : {0}")]
    Refused(String),
    #[error("Jeton refusé par la place de marché : reconnectez Comptoir avec un nouveau code d'appairage")]
    Unauthorized,
    #[error(transparent)]
    Keychain(#[from] super::credentials::KeychainError),
    #[error(transparent)]
    Core(#[from] crate::Error),
}

/// Sync failures cross IPC like every other error: `{code, message}`, the message
/// French and free of the token.
impl From<SyncError> for crate::ErrorPayload {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Core(e) => e.into(),
            other => crate::ErrorPayload { code: other.code(), message: other.to_string(), fields: vec![] },
        }
    }
}

impl SyncError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            SyncError::NotConnected => C::SyncNotConnected,
            SyncError::BadUrl(_) => C::SyncBadUrl,
            SyncError::Offline { .. } => C::SyncOffline,
            SyncError::Refused(_) => C::SyncRefused,
            SyncError::Unauthorized => C::SyncUnauthorized,
            SyncError::Keychain(_) => C::Keychain,
            SyncError::Core(e) => e.code(),
        }
    }
}

type SResult<T> = std::result::Result<T, SyncError>;

/// Who we are connected to, for the settings screen and `connect`'s output.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Connection {
    pub url: String,
    pub shop_id: String,
    pub shop_name: String,
    pub max_batch_ops: u32,
    pub max_media_bytes: u64,
}

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
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("reconcile", &self.reconcile)
            .field("parallel_uploads", &self.parallel_uploads)
            .field("backoff", &self.backoff)
            .field("idle_timeout", &self.idle_timeout)
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

/// A URL is acceptable when it is https, or plain http to the loopback only.
pub fn check_url(url: &str) -> SResult<String> {
    let u = url.trim().trim_end_matches('/');
    let rest = if let Some(r) = u.strip_prefix("https://") {
        r
    } else if let Some(r) = u.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or("");
        let host = if host.starts_with('[') {
            host.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host.rsplit_once(':').map_or(host, |(h, _)| h)
        };
        if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
            return Err(SyncError::BadUrl(format!(
                "{u} : seules les adresses https:// sont acceptées (http:// uniquement pour 127.0.0.1 ou localhost)"
            )));
        }
        r
    } else {
        return Err(SyncError::BadUrl(format!("{u} : l'adresse doit commencer par https://")));
    };
    if rest.is_empty() {
        return Err(SyncError::BadUrl(format!("{u} : il manque le nom du serveur")));
    }
    Ok(u.to_owned())
}

/// The HTTP client of the sync: a limit on connecting, none on a whole request (the
/// protocol client's idle watchdog decides when a line is dead, see
/// `comptoir_protocol::transfer`).
fn http(idle: Duration) -> reqwest::Client {
    reqwest::Client::builder().connect_timeout(Duration::from_secs(10).min(idle)).build().unwrap_or_default()
}

fn client(url: &str, token: &str, idle: Duration) -> Client {
    Client::with_http(http(idle), url, token).with_idle_timeout(Some(idle))
}

/// How the shop proves who it is when connecting.
pub enum Credential {
    PairingCode(String),
    Token(String),
}

/// Connects to a marketplace: pairs (or takes the token), checks it with `GET /v1/me`,
/// stores the token in the OS keychain (only there) and the address in the database.
pub async fn connect(db: &Db, url: &str, cred: Credential, keychain: &dyn TokenStore) -> SResult<Connection> {
    let url = check_url(url)?;
    let token = match cred {
        Credential::Token(t) => t.trim().to_owned(),
        Credential::PairingCode(code) => {
            let req = PairRequest { pairing_code: code.trim().to_owned(), device_name: Some("Comptoir".to_owned()) };
            Client::pair(&url, &req).await.map_err(|e| api_error(&e))?.token
        }
    };
    let client = client(&url, &token, Duration::from_secs(60));
    let me = client.me().await.map_err(|e| api_error(&e))?;
    keychain.set(&me.shop.id, &token)?;
    let limits = serde_json::to_string(&me.limits).unwrap_or_default();
    db.set_sync_connection(&url, &me.shop.id, &me.shop.name, &limits).await?;
    tracing::info!("connecté à la place de marché {url}, boutique {}", me.shop.id);
    Ok(connection(&url, &me))
}

fn connection(url: &str, me: &Me) -> Connection {
    Connection {
        url: url.to_owned(),
        shop_id: me.shop.id.clone(),
        shop_name: me.shop.name.clone(),
        max_batch_ops: me.limits.max_batch_ops,
        max_media_bytes: me.limits.max_media_bytes,
    }
}

/// Forgets the connection and removes the token from the keychain.
pub async fn disconnect(db: &Db, keychain: &dyn TokenStore) -> SResult<()> {
    let st = db.sync_state().await?;
    if let Some(shop) = st.shop_id {
        keychain.delete(&shop)?;
    }
    db.clear_sync_connection().await?;
    tracing::info!("déconnecté de la place de marché");
    Ok(())
}

/// Maps a client error to ours; never includes the request (hence never the token).
pub(crate) fn api_error(e: &ClientError) -> SyncError {
    match e {
        ClientError::Transport(t) => SyncError::Offline {
            message: if t.is_timeout() { "délai dépassé".to_owned() } else { "connexion impossible".to_owned() },
            retry_in: Duration::ZERO,
        },
        ClientError::Stalled { idle } => SyncError::Offline {
            message: format!("la connexion ne répond plus depuis {} s", idle.as_secs()),
            retry_in: Duration::ZERO,
        },
        ClientError::Api { problem, retry_after } => {
            if problem.status == 401 {
                SyncError::Unauthorized
            } else if e.is_retryable() {
                SyncError::Offline {
                    message: format!("HTTP {} {}", problem.status, problem.code),
                    retry_in: retry_after.unwrap_or_default(),
                }
            } else {
                SyncError::Refused(format!("{} ({})", problem.title, problem.code))
            }
        }
        ClientError::Protocol { status, message } => SyncError::Refused(format!("HTTP {status} : {message}")),
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

/// The images an upsert of a product names.
fn op_images(op: &CatalogOp) -> Vec<String> {
    if op.op != OpKind::Upsert || op.object_type != ObjectType::Product {
        return Vec::new();
    }
    let images = op.data.as_ref().and_then(|d| d.get("images")).and_then(|i| i.as_array());
    images.into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// Serialized size of one op in a batch body (its JSON and the separating comma).
fn op_size(op: &CatalogOp) -> usize {
    serde_json::to_vec(op).map_or(0, |b| b.len()) + 1
}

/// Cuts `items` into batches of at most `max_ops` items whose bodies stay under
/// `max_body` bytes (with a margin for the envelope): long descriptions or many
/// variants would otherwise make a 100-op batch too large, refused as a whole (413)
/// again and again. A single op larger than the limit goes alone (the server says
/// why, once).
fn split_batches<T>(items: &[T], max_ops: usize, max_body: usize, size: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let budget = max_body.saturating_sub(max_body / 20 + 64).max(1);
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let n = size(item);
        if i > start && (i - start >= max_ops.max(1) || bytes + n > budget) {
            out.push(&items[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += n;
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

/// The wire data of products, and the French reason of those withheld (published in
/// Comptoir, sent unpublished).
fn split_withheld(
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
struct ReadyOp {
    entry: OutboxEntry,
    op: CatalogOp,
    hash: Option<String>,
    interim: bool,
}

/// Conflicts on one object after which it waits for the next pass.
const MAX_CONFLICTS: u32 = 5;
/// Batches lost to the line in a row, while photos upload, before the pass gives up.
const MAX_LINE_FAILURES: u32 = 5;
/// How often the catalogue lane looks at the outbox while photos upload: a stock or
/// price change made meanwhile leaves within about this long.
const OUTBOX_POLL: Duration = Duration::from_secs(1);

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

    /// Keeps the campaigns the marketplace announces (MSP/1.1), for the Promotions
    /// screen to offer. A server of MSP/1.0 has none (404): nothing to keep, no error.
    async fn fetch_campaigns(&mut self) -> SResult<()> {
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

    /// Sends what is ready while the photo lane uploads: products whose photos are all
    /// on the server, deletions, categories, and — for a product the marketplace already
    /// shows — a change of its data with the images it already has. Wakes when a photo
    /// lands and every [`OUTBOX_POLL`] for changes made meanwhile; ends when nothing is
    /// left but products whose photos failed in this pass.
    async fn catalogue_lane(&mut self, lane: &mut UploadLane) -> SResult<()> {
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
                    let wait = super::upload::retry_wait(line_failures).max(retry_in);
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
        let entries = self.db.outbox_unbatched().await?;
        let (ops, waiting) = self.build_ops(&entries, lane).await?;
        lane.set_products_waiting(waiting);
        for chunk in split_batches(&ops, self.max_ops, self.max_body, |r| op_size(&r.op)) {
            self.freeze_and_send(chunk).await?;
        }
        Ok(!ops.is_empty())
    }

    /// A batch frozen and not answered (a crash, the line dropped under it): the same
    /// request again, with its key — unless it names an image the server lacks. This
    /// version freezes a product only once its photos are up; a batch frozen by an older
    /// Comptoir named the photos' originals, which must never be uploaded: it is rebuilt
    /// from the rows instead.
    async fn resend_open_batches(&mut self) -> SResult<()> {
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

    async fn freeze_and_send(&mut self, chunk: &[ReadyOp]) -> SResult<()> {
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

    /// A photo upload ended.
    async fn uploaded(&mut self, u: Uploaded) -> SResult<()> {
        match u.result {
            Ok(n) => {
                self.missing.remove(&u.sha256);
                self.on_server.insert(u.sha256.clone());
                self.db.mark_media_on_server(std::slice::from_ref(&u.sha256), self.now).await?;
                self.report.requests += 1;
                if n > 0 {
                    self.report.photos_uploaded += 1;
                    self.report.photo_bytes += n;
                    self.report.bytes_sent += n;
                }
            }
            Err(e) => self.failed.push((u.sha256, e)),
        }
        Ok(())
    }

    /// Asks the server which of `images` it holds, for those not asked yet.
    async fn check_media(&mut self, images: &[String]) -> SResult<()> {
        let mut ask: Vec<String> = Vec::new();
        for i in images {
            if !self.on_server.contains(i) && !self.missing.contains(i) && !ask.contains(i) {
                ask.push(i.clone());
            }
        }
        for chunk in ask.chunks(1000) {
            self.report.requests += 1;
            self.report.bytes_sent += (chunk.len() * 67 + 12) as u64;
            let hashes = chunk.to_vec();
            let answer = self
                .patiently(|c| {
                    let hashes = hashes.clone();
                    async move { c.media_check_detailed(&hashes).await }
                })
                .await
                .map_err(|e| api_error(&e))?;
            let present: Vec<String> = chunk.iter().filter(|h| !answer.missing.contains(h)).cloned().collect();
            self.db.mark_media_on_server(&present, self.now).await?;
            self.on_server.extend(present);
            self.partial.extend(answer.partial);
            self.missing.extend(answer.missing);
        }
        Ok(())
    }

    async fn pull_events(&mut self, mut after: i64) -> SResult<()> {
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
                    if status == "rejected" {
                        self.report.rejected += 1;
                    }
                    moderations.push((m.external_id, m.version, status.to_owned(), m.moderation.reason));
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
    async fn reconcile(&mut self) -> SResult<()> {
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
        let mut local: HashMap<(Entity, String), String> = HashMap::new();
        for (uid, (data, _)) in self.db.sync_category_data().await? {
            local.insert((Entity::Category, uid), content_hash(&data));
        }
        let (mut products, withheld) = split_withheld(self.db.sync_products(None).await?);
        let uids: Vec<String> = products.keys().cloned().collect();
        self.db.set_withheld_issues(&uids, &withheld, self.now).await?;
        self.renders.fill(&mut products, true).await?;
        for (uid, data) in products {
            local.insert((Entity::Product, uid), content_hash(&data));
        }
        let mut known = Vec::new();
        let mut queue = Vec::new();
        for (key, hash) in &local {
            match server.get(key) {
                Some((v, false, Some(h))) if h == hash => {
                    let k = KnownObject { version: *v, sent_hash: Some(h.clone()), sent_images: None };
                    known.push((key.0, key.1.clone(), k));
                }
                Some((v, _, _)) => {
                    known.push((key.0, key.1.clone(), KnownObject { version: *v, sent_hash: None, sent_images: None }));
                    queue.push(key.clone());
                }
                None => queue.push(key.clone()),
            }
        }
        for (key, (v, deleted, _)) in &server {
            if !deleted && !local.contains_key(key) {
                known.push((key.0, key.1.clone(), KnownObject { version: *v, sent_hash: None, sent_images: None }));
                queue.push(key.clone());
            }
        }
        self.db.set_known_objects(&known).await?;
        self.db.enqueue_sync(&queue).await?;
        Ok(())
    }

    /// Builds the ops of the pending entries from the current rows (coalescing: the
    /// final state only), with each product's photos as renders. Entries whose content
    /// the server already holds are dropped. Renders the server lacks are queued on the
    /// photo lane, in the outbox's order so that products complete one after the other.
    /// Returns the ops ready now and how many products wait for their photos.
    async fn build_ops(&mut self, entries: &[OutboxEntry], lane: &mut UploadLane) -> SResult<(Vec<ReadyOp>, usize)> {
        let known = self.db.known_objects().await?;
        let categories = self.db.sync_category_data().await?;
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
                        ops.push(ready(3000, CatalogOp::delete(ObjectType::Category, &e.uid, k.version), None, false))
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
                            ops.push(ready(1000, CatalogOp::upsert_product(&e.uid, k.version, data), Some(h), false));
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
                                1000,
                                CatalogOp::upsert_product(&e.uid, k.version, &interim),
                                Some(hi),
                                true,
                            ));
                        }
                    }
                    None if k.version == 0 => drop.push((e.id, e.change_seq)),
                    None => {
                        ops.push(ready(2000, CatalogOp::delete(ObjectType::Product, &e.uid, k.version), None, false))
                    }
                },
            }
        }
        self.db.drop_outbox_entries(&drop).await?;
        ops.sort_by_key(|(o, r)| (*o, r.entry.id));
        Ok((ops.into_iter().map(|(_, r)| r).collect(), waiting))
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
    use super::split_batches;

    #[test]
    fn batches_respect_both_the_op_count_and_the_body_size() {
        let sizes = [10usize; 25];
        let by_count: Vec<usize> = split_batches(&sizes, 10, 1 << 20, |s| *s).iter().map(|c| c.len()).collect();
        assert_eq!(by_count, [10, 10, 5]);
        // 1000-byte budget (minus the envelope's margin): 300-byte ops go 2 by 2.
        let big = [300usize; 5];
        let by_size: Vec<usize> = split_batches(&big, 100, 1000, |s| *s).iter().map(|c| c.len()).collect();
        assert_eq!(by_size, [2, 2, 1]);
        // An op larger than the limit goes alone, never dropped.
        let huge = [10usize, 5000, 10];
        let alone: Vec<usize> = split_batches(&huge, 100, 1000, |s| *s).iter().map(|c| c.len()).collect();
        assert_eq!(alone, [1, 1, 1]);
    }
}
