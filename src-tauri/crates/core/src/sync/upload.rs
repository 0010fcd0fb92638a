//! The photo lane of a sync pass: uploads renders while the catalogue lane
//! (`engine`) keeps sending what is ready, so that a stock or price change never waits
//! behind 300 photos on a 40 KB/s line.
//!
//! - **Independent uploads.** One photo failing neither cancels the others nor ends the
//!   pass: it is retried within the pass with a growing wait, and given up for this pass
//!   only after [`MAX_STALLED_TRIES`] tries in a row that moved no byte.
//! - **Resumed, not restarted.** Uploads are offset-based (`PATCH /v1/media/{sha}/upload`):
//!   after a cut the server says how many bytes it kept and the upload goes on from
//!   there. A server without that route gets the whole photo in one `PUT`.
//! - **Parallelism follows the line.** One upload at a time until the rate is measured,
//!   and on a slow line (under [`SLOW_LINE`]): parallel uploads would only share the
//!   same bytes per second, so every photo — and the product waiting for it — would
//!   arrive later, and a cut would hit several at once. On a faster line a few run at
//!   once, which hides each request's round trips.
//! - **Progress** (photos and bytes sent / to send, rate, time left, slow line) is
//!   published about once a second.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use comptoir_protocol::client::{Client, ClientError};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::engine::{SyncError, api_error};
use super::renders::{RENDER_MEDIA_TYPE, Render, read_render};
use crate::Db;
use crate::photos::store::sha256_hex;

/// Below this upload rate (bytes/s, about 1 Mbit/s) the line counts as slow.
pub const SLOW_LINE: u64 = 125_000;
/// Tries in a row that moved no byte before a photo is left for the next pass.
pub const MAX_STALLED_TRIES: u32 = 6;
/// Longest wait between two tries of one photo.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
/// The window the upload rate is measured over.
const RATE_WINDOW: Duration = Duration::from_secs(8);

/// Where the photos of a sync pass stand, for the status bar and the marketplace screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct UploadProgress {
    /// Photos fully on the marketplace in this pass, out of those it had to send.
    pub photos_done: u32,
    pub photos_total: u32,
    /// Bytes of photos sent / to send in this pass (a resumed upload counts what remained).
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Measured upload rate over the last seconds, bytes per second (0 until measured).
    pub bytes_per_sec: u64,
    /// Estimated seconds left, when the rate is known.
    pub eta_secs: Option<u64>,
    /// The line is slow (under about 1 Mbit/s): photos go one at a time.
    pub slow_link: bool,
    /// Catalogue changes (products, stock, prices) waiting only for their photos.
    pub products_waiting: u32,
}

/// Told the upload's progress about once a second, and `None` when the lane is done.
pub type ProgressSink = Arc<dyn Fn(Option<UploadProgress>) + Send + Sync>;

/// The counters the lane and the catalogue lane share.
#[derive(Default)]
struct Counters {
    photos_total: AtomicU64,
    photos_done: AtomicU64,
    bytes_total: AtomicU64,
    bytes_done: AtomicU64,
    /// Every byte handed to the line, re-sent ones included: the line's rate.
    bytes_on_line: AtomicU64,
    products_waiting: AtomicU64,
}

impl Counters {
    /// Moves `bytes_done` by what a try really achieved (the server's offset went from
    /// `from` to `to`, lower if it had lost a part) after its slices counted `counted`.
    fn settle(&self, counted: u64, from: u64, to: u64) {
        let (up, down) = (to, from + counted);
        if up >= down {
            self.bytes_done.fetch_add(up - down, Ordering::Relaxed);
        } else {
            self.bytes_done.fetch_sub((down - up).min(self.bytes_done.load(Ordering::Relaxed)), Ordering::Relaxed);
        }
    }
}

/// How one photo's upload ended.
#[derive(Debug)]
pub struct Uploaded {
    pub sha256: String,
    /// Bytes sent for it in this pass (0: the server already had it).
    pub result: Result<u64, SyncError>,
}

/// The lane's handle, owned by the catalogue lane.
pub struct UploadLane {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    done: mpsc::UnboundedReceiver<Uploaded>,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
    /// Queued or in flight.
    outstanding: usize,
}

