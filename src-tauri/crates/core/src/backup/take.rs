//! Taking a backup: one snapshot of the database, written to each backup folder with
//! the photos that folder lacks, verified, then promoted; then the folder's rotation.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::files::{self, FolderLock};
use super::manifest::{self, DB_ENCRYPTED, DB_PLAIN, DatabaseEntry, Manifest, PhotoEntry};
use super::{
    BACKUP_PREFIX, BackupConfig, BackupOptions, Counts, PARTIAL_PREFIX, Reason, backup_error, blocking, config_of_file,
    crypt, destination_root, local_root, rotate,
};
use crate::photos::probe::Format;
use crate::photos::store::PhotoStore;
use crate::storage::backup::{DbFacts, facts, latest_schema_version, schema_version_of, snapshot_into};
use crate::sync::credentials::TokenStore;
use crate::{Db, Result};

/// One backup folder written by a run.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TargetReport {
    /// The backup folder (the PC's, the destination's, or `--to`).
    pub root: PathBuf,
    /// The new backup's directory.
    pub path: PathBuf,
    pub id: String,
    pub local: bool,
    pub encrypted: bool,
    /// Photos copied (or linked) into the folder's pool, and those it already held.
    pub photos_copied: u64,
    pub photos_already_there: u64,
    /// Bytes written: the database copy, the new photos (not the hard links), the manifest.
    pub bytes_written: u64,
    /// Backups the rotation removed.
    pub pruned: Vec<String>,
}

/// What happened at the chosen destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DestinationOutcome {
    /// No destination chosen (or `--to` was used instead).
    None,
    Written,
    /// The folder is not there (USB key unplugged, share unreachable).
    Missing {
        path: PathBuf,
    },
    /// It is there but the backup could not be written; French message.
    Failed {
        path: PathBuf,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BackupReport {
    #[specta(type = String)]
    pub created_at: DateTime<Utc>,
    pub reason: Reason,
    pub schema_version: i64,
    pub counts: Counts,
    /// Size of the database snapshot (staged on the PC, then copied to each target).
    pub database_bytes: u64,
    pub targets: Vec<TargetReport>,
    pub destination: DestinationOutcome,
    /// Photos the database references that are missing or damaged in the shop's folder
    /// (sha256): not in the backup either.
    pub photos_missing: Vec<String>,
}

struct Target {
    root: PathBuf,
    local: bool,
    passphrase: Option<String>,
}

/// Takes a backup of the shop in `data_dir` now: a consistent snapshot of the database
/// (the app may keep writing meanwhile) and the photo originals, into the PC's backup
/// folder and the chosen destination (or only into `opts.to`). `keychain` (opened on
/// [`crypt::KEYCHAIN_SERVICE`]) gives the passphrase when the settings ask for an
/// encrypted destination and `opts` brings none.
///
/// The PC's copy failing is an error; the destination failing or missing is reported in
/// [`BackupReport::destination`] (the PC's copy is made all the same). With `opts.to`,
/// that folder failing is the error.
pub async fn backup_now(
    data_dir: &Path,
    opts: &BackupOptions,
    keychain: Option<&dyn TokenStore>,
    now: DateTime<Utc>,
) -> Result<BackupReport> {
    let db_file = data_dir.join(crate::paths::DB_FILE);
    if !db_file.is_file() {
        return Err(crate::Error::not_found("Base de données", db_file.display()));
    }
    let cfg = config_of_file(&db_file)?;
    let wants_encryption = opts.passphrase.is_some() || cfg.encrypt_destination;
    let passphrase = match (&opts.passphrase, wants_encryption, keychain) {
        (Some(p), _, _) => Ok(Some(p.clone())),
        (None, true, Some(k)) => crypt::load_passphrase(k).and_then(|p| {
            p.map(Some).ok_or_else(|| {
                backup_error(
                    crate::ErrorCode::BackupPassphrase,
                    "Les sauvegardes de la destination sont chiffrées mais aucune phrase de passe n'est enregistrée dans le trousseau",
                )
            })
        }),
        (None, true, None) => Err(backup_error(
            crate::ErrorCode::BackupPassphrase,
            "Les sauvegardes de la destination sont chiffrées mais le trousseau de clés est inaccessible",
        )),
        (None, false, _) => Ok(None),
    };
    let reason = opts.reason.unwrap_or(Reason::Manual);
    let (data_dir, opts) = (data_dir.to_path_buf(), opts.clone());
    let result = blocking(move || run(&data_dir, &opts, &cfg, passphrase, now)).await;
    log_outcome(reason, &result);
    result
}

/// One line per backup in the log file: the support report's « last backup » is only
/// what is still on disk, a failure is only here.
fn log_outcome(reason: Reason, result: &Result<BackupReport>) {
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("sauvegarde {} impossible : {e}", reason.label());
            return;
        }
    };
    for t in &r.targets {
        tracing::info!(
            "sauvegarde {} faite : {} ({} octets écrits, {} photo(s) copiée(s){})",
            reason.label(),
            t.path.display(),
            t.bytes_written,
            t.photos_copied,
            if t.encrypted { ", chiffrée" } else { "" }
        );
    }
    match &r.destination {
        DestinationOutcome::Missing { path } => {
            tracing::warn!("sauvegarde {} : la destination {} est absente", reason.label(), path.display());
        }
        DestinationOutcome::Failed { path, message } => {
            tracing::error!("sauvegarde {} : échec sur la destination {} : {message}", reason.label(), path.display());
        }
        DestinationOutcome::None | DestinationOutcome::Written => {}
    }
    if !r.photos_missing.is_empty() {
        tracing::warn!(
            "sauvegarde {} : {} photo(s) manquantes ou abîmées dans le dossier de la boutique",
            reason.label(),
            r.photos_missing.len()
        );
    }
}

