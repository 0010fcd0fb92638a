//! Backups, restore, and recovery from the marketplace (issue 15).
//!
//! # What a backup is
//!
//! A backup folder ("root") holds finished backups, one directory each, and one pool of
//! photo originals shared by all of them:
//!
//! ```text
//! <root>/comptoir-20261128-100000/manifest.json    what the backup holds, hashes of every part
//! <root>/comptoir-20261128-100000/manifest.sha256  the manifest's own hash
//! <root>/comptoir-20261128-100000/comptoir.db      the database (comptoir.db.age when encrypted)
//! <root>/photos/ab/ab12….jpg                       photo originals, named by their sha256
//! <root>/.partial-comptoir-…/                      a backup being written (never read)
//! ```
//!
//! The database is a consistent snapshot taken while the app runs (`VACUUM INTO`,
//! [`crate::storage::backup`]), never a file copy. Photos are content-addressed, so a
//! backup copies only the originals the root does not hold yet (a second backup right
//! after the first copies none). Everything is written under `.partial-…`, flushed,
//! checked (integrity check of the copied database, each part's hash against the
//! manifest), and only then renamed to its final name: a backup killed at any moment
//! leaves no directory that looks finished and is not.
//!
//! Two roots: `<data dir>/backups` on the PC (photos hard-linked from the data when the
//! file system allows), and the one destination the shopkeeper chose (USB key, network
//! share, cloud-synced folder), in its `Comptoir-sauvegardes` folder, where the database
//! can be encrypted with a passphrase kept in the OS keychain ([`crypt`]). Each root
//! keeps 7 daily, 4 weekly and 12 monthly backups, and always the 3 newest ([`rotate`]).
//!
//! # When
//!
//! The app calls [`backup_now`] with a [`Reason`]: daily (when [`daily_backup_due`]
//! says so), before an import, before an update, and before a migration
//! ([`open_with_backup`] opens the database, taking a backup first when the schema is
//! about to change). [`backup_status`] gives the facts the UI words ("last backup 3 days
//! ago", "the USB key has not been seen for 4 days").
//!
//! # Secrets
//!
//! The marketplace token is only in the OS keychain, never in the database, so never in
//! a backup; the settings rows hold no secret (the photo preset, the watched folder,
//! order reminders, backup settings). A restored shop is disconnected
//! ([`crate::Db::reset_after_restore`]): the shopkeeper reconnects with a pairing code.
//!
//! # Restore and recovery
//!
//! [`restore`] puts a backup back (the current data kept aside until the restored copy is
//! verified; an older schema is migrated, a newer one refused). [`recover`] fills an
//! empty shop on a new PC from what the marketplace holds, when there is no backup.

pub mod crypt;
mod files;
pub mod manifest;
mod pending;
pub mod recover;
mod restore;
pub mod rotate;
mod status;
mod take;
mod verify;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::storage::backup::Counts;
pub use manifest::Manifest;
pub use pending::{apply_requested_restore, request_restore};
pub use recover::{RecoverReport, recover};
pub use restore::{RestoreReport, restore};
pub use status::{BackupStatus, DestinationStatus, backup_status, daily_backup_due};
pub use take::{BackupReport, DestinationOutcome, TargetReport, backup_now, open_with_backup};
pub use verify::{VerifyReport, verify};

use crate::sync::credentials::TokenStore;
use crate::{Db, Error, Result};

/// The backups kept beside the data: `<data dir>/backups`.
pub const LOCAL_DIR: &str = "backups";
/// The folder a chosen destination's backups go in.
pub const DESTINATION_DIR: &str = "Comptoir-sauvegardes";
/// How finished backup directories are named: `comptoir-YYYYMMDD-HHMMSS[-N]`.
pub const BACKUP_PREFIX: &str = "comptoir-";
/// The prefix of a backup being written.
pub const PARTIAL_PREFIX: &str = ".partial-";

const SETTING_DESTINATION: &str = "backup.destination";
const SETTING_ENCRYPT: &str = "backup.encrypt_destination";
const SETTING_MISSING_SINCE: &str = "backup.destination_missing_since";
/// Every backup setting starts with this; a restore keeps the current ones (the backup
/// being restored may predate the USB key chosen today).
pub(crate) const SETTINGS_PREFIX: &str = "backup.";

/// Why a backup was taken (shown in lists, kept in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The shopkeeper asked (button, `backup now`).
    Manual,
    /// The daily backup.
    Daily,
    BeforeImport,
    BeforeUpdate,
    BeforeMigration,
    /// The data a restore replaces.
    BeforeRestore,
}

impl Reason {
    /// French, for lists and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Manual => "à la demande",
            Reason::Daily => "quotidienne",
            Reason::BeforeImport => "avant un import",
            Reason::BeforeUpdate => "avant une mise à jour",
            Reason::BeforeMigration => "avant une mise à jour de la base",
            Reason::BeforeRestore => "avant une restauration",
        }
    }
}