impl UploadLane {
    pub fn start(client: Client, db: Db, max_parallel: usize, sink: Option<ProgressSink>) -> Self {
        let (jobs, jobs_rx) = mpsc::unbounded_channel();
        let (done_tx, done) = mpsc::unbounded_channel();
        let counters = Arc::new(Counters::default());
        let lane = Lane { client, db, max_parallel: max_parallel.clamp(1, 4), counters: counters.clone(), sink };
        let task = tokio::spawn(lane.run(jobs_rx, done_tx));
        Self { jobs: Some(jobs), done, counters, task, outstanding: 0 }
    }

    /// Queues a render (in the order given: a product's photos together), to be sent
    /// from `offset` (what the server said it holds of it, 0 for none).
    pub fn push(&mut self, render: Render, offset: u64) {
        self.counters.photos_total.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes_total.fetch_add(render.bytes, Ordering::Relaxed);
        if let Some(j) = &self.jobs
            && j.send(Job { render, offset }).is_ok()
        {
            self.outstanding += 1;
        }
    }

    pub fn is_idle(&self) -> bool {
        self.outstanding == 0
    }

    pub fn set_products_waiting(&self, n: usize) {
        self.counters.products_waiting.store(n as u64, Ordering::Relaxed);
    }

    /// The uploads finished since the last call, without waiting.
    pub fn finished(&mut self) -> Vec<Uploaded> {
        let mut out = Vec::new();
        while let Ok(u) = self.done.try_recv() {
            self.outstanding = self.outstanding.saturating_sub(1);
            out.push(u);
        }
        out
    }

    /// Waits until an upload finishes or `at_most` passed.
    pub async fn wait(&mut self, at_most: Duration) -> Vec<Uploaded> {
        if self.outstanding > 0
            && let Ok(Some(u)) = tokio::time::timeout(at_most, self.done.recv()).await
        {
            self.outstanding = self.outstanding.saturating_sub(1);
            let mut out = vec![u];
            out.extend(self.finished());
            return out;
        }
        if self.outstanding == 0 {
            tokio::time::sleep(at_most).await;
        }
        self.finished()
    }

    /// No more photos: lets the lane end once the queued ones are done. Dropping the
    /// lane instead (the pass failed) stops the uploads in flight where they are —
    /// the server keeps what arrived and the next pass resumes.
    pub async fn close(mut self) -> Vec<Uploaded> {
        self.jobs = None;
        let mut out = Vec::new();
        while self.outstanding > 0 {
            match self.done.recv().await {
                Some(u) => {
                    self.outstanding -= 1;
                    out.push(u);
                }
                None => break,
            }
        }
        out
    }
}

impl Drop for UploadLane {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A render to upload and where to start.
struct Job {
    render: Render,
    offset: u64,
}

struct Lane {
    client: Client,
    db: Db,
    max_parallel: usize,
    counters: Arc<Counters>,
    sink: Option<ProgressSink>,
}

/// The line's rate over the last [`RATE_WINDOW`].
struct RateMeter {
    samples: VecDeque<(Instant, u64)>,
}

impl RateMeter {
    fn sample(&mut self, now: Instant, bytes: u64) -> Option<u64> {
        self.samples.push_back((now, bytes));
        while self.samples.len() > 2 && now.duration_since(self.samples[1].0) >= RATE_WINDOW {
            self.samples.pop_front();
        }
        let (t0, b0) = *self.samples.front()?;
        let secs = now.duration_since(t0).as_secs_f64();
        // Two seconds of data at least before calling a rate (the first slices fill
        // the socket's buffer at memory speed and say nothing of the line).
        (secs >= 2.0).then(|| ((bytes - b0) as f64 / secs) as u64)
    }
}

/// How many uploads at once for a measured rate (see the module's doc).
fn parallelism(rate: Option<u64>, max: usize) -> usize {
    match rate {
        None => 1,
        Some(r) if r < SLOW_LINE => 1,
        Some(r) => (1 + (r / (2 * SLOW_LINE)) as usize).clamp(1, max),
    }
}

impl Lane {
    async fn run(self, mut jobs: mpsc::UnboundedReceiver<Job>, done: mpsc::UnboundedSender<Uploaded>) {
        let lane = Arc::new(self);
        let mut queue: VecDeque<Job> = VecDeque::new();
        let mut running: JoinSet<Uploaded> = JoinSet::new();
        let mut closed = false;
        let mut rate = RateMeter { samples: VecDeque::new() };
        let mut measured: Option<u64> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            while running.len() < parallelism(measured, lane.max_parallel)
                && let Some(job) = queue.pop_front()
            {
                let l = lane.clone();
                running.spawn(async move {
                    let sha256 = job.render.sha256.clone();
                    let result = l.upload(&job.render, job.offset).await;
                    Uploaded { sha256, result }
                });
            }
            if closed && queue.is_empty() && running.is_empty() {
                break;
            }
            tokio::select! {
                job = jobs.recv(), if !closed => match job {
                    Some(r) => queue.push_back(r),
                    None => closed = true,
                },
                Some(joined) = running.join_next(), if !running.is_empty() => {
                    let u = joined.unwrap_or_else(|e| Uploaded {
                        sha256: String::new(),
                        result: Err(SyncError::Refused(format!("envoi de photo interrompu : {e}"))),
                    });
                    if u.result.is_ok() {
                        lane.counters.photos_done.fetch_add(1, Ordering::Relaxed);
                    }
                    if done.send(u).is_err() {
                        break;
                    }
                }
                _ = tick.tick() => {
                    measured = rate.sample(Instant::now(), lane.counters.bytes_on_line.load(Ordering::Relaxed)).or(measured);
                    lane.publish(measured);
                }
            }
        }
        if let Some(s) = &lane.sink {
            s(None);
        }
    }

