//! Keeps one orders feed running on the stored marketplace connection, for a front that
//! stays open (the app). The feed itself reconnects, falls back to long-poll and
//! reconciles; the supervisor only starts it, restarts it when the connection or the
//! notification settings change, and waits before trying again when the feed gives up
//! or the connection cannot be read. The app's shell forwards its events to the window;
//! the restart policy is the shop's, so it lives here with the feed.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;

use super::feed::{Clock, Feed, FeedConfig, FeedEvent, FeedState};
use super::notify::DesktopNotifier;
use super::{Notifier, client_from_connection};
use crate::Db;
use crate::sync::SyncError;
use crate::sync::credentials::TokenStore;

/// How the orders feed is doing, for the status bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FeedLink {
    #[default]
    NotConnected,
    Starting,
    /// Live (server-sent events).
    Sse,
    /// Live through long-polling (SSE blocked by a proxy).
    LongPoll,
    Offline,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct FeedView {
    pub link: FeedLink,
    /// French, when offline.
    pub error: Option<String>,
}

/// When to try again.
#[derive(Debug, Clone, Copy)]
pub struct RestartPolicy {
    /// The connection could not be read (the keychain locked, a damaged setting): it
    /// will not mend by itself within seconds; a restart request cuts the wait short.
    pub unreadable_connection: Duration,
    /// The feed ended with an error (it already retried inside): a short pause so a
    /// server that refuses at once is not hammered.
    pub after_feed_error: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self { unreadable_connection: Duration::from_secs(30), after_feed_error: Duration::from_secs(5) }
    }
}

/// What the supervisor tells its front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorEvent {
    /// Orders were stored or changed: refresh the list.
    OrdersChanged,
    /// The feed's link changed.
    Feed(FeedView),
}

pub type EventSink = Arc<dyn Fn(SupervisorEvent) + Send + Sync>;

pub struct FeedSupervisor {
    view: Mutex<FeedView>,
    restart: Notify,
    notifier: OnceLock<Arc<dyn Notifier>>,
    sink: EventSink,
}

impl FeedSupervisor {
    /// Starts supervising on the current Tokio runtime.
    pub fn spawn(
        db: Db,
        keychain: Arc<dyn TokenStore>,
        clock: Clock,
        policy: RestartPolicy,
        sink: EventSink,
    ) -> Arc<Self> {
        let me = Arc::new(Self {
            view: Mutex::new(FeedView::default()),
            restart: Notify::new(),
            notifier: OnceLock::new(),
            sink,
        });
        tokio::spawn(me.clone().run(db, keychain, clock, policy));
        me
    }

    pub fn view(&self) -> FeedView {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The connection or the notification settings changed: start the feed again.
    pub fn restart(&self) {
        // notify_one keeps the wake-up if the supervisor is not waiting right now.
        self.restart.notify_one();
    }

    /// The notifier to use from now on (the app's, with click handling, once its window
    /// exists); until then the plain desktop notifier.
    pub fn set_notifier(&self, n: Arc<dyn Notifier>) {
        if self.notifier.set(n).is_ok() {
            // A feed started before the window existed picks the new notifier up.
            self.restart();
        }
    }

    fn set_view(&self, link: FeedLink, error: Option<String>) {
        let view = FeedView { link, error };
        let before = std::mem::replace(&mut *self.view.lock().unwrap_or_else(|e| e.into_inner()), view.clone());
        // Changes of link only: a feed retrying offline says so once, not at each try.
        if before.link != view.link {
            match &view.error {
                Some(e) => tracing::warn!("commandes : flux {:?} : {e}", view.link),
                None => tracing::info!("commandes : flux {:?}", view.link),
            }
        }
        (self.sink)(SupervisorEvent::Feed(view));
    }

    async fn run(self: Arc<Self>, db: Db, keychain: Arc<dyn TokenStore>, clock: Clock, policy: RestartPolicy) {
        loop {
            let client = match client_from_connection(&db, &*keychain).await {
                Ok(c) => c,
                Err(SyncError::NotConnected) => {
                    self.set_view(FeedLink::NotConnected, None);
                    self.restart.notified().await;
                    continue;
                }
                Err(e) => {
                    self.set_view(FeedLink::Offline, Some(e.to_string()));
                    tokio::select! {
                        _ = self.restart.notified() => {}
                        _ = tokio::time::sleep(policy.unreadable_connection) => {}
                    }
                    continue;
                }
            };
            let notifier = self.notifier.get().cloned().unwrap_or_else(|| Arc::new(DesktopNotifier::default()));
            // The shopkeeper's reminder delay and sound; changing them restarts the feed.
            let prefs = super::settings::load(&db).await.unwrap_or_default();
            let cfg = FeedConfig { notify: prefs.notify_config(), ..FeedConfig::default() };
            let mut feed = Feed::new(db.clone(), client, notifier, cfg, clock.clone());
            let mut events = feed.subscribe();
            let me = self.clone();
            let forwarder = tokio::spawn(async move {
                while let Some(e) = events.recv().await {
                    match e {
                        FeedEvent::Stored { .. } => (me.sink)(SupervisorEvent::OrdersChanged),
                        FeedEvent::Notified(_) => {}
                        FeedEvent::State(s) => match s {
                            FeedState::Starting => me.set_view(FeedLink::Starting, None),
                            FeedState::Sse => me.set_view(FeedLink::Sse, None),
                            FeedState::LongPoll => me.set_view(FeedLink::LongPoll, None),
                            FeedState::Offline { error } => me.set_view(FeedLink::Offline, Some(error)),
                        },
                    }
                }
            });
            tokio::select! {
                r = feed.run() => {
                    if let Err(e) = r {
                        self.set_view(FeedLink::Offline, Some(e.to_string()));
                        tokio::time::sleep(policy.after_feed_error).await;
                    }
                }
                _ = self.restart.notified() => {}
            }
            forwarder.abort();
        }
    }
}
