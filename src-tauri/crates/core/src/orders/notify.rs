//! Which notifications to show, and the [`Notifier`] that shows them.
//!
//! Exactly once: an order is *claimed* (its `notified_at` stored) in the same
//! transaction that selects it, before the notification is sent. A crash between
//! the two loses at most that one banner (the order itself is in the list, marked
//! new) but can never show it twice, even across restarts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{LocalOrder, text};
use crate::{Db, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotificationKind {
    /// One new order: clicking opens it.
    NewOrder { order_id: String },
    /// Several orders arrived at once: one calm notification, clicking opens the list.
    Grouped { order_ids: Vec<String> },
    /// An order still waiting for acceptance after the configured delay.
    Reminder { order_id: String },
    /// Promotions starting (`starting`) or ending within the next day
    /// (`promotions::remind`): it only informs.
    Promotions { starting: bool, ids: Vec<i64> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub sound: bool,
}

/// Shows notifications. Implementations may block (call from a blocking thread).
pub trait Notifier: Send + Sync {
    fn notify(&self, n: &Notification) -> std::result::Result<(), String>;
}

/// Settings of the notification policy.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// From this many new orders in one batch, one grouped notification instead.
    pub group_from: usize,
    /// Remind of an order still pending this long after it arrived; `None`: never.
    pub remind_after: Option<Duration>,
    pub sound: bool,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self { group_from: 4, remind_after: Some(Duration::from_secs(10 * 60)), sound: false }
    }
}

/// Claims what must be shown now (new orders, due reminders) and returns the
/// notifications, already recorded as shown. Send them with [`send_all`].
pub async fn decide(db: &Db, cfg: &NotifyConfig, now: DateTime<Utc>) -> Result<Vec<Notification>> {
    let mut out = Vec::new();
    let fresh = db.claim_unnotified_orders(now).await?;
    if !fresh.is_empty() && fresh.len() >= cfg.group_from.max(2) {
        out.push(Notification {
            kind: NotificationKind::Grouped { order_ids: fresh.iter().map(|o| o.server_id.clone()).collect() },
            title: text::grouped_title(fresh.len()),
            body: text::grouped_body(&fresh),
            sound: cfg.sound,
        });
    } else {
        for o in &fresh {
            out.push(new_order(o, cfg.sound));
        }
    }
    if let Some(delay) = cfg.remind_after {
        let due = now - chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::days(3650));
        for o in db.claim_reminders(due, now).await? {
            out.push(Notification {
                kind: NotificationKind::Reminder { order_id: o.server_id.clone() },
                title: text::reminder_title(&o),
                body: text::reminder_body(&o),
                sound: cfg.sound,
            });
        }
    }
    Ok(out)
}

pub fn new_order(o: &LocalOrder, sound: bool) -> Notification {
    Notification {
        kind: NotificationKind::NewOrder { order_id: o.server_id.clone() },
        title: text::new_order_title(o),
        body: text::order_summary(o),
        sound,
    }
}

/// Sends on a blocking thread; a failure is logged, never retried (retrying could
/// show a notification twice when the server did show it).
pub async fn send_all(notifier: &Arc<dyn Notifier>, list: Vec<Notification>) -> Vec<std::result::Result<(), String>> {
    if list.is_empty() {
        return Vec::new();
    }
    let notifier = notifier.clone();
    tokio::task::spawn_blocking(move || {
        list.iter()
            .map(|n| {
                let r = notifier.notify(n);
                if let Err(e) = &r {
                    // By its kind and ids: the title names the customer.
                    tracing::warn!("notification non affichée ({:?}) : {e}", n.kind);
                }
                r
            })
            .collect()
    })
    .await
    .unwrap_or_else(|e| vec![Err(e.to_string())])
}

/// Keeps what it is given: for tests and for the app's in-window list.
#[derive(Default)]
pub struct MemoryNotifier {
    pub sent: Mutex<Vec<Notification>>,
}

impl MemoryNotifier {
    pub fn take(&self) -> Vec<Notification> {
        std::mem::take(&mut *self.sent.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Notifier for MemoryNotifier {
    fn notify(&self, n: &Notification) -> std::result::Result<(), String> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(n.clone());
        Ok(())
    }
}

/// The system's notifications through notify-rust: freedesktop (D-Bus) on Linux
/// and the BSDs, Notification Center on macOS, toasts on Windows.
#[derive(Debug, Clone)]
pub struct DesktopNotifier {
    pub app_name: String,
}

impl Default for DesktopNotifier {
    fn default() -> Self {
        Self { app_name: "Comptoir".to_owned() }
    }
}

impl DesktopNotifier {
    /// The notification as this platform shows it (icon, category, sound), not yet
    /// shown: the desktop app adds its click action before showing it.
    pub fn build(&self, n: &Notification) -> notify_rust::Notification {
        let mut note = notify_rust::Notification::new();
        note.appname(&self.app_name).summary(&n.title).body(&n.body);
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            note.icon("fr.Orne.Comptoir").hint(notify_rust::Hint::Category("im.received".to_owned()));
            if n.sound {
                note.sound_name("message-new-instant");
            }
        }
        #[cfg(target_os = "macos")]
        if n.sound {
            note.sound_name("Glass");
        }
        #[cfg(target_os = "windows")]
        {
            note.app_id("fr.Orne.Comptoir");
            if n.sound {
                note.sound_name("Default");
            }
        }
        note
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, n: &Notification) -> std::result::Result<(), String> {
        self.build(n).show().map(|_| ()).map_err(|e| e.to_string())
    }
}