fn run(
    data_dir: &Path,
    opts: &BackupOptions,
    cfg: &BackupConfig,
    passphrase: Result<Option<String>>,
    now: DateTime<Utc>,
) -> Result<BackupReport> {
    let reason = opts.reason.unwrap_or(Reason::Manual);
    let local = local_root(data_dir);
    // The snapshot is staged in the PC's folder, under its lock, whatever the targets:
    // a plain copy of customers' data is never written to a destination to be encrypted
    // there afterwards.
    let _local_lock = FolderLock::take(&local)?;
    clean_stale(&local)?;
    let staging = local.join(format!("{PARTIAL_PREFIX}snapshot-{}", std::process::id()));
    files::remove_any(&staging)?;
    std::fs::create_dir_all(&staging)?;
    let snapshot = staging.join(DB_PLAIN);
    let result = (|| {
        snapshot_into(&data_dir.join(crate::paths::DB_FILE), &snapshot)?;
        let facts = facts(&snapshot, true)?;
        if !facts.problems.is_empty() {
            return Err(backup_error(
                crate::ErrorCode::BackupDamaged,
                format!(
                    "La copie de la base de données n'a pas passé le contrôle d'intégrité : {}",
                    facts.problems.join(" ; ")
                ),
            ));
        }
        let (plain_sha256, plain_bytes) = files::hash_file(&snapshot)?;
        let snap = Snapshot { path: snapshot.clone(), facts, plain_sha256, plain_bytes };
        let store = PhotoStore::in_data_dir(data_dir);

        let mut targets = Vec::new();
        let mut destination = DestinationOutcome::None;
        let mut missing = BTreeSet::new();
        if let Some(to) = &opts.to {
            // The PC's folder is already locked by this run (a second lock on it would
            // wait for ourselves). A copy there stays on the PC: never encrypted, so it
            // needs no passphrase (a restore's "before" copy, a migration's).
            let same = std::fs::canonicalize(to).ok() == std::fs::canonicalize(&local).ok();
            let pass = if same { None } else { passphrase? };
            let t = Target { root: to.clone(), local: same, passphrase: pass };
            let (r, miss) = if same {
                write_target_locked(&t, &snap, &store, reason, now)?
            } else {
                write_target(&t, &snap, &store, reason, now)?
            };
            missing.extend(miss);
            targets.push(r);
        } else {
            if let Some(dest) = &cfg.destination {
                destination = if !dest.is_dir() {
                    DestinationOutcome::Missing { path: dest.clone() }
                } else {
                    let written = passphrase.and_then(|pass| {
                        let t = Target { root: destination_root(dest), local: false, passphrase: pass };
                        write_target(&t, &snap, &store, reason, now)
                    });
                    match written {
                        Ok((r, miss)) => {
                            missing.extend(miss);
                            targets.push(r);
                            DestinationOutcome::Written
                        }
                        Err(e) => DestinationOutcome::Failed { path: dest.clone(), message: e.to_string() },
                    }
                };
            }
            let t = Target { root: local.clone(), local: true, passphrase: None };
            let (r, miss) = write_target_locked(&t, &snap, &store, reason, now)?;
            missing.extend(miss);
            targets.insert(0, r);
        }
        Ok(BackupReport {
            created_at: now,
            reason,
            schema_version: snap.facts.schema_version,
            counts: snap.facts.counts,
            database_bytes: snap.plain_bytes,
            targets,
            destination,
            photos_missing: missing.into_iter().collect(),
        })
    })();
    let _ = files::remove_any(&staging);
    result
}

