//! The background sync worker the app and the CLI both run: it drains the outbox by
//! itself when the line comes back, without anyone pressing a button.
//!
//! One Tokio task owns the loop; the [`WorkerHandle`] only sends it signals, so every
//! call on the handle returns at once (it never blocks a Tauri command or the UI).
//! When it runs a pass:
//! - on [`WorkerHandle::sync_now`] ("Synchroniser maintenant"): at once, even during a
//!   backoff wait (a person asked; the backoff is reset);
//! - on [`WorkerHandle::changed`]: about one second later, so a burst of edits makes
//!   one pass — but never before a backoff wait ends (a down server is not hammered
//!   because someone keeps typing);
//! - every [`TICK`] while connected, to fetch the marketplace's events (stock sold,
//!   moderation) even when nothing changed locally;
//! - right after a pass that left work behind (conflicts put entries back in line).
//!
//! Not connected (or the token refused, or no keychain): it idles until the next
//! `sync_now` / `changed`, since retrying cannot fix that by itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::backoff::Rng;
use super::credentials::TokenStore;
use super::engine::{SyncError, SyncOptions, SyncReport, sync_once};
use crate::Db;

/// Debounce of [`WorkerHandle::changed`]: a burst of edits makes one pass.
pub const DEBOUNCE: Duration = Duration::from_secs(1);
/// Periodic pass while connected, to fetch events even when nothing changed locally.
pub const TICK: Duration = Duration::from_secs(60);
/// Floor of any retry wait, so a `Retry-After: 0` never turns into a busy loop.
const MIN_RETRY: Duration = Duration::from_millis(200);

/// The clock the worker reads; the edges pass `Utc::now`, tests a fixed or fake one.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What the sync indicator shows; published after every change of state.
#[derive(Clone, Debug, Default, Serialize, specta::Type)]
pub struct WorkerState {
    /// A sync pass is in progress right now.
    pub running: bool,
    /// The last pass that completed.
    pub last_report: Option<SyncReport>,
    /// Why the last pass failed, in French (never the token); `None` after a success.
    pub last_error: Option<String>,
    /// The marketplace could not be reached: the next automatic try is in this many
    /// seconds ("Synchroniser maintenant" tries at once).
    pub next_retry_in_secs: Option<u64>,
    /// Photos being sent to the marketplace in the pass under way (`None`: none).
    pub upload: Option<super::upload::UploadProgress>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    SyncNow,
    Changed,
}

/// Cheap to clone: the app keeps one in its state, each command takes a clone.
#[derive(Clone)]
pub struct WorkerHandle {
    signals: mpsc::UnboundedSender<Signal>,
    stop: Arc<watch::Sender<bool>>,
    state: watch::Receiver<WorkerState>,
}

impl WorkerHandle {
    /// "Synchroniser maintenant": a pass at once, cutting short any backoff wait.
    pub fn sync_now(&self) {
        // The worker is gone after `stop`: nothing left to wake, not an error.
        let _ = self.signals.send(Signal::SyncNow);
    }

    /// A local edit was saved: a pass about a second from now (debounced).
    pub fn changed(&self) {
        let _ = self.signals.send(Signal::Changed);
    }

    /// The worker's state; `changed().await` on the receiver to follow it.
    pub fn state(&self) -> watch::Receiver<WorkerState> {
        self.state.clone()
    }

    /// Stops the worker. A pass in flight is dropped where it is: that is safe, since
    /// batches are frozen with their Idempotency-Key before being sent and the next
    /// run re-sends the very same request.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Whether the worker task has ended (after [`stop`](Self::stop)).
    pub fn is_stopped(&self) -> bool {
        self.signals.is_closed()
    }
}

/// Starts the worker on the current Tokio runtime (call it from inside one: in the app,
/// from `tauri::async_runtime`; in the CLI, from `main`'s runtime).
pub fn spawn(
    db: Db,
    data_dir: PathBuf,
    keychain: Arc<dyn TokenStore>,
    opts: SyncOptions,
    clock: Clock,
) -> WorkerHandle {
    let (signals, rx) = mpsc::unbounded_channel();
    let (stop, stop_rx) = watch::channel(false);
    let (state_tx, state) = watch::channel(WorkerState::default());
    let worker = Worker { db, data_dir, keychain, opts, clock, state: state_tx };
    tokio::spawn(worker.run(rx, stop_rx));
    WorkerHandle { signals, stop: Arc::new(stop), state }
}

struct Worker {
    db: Db,
    data_dir: PathBuf,
    keychain: Arc<dyn TokenStore>,
    opts: SyncOptions,
    clock: Clock,
    state: watch::Sender<WorkerState>,
}

/// What the loop does after a pass.
enum Next {
    /// Wait this long (periodic tick or a pass right away).
    After(Duration),
    /// The marketplace is unreachable: no pass before this, except on `sync_now`.
    Backoff(Duration),
    /// Nothing to do until someone signals (not connected, token refused).
    Idle,
}

