//! Putting a backup back. The backup is verified first; the restored database is
//! prepared beside the current one (decrypted, migrated to this build's schema,
//! disconnected from the marketplace) and checked; the current files are then moved
//! aside, the prepared one renamed in, and checked again in place. Any failure puts the
//! current files back: a failed restore changes nothing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::files::{self, FolderLock};
use super::manifest::Manifest;
use super::verify::verify_blocking;
use super::{
    BackupOptions, Counts, Reason, SETTINGS_PREFIX, backup_error, backup_now, blocking, crypt, local_root, named,
};
use crate::storage::backup::{facts, latest_schema_version, settings_of};
use crate::{Db, Result};

/// Where the current database waits while a restore swaps files (in the data dir).
const ASIDE: &str = ".restore-aside";
/// Where the restored database is prepared.
const STAGING: &str = ".restore-staging";
const DB_SIDE_FILES: [&str; 3] = ["", "-wal", "-shm"];

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RestoreReport {
    pub id: String,
    #[specta(type = String)]
    pub created_at: DateTime<Utc>,
    pub counts: Counts,
    /// The schema of the backup and the one it was brought to (migrations ran between).
    pub from_schema: i64,
    pub to_schema: i64,
    pub photos_copied: u64,
    /// The backup of the data the restore replaced (`None` on an empty data directory).
    pub replaced_data_backup: Option<PathBuf>,
    /// Always true: the restored shop is disconnected and asks to reconnect.
    pub reconnect_needed: bool,
}

