//! A restore asked for while the app runs, carried out at its next start.
//!
//! [`super::restore`] replaces the database file, which must be closed (on Windows an
//! open file cannot be replaced), and every part of a running app holds the database
//! (the sync worker, the orders feed, the photo watcher). So the app checks the backup
//! now, while the shopkeeper is looking (a damaged backup or a wrong passphrase is said
//! at once, nothing changes), records the request in the data directory, and restarts;
//! at start, before anything opens the database, [`apply_requested_restore`] restores.
//! The request file holds the backup's path only; the passphrase of an encrypted backup
//! waits in the keychain, like the one of the destination's backups.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BackupEntry, RestoreReport, crypt, describe, restore, verify};
use crate::sync::credentials::TokenStore;
use crate::{Error, Result};

/// The request, in the data directory.
const REQUEST_FILE: &str = "restore-request.json";

#[derive(Serialize, Deserialize)]
struct Request {
    backup: PathBuf,
}

/// Checks the backup in `backup` (every part against its hash, the database's content
/// when it can be read) and records that it is to be restored at the next start. An
/// encrypted backup needs its `passphrase` (kept in `keychain` until the restore), unless
/// the keychain already holds the right one. Returns what the backup holds.
pub async fn request_restore(
    data_dir: &Path,
    backup: &Path,
    passphrase: Option<&str>,
    keychain: &dyn TokenStore,
) -> Result<BackupEntry> {
    let entry = describe(backup)?;
    let passphrase = match passphrase.filter(|p| !p.is_empty()) {
        Some(p) => Some(p.to_owned()),
        None if entry.encrypted => crypt::load_passphrase(keychain)?,
        None => None,
    };
    verify(backup, passphrase.as_deref()).await?;
    if let Some(p) = passphrase.as_deref()
        && entry.encrypted
    {
        crypt::store_passphrase(keychain, p)?;
    }
    let body = serde_json::to_vec(&Request { backup: backup.to_path_buf() })
        .map_err(|e| Error::Io(std::io::Error::other(e)))?;
    let tmp = data_dir.join(format!("{REQUEST_FILE}.tmp"));
    std::fs::write(&tmp, body)?;
    std::fs::rename(&tmp, data_dir.join(REQUEST_FILE))?;
    Ok(entry)
}

/// At start, before the database is opened: carries out a restore asked for by
/// [`request_restore`], once (the request is removed first, so a restore that fails
/// is not tried again at every start). `None` when none was asked for; the error is
/// French and names the backup, the data then being unchanged.
pub async fn apply_requested_restore(
    data_dir: &Path,
    keychain: Option<&dyn TokenStore>,
    now: DateTime<Utc>,
) -> Option<Result<RestoreReport>> {
    let file = data_dir.join(REQUEST_FILE);
    let body = std::fs::read(&file).ok()?;
    if let Err(e) = std::fs::remove_file(&file) {
        return Some(Err(e.into()));
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return Some(Err(Error::Conflict(format!(
                "La demande de restauration {} est illisible ({e}) : rien n'a été restauré",
                file.display()
            ))));
        }
    };
    let passphrase = match keychain.map(crypt::load_passphrase).transpose() {
        Ok(p) => p.flatten(),
        Err(e) => return Some(Err(e)),
    };
    Some(restore(data_dir, &request.backup, passphrase.as_deref(), now).await)
}
