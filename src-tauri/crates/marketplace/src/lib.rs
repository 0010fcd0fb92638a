//! Reference server of the Comptoir marketplace sync protocol (`/v1`).
//!
//! Library first so that tests and the `bench` command run it in-process with a
//! manual clock and hooks; `main.rs` is only the CLI.

pub mod admin;
pub mod auth;
pub mod bench;
pub mod campaigns;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod expiry;
pub mod extract;
pub mod idempotency;
pub mod ids;
pub mod link;
pub mod media;
pub mod openapi;
pub mod orders;
pub mod promotions;
pub mod ratelimit;
pub mod routes;
pub mod simulate;
pub mod stock;
pub mod storefront;
pub mod upload;

use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::Notify;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, RateLimitConfig};
pub use db::Db;

/// Test and benchmark instrumentation; all empty in production.
#[derive(Default)]
pub struct Hooks {
    /// Called after the commit of each event (shop id, seq): the start of the
    /// benchmark's commit-to-delivery latency.
    #[allow(clippy::type_complexity)]
    pub on_event_committed: Option<Box<dyn Fn(&str, i64) + Send + Sync>>,
    /// When set, every idempotent write stops right after claiming its key until
    /// released, so that tests can observe the "in flight" state.
    pub idempotency_gate: Option<Arc<Gate>>,
}

#[derive(Default)]
pub struct Gate {
    pub entered: Notify,
    pub release: Notify,
}

/// What a committed transaction must announce once it is durable.
#[derive(Default, Debug)]
pub struct Effects {
    pub events: Vec<(String, i64)>,
    pub deadlines_changed: bool,
}

pub struct Inner {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub hub: events::EventHub,
    pub limiter: ratelimit::RateLimiter,
    pub hooks: Hooks,
    /// Wakes the expiry task when a new deadline may be earlier than the one it sleeps on.
    pub expiry_wake: Notify,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: Config, hooks: Hooks) -> Self {
        let limiter = ratelimit::RateLimiter::new(config.rate_limit.clone());
        AppState(Arc::new(Inner {
            db,
            clock,
            config,
            hub: events::EventHub::default(),
            limiter,
            hooks,
            expiry_wake: Notify::new(),
        }))
    }

    /// Millisecond precision: what the database stores, so snapshots and columns agree.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        clock::from_ms(self.clock.now().timestamp_millis())
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Call after a successful commit: wakes SSE and long-poll waiters.
    pub fn published(&self, fx: Effects) {
        for (shop, seq) in &fx.events {
            if let Some(hook) = &self.hooks.on_event_committed {
                hook(shop, *seq);
            }
            self.hub.publish(shop, *seq);
        }
        if fx.deadlines_changed {
            self.expiry_wake.notify_one();
        }
    }
}

/// Serve until the listener fails; also runs the order-expiry and media-sweep tasks.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    tokio::spawn(expiry::run(state.clone()));
    tokio::spawn(media::run_sweeper(state.clone()));
    serve_http(listener, state).await
}

/// Serve HTTP only: tests drive expiry and the media sweep themselves through
/// `/admin/v1/orders/expire` and `/admin/v1/media/sweep`.
pub async fn serve_http(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // SSE writes one small frame per event: with Nagle on, each waits for the
    // peer's delayed ACK (up to 40 ms), which is the whole latency budget.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, routes::router(state)).await
}