/// Restores the backup in directory `backup` into `data_dir`. The app must have closed
/// its database first (on Windows an open file cannot be replaced) and reopens it after.
///
/// A backup from an older Comptoir is migrated; one from a newer Comptoir is refused
/// (`backup_too_new`). An encrypted backup needs its `passphrase`. The data replaced is
/// first backed up on the PC ([`Reason::BeforeRestore`]). The backup settings in force
/// (destination, encryption) are kept; the marketplace connection is not restored.
pub async fn restore(
    data_dir: &Path,
    backup: &Path,
    passphrase: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RestoreReport> {
    let (dir, b, pass) = (data_dir.to_path_buf(), backup.to_path_buf(), passphrase.map(str::to_owned));
    let m = blocking(move || check(&b, pass.as_deref())).await?;

    std::fs::create_dir_all(data_dir)?;
    put_back_interrupted(data_dir)?;
    let db_file = data_dir.join(crate::paths::DB_FILE);
    let replaced_data_backup = if db_file.is_file() {
        let opts =
            BackupOptions { reason: Some(Reason::BeforeRestore), to: Some(local_root(data_dir)), passphrase: None };
        backup_now(data_dir, &opts, None, now).await?.targets.into_iter().next().map(|t| t.path)
    } else {
        None
    };

    let lock = blocking({
        let dir = dir.clone();
        move || Ok(FolderLock::take(&local_root(&dir))?)
    })
    .await?;
    let staging = data_dir.join(STAGING);
    let staged = staging.join(crate::paths::DB_FILE);
    let result = async {
        let (s, b, pass, man) = (staging.clone(), backup.to_path_buf(), passphrase.map(str::to_owned), m.clone());
        let photos_copied = blocking(move || stage(&s, &b, pass.as_deref(), &man)).await?;
        // Photos first: adding originals to the content-addressed folder changes nothing
        // for the current data.
        let (d, b, man) = (dir.clone(), backup.to_path_buf(), m.clone());
        let photos_copied = photos_copied + blocking(move || copy_photos(&d, &b, &man)).await?;

        // Migrations, then what a restored shop must not keep.
        let keep = settings_of(&db_file, SETTINGS_PREFIX)?;
        let db = Db::open_file(&staged).await?;
        for (k, v) in &keep {
            db.set_setting(k, v).await?;
        }
        db.reset_after_restore().await?;
        db.close().await;
        let (d, st, counts) = (dir.clone(), staged.clone(), m.counts);
        blocking(move || swap(&d, &st, counts)).await?;
        Ok::<u64, crate::Error>(photos_copied)
    }
    .await;
    let _ = files::remove_any(&staging);
    drop(lock);
    let photos_copied = result.inspect_err(|e| tracing::error!("restauration de {} impossible : {e}", m.id))?;
    tracing::info!(
        "sauvegarde {} restaurée ({} produit(s), {} commande(s), schéma {} → {}, {photos_copied} photo(s) copiée(s))",
        m.id,
        m.counts.products,
        m.counts.orders,
        m.schema_version,
        latest_schema_version()
    );
    Ok(RestoreReport {
        id: m.id,
        created_at: m.created_at,
        counts: m.counts,
        from_schema: m.schema_version,
        to_schema: latest_schema_version(),
        photos_copied,
        replaced_data_backup,
        reconnect_needed: true,
    })
}

fn check(backup: &Path, passphrase: Option<&str>) -> Result<Manifest> {
    let m = super::manifest::read(backup)?;
    if m.database.encrypted && passphrase.is_none() {
        return Err(backup_error(
            crate::ErrorCode::BackupPassphrase,
            format!("{} est chiffrée : il faut sa phrase de passe pour la restaurer", named(backup)),
        ));
    }
    if m.schema_version > latest_schema_version() {
        return Err(backup_error(
            crate::ErrorCode::BackupTooNew,
            format!(
                "{} a été faite par une version plus récente de Comptoir (base de données version {}, cette version-ci connaît la {}) : mettez Comptoir à jour avant de la restaurer",
                named(backup),
                m.schema_version,
                latest_schema_version()
            ),
        ));
    }
    Ok(verify_blocking(backup, passphrase)?.1)
}

/// Decrypts or copies the database into the staging folder, checked against the
/// manifest. Returns 0 (the photos are counted by `copy_photos`).
fn stage(staging: &Path, backup: &Path, passphrase: Option<&str>, m: &Manifest) -> Result<u64> {
    files::remove_any(staging)?;
    std::fs::create_dir_all(staging)?;
    let out = staging.join(crate::paths::DB_FILE);
    let stored = backup.join(&m.database.file);
    match (m.database.encrypted, passphrase) {
        (true, Some(p)) => crypt::decrypt_file(&stored, &out, p, &named(backup))?,
        _ => {
            std::fs::copy(&stored, &out)?;
        }
    }
    let (sha, _) = files::hash_file(&out)?;
    if sha != m.database.plain_sha256 {
        return Err(backup_error(
            crate::ErrorCode::BackupDamaged,
            format!("{} est endommagée : la base de données ne se relit pas à l'identique", named(backup)),
        ));
    }
    Ok(0)
}

fn copy_photos(data_dir: &Path, backup: &Path, m: &Manifest) -> Result<u64> {
    let root = backup.parent().unwrap_or(Path::new("."));
    let mut n = 0;
    let mut touched = std::collections::BTreeSet::new();
    for p in &m.photos {
        let rel = p.relative_path();
        let dst = data_dir.join(&rel);
        if dst.is_file() {
            continue;
        }
        match files::copy_verified(&root.join(&rel), &dst, &p.sha256)? {
            Some(_) => {
                n += 1;
                touched.extend(dst.parent().map(Path::to_path_buf));
            }
            None => {
                return Err(backup_error(
                    crate::ErrorCode::BackupDamaged,
                    format!(
                        "{} est endommagée : la photo {} ne correspond plus à son empreinte",
                        named(backup),
                        rel.display()
                    ),
                ));
            }
        }
    }
    for d in &touched {
        files::sync_dir(d)?;
    }
    Ok(n)
}

fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Moves the current database aside, renames the prepared one in, checks it in place;
/// puts everything back on any failure.
fn swap(data_dir: &Path, staged: &Path, counts: Counts) -> Result<()> {
    let current = data_dir.join(crate::paths::DB_FILE);
    let aside = data_dir.join(ASIDE);
    files::remove_any(&aside)?;
    std::fs::create_dir_all(&aside)?;
    let aside_db = aside.join(crate::paths::DB_FILE);
    for suffix in DB_SIDE_FILES {
        let from = side(&current, suffix);
        if from.exists() {
            std::fs::rename(&from, side(&aside_db, suffix))?;
        }
    }
    files::sync_dir(data_dir)?;
    let done = (|| -> Result<()> {
        files::promote(staged, &current)?;
        let f = facts(&current, true)?;
        if !f.problems.is_empty() || f.counts != counts || f.schema_version != latest_schema_version() {
            return Err(backup_error(
                crate::ErrorCode::BackupDamaged,
                "La base de données restaurée ne passe pas le contrôle une fois en place : rien n'a été changé",
            ));
        }
        Ok(())
    })();
    match done {
        Ok(()) => {
            files::remove_any(&aside)?;
            Ok(())
        }
        Err(e) => {
            for suffix in DB_SIDE_FILES {
                let _ = std::fs::remove_file(side(&current, suffix));
            }
            put_back(&aside_db, &current)?;
            let _ = files::remove_any(&aside);
            Err(e)
        }
    }
}

fn put_back(aside_db: &Path, current: &Path) -> Result<()> {
    for suffix in DB_SIDE_FILES {
        let from = side(aside_db, suffix);
        if from.exists() {
            std::fs::rename(&from, side(current, suffix))?;
        }
    }
    if let Some(dir) = current.parent() {
        files::sync_dir(dir)?;
    }
    Ok(())
}

/// A restore killed between moving the current database aside and renaming the
/// restored one in leaves no database: the aside one goes back. (Killed after the
/// rename, the restored database is in place and the aside copy is left for support.)
pub(crate) fn put_back_interrupted(data_dir: &Path) -> Result<()> {
    let current = data_dir.join(crate::paths::DB_FILE);
    let aside_db = data_dir.join(ASIDE).join(crate::paths::DB_FILE);
    if !current.exists() && aside_db.exists() {
        put_back(&aside_db, &current)?;
    }
    Ok(())
}
