//! The app's background services, started with the app state: core's orders feed
//! supervisor (the feed restarted whenever the marketplace connection changes), the
//! promotion reminders (core's `promotions::remind`), and the
//! messages pushed to the window (sync state, new orders, a notification clicked).
//!
//! The window subscribes once with an IPC channel ([`Live::subscribe`]); a channel
//! rather than app events keeps every command independent of the Tauri runtime type.

use std::sync::{Arc, Mutex, OnceLock};

use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::orders::Notifier;
use comptoir_core::orders::notify::DesktopNotifier;
pub use comptoir_core::orders::supervisor::{FeedLink, FeedView};
use comptoir_core::orders::supervisor::{FeedSupervisor, RestartPolicy, SupervisorEvent};
use comptoir_core::sync::WorkerHandle;
use comptoir_core::sync::WorkerState;
use comptoir_core::sync::credentials::TokenStore;
use serde::Serialize;
use tauri::ipc::Channel;

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
    /// A backup was taken in the background (the daily one): refresh the backup status;
    /// `error` (French) when it failed.
    Backup {
        error: Option<String>,
    },
    /// An update of Comptoir was found, or its install moved on (downloading, waiting
    /// for an import, backing up, failed…).
    Update {
        status: comptoir_core::update::UpdateStatus,
    },
}

#[derive(Default)]
pub struct Live {
    window: Mutex<Option<Channel<LiveEvent>>>,
    /// The orders feed's supervisor (core's), set once at start.
    feed: OnceLock<Arc<FeedSupervisor>>,
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
        self.feed.get().map(|f| f.view()).unwrap_or_default()
    }

    /// The connection changed (connected, disconnected): start the feed again on it.
    pub fn restart_feed(&self) {
        if let Some(f) = self.feed.get() {
            f.restart();
        }
    }

    /// The notifier with click handling, installed once the window exists; until then
    /// (and in tests) the plain desktop notifier.
    pub fn set_notifier(&self, n: Arc<dyn Notifier>) {
        if let Some(f) = self.feed.get() {
            f.set_notifier(n);
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
    // Weak: the supervisor lives as long as the app; it must not keep `Live` alive.
    let to_window = Arc::downgrade(&live);
    let sink = Arc::new(move |e: SupervisorEvent| {
        if let Some(live) = to_window.upgrade() {
            live.send(match e {
                SupervisorEvent::OrdersChanged => LiveEvent::Orders,
                SupervisorEvent::Feed(feed) => LiveEvent::Feed { feed },
            });
        }
    });
    // The day before promotions start or end, a desktop reminder (informative).
    comptoir_core::promotions::remind::spawn(db.clone(), Arc::new(DesktopNotifier::default()), Arc::new(Utc::now));
    let supervisor = FeedSupervisor::spawn(db, keychain, Arc::new(Utc::now), RestartPolicy::default(), sink);
    let _ = live.feed.set(supervisor);
    live
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
                // A promotion reminder only informs: nothing to open.
                NotificationKind::Promotions { .. } => return DesktopNotifier::default().notify(n),
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
