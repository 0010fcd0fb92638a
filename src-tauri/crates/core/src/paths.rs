//! Where Comptoir keeps its data on each operating system.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Environment variable that overrides the data directory (tests, scripts, a
/// second shop on the same PC).
pub const DATA_DIR_ENV: &str = "COMPTOIR_DATA_DIR";

/// The database file inside the data directory.
pub const DB_FILE: &str = "comptoir.db";

/// The OS application-data directory:
/// Linux `~/.local/share/comptoir`, macOS `~/Library/Application Support/fr.Orne.Comptoir`,
/// Windows `%APPDATA%\Orne\Comptoir\data`.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("fr", "Orne", "Comptoir").map(|d| d.data_dir().to_path_buf())
}

/// Picks the data directory: an explicit choice (flag or environment variable, read by
/// the caller) wins over the OS default. Creates it if needed.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    let dir = match explicit {
        Some(p) => p.to_path_buf(),
        None => default_data_dir().ok_or_else(|| Error::DataDir {
            path: "(dossier personnel introuvable)".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?,
    };
    std::fs::create_dir_all(&dir).map_err(|source| Error::DataDir { path: dir.display().to_string(), source })?;
    Ok(dir)
}