/// Where backups go besides the PC, and whether the database copy there is encrypted.
/// Kept in the shop's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BackupConfig {
    /// The folder the shopkeeper chose (a USB key, a share, a synced folder); backups go
    /// in its `Comptoir-sauvegardes` folder. `None`: backups stay on the PC only.
    pub destination: Option<PathBuf>,
    /// Encrypt the database copy written to the destination with the passphrase kept in
    /// the keychain (see [`crypt::store_passphrase`]).
    pub encrypt_destination: bool,
}

/// The backup settings of the shop.
pub async fn config(db: &Db) -> Result<BackupConfig> {
    Ok(BackupConfig {
        destination: db.setting(SETTING_DESTINATION).await?.filter(|s| !s.is_empty()).map(PathBuf::from),
        encrypt_destination: db.setting(SETTING_ENCRYPT).await?.is_some_and(|v| v == "1"),
    })
}

/// Saves the backup settings. A new destination starts with a clean "missing since".
pub async fn set_config(db: &Db, cfg: &BackupConfig) -> Result<()> {
    let dest = cfg.destination.as_ref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    if config(db).await?.destination != cfg.destination {
        db.delete_setting(SETTING_MISSING_SINCE).await?;
    }
    db.set_setting(SETTING_DESTINATION, &dest).await?;
    db.set_setting(SETTING_ENCRYPT, if cfg.encrypt_destination { "1" } else { "0" }).await
}

/// Changes what is given and keeps the rest: `destination` an empty path removes it.
/// Returns the settings now in force.
pub async fn update_config(db: &Db, destination: Option<PathBuf>, encrypt: Option<bool>) -> Result<BackupConfig> {
    let mut cfg = config(db).await?;
    if let Some(d) = destination {
        cfg.destination = (!d.as_os_str().is_empty()).then_some(d);
    }
    if let Some(e) = encrypt {
        cfg.encrypt_destination = e;
    }
    set_config(db, &cfg).await?;
    Ok(cfg)
}

/// Whether a backup of this shop needs the keychain (its destination is encrypted with
/// the passphrase kept there): callers open the keychain only then.
pub fn needs_keychain(data_dir: &Path) -> Result<bool> {
    Ok(config_of_file(&data_dir.join(crate::paths::DB_FILE))?.encrypt_destination)
}

/// The same settings read from the database file (before the pool is open).
pub(crate) fn config_of_file(db_file: &Path) -> Result<BackupConfig> {
    let rows = crate::storage::backup::settings_of(db_file, SETTINGS_PREFIX)?;
    let get = |k: &str| rows.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    Ok(BackupConfig {
        destination: get(SETTING_DESTINATION).filter(|s| !s.is_empty()).map(PathBuf::from),
        encrypt_destination: get(SETTING_ENCRYPT).is_some_and(|v| v == "1"),
    })
}

/// The local backup folder of a data directory.
pub fn local_root(data_dir: &Path) -> PathBuf {
    data_dir.join(LOCAL_DIR)
}

/// The backup folder inside a chosen destination.
pub fn destination_root(destination: &Path) -> PathBuf {
    destination.join(DESTINATION_DIR)
}

/// What [`backup_now`] is asked for.
#[derive(Debug, Clone, Default)]
pub struct BackupOptions {
    pub reason: Option<Reason>,
    /// Write this backup to this folder only (used as a backup folder as is), instead of
    /// the PC's folder and the configured destination: a one-off copy.
    pub to: Option<PathBuf>,
    /// Encrypt the copy that leaves the PC with this passphrase (else the keychain's, when
    /// the settings ask for encryption).
    pub passphrase: Option<String>,
}

/// One backup as a list shows it, read from its manifest (not verified: see [`verify`]).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BackupEntry {
    pub id: String,
    pub path: PathBuf,
    /// On the PC (`true`) or in the chosen destination.
    pub local: bool,
    #[specta(type = String)]
    pub created_at: DateTime<Utc>,
    pub reason: Reason,
    pub encrypted: bool,
    pub schema_version: i64,
    pub counts: Counts,
    /// Size of the database copy and of the photos it references, in bytes.
    pub database_bytes: u64,
    pub photo_bytes: u64,
}

impl BackupEntry {
    fn from_manifest(m: &Manifest, path: PathBuf, local: bool) -> Self {
        Self {
            id: m.id.clone(),
            path,
            local,
            created_at: m.created_at,
            reason: m.reason,
            encrypted: m.database.encrypted,
            schema_version: m.schema_version,
            counts: m.counts,
            database_bytes: m.database.bytes,
            photo_bytes: m.photos.iter().map(|p| p.bytes).sum(),
        }
    }
}

