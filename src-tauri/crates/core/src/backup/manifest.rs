//! The manifest: what a backup holds and the hash of every part, itself protected by a
//! hash in `manifest.sha256`. Written last, before the backup directory gets its final
//! name; a flipped byte anywhere is found by [`super::verify`] and named.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::files::{hex, write_atomic};
use super::{BACKUP_PREFIX, Counts, PARTIAL_PREFIX, Reason, backup_error, named};
use crate::Result;

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_HASH: &str = "manifest.sha256";
/// The database copy, plain.
pub const DB_PLAIN: &str = "comptoir.db";
/// The database copy, encrypted (age).
pub const DB_ENCRYPTED: &str = "comptoir.db.age";
/// The format of this manifest; a later Comptoir may write a higher one.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseEntry {
    /// File name in the backup directory ([`DB_PLAIN`] or [`DB_ENCRYPTED`]).
    pub file: String,
    /// Size and sha256 of the file as stored.
    pub bytes: u64,
    pub sha256: String,
    pub encrypted: bool,
    /// Size and sha256 of the SQLite file itself (the same as above when plain).
    pub plain_bytes: u64,
    pub plain_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoEntry {
    pub sha256: String,
    /// `jpg`, `png`, `webp`: the file is `photos/<sha[..2]>/<sha>.<ext>` in the root.
    pub ext: String,
    pub bytes: u64,
}

impl PhotoEntry {
    pub fn relative_path(&self) -> PathBuf {
        Path::new("photos").join(self.sha256.get(..2).unwrap_or("00")).join(format!("{}.{}", self.sha256, self.ext))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub reason: Reason,
    /// Comptoir's version that wrote it.
    pub app_version: String,
    /// The database schema (last migration) of the copy.
    pub schema_version: i64,
    pub database: DatabaseEntry,
    pub counts: Counts,
    /// Every photo original the database references and the backup holds.
    pub photos: Vec<PhotoEntry>,
    /// Photos the database references that were missing or damaged in the shop's own
    /// folder when the backup was taken (so not in it either).
    pub photos_missing: Vec<String>,
}

pub(crate) fn sha_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Writes `manifest.json` then `manifest.sha256` in `dir`, each flushed.
pub(crate) fn write(dir: &Path, m: &Manifest) -> Result<()> {
    let body = serde_json::to_vec_pretty(m).map_err(|e| crate::Error::Io(std::io::Error::other(e)))?;
    write_atomic(&dir.join(MANIFEST), &body)?;
    write_atomic(&dir.join(MANIFEST_HASH), format!("{}\n", sha_hex(&body)).as_bytes())?;
    Ok(())
}

/// Reads and checks a backup's manifest. A directory without one is an unfinished
/// backup (`backup_incomplete`); one that does not match its hash is damaged.
pub fn read(backup: &Path) -> Result<Manifest> {
    let name = backup.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !backup.is_dir() {
        return Err(backup_error(
            crate::ErrorCode::BackupIncomplete,
            format!("{} n'existe pas ou n'est pas un dossier de sauvegarde", named(backup)),
        ));
    }
    let body = match std::fs::read(backup.join(MANIFEST)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let why = if name.starts_with(PARTIAL_PREFIX) {
                "elle a été interrompue avant la fin"
            } else {
                "son manifeste (manifest.json) est absent : elle est inachevée ou ce n'est pas une sauvegarde Comptoir"
            };
            return Err(backup_error(
                crate::ErrorCode::BackupIncomplete,
                format!("{} est inutilisable : {why}", named(backup)),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let damaged = |what: &str| {
        backup_error(
            crate::ErrorCode::BackupDamaged,
            format!("{} est endommagée : le manifeste (manifest.json) {what}", named(backup)),
        )
    };
    let recorded = std::fs::read_to_string(backup.join(MANIFEST_HASH))
        .map_err(|_| damaged("n'a plus son empreinte (manifest.sha256)"))?;
    if recorded.trim() != sha_hex(&body) {
        return Err(damaged("ne correspond plus à son empreinte"));
    }
    let m: Manifest = serde_json::from_slice(&body).map_err(|_| damaged("est illisible"))?;
    if m.format > FORMAT {
        return Err(backup_error(
            crate::ErrorCode::BackupTooNew,
            format!("{} a été faite par une version plus récente de Comptoir : mettez Comptoir à jour", named(backup)),
        ));
    }
    Ok(m)
}

/// The finished backup directories of a root (by name), each with its manifest or why
/// it cannot be read.
pub(crate) fn finished(root: &Path) -> Result<Vec<(PathBuf, Result<Manifest>)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(BACKUP_PREFIX) && e.file_type()?.is_dir() {
            let path = e.path();
            let m = read(&path);
            out.push((path, m));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
