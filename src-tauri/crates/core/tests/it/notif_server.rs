//! A freedesktop notification server on the real session bus, for tests: it takes
//! `org.freedesktop.Notifications` (without stealing it, and without letting it be
//! stolen) and records every `Notify` call.
//!
//! One server per test process, shared; tests that use it hold [`lock`] (and run
//! in the nextest group `session-bus`, one at a time across processes).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub app_name: String,
    pub summary: String,
    pub body: String,
}

struct Server {
    calls: Arc<Mutex<Vec<Received>>>,
    next_id: AtomicU32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_owned(), "sound".to_owned()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.calls.lock().unwrap().push(Received { app_name, summary, body });
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        ("comptoir-test".to_owned(), "Comptoir".to_owned(), "1.0".to_owned(), "1.2".to_owned())
    }
}

pub struct NotificationServer {
    calls: Arc<Mutex<Vec<Received>>>,
    _conn: zbus::blocking::Connection,
}

impl NotificationServer {
    /// Everything received so far, emptied.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// Waits (bounded) until `n` notifications were received; returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        while self.calls.lock().unwrap().len() < n && start.elapsed() < timeout {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.calls.lock().unwrap().clone()
    }
}

static SERVER: OnceLock<NotificationServer> = OnceLock::new();
static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The test server, started on first use. Fails loudly without a session bus:
/// these tests must not pass by skipping.
pub fn server() -> &'static NotificationServer {
    SERVER.get_or_init(|| {
        let addr = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
        assert!(
            !addr.is_empty(),
            "DBUS_SESSION_BUS_ADDRESS n'est pas défini : ces tests ont besoin d'un vrai bus de session \
             (scripts/test-all.sh en démarre un ; sinon `dbus-run-session -- cargo nextest run …`)"
        );
        let calls = Arc::new(Mutex::new(Vec::new()));
        let conn = zbus::blocking::connection::Builder::session()
            .and_then(|b| {
                b.serve_at(
                    "/org/freedesktop/Notifications",
                    Server { calls: calls.clone(), next_id: AtomicU32::new(0) },
                )
            })
            .and_then(|b| b.name("org.freedesktop.Notifications"))
            .map(|b| b.replace_existing_names(false).allow_name_replacements(false))
            .and_then(|b| b.build())
            .unwrap_or_else(|e| {
                panic!("serveur de notifications de test impossible sur {addr} (nom déjà pris ?) : {e}")
            });
        NotificationServer { calls, _conn: conn }
    })
}

/// Serialises the tests that read the shared server.
pub async fn lock() -> tokio::sync::MutexGuard<'static, ()> {
    LOCK.lock().await
}
