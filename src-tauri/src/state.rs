use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use comptoir_core::Db;
use comptoir_core::import::{Control, RowError, Source};

/// What every command can reach: the shop's database, and the import in progress.
pub struct AppState {
    pub db: Db,
    /// The spreadsheet being imported, read once and kept between the mapping screen,
    /// the simulation and the import (a 100,000-row file is not read three times).
    pub import: tokio::sync::Mutex<Option<ImportSession>>,
    /// The control of the long step running now, so "Annuler" can reach it.
    pub import_control: Mutex<Option<Control>>,
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
    pub async fn open(data_dir: Option<&Path>) -> comptoir_core::Result<Self> {
        let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
        Ok(Self {
            db: Db::open_in(&dir).await?,
            import: Default::default(),
            import_control: Default::default(),
            dialogs: OnceLock::new(),
        })
    }

    pub fn set_dialogs(&self, d: Arc<dyn crate::commands::files::FileDialogs>) {
        let _ = self.dialogs.set(d);
    }

    pub fn dialogs(&self) -> Option<Arc<dyn crate::commands::files::FileDialogs>> {
        self.dialogs.get().cloned()
    }
}
