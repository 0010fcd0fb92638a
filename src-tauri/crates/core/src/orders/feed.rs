//! The network side: follow the shop's event feed and keep the local orders true.
//!
//! - SSE (`/v1/events/stream`) resuming after the acknowledged sequence with
//!   `Last-Event-ID`; long-poll (`/v1/events`) when SSE cannot be opened.
//! - An SSE connection silent for `sse_idle_timeout` (no event, no heartbeat) is
//!   taken for dead (half-open after a sleep) and replaced, then reconciled.
//! - Reconciliation through `GET /v1/orders?updated_since=…` at start-up, after
//!   every (re)connection and every `reconcile_every`: a missed event cannot hide
//!   an order for long.
//! - Events that arrive together are stored, acknowledged, then notified together
//!   (so a burst gives one calm grouped notification).
//!
//! The loop runs until its task is dropped; every step is durable before the next,
//! so dropping it anywhere loses nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use comptoir_protocol::client::{Client, ClientError, OrdersQuery};
use comptoir_protocol::events::Event;
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use super::notify::{self, Notification, NotifyConfig};
use super::{Notifier, actions, ingest};
use crate::{Db, Error, Result};

/// The current time; the app and the CLI pass `Utc::now`, tests may pass another.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedMode {
    /// SSE, long-poll while SSE cannot be opened.
    Auto,
    Sse,
    LongPoll,
}

#[derive(Clone)]
pub struct FeedConfig {
    pub mode: FeedMode,
    pub reconcile_every: Duration,
    /// How long one long-poll request waits on the server.
    pub long_poll_wait: Duration,
    /// In `Auto`, how long to stay on long-poll before trying SSE again.
    pub long_poll_spell: Duration,
    /// Largest wait between two failed connections.
    pub max_backoff: Duration,
    /// Reminders and queued actions are looked at this often.
    pub tick: Duration,
    /// Overlap taken off the server time for the next `updated_since`.
    pub overlap: Duration,
    /// An SSE connection silent this long (no event, no heartbeat comment) is dead:
    /// reconnect, then reconcile. Three heartbeats of the marketplace (15 s each).
    /// Also the longest wait for any other answer (plus the long-poll wait).
    pub sse_idle_timeout: Duration,
    pub notify: NotifyConfig,
    /// Test instrumentation: called after an event is stored and before it is
    /// acknowledged; returning `true` freezes the loop there (as if the app were
    /// killed at that instant) until its task is dropped.
    #[allow(clippy::type_complexity)]
    pub after_store: Option<Arc<dyn Fn(&Event) -> bool + Send + Sync>>,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            mode: FeedMode::Auto,
            reconcile_every: Duration::from_secs(10 * 60),
            long_poll_wait: Duration::from_secs(25),
            long_poll_spell: Duration::from_secs(120),
            max_backoff: Duration::from_secs(30),
            tick: Duration::from_secs(15),
            overlap: Duration::from_secs(60),
            sse_idle_timeout: Duration::from_secs(45),
            notify: NotifyConfig::default(),
            after_store: None,
        }
    }
}

/// What the app shows next to the orders ("connecté", "hors ligne").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FeedState {
    Starting,
    Sse,
    LongPoll,
    Offline { error: String },
}

/// One thing that happened, for the app (refresh the list) and the CLI (print).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeedEvent {
    Stored { order_id: String, outcome: ingest::StoreOutcome },
    Notified(Notification),
    State(FeedState),
}

pub struct Feed {
    pub db: Db,
    pub client: Client,
    pub notifier: Arc<dyn Notifier>,
    pub cfg: FeedConfig,
    pub clock: Clock,
    events: Option<mpsc::UnboundedSender<FeedEvent>>,
    state: watch::Sender<FeedState>,
    last_reconcile: Option<tokio::time::Instant>,
}

fn client_err(e: ClientError) -> Error {
    Error::Conflict(format!("Place de marché injoignable ou en erreur : {e}"))
}

impl Feed {
    pub fn new(db: Db, client: Client, notifier: Arc<dyn Notifier>, cfg: FeedConfig, clock: Clock) -> Self {
        Self {
            db,
            client,
            notifier,
            cfg,
            clock,
            events: None,
            state: watch::channel(FeedState::Starting).0,
            last_reconcile: None,
        }
    }

