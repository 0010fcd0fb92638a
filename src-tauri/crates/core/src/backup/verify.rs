//! Checking a backup end to end: its manifest against its hash, the database copy
//! against the manifest (and, when it can be read, SQLite's integrity check and a
//! cross-check of what it references), every photo against its hash. The first damaged
//! part is named in French.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::files::{self, hash_file};
use super::manifest::{self, Manifest};
use super::{Counts, Reason, backup_error, blocking, crypt, named};
use crate::Result;
use crate::storage::backup::facts;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct VerifyReport {
    pub id: String,
    pub path: PathBuf,
    #[specta(type = String)]
    pub created_at: DateTime<Utc>,
    pub reason: Reason,
    pub schema_version: i64,
    pub counts: Counts,
    pub photos: u64,
    pub encrypted: bool,
    /// Whether the database's content was checked (SQLite integrity check, counts, the
    /// photos it references); `false` for an encrypted backup verified without its
    /// passphrase, whose stored bytes are still checked against their hash.
    pub content_checked: bool,
}

/// Verifies the backup in directory `backup`. `passphrase` lets the content of an
/// encrypted backup be checked too (decrypted into a temporary file, removed after).
pub async fn verify(backup: &Path, passphrase: Option<&str>) -> Result<VerifyReport> {
    let (backup, passphrase) = (backup.to_path_buf(), passphrase.map(str::to_owned));
    blocking(move || verify_blocking(&backup, passphrase.as_deref()).map(|(r, _)| r)).await
}

/// A temporary file outside any backup folder: a decrypted copy never lands on the
/// destination, and a name of its own per call.
pub(crate) fn temp_path(label: &str) -> PathBuf {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "comptoir-{label}-{}-{}.db",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The check itself; also gives the manifest (restore continues from it).
pub(crate) fn verify_blocking(backup: &Path, passphrase: Option<&str>) -> Result<(VerifyReport, Manifest)> {
    let m = manifest::read(backup)?;
    let root = backup.parent().unwrap_or(Path::new("."));
    let damaged = |part: String| {
        backup_error(crate::ErrorCode::BackupDamaged, format!("{} est endommagée : {part}", named(backup)))
    };

    // The database as stored.
    let db_path = backup.join(&m.database.file);
    let db_name = format!("la base de données ({})", m.database.file);
    let (sha, bytes) = hash_file(&db_path).map_err(|_| damaged(format!("{db_name} est absente ou illisible")))?;
    if sha != m.database.sha256 || bytes != m.database.bytes {
        return Err(damaged(format!("{db_name} ne correspond plus à son empreinte")));
    }

    // Its content, when readable.
    let mut content_checked = false;
    let plain = if m.database.encrypted {
        match passphrase {
            Some(p) => {
                let tmp = temp_path("verify");
                crypt::decrypt_file(&db_path, &tmp, p, &format!("{} : {db_name}", named(backup)))?;
                Some((tmp, true))
            }
            None => None,
        }
    } else {
        Some((db_path.clone(), false))
    };
    if let Some((plain_path, temporary)) = plain {
        let checked = check_content(&plain_path, &m, &db_name, &damaged);
        if temporary {
            let _ = files::remove_any(&plain_path);
        }
        checked?;
        content_checked = true;
    }

    // Every photo, re-hashed.
    for p in &m.photos {
        let rel = p.relative_path();
        let name = format!("la photo {}", rel.display());
        match hash_file(&root.join(&rel)) {
            Ok((sha, n)) if sha == p.sha256 && n == p.bytes => {}
            Ok(_) => return Err(damaged(format!("{name} ne correspond plus à son empreinte"))),
            Err(_) => return Err(damaged(format!("{name} est absente ou illisible"))),
        }
    }

    let report = VerifyReport {
        id: m.id.clone(),
        path: backup.to_path_buf(),
        created_at: m.created_at,
        reason: m.reason,
        schema_version: m.schema_version,
        counts: m.counts,
        photos: m.photos.len() as u64,
        encrypted: m.database.encrypted,
        content_checked,
    };
    Ok((report, m))
}

fn check_content(plain: &Path, m: &Manifest, db_name: &str, damaged: &dyn Fn(String) -> crate::Error) -> Result<()> {
    let (sha, n) = hash_file(plain)?;
    if sha != m.database.plain_sha256 || n != m.database.plain_bytes {
        return Err(damaged(format!("{db_name} ne correspond plus à son empreinte")));
    }
    let f = facts(plain, true).map_err(|e| damaged(format!("{db_name} ne s'ouvre pas ({e})")))?;
    if !f.problems.is_empty() {
        return Err(damaged(format!("{db_name} ne passe pas le contrôle d'intégrité : {}", f.problems.join(" ; "))));
    }
    if f.counts != m.counts || f.schema_version != m.schema_version {
        return Err(damaged(format!("{db_name} ne contient pas ce que le manifeste annonce")));
    }
    // Every photo the database references is in the backup, or was already missing
    // from the shop when it was taken: nothing left out silently.
    let held: HashSet<&str> =
        m.photos.iter().map(|p| p.sha256.as_str()).chain(m.photos_missing.iter().map(String::as_str)).collect();
    if let Some((sha, _)) = f.photos.iter().find(|(sha, _)| !held.contains(sha.as_str())) {
        return Err(damaged(format!("la photo {sha} que la base de données cite n'y figure pas")));
    }
    Ok(())
}