/// The finished backups of one backup folder, newest first. Unreadable manifests are
/// left out (verify names them).
pub fn list_in(root: &Path, local: bool) -> Result<Vec<BackupEntry>> {
    let mut out = Vec::new();
    for (path, m) in manifest::finished(root)? {
        if let Ok(m) = m {
            out.push(BackupEntry::from_manifest(&m, path, local));
        }
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
    Ok(out)
}

/// Every backup of the shop: the PC's, then the destination's when it is plugged in;
/// newest first.
pub fn list_backups(data_dir: &Path) -> Result<Vec<BackupEntry>> {
    let mut all = list_in(&local_root(data_dir), true)?;
    let cfg = config_of_file(&data_dir.join(crate::paths::DB_FILE))?;
    if let Some(dest) = cfg.destination.filter(|d| d.is_dir()) {
        all.extend(list_in(&destination_root(&dest), false)?);
    }
    all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
    Ok(all)
}

/// Reads a backup's manifest (checked against its hash) to show what it holds before
/// restoring it.
pub fn describe(backup: &Path) -> Result<BackupEntry> {
    let m = manifest::read(backup)?;
    Ok(BackupEntry::from_manifest(&m, backup.to_path_buf(), false))
}

/// Keeps the passphrase of encrypted backups (see [`crypt`]).
pub fn set_passphrase(keychain: &dyn TokenStore, passphrase: &str) -> Result<()> {
    crypt::store_passphrase(keychain, passphrase)
}

pub(crate) fn backup_error(code: crate::ErrorCode, message: impl Into<String>) -> Error {
    Error::Backup { code, message: message.into() }
}

/// "la sauvegarde <path>" for messages.
pub(crate) fn named(path: &Path) -> String {
    format!("La sauvegarde {}", path.display())
}

/// Runs blocking file work off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?
}

/// Takes a backup for `reason` (before an import, an update), then runs `work`. The PC's
/// copy failing stops the work, with the reason: a shop is not changed in bulk without
/// a way back. (The destination failing does not: the status reports it.)
pub async fn then<T>(
    data_dir: &Path,
    keychain: Option<&dyn TokenStore>,
    reason: Reason,
    now: DateTime<Utc>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let opts = BackupOptions { reason: Some(reason), ..BackupOptions::default() };
    if let Err(e) = backup_now(data_dir, &opts, keychain, now).await {
        return Err(Error::Conflict(format!(
            "La sauvegarde {} n'a pas pu être faite, rien n'a été modifié : {e}",
            reason.label()
        )));
    }
    work.await
}

/// How often the app looks whether the daily backup is due: a shop PC that sleeps at
/// night gets its backup within the hour after it wakes.
pub const DAILY_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Runs the daily backup for as long as the app runs: at start (after `first_after`,
/// to leave the first minute to the shopkeeper) and every [`DAILY_CHECK_EVERY`], takes
/// one when [`daily_backup_due`] says so and `busy` (an import, a photo batch running)
/// does not; `done` hears each backup's outcome (the app refreshes its status).
pub fn spawn_daily(
    data_dir: PathBuf,
    keychain: Option<std::sync::Arc<dyn TokenStore>>,
    clock: crate::orders::feed::Clock,
    first_after: std::time::Duration,
    busy: std::sync::Arc<dyn Fn() -> bool + Send + Sync>,
    done: std::sync::Arc<dyn Fn(Result<BackupReport>) + Send + Sync>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(first_after).await;
        loop {
            let due = {
                let (dir, now) = (data_dir.clone(), clock());
                blocking(move || daily_backup_due(&dir, now)).await.unwrap_or(false)
            };
            let busy_now = due && busy();
            if due && !busy_now {
                let opts = BackupOptions { reason: Some(Reason::Daily), ..BackupOptions::default() };
                done(backup_now(&data_dir, &opts, keychain.as_deref(), clock()).await);
            }
            // Busy: try again in a few minutes rather than an hour.
            let wait = if busy_now { DAILY_CHECK_EVERY / 12 } else { DAILY_CHECK_EVERY };
            tokio::time::sleep(wait).await;
        }
    })
}

/// The settings screen's save: the destination (an empty path: none) and whether its
/// copy is encrypted; `passphrase`, when given, replaces the one in the keychain.
/// Refused: a destination that is not a reachable folder, encryption with no
/// passphrase given or kept.
pub async fn configure(
    db: &Db,
    keychain: &dyn TokenStore,
    destination: PathBuf,
    encrypt: bool,
    passphrase: Option<&str>,
) -> Result<BackupConfig> {
    if !destination.as_os_str().is_empty() && !destination.is_dir() {
        return Err(Error::invalid(
            "destination",
            "not_a_folder",
            format!(
                "Le dossier {} est introuvable : branchez la clé ou choisissez un autre dossier",
                destination.display()
            ),
        ));
    }
    if let Some(p) = passphrase {
        crypt::store_passphrase(keychain, p)?;
    } else if encrypt && crypt::load_passphrase(keychain)?.is_none() {
        return Err(Error::invalid(
            "passphrase",
            "required",
            "Choisissez une phrase de passe pour chiffrer les sauvegardes hors du PC",
        ));
    }
    update_config(db, Some(destination), Some(encrypt)).await
}