    /// Every stored order, notification and state change, as it happens.
    pub fn subscribe(&mut self) -> mpsc::UnboundedReceiver<FeedEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.events = Some(tx);
        rx
    }

    pub fn state(&self) -> watch::Receiver<FeedState> {
        self.state.subscribe()
    }

    fn emit(&self, e: FeedEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(e);
        }
    }

    fn set_state(&self, s: FeedState) {
        if *self.state.borrow() != s {
            self.state.send_replace(s.clone());
            self.emit(FeedEvent::State(s));
        }
    }

    /// Runs until dropped. Errors of the local database end it (nothing can be
    /// stored); network errors only make it wait and retry.
    pub async fn run(mut self) -> Result<()> {
        let mut failures: u32 = 0;
        loop {
            let outcome = match self.cfg.mode {
                FeedMode::Sse => self.sse_session().await,
                FeedMode::LongPoll => self.long_poll_session(None).await,
                FeedMode::Auto => match self.sse_session().await {
                    Err(Step::Net(e)) if failures > 0 => {
                        // SSE fails again and again: long-poll for a while.
                        tracing::info!("SSE indisponible ({e}), passage en long-poll");
                        self.long_poll_session(Some(self.cfg.long_poll_spell)).await
                    }
                    other => other,
                },
            };
            match outcome {
                Ok(()) => failures = 0,
                Err(Step::Local(e)) => return Err(e),
                Err(Step::Net(e)) => {
                    failures += 1;
                    self.set_state(FeedState::Offline { error: e.to_string() });
                    let wait = backoff(failures, self.cfg.max_backoff);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Pulls every order changed since the last reconciliation.
    pub async fn reconcile(&mut self) -> Result<usize, Step> {
        let since = self.db.orders_reconciled_until().await?;
        let mut cursor = None;
        let mut stored = 0;
        loop {
            let q = OrdersQuery { updated_since: since, status: None, cursor: cursor.take(), limit: Some(100) };
            let page = within(self.cfg.sse_idle_timeout, self.client.orders(&q)).await.map_err(Step::Net)?;
            for o in &page.items {
                let outcome = ingest::apply_snapshot(&self.db, o, (self.clock)()).await?;
                if outcome != ingest::StoreOutcome::Ignored {
                    stored += 1;
                    self.emit(FeedEvent::Stored { order_id: o.id.clone(), outcome });
                }
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => {
                    let overlap = chrono::Duration::from_std(self.cfg.overlap).unwrap_or_default();
                    self.db.set_orders_reconciled_until(page.server_time - overlap).await?;
                    break;
                }
            }
        }
        self.last_reconcile = Some(tokio::time::Instant::now());
        Ok(stored)
    }

    /// Periodic work: reminders, queued actions, reconciliation when due.
    async fn housekeeping(&mut self) -> Result<(), Step> {
        let now = (self.clock)();
        // A transition stuck on a dead connection must not stall the feed; it stays
        // queued (durable, same Idempotency-Key) and is sent again next time.
        match tokio::time::timeout(self.cfg.sse_idle_timeout, actions::flush(&self.db, &self.client, now)).await {
            Ok(r) => {
                let r = r?;
                if r.pending > 0 {
                    tracing::info!("{} action(s) en attente d'envoi", r.pending);
                }
            }
            Err(_) => tracing::info!("envoi des actions en attente interrompu (pas de réponse)"),
        }
        if self.last_reconcile.is_none_or(|t| t.elapsed() >= self.cfg.reconcile_every) {
            self.reconcile().await?;
        }
        self.notify_now().await?;
        Ok(())
    }

    async fn notify_now(&self) -> Result<()> {
        let list = notify::decide(&self.db, &self.cfg.notify, (self.clock)()).await?;
        for n in &list {
            self.emit(FeedEvent::Notified(n.clone()));
        }
        notify::send_all(&self.notifier, list).await;
        Ok(())
    }

    /// Store → (hook) → acknowledge, for each event of a batch; then notify once.
    async fn apply_batch(&self, batch: &[Event]) -> Result<()> {
        for ev in batch {
            if let Some(outcome) = ingest::store_event(&self.db, ev, (self.clock)()).await? {
                let order_id = ev.data.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                self.emit(FeedEvent::Stored { order_id, outcome });
            }
            if let Some(hook) = &self.cfg.after_store
                && hook(ev)
            {
                std::future::pending::<()>().await;
            }
            ingest::acknowledge(&self.db, ev.seq).await?;
        }
        self.notify_now().await
    }

    async fn sse_session(&mut self) -> Result<(), Step> {
        let after = self.db.order_feed_seq().await?;
        let mut stream =
            within(self.cfg.sse_idle_timeout, self.client.event_stream(Some(after))).await.map_err(Step::Net)?;
        // After a sleep the socket may be half-open: nothing ever arrives and nothing
        // fails. The server's heartbeats make a long silence the sign of it.
        stream.set_idle_timeout(Some(self.cfg.sse_idle_timeout));
        self.set_state(FeedState::Sse);
        // A (re)connection: catch up with anything the log may not replay.
        self.reconcile().await?;
        self.notify_now().await?;
        let (tx, mut rx) = mpsc::unbounded_channel::<std::result::Result<Event, Option<ClientError>>>();
        let reader = tokio::spawn(async move {
            loop {
                let item = match stream.next().await {
                    Ok(Some(ev)) => Ok(ev),
                    Ok(None) => Err(None),
                    Err(e) => Err(Some(e)),
                };
                let end = item.is_err();
                if tx.send(item).is_err() || end {
                    break;
                }
            }
        });
        let _guard = AbortOnDrop(reader);
        let mut tick = tokio::time::interval(self.cfg.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_wall = (self.clock)();
        loop {
            tokio::select! {
                item = rx.recv() => {
                    let mut batch = Vec::new();
                    let mut end = None;
                    let mut push = |item| match item {
                        Some(Ok(ev)) => { batch.push(ev); true }
                        Some(Err(e)) => { end = Some(e); false }
                        None => { end = Some(None); false }
                    };
                    if push(item) {
                        while let Ok(more) = rx.try_recv() {
                            if !push(Some(more)) { break; }
                        }
                    }
                    self.apply_batch(&batch).await?;
                    if let Some(e) = end {
                        return Err(Step::Net(e.unwrap_or_else(|| ClientError::Protocol {
                            status: 200,
                            message: "flux SSE fermé par le serveur".to_owned(),
                        })));
                    }
                }
                _ = tick.tick() => {
                    self.housekeeping().await?;
                    // The PC slept (the wall clock jumped): the connection may be dead
                    // without anyone knowing. Reconnect.
                    let wall = (self.clock)();
                    let slept = (wall - last_wall).to_std().unwrap_or_default() > self.cfg.tick * 3;
                    last_wall = wall;
                    if slept {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Long-poll rounds; for `spell` when given (then back to the caller), else forever.
    async fn long_poll_session(&mut self, spell: Option<Duration>) -> Result<(), Step> {
        let started = tokio::time::Instant::now();
        let mut after = self.db.order_feed_seq().await?;
        // Probe before claiming the state, then catch up.
        let mut page =
            within(self.cfg.sse_idle_timeout, self.client.events(after, None, Some(200))).await.map_err(Step::Net)?;
        self.set_state(FeedState::LongPoll);
        self.reconcile().await?;
        let mut last_housekeeping = tokio::time::Instant::now();
        loop {
            self.apply_batch(&page.events).await?;
            if page.last_seq > after {
                ingest::acknowledge(&self.db, page.last_seq).await?;
                after = page.last_seq;
            }
            if last_housekeeping.elapsed() >= self.cfg.tick {
                self.housekeeping().await?;
                last_housekeeping = tokio::time::Instant::now();
            }
            if spell.is_some_and(|s| started.elapsed() >= s) {
                return Ok(());
            }
            let wait = if page.has_more { None } else { Some(self.cfg.long_poll_wait.min(self.cfg.tick)) };
            let limit = self.cfg.sse_idle_timeout + wait.unwrap_or_default();
            page = within(limit, self.client.events(after, wait, Some(200))).await.map_err(Step::Net)?;
        }
    }
}

/// Why a session ended.
#[derive(Debug)]
pub enum Step {
    /// The network or the marketplace: retry later.
    Net(ClientError),
    /// The local database: stop.
    Local(Error),
}

impl From<Error> for Step {
    fn from(e: Error) -> Self {
        Step::Local(e)
    }
}

impl From<Step> for Error {
    fn from(s: Step) -> Self {
        match s {
            Step::Local(e) => e,
            Step::Net(e) => client_err(e),
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A request with no answer within `limit` went into a dead connection (after a
/// sleep, the pooled ones are half-open and never answer): give up on it, so the
/// session ends and a new connection is made. Dropping the request drops that
/// connection from the pool.
async fn within<T>(
    limit: Duration,
    request: impl Future<Output = std::result::Result<T, ClientError>>,
) -> std::result::Result<T, ClientError> {
    tokio::time::timeout(limit, request).await.unwrap_or_else(|_| {
        Err(ClientError::Protocol {
            status: 0,
            message: format!("no answer within {} ms: connection presumed dead", limit.as_millis()),
        })
    })
}

fn backoff(failures: u32, max: Duration) -> Duration {
    let base = Duration::from_millis(250) * 2u32.saturating_pow(failures.min(10));
    base.min(max)
}

/// Reconcile once, apply the pending events once, notify and flush: what
/// `orders sync` does, and a way to catch up without staying connected.
pub async fn sync_once(feed: &mut Feed) -> Result<usize> {
    let mut n = feed.reconcile().await?;
    let mut after = feed.db.order_feed_seq().await?;
    loop {
        let page =
            within(feed.cfg.sse_idle_timeout, feed.client.events(after, None, Some(500))).await.map_err(client_err)?;
        n += page.events.len();
        feed.apply_batch(&page.events).await?;
        if page.last_seq > after {
            ingest::acknowledge(&feed.db, page.last_seq).await?;
            after = page.last_seq;
        }
        if !page.has_more {
            break;
        }
    }
    actions::flush(&feed.db, &feed.client, (feed.clock)()).await?;
    feed.notify_now().await?;
    Ok(n)
}