    fn publish(&self, rate: Option<u64>) {
        let Some(sink) = &self.sink else { return };
        let c = &self.counters;
        let total = c.bytes_total.load(Ordering::Relaxed);
        let done = c.bytes_done.load(Ordering::Relaxed).min(total);
        let r = rate.unwrap_or(0);
        sink(Some(UploadProgress {
            photos_done: c.photos_done.load(Ordering::Relaxed) as u32,
            photos_total: c.photos_total.load(Ordering::Relaxed) as u32,
            bytes_done: done,
            bytes_total: total,
            bytes_per_sec: r,
            eta_secs: (r > 0).then(|| (total - done).div_ceil(r)),
            slow_link: rate.is_some_and(|r| r < SLOW_LINE),
            products_waiting: c.products_waiting.load(Ordering::Relaxed) as u32,
        }));
    }

    /// Uploads one render from `offset`, resuming after cuts; see the module's doc.
    async fn upload(&self, r: &Render, offset: u64) -> Result<u64, SyncError> {
        let Some(bytes) = read_render(&r.path, &r.sha256).await? else {
            return Err(self.render_changed(r).await);
        };
        let len = bytes.len() as u64;
        let c = &self.counters;
        // The render's size was counted when it was queued; it may differ from the file's.
        if len != r.bytes {
            c.bytes_total.fetch_add(len, Ordering::Relaxed);
            c.bytes_total.fetch_sub(r.bytes.min(c.bytes_total.load(Ordering::Relaxed)), Ordering::Relaxed);
        }
        // What an earlier pass already sent counts as done. (A stale offset is harmless:
        // the server answers with the one it holds.)
        let mut offset = offset.min(len);
        c.bytes_done.fetch_add(offset, Ordering::Relaxed);
        let start = offset;
        let mut stalled = 0u32;
        loop {
            let counted = Arc::new(AtomicU64::new(0));
            let (k, cs) = (counted.clone(), c.clone());
            let client = self.client.metered(Arc::new(move |n| {
                k.fetch_add(n, Ordering::Relaxed);
                cs.bytes_done.fetch_add(n, Ordering::Relaxed);
                cs.bytes_on_line.fetch_add(n, Ordering::Relaxed);
            }));
            let body = bytes[offset as usize..].to_vec();
            let sent = client.media_upload(&r.sha256, RENDER_MEDIA_TYPE, len, offset, body).await;
            let counted = counted.load(Ordering::Relaxed);
            let failure = match sent {
                Ok(st) if st.complete => {
                    c.settle(counted, offset, len);
                    return Ok(len - start);
                }
                Ok(st) => {
                    // The body ended early, or the server holds another offset: go on from its.
                    let at = st.offset.min(len);
                    c.settle(counted, offset, at);
                    if at != offset {
                        stalled = 0;
                        offset = at;
                        continue;
                    }
                    None
                }
                // A server that predates resumable uploads: the whole photo at once.
                Err(e) if matches!(e.status(), Some(404 | 405)) && e.code() != Some("media_not_found") => {
                    c.settle(counted, offset, 0);
                    return self.put_whole(r, bytes).await;
                }
                Err(e) if e.is_retryable() => {
                    // What did the server keep of that try? A line that drops but still
                    // moves is not a failing upload: go on from there at once.
                    let at = match self.client.media_upload_status(&r.sha256).await {
                        Ok(Some(st)) if st.complete => {
                            c.settle(counted, offset, len);
                            return Ok(len - start);
                        }
                        Ok(Some(st)) => Some(st.offset.min(len)),
                        Ok(None) => Some(0),
                        Err(_) => None,
                    };
                    match at {
                        Some(at) => {
                            c.settle(counted, offset, at);
                            let moved = at > offset;
                            offset = at;
                            if moved {
                                stalled = 0;
                                continue;
                            }
                        }
                        // The line is down: nothing known kept; the next try learns
                        // the server's offset from its answer.
                        None => c.settle(counted, offset, offset),
                    }
                    Some(e)
                }
                Err(e) => {
                    c.settle(counted, offset, offset);
                    return Err(api_error(&e));
                }
            };
            stalled += 1;
            if stalled >= MAX_STALLED_TRIES {
                return Err(failure.map_or_else(
                    || SyncError::Offline {
                        message: "l'envoi de la photo n'avance plus".to_owned(),
                        retry_in: Duration::ZERO,
                    },
                    |e| api_error(&e),
                ));
            }
            let wait = failure.as_ref().and_then(ClientError::retry_after).unwrap_or_else(|| retry_wait(stalled));
            tokio::time::sleep(wait).await;
        }
    }