struct Snapshot {
    path: PathBuf,
    facts: DbFacts,
    plain_sha256: String,
    plain_bytes: u64,
}

/// Removes what killed runs left: `.partial-*` directories and photo temp files. Only
/// called with the folder's lock held, so nothing removed is being written.
fn clean_stale(root: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(root) else { return Ok(()) };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(PARTIAL_PREFIX) {
            files::remove_any(&e.path())?;
        }
    }
    let Ok(dirs) = std::fs::read_dir(root.join("photos")) else { return Ok(()) };
    for d in dirs.flatten() {
        let Ok(inner) = std::fs::read_dir(d.path()) else { continue };
        for f in inner.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(f.path());
            }
        }
    }
    Ok(())
}

fn write_target(
    t: &Target,
    snap: &Snapshot,
    store: &PhotoStore,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<(TargetReport, Vec<String>)> {
    std::fs::create_dir_all(&t.root).map_err(|e| {
        backup_error(
            crate::ErrorCode::BackupDestination,
            format!("Impossible d'écrire dans {} : {e}", t.root.display()),
        )
    })?;
    let _lock = FolderLock::take(&t.root)?;
    clean_stale(&t.root)?;
    write_target_locked(t, snap, store, reason, now)
}

/// A fresh id for `now` in `root`: `comptoir-YYYYMMDD-HHMMSS`, then `-2`, `-3`…
fn new_id(root: &Path, now: DateTime<Utc>) -> String {
    let base = format!("{BACKUP_PREFIX}{}", now.format("%Y%m%d-%H%M%S"));
    let mut id = base.clone();
    let mut n = 1;
    while root.join(&id).exists() {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

fn write_target_locked(
    t: &Target,
    snap: &Snapshot,
    store: &PhotoStore,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<(TargetReport, Vec<String>)> {
    std::fs::create_dir_all(&t.root)?;
    let id = new_id(&t.root, now);
    let partial = t.root.join(format!("{PARTIAL_PREFIX}{id}"));
    files::remove_any(&partial)?;
    std::fs::create_dir_all(&partial)?;
    let written = write_partial(t, snap, store, reason, now, &id, &partial);
    if written.is_err() {
        // A full USB key or a pulled one: what was written goes (the pool's complete
        // photos stay, content-addressed and named by no manifest until the next backup).
        let _ = files::remove_any(&partial);
    }
    written
}

fn write_partial(
    t: &Target,
    snap: &Snapshot,
    store: &PhotoStore,
    reason: Reason,
    now: DateTime<Utc>,
    id: &str,
    partial: &Path,
) -> Result<(TargetReport, Vec<String>)> {
    let id = id.to_owned();
    let mut bytes_written = 0u64;

    // Photos first: a backup is promoted only once everything it names is in the pool.
    let mut entries = Vec::with_capacity(snap.facts.photos.len());
    let mut missing = Vec::new();
    let (mut copied, mut already) = (0u64, 0u64);
    let mut touched_dirs = BTreeSet::new();
    for (sha, format) in &snap.facts.photos {
        let Some(fmt) = Format::parse(format) else {
            missing.push(sha.clone());
            continue;
        };
        let entry = PhotoEntry { sha256: sha.clone(), ext: fmt.extension().to_owned(), bytes: 0 };
        let dst = t.root.join(entry.relative_path());
        if let Ok(m) = std::fs::metadata(&dst) {
            // Content-addressed and only ever renamed into place once complete: a file
            // under this name holds these bytes (verify re-hashes them).
            already += 1;
            entries.push(PhotoEntry { bytes: m.len(), ..entry });
            continue;
        }
        let src = store.original_path(sha, fmt);
        if !src.is_file() {
            missing.push(sha.clone());
            continue;
        }
        let linked = if t.local { files::link(&src, &dst) } else { None };
        let n = match linked {
            Some(n) => Some(n),
            None => {
                let n = files::copy_verified(&src, &dst, sha)?;
                if let Some(n) = n {
                    bytes_written += n;
                }
                n
            }
        };
        match n {
            Some(n) => {
                copied += 1;
                if let Some(d) = dst.parent() {
                    touched_dirs.insert(d.to_path_buf());
                }
                entries.push(PhotoEntry { bytes: n, ..entry });
            }
            None => missing.push(sha.clone()),
        }
    }
    for d in &touched_dirs {
        files::sync_dir(d)?;
    }

    // The database: copied, or encrypted, then hashed as stored.
    let (file, encrypted) = match &t.passphrase {
        Some(_) => (DB_ENCRYPTED, true),
        None => (DB_PLAIN, false),
    };
    let db_path = partial.join(file);
    match &t.passphrase {
        Some(p) => crypt::encrypt_file(&snap.path, &db_path, p)?,
        None => {
            std::fs::copy(&snap.path, &db_path)?;
            std::fs::File::open(&db_path)?.sync_all()?;
        }
    }
    let (sha256, bytes) = files::hash_file(&db_path)?;
    bytes_written += bytes;
    let manifest = Manifest {
        format: manifest::FORMAT,
        id: id.clone(),
        created_at: now,
        reason,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: snap.facts.schema_version,
        database: DatabaseEntry {
            file: file.to_owned(),
            bytes,
            sha256,
            encrypted,
            plain_bytes: snap.plain_bytes,
            plain_sha256: snap.plain_sha256.clone(),
        },
        counts: snap.facts.counts,
        photos: entries,
        photos_missing: missing.clone(),
    };

    // Verification before promotion: the copy as it lies on the destination's disk.
    if encrypted {
        let check = partial.join(".check.db");
        crypt::decrypt_file(&db_path, &check, t.passphrase.as_deref().unwrap_or_default(), "La copie chiffrée")?;
        let (plain, _) = files::hash_file(&check)?;
        let _ = std::fs::remove_file(&check);
        if plain != snap.plain_sha256 {
            return Err(backup_error(
                crate::ErrorCode::BackupDamaged,
                "La copie chiffrée de la base de données ne se relit pas à l'identique",
            ));
        }
    } else {
        let f = facts(&db_path, true)?;
        if !f.problems.is_empty() || f.counts != snap.facts.counts {
            return Err(backup_error(
                crate::ErrorCode::BackupDamaged,
                format!(
                    "La copie de la base de données dans {} ne passe pas le contrôle d'intégrité",
                    t.root.display()
                ),
            ));
        }
    }
    for p in &manifest.photos {
        let len = std::fs::metadata(t.root.join(p.relative_path())).map(|m| m.len()).unwrap_or(u64::MAX);
        if len != p.bytes {
            return Err(backup_error(
                crate::ErrorCode::BackupDamaged,
                format!("La photo {}.{} n'a pas été copiée entière dans {}", p.sha256, p.ext, t.root.display()),
            ));
        }
    }
    manifest::write(partial, &manifest)?;
    bytes_written += std::fs::metadata(partial.join(manifest::MANIFEST)).map(|m| m.len()).unwrap_or(0);
    files::sync_dir(partial)?;
    let final_path = t.root.join(&id);
    files::promote(partial, &final_path)?;

    let pruned = prune(&t.root)?;
    Ok((
        TargetReport {
            root: t.root.clone(),
            path: final_path,
            id,
            local: t.local,
            encrypted,
            photos_copied: copied,
            photos_already_there: already,
            bytes_written,
            pruned,
        },
        missing,
    ))
}

/// Applies the rotation to a folder, then removes the pool's photos no kept backup
/// names. When a manifest cannot be read, no photo is removed: it may be one of its.
fn prune(root: &Path) -> Result<Vec<String>> {
    let all = manifest::finished(root)?;
    let dated: Vec<(String, DateTime<Utc>)> = all
        .iter()
        .filter_map(|(p, m)| {
            m.as_ref()
                .ok()
                .map(|m| (p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), m.created_at))
        })
        .collect();
    let gone = rotate::to_prune(&dated, rotate::Policy::default());
    for id in &gone {
        // Renamed out of the finished names first (one atomic step), then removed: a
        // kill in the middle of a removal leaves a `.partial-` directory that the next
        // backup cleans, never a half-removed backup under a finished name.
        let doomed = root.join(format!("{PARTIAL_PREFIX}pruned-{id}"));
        files::promote(&root.join(id), &doomed)?;
        files::remove_any(&doomed)?;
    }
    if all.iter().any(|(_, m)| m.is_err()) {
        return Ok(gone);
    }
    let gone_set: HashSet<&String> = gone.iter().collect();
    let mut referenced = HashSet::new();
    for (p, m) in &all {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if gone_set.contains(&name) {
            continue;
        }
        if let Ok(m) = m {
            referenced.extend(m.photos.iter().map(|e| e.relative_path()));
        }
    }
    if !gone.is_empty() {
        let Ok(dirs) = std::fs::read_dir(root.join("photos")) else { return Ok(gone) };
        for d in dirs.flatten() {
            let Ok(inner) = std::fs::read_dir(d.path()) else { continue };
            for f in inner.flatten() {
                let rel = Path::new("photos").join(d.file_name()).join(f.file_name());
                if !referenced.contains(&rel) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
    Ok(gone)
}

/// Opens the shop's database like [`Db::open_in`], taking a backup first
/// ([`Reason::BeforeMigration`]) when this build is about to migrate an existing
/// database. The app and the CLI open the database this way.
pub async fn open_with_backup(data_dir: &Path, now: DateTime<Utc>) -> Result<(Db, Option<BackupReport>)> {
    let db_file = data_dir.join(crate::paths::DB_FILE);
    super::restore::put_back_interrupted(data_dir)?;
    let report = match schema_version_of(&db_file)? {
        Some(v) if v > 0 && v < latest_schema_version() => {
            let opts = BackupOptions { reason: Some(Reason::BeforeMigration), ..BackupOptions::default() };
            // No keychain while starting: an encrypted destination is then reported as
            // failed and written by the next daily backup; the PC's copy, which is what
            // a failed migration needs, is made all the same.
            let r = backup_now(data_dir, &opts, None, now).await;
            Some(r?)
        }
        _ => None,
    };
    Ok((Db::open_in(data_dir).await?, report))
}
