use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use comptoir_core::Db;
use comptoir_core::import::{Control, RowError, Source};
use comptoir_core::photos::{CancelFlag, FolderWatcher, Studio};
use comptoir_core::sync::WorkerHandle;
use comptoir_core::sync::credentials::TokenStore;

use crate::services::{self, Live};

/// What every command can reach: the shop's database, the import in progress, and the
/// background services (sync worker, orders feed).
pub struct AppState {
    pub db: Db,
    pub data_dir: PathBuf,
    pub keychain: Arc<dyn TokenStore>,
    /// The keychain entry of the backup passphrase (its own service, beside the token's).
    pub backup_keychain: Arc<dyn TokenStore>,
    /// How a restore asked for before the last restart went (told once to the window).
    pub restored: Mutex<Option<Result<comptoir_core::backup::RestoreReport, comptoir_core::ErrorPayload>>>,
    /// The spreadsheet being imported, read once and kept between the mapping screen,
    /// the simulation and the import (a 100,000-row file is not read three times).
    pub import: tokio::sync::Mutex<Option<ImportSession>>,
    /// The control of the long step running now, so "Annuler" can reach it.
    pub import_control: Arc<Mutex<Option<Control>>>,
    /// Drains the outbox by itself; commands nudge it after each change.
    pub sync: WorkerHandle,
    /// The orders feed, its notifications, and the messages pushed to the window.
    pub live: Arc<Live>,
    /// The photo studio (pipeline, photo files, the products' photos), with the preset
    /// in force; commands take a copy (`studio()`), a preset change replaces it.
    studio: std::sync::RwLock<Studio>,
    /// The cancel switch of the photo batch running now.
    pub photos_cancel: Arc<Mutex<Option<CancelFlag>>>,
    /// The watched folder, while one is watched (dropping it stops watching), or why
    /// it could not be.
    watcher: Mutex<Result<Option<FolderWatcher>, String>>,
    /// The OS file dialogs, installed once the window exists.
    dialogs: OnceLock<Arc<dyn crate::commands::files::FileDialogs>>,
    /// Restarts the app (a restore is carried out at start), installed with the window.
    restarter: OnceLock<Arc<dyn Fn() + Send + Sync>>,
}

pub struct ImportSession {
    pub path: PathBuf,
    pub source: Arc<Source>,
    /// The refused rows of the last simulation or import, for "Exporter les lignes rejetées".
    pub last_errors: Vec<RowError>,
}

impl AppState {
    /// Opens the database and starts the background services on the current Tokio
    /// runtime. `keychain` and `backup_keychain`: the OS keychain (the token's and the
    /// backup passphrase's services) in the app, in-memory ones in tests.
    ///
    /// First, a restore asked for before a restart is carried out (nothing holds the
    /// database yet), and the database is opened with a backup taken first when this
    /// version is about to migrate it.
    pub async fn open(
        data_dir: Option<&Path>,
        keychain: Arc<dyn TokenStore>,
        backup_keychain: Arc<dyn TokenStore>,
    ) -> comptoir_core::Result<Self> {
        let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
        let restored =
            comptoir_core::backup::apply_requested_restore(&dir, Some(&*backup_keychain), chrono::Utc::now())
                .await
                .map(|r| r.map_err(Into::into));
        let (db, _before_migration) = comptoir_core::backup::open_with_backup(&dir, chrono::Utc::now()).await?;
        let sync = comptoir_core::sync::worker::spawn(
            db.clone(),
            dir.clone(),
            keychain.clone(),
            Default::default(),
            Arc::new(chrono::Utc::now),
        );
        let live = services::start(db.clone(), keychain.clone(), sync.clone());
        let mut studio = Studio::new(db.clone(), &dir);
        studio.preset = comptoir_core::photos::settings::preset(&db).await?;
        let watched = comptoir_core::photos::settings::watch_folder(&db).await?;
        let (import_control, photos_cancel) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
        let busy = {
            let (i, p) = (import_control.clone(), photos_cancel.clone());
            Arc::new(move || {
                i.lock().unwrap_or_else(|e| e.into_inner()).is_some()
                    || p.lock().unwrap_or_else(|e| e.into_inner()).is_some()
            })
        };
        let to_window = Arc::downgrade(&live);
        comptoir_core::backup::spawn_daily(
            dir.clone(),
            Some(backup_keychain.clone()),
            Arc::new(chrono::Utc::now),
            std::time::Duration::from_secs(60),
            busy,
            Arc::new(move |r: comptoir_core::Result<comptoir_core::backup::BackupReport>| {
                if let Some(live) = to_window.upgrade() {
                    live.send(services::LiveEvent::Backup { error: r.err().map(|e| e.to_string()) });
                }
            }),
        );
        let state = Self {
            db,
            studio: std::sync::RwLock::new(studio),
            photos_cancel,
            watcher: Mutex::new(Ok(None)),
            data_dir: dir,
            keychain,
            backup_keychain,
            restored: Mutex::new(restored),
            import: Default::default(),
            import_control,
            sync,
            live,
            dialogs: OnceLock::new(),
            restarter: OnceLock::new(),
        };
        state.watch(watched.as_deref());
        Ok(state)
    }

    pub fn studio(&self) -> Studio {
        self.studio.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_preset(&self, preset: comptoir_core::photos::Preset) {
        self.studio.write().unwrap_or_else(|e| e.into_inner()).preset = preset;
    }

    /// Watches `folder` for new photos (replacing the folder watched before), or stops
    /// watching. Must run on the Tokio runtime. A folder that cannot be watched (gone,
    /// unplugged phone) is remembered with the reason, for the studio to show.
    pub fn watch(&self, folder: Option<&Path>) {
        let mut w = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        *w = Ok(None); // the previous watcher stops before a new one starts
        if let Some(folder) = folder {
            let handle = tokio::runtime::Handle::current();
            *w = crate::commands::photos::start_watcher(self.studio(), self.live.clone(), folder, handle)
                .map(Some)
                .map_err(|e| e.to_string());
        }
    }

    pub fn watch_error(&self) -> Option<String> {
        self.watcher.lock().unwrap_or_else(|e| e.into_inner()).as_ref().err().cloned()
    }

    pub fn set_dialogs(&self, d: Arc<dyn crate::commands::files::FileDialogs>) {
        let _ = self.dialogs.set(d);
    }

    pub fn set_restarter(&self, r: Arc<dyn Fn() + Send + Sync>) {
        let _ = self.restarter.set(r);
    }

    /// Restarts the app; without a window (tests), the request waits for the next start.
    pub fn restart(&self) {
        if let Some(r) = self.restarter.get() {
            r();
        }
    }

    pub fn dialogs(&self) -> Option<Arc<dyn crate::commands::files::FileDialogs>> {
        self.dialogs.get().cloned()
    }

    /// A local change was saved: the sync worker sends it soon, debounced.
    pub fn changed(&self) {
        self.sync.changed();
    }
}
