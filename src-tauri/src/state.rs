use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use comptoir_core::Db;
use comptoir_core::import::{Control, RowError, Source};
use comptoir_core::sync::WorkerHandle;
use comptoir_core::sync::credentials::TokenStore;

use crate::services::{self, Live};

/// What every command can reach: the shop's database, the import in progress, and the
/// background services (sync worker, orders feed).
pub struct AppState {
    pub db: Db,
    pub data_dir: PathBuf,
    pub keychain: Arc<dyn TokenStore>,
    /// The spreadsheet being imported, read once and kept between the mapping screen,
    /// the simulation and the import (a 100,000-row file is not read three times).
    pub import: tokio::sync::Mutex<Option<ImportSession>>,
    /// The control of the long step running now, so "Annuler" can reach it.
    pub import_control: Mutex<Option<Control>>,
    /// Drains the outbox by itself; commands nudge it after each change.
    pub sync: WorkerHandle,
    /// The orders feed, its notifications, and the messages pushed to the window.
    pub live: Arc<Live>,
    /// The OS file dialogs, installed once the window exists.
    dialogs: OnceLock<Arc<dyn crate::commands::files::FileDialogs>>,
}

pub struct ImportSession {
    pub path: PathBuf,
    pub source: Arc<Source>,
    /// The refused rows of the last simulation or import, for "Exporter les lignes rejetées".
    pub last_errors: Vec<RowError>,
}

impl AppState {
    /// Opens the database and starts the background services on the current Tokio
    /// runtime. `keychain`: the OS keychain in the app, an in-memory one in tests.
    pub async fn open(data_dir: Option<&Path>, keychain: Arc<dyn TokenStore>) -> comptoir_core::Result<Self> {
        let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
        let db = Db::open_in(&dir).await?;
        let sync = comptoir_core::sync::worker::spawn(
            db.clone(),
            dir.clone(),
            keychain.clone(),
            Default::default(),
            Arc::new(chrono::Utc::now),
        );
        let live = services::start(db.clone(), keychain.clone(), sync.clone());
        Ok(Self {
            db,
            data_dir: dir,
            keychain,
            import: Default::default(),
            import_control: Default::default(),
            sync,
            live,
            dialogs: OnceLock::new(),
        })
    }

    pub fn set_dialogs(&self, d: Arc<dyn crate::commands::files::FileDialogs>) {
        let _ = self.dialogs.set(d);
    }

    pub fn dialogs(&self) -> Option<Arc<dyn crate::commands::files::FileDialogs>> {
        self.dialogs.get().cloned()
    }

    /// A local change was saved: the sync worker sends it soon, debounced.
    pub fn changed(&self) {
        self.sync.changed();
    }
}
