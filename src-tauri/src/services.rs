//! The app's background services, started with the app state: the orders feed (SSE,
//! long-poll fallback, reconciliation, notifications) restarted whenever the
//! marketplace connection changes, and the messages pushed to the window (sync state,
//! new orders, a notification clicked).
//!
//! The window subscribes once with an IPC channel ([`Live::subscribe`]); a channel
//! rather than app events keeps every command independent of the Tauri runtime type.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::orders::feed::{Feed, FeedConfig, FeedEvent, FeedState};
use comptoir_core::orders::notify::DesktopNotifier;
use comptoir_core::orders::{Notifier, client_from_connection};
use comptoir_core::sync::credentials::TokenStore;
use comptoir_core::sync::{SyncError, WorkerHandle, WorkerState};
use serde::Serialize;
use tauri::ipc::Channel;
use tokio::sync::Notify;

/// How the orders feed is doing, for the status bar.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
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

#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct FeedView {
    pub link: FeedLink,
    /// French, when offline.
    pub error: Option<String>,
}

/// What the window is told without asking.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The sync worker's state changed (a pass started or ended, a retry is planned).
    Sync {
        state: WorkerState,
    },
    /// Orders were stored or changed: refresh the list.
    Orders,
    Feed {
        feed: FeedView,
    },
    /// A notification was clicked: show this order (`None`: the list).
    OpenOrder {
        order_id: Option<String>,
    },
    /// New photos from the watched folder went through the studio.
    Photos {
        report: comptoir_core::photos::ImportReport,
    },
}

#[derive(Default)]
pub struct Live {
    window: Mutex<Option<Channel<LiveEvent>>>,
    feed: Mutex<FeedView>,
    restart: Notify,
    notifier: OnceLock<Arc<dyn Notifier>>,
}

impl Live {
    /// The window's channel; a reloaded window replaces the previous one.
    pub fn subscribe(&self, ch: Channel<LiveEvent>) {
        *self.window.lock().unwrap_or_else(|e| e.into_inner()) = Some(ch);
    }

    pub fn send(&self, e: LiveEvent) {
        if let Some(ch) = self.window.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            // A window that is gone misses a refresh hint, nothing more.
            let _ = ch.send(e);
        }
    }

    pub fn feed(&self) -> FeedView {
        self.feed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_feed(&self, link: FeedLink, error: Option<String>) {
        let view = FeedView { link, error };
        *self.feed.lock().unwrap_or_else(|e| e.into_inner()) = view.clone();
        self.send(LiveEvent::Feed { feed: view });
    }

    /// The connection changed (connected, disconnected): start the feed again on it.
    pub fn restart_feed(&self) {
        // notify_one keeps the wake-up if the supervisor is not waiting right now.
        self.restart.notify_one();
    }

    /// The notifier with click handling, installed once the window exists; until then
    /// (and in tests) the plain desktop notifier.
    pub fn set_notifier(&self, n: Arc<dyn Notifier>) {
        if self.notifier.set(n).is_ok() {
            // A feed started before the window existed picks the new notifier up.
            self.restart_feed();
        }
    }
}

/// Starts the services on the current Tokio runtime.
pub fn start(db: Db, keychain: Arc<dyn TokenStore>, sync: WorkerHandle) -> Arc<Live> {
    let live = Arc::new(Live::default());
    let forward = live.clone();
    let mut rx = sync.state();
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let state = rx.borrow_and_update().clone();
            forward.send(LiveEvent::Sync { state });
        }
    });
    tokio::spawn(feed_supervisor(db, keychain, live.clone()));
    live
}

/// Keeps one orders feed running on the stored connection. The feed itself reconnects,
/// falls back to long-poll and reconciles; this loop only restarts it when the
/// connection changes or the feed gives up.
async fn feed_supervisor(db: Db, keychain: Arc<dyn TokenStore>, live: Arc<Live>) {
    loop {
        let client = match client_from_connection(&db, &*keychain).await {
            Ok(c) => c,
            Err(SyncError::NotConnected) => {
                live.set_feed(FeedLink::NotConnected, None);
                live.restart.notified().await;
                continue;
            }
            Err(e) => {
                live.set_feed(FeedLink::Offline, Some(e.to_string()));
                tokio::select! {
                    _ = live.restart.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                }
                continue;
            }
        };
        let notifier = live.notifier.get().cloned().unwrap_or_else(|| Arc::new(DesktopNotifier::default()));
        // The shopkeeper's reminder delay and sound; changing them restarts the feed.
        let prefs = comptoir_core::orders::settings::load(&db).await.unwrap_or_default();
        let cfg = FeedConfig { notify: prefs.notify_config(), ..FeedConfig::default() };
        let mut feed = Feed::new(db.clone(), client, notifier, cfg, Arc::new(Utc::now));
        let mut events = feed.subscribe();
        let forward = live.clone();
        let forwarder = tokio::spawn(async move {
            while let Some(e) = events.recv().await {
                match e {
                    FeedEvent::Stored { .. } => forward.send(LiveEvent::Orders),
                    FeedEvent::Notified(_) => {}
                    FeedEvent::State(s) => match s {
                        FeedState::Starting => forward.set_feed(FeedLink::Starting, None),
                        FeedState::Sse => forward.set_feed(FeedLink::Sse, None),
                        FeedState::LongPoll => forward.set_feed(FeedLink::LongPoll, None),
                        FeedState::Offline { error } => forward.set_feed(FeedLink::Offline, Some(error)),
                    },
                }
            }
        });
        tokio::select! {
            r = feed.run() => {
                if let Err(e) = r {
                    live.set_feed(FeedLink::Offline, Some(e.to_string()));
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
            _ = live.restart.notified() => {}
        }
        forwarder.abort();
    }
}

/// Desktop notifications whose click brings Comptoir to the front on the order.
/// Freedesktop servers report clicks over D-Bus (the "default" action); on Windows and
/// macOS notify-rust shows the notification without a click callback, so there the
/// notification only informs (the order is at the top of the list).
pub struct ClickableNotifier {
    pub on_click: Arc<dyn Fn(Option<String>) + Send + Sync>,
}

impl Notifier for ClickableNotifier {
    fn notify(&self, n: &comptoir_core::orders::Notification) -> Result<(), String> {
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use comptoir_core::orders::NotificationKind;
            let target = match &n.kind {
                NotificationKind::NewOrder { order_id } | NotificationKind::Reminder { order_id } => {
                    Some(order_id.clone())
                }
                NotificationKind::Grouped { .. } => None,
            };
            let mut note = DesktopNotifier::default().build(n);
            note.action("default", "Ouvrir la commande");
            let handle = note.show().map_err(|e| e.to_string())?;
            let on_click = self.on_click.clone();
            // wait_for_action blocks until the notification is clicked or closed.
            std::thread::spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        on_click(target);
                    }
                })
            });
            Ok(())
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            DesktopNotifier::default().notify(n)
        }
    }
}