impl Worker {
    /// Ends on `stop`, or when every handle is dropped (both channels close).
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Signal>, mut stop: watch::Receiver<bool>) {
        let mut rng = Rng::seeded(seed(&self.clock));
        // The first pass (right at start-up) sends what was left from last time.
        let mut wake_at: Option<Instant> = Some(Instant::now());
        let mut backoff_until: Option<Instant> = None;
        let mut reconcile = self.opts.reconcile;
        loop {
            let due = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => return,
                signal = rx.recv() => {
                    let now = Instant::now();
                    match signal {
                        None => return,
                        Some(Signal::SyncNow) => {
                            backoff_until = None;
                            wake_at = Some(now);
                        }
                        Some(Signal::Changed) => {
                            let at = (now + DEBOUNCE).max(backoff_until.unwrap_or(now));
                            wake_at = Some(wake_at.map_or(at, |w| w.min(at)));
                        }
                    }
                    false
                }
                () = sleep_until(wake_at) => true,
            };
            if !due {
                continue;
            }
            wake_at = None;
            backoff_until = None;
            let next = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => return,
                n = self.pass(&mut rng, &mut reconcile) => n,
            };
            let now = Instant::now();
            match next {
                Next::After(d) => wake_at = Some(now + d),
                Next::Backoff(d) => {
                    backoff_until = Some(now + d);
                    wake_at = backoff_until;
                }
                Next::Idle => {}
            }
        }
    }

    async fn pass(&self, rng: &mut Rng, reconcile: &mut bool) -> Next {
        match self.db.sync_state().await {
            Ok(st) if st.shop_id.is_none() => {
                self.publish(|s| {
                    s.running = false;
                    s.next_retry_in_secs = None;
                });
                return Next::Idle;
            }
            Ok(_) => {}
            Err(e) => {
                self.fail(e.to_string(), None);
                return Next::After(TICK);
            }
        }
        self.publish(|s| s.running = true);
        let state = self.state.clone();
        let progress: super::upload::ProgressSink = Arc::new(move |p| state.send_modify(|s| s.upload = p));
        let opts = SyncOptions { reconcile: *reconcile, progress: Some(progress), ..self.opts.clone() };
        let now = (self.clock)();
        match sync_once(&self.db, &self.data_dir, self.keychain.as_ref(), &opts, rng, now).await {
            Ok(report) => {
                *reconcile = false;
                // Entries put back in line by a conflict go again at once; a pass that
                // sent nothing and left entries (refused data waiting for a person)
                // must not spin, so it waits for the tick.
                let again = report.pending_after > 0 && (report.operations > 0 || report.conflicts_resolved > 0);
                self.publish(|s| {
                    s.running = false;
                    s.last_report = Some(report);
                    s.last_error = None;
                    s.next_retry_in_secs = None;
                });
                Next::After(if again { Duration::ZERO } else { TICK })
            }
            Err(SyncError::Offline { message, retry_in }) => {
                let wait = retry_in.max(MIN_RETRY);
                let text = SyncError::Offline { message, retry_in: wait }.to_string();
                self.fail(text, Some(wait));
                Next::Backoff(wait)
            }
            Err(e @ (SyncError::NotConnected | SyncError::Unauthorized | SyncError::Keychain(_))) => {
                self.fail(e.to_string(), None);
                Next::Idle
            }
            Err(e) => {
                self.fail(e.to_string(), None);
                Next::After(TICK)
            }
        }
    }

    fn fail(&self, message: String, retry: Option<Duration>) {
        self.publish(|s| {
            s.running = false;
            s.last_error = Some(message);
            s.next_retry_in_secs = retry.map(|d| d.as_secs_f64().ceil() as u64);
        });
    }

    fn publish(&self, f: impl FnOnce(&mut WorkerState)) {
        self.state.send_modify(|s| {
            f(s);
            // A pass that ended (whatever the way) sends no photo any more.
            if !s.running {
                s.upload = None;
            }
        });
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn seed(clock: &Clock) -> u64 {
    // Jitter only needs clients to differ: the time and the process id suffice.
    let t = clock().timestamp_nanos_opt().unwrap_or_default() as u64;
    t ^ u64::from(std::process::id()).rotate_left(32)
}

/// The CLI's `sync` without `--once`: passes until the outbox is empty, waiting out
/// the backoff when the marketplace is unreachable. `on_wait` hears each wait (to say
/// so on stderr). The first pass reconciles when `opts.reconcile` is set.
pub async fn sync_until_drained(
    db: &Db,
    data_dir: &Path,
    keychain: &dyn TokenStore,
    opts: &SyncOptions,
    rng: &mut Rng,
    clock: &Clock,
    mut on_wait: impl FnMut(&str, Duration),
) -> Result<SyncReport, SyncError> {
    let mut total = SyncReport::default();
    let mut reconcile = opts.reconcile;
    // Bounded: a pass that keeps leaving entries without sending any (refused data)
    // ends the command instead of looping; the status shows what needs a person.
    let mut idle_passes = 0;
    loop {
        let o = SyncOptions { reconcile, ..opts.clone() };
        match sync_once(db, data_dir, keychain, &o, rng, clock()).await {
            Ok(r) => {
                reconcile = false;
                total.add(&r);
                if r.operations == 0 && r.conflicts_resolved == 0 {
                    idle_passes += 1;
                }
                if r.pending_after == 0 || idle_passes >= 3 {
                    return Ok(total);
                }
            }
            Err(SyncError::Offline { message, retry_in }) => {
                let wait = retry_in.max(MIN_RETRY);
                on_wait(&message, wait);
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}