    async fn put_whole(&self, r: &Render, bytes: Vec<u8>) -> Result<u64, SyncError> {
        let cs = self.counters.clone();
        let client = self.client.metered(Arc::new(move |n| {
            cs.bytes_done.fetch_add(n, Ordering::Relaxed);
            cs.bytes_on_line.fetch_add(n, Ordering::Relaxed);
        }));
        let len = bytes.len() as u64;
        client.media_put(&r.sha256, RENDER_MEDIA_TYPE, bytes).await.map_err(|e| api_error(&e))?;
        Ok(len)
    }

    /// The render file is missing or no longer hashes to what was recorded (a preset
    /// change, a pipeline update): its new hash is recorded so the next pass sends the
    /// product with it, and this upload is given up.
    async fn render_changed(&self, r: &Render) -> SyncError {
        if let Ok(bytes) = std::fs::read(&r.path) {
            let sha = sha256_hex(&bytes);
            if let Err(e) =
                self.db.set_product_photo_render(r.product_photo_id, &r.fingerprint, &sha, bytes.len() as u64).await
            {
                return e.into();
            }
        }
        SyncError::Refused(format!(
            "la photo {} a changé pendant l'envoi : elle repartira au prochain passage",
            &r.photo_sha[..12.min(r.photo_sha.len())]
        ))
    }
}

/// 1, 2, 4, 8, 16, 30 s…: a line that dropped is given time to come back.
pub(crate) fn retry_wait(tries: u32) -> Duration {
    Duration::from_secs(1u64 << tries.saturating_sub(1).min(5)).min(MAX_RETRY_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_upload_at_a_time_until_the_line_is_known_and_on_slow_lines() {
        assert_eq!(parallelism(None, 3), 1);
        assert_eq!(parallelism(Some(40_000), 3), 1);
        assert_eq!(parallelism(Some(124_999), 3), 1);
        assert_eq!(parallelism(Some(125_000), 3), 1);
        assert_eq!(parallelism(Some(250_000), 3), 2);
        assert_eq!(parallelism(Some(1_000_000), 3), 3);
        assert_eq!(parallelism(Some(100_000_000), 4), 4);
    }

    #[test]
    fn the_rate_is_measured_over_a_sliding_window() {
        let t0 = Instant::now();
        let mut m = RateMeter { samples: VecDeque::new() };
        assert_eq!(m.sample(t0, 0), None);
        assert_eq!(m.sample(t0 + Duration::from_secs(1), 40_000), None);
        assert_eq!(m.sample(t0 + Duration::from_secs(2), 80_000), Some(40_000));
        for s in 3..30 {
            m.sample(t0 + Duration::from_secs(s), 80_000 + (s - 2) * 1_000_000);
        }
        // The old slow seconds have left the window.
        assert_eq!(m.sample(t0 + Duration::from_secs(30), 80_000 + 28 * 1_000_000), Some(1_000_000));
    }

    #[test]
    fn retries_wait_longer_and_longer_up_to_half_a_minute() {
        let w: Vec<u64> = (1..=8).map(|t| retry_wait(t).as_secs()).collect();
        assert_eq!(w, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
