//! « Aide › Créer un rapport pour l'assistance » and `comptoir-cli report OUT.zip`
//! (issue 16): one zip the shopkeeper can e-mail to support.
//!
//! ```text
//! rapport.txt        in French, for support staff: versions, system, the database's
//!                    integrity and counts, sync, orders feed, backups, last errors
//! etat.json          the same facts, for tools
//! journaux/*.log     the log files of the last days (their end)
//! ```
//!
//! Nothing in it identifies a customer or opens the shop: every file is masked
//! ([`redact`]) with the secrets the caller passes (read from the keychain: they are
//! nowhere else), the customers' names, phones and e-mails the orders hold, and
//! anything shaped like one. Only these three kinds of file are read into it; the
//! database, backups and photos never are.

mod journaux;
pub mod redact;
mod system;
mod text;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::backup::{self, BackupEntry};
use crate::storage::report::{FeedFacts, ReportCounts, StoredError};
use crate::sync::credentials::{KeychainError, OsKeychain, SERVICE, TokenStore};
use crate::{Db, Error, Result};

/// What the caller knows that the database does not.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub data_dir: PathBuf,
    /// The program making the report and its version: « Comptoir 0.1.0 », « comptoir-cli 0.1.0 ».
    pub program: String,
    /// Secrets to mask wherever they occur: the marketplace token, the backup passphrase
    /// ([`keychain_secrets`] reads them).
    pub secrets: Vec<String>,
}

/// What was written, for the window and the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ReportSummary {
    pub path: String,
    pub bytes: u64,
    /// Files in the zip.
    pub files: u32,
    /// `PRAGMA integrity_check` answered « ok ».
    pub integrity_ok: bool,
}

/// Everything the report says; `etat.json` is this, rapport.txt words it.
#[derive(Debug, Serialize)]
struct Facts {
    format: u32,
    created_at: DateTime<Utc>,
    program: String,
    core_version: &'static str,
    protocol_version: &'static str,
    system: system::System,
    data_dir: String,
    database: DatabaseFacts,
    counts: ReportCounts,
    sync: SyncFacts,
    orders_feed: FeedFacts,
    backups: BackupFacts,
    logs: Vec<journaux::LogFileFacts>,
    recent_errors: Vec<RecentError>,
}

#[derive(Debug, Serialize)]
struct DatabaseFacts {
    file: String,
    bytes: u64,
    wal_bytes: u64,
    schema_version: i64,
    /// The last migration this build knows.
    schema_version_of_build: i64,
    integrity_ok: bool,
    /// `PRAGMA integrity_check`'s lines (« ok », or the problems).
    integrity_check: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SyncFacts {
    connected: bool,
    marketplace_url: Option<String>,
    shop_id: Option<String>,
    shop_name: Option<String>,
    last_success_at: Option<DateTime<Utc>>,
    offline_since: Option<DateTime<Utc>>,
    failures: i64,
    retry_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    reconciled_at: Option<DateTime<Utc>>,
    events_after: i64,
}

#[derive(Debug, Serialize)]
struct BackupFacts {
    folder: String,
    count: usize,
    on_destination: usize,
    last_at: Option<DateTime<Utc>>,
    last_reason: Option<String>,
    last_path: Option<String>,
    destination: Option<String>,
    destination_present: bool,
    destination_encrypted: bool,
    /// Why the backups could not be listed.
    error: Option<String>,
}

/// A stored error or a log line's warning, in one list, newest first.
#[derive(Debug, Serialize)]
struct RecentError {
    at: Option<DateTime<Utc>>,
    /// `journal <file>`, `outbox`, `sync_issue`, `order_action`.
    origin: String,
    level: String,
    message: String,
}

/// Writes the report to `out` (replaced if it exists; written aside, then renamed, so a
/// failure leaves no half zip). `now` dates it and chooses the days of logs it holds.
pub async fn write(db: &Db, input: &ReportInput, out: &Path, now: DateTime<Utc>) -> Result<ReportSummary> {
    // A database too damaged to be checked is what the report is for: said, not fatal.
    let integrity =
        db.integrity_check().await.unwrap_or_else(|e| vec![format!("contrôle d'intégrité impossible : {e}")]);
    let integrity_ok = integrity.len() == 1 && integrity[0] == "ok";
    let st = db.sync_state().await?;
    let backup_config = backup::config(db).await?;
    let customers = db.customer_details().await?;
    let mut facts = Facts {
        format: 1,
        created_at: now,
        program: input.program.clone(),
        core_version: env!("CARGO_PKG_VERSION"),
        protocol_version: comptoir_protocol::PROTOCOL_VERSION,
        system: system::describe(),
        data_dir: input.data_dir.display().to_string(),
        database: DatabaseFacts {
            file: db.path().display().to_string(),
            bytes: file_len(db.path()),
            wal_bytes: file_len(&wal_of(db.path())),
            schema_version: db.schema_version().await?,
            schema_version_of_build: crate::storage::backup::latest_schema_version(),
            integrity_ok,
            integrity_check: integrity,
        },
        counts: db.report_counts().await?,
        sync: SyncFacts {
            connected: st.shop_id.is_some(),
            marketplace_url: st.marketplace_url,
            shop_id: st.shop_id,
            shop_name: st.shop_name,
            last_success_at: st.last_success_at,
            offline_since: st.offline_since,
            failures: st.failures,
            retry_at: st.retry_at,
            last_error: st.last_error,
            reconciled_at: st.reconciled_at,
            events_after: st.events_after,
        },
        orders_feed: db.feed_facts().await?,
        backups: backup_facts(&input.data_dir, &backup_config),
        logs: Vec::new(),
        recent_errors: stored(db.stored_errors().await?),
    };
    let redactor = redact::Redactor::new(&input.secrets, &customers)?;
    let (data_dir, out_path) = (input.data_dir.clone(), out.to_path_buf());
    let summary = backup::blocking(move || {
        let picked = journaux::pick(&data_dir, now);
        facts.logs = picked.iter().map(|p| p.facts.clone()).collect();
        facts.recent_errors.extend(journaux::problems(&picked, now).into_iter().map(|p| RecentError {
            at: Some(p.at),
            origin: format!("journal {}", p.file),
            level: p.level,
            message: p.text,
        }));
        // Newest first, undated (never expected) last.
        facts.recent_errors.sort_by_key(|e| std::cmp::Reverse(e.at));
        facts.recent_errors.truncate(journaux::MAX_PROBLEMS);
        let mut files = vec![("rapport.txt".to_owned(), redactor.redact(&text::render(&facts)))];
        let mut state = serde_json::to_value(&facts).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        redactor.redact_json(&mut state);
        let json = serde_json::to_string_pretty(&state).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        files.push(("etat.json".to_owned(), json));
        for p in picked {
            files.push((format!("journaux/{}", p.facts.name), redactor.redact(&p.text)));
        }
        write_zip(&out_path, &files, now)?;
        Ok(ReportSummary {
            path: out_path.display().to_string(),
            bytes: file_len(&out_path),
            files: files.len() as u32,
            integrity_ok,
        })
    })
    .await?;
    tracing::info!(
        "rapport pour l'assistance écrit : {} ({} octets, {} fichiers, intégrité {})",
        summary.path,
        summary.bytes,
        summary.files,
        if summary.integrity_ok { "ok" } else { "EN ÉCHEC" }
    );
    Ok(summary)
}

/// The secrets this shop keeps in the keychain, for [`ReportInput::secrets`]: the
/// marketplace token (`tokens`) when connected, the backup passphrase (`passphrases`,
/// opened on [`backup::crypt::KEYCHAIN_SERVICE`]) when the destination is encrypted.
/// One that cannot be read is left out: the keychain is its only home, so it is in no
/// file of the report either.
pub async fn secrets(db: &Db, tokens: &dyn TokenStore, passphrases: &dyn TokenStore) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(shop) = db.sync_state().await.ok().and_then(|s| s.shop_id)
        && let Ok(token) = tokens.get(&shop)
    {
        out.push(token);
    }
    if backup::config(db).await.is_ok_and(|c| c.encrypt_destination)
        && let Ok(Some(p)) = backup::crypt::load_passphrase(passphrases)
    {
        out.push(p);
    }
    out
}

/// [`secrets`] from the OS keychain, opened only when the shop has a secret there (the
/// CLI: a shop never connected makes its report without touching the keychain).
pub async fn keychain_secrets(db: &Db) -> Vec<String> {
    let open = |service| OsKeychain::open_service(service).map_err(|e| e.to_string());
    let (tokens, passphrases) =
        (Lazy::new(move || open(SERVICE)), Lazy::new(move || open(backup::crypt::KEYCHAIN_SERVICE)));
    secrets(db, &tokens, &passphrases).await
}

/// A keychain opened at its first read, for reading only.
struct Lazy<F> {
    open: F,
    store: std::sync::OnceLock<std::result::Result<OsKeychain, String>>,
}

impl<F: Fn() -> std::result::Result<OsKeychain, String> + Send + Sync> Lazy<F> {
    fn new(open: F) -> Self {
        Self { open, store: std::sync::OnceLock::new() }
    }

    fn store(&self) -> std::result::Result<&OsKeychain, KeychainError> {
        self.store.get_or_init(|| (self.open)()).as_ref().map_err(|e| KeychainError::Unavailable(e.clone()))
    }
}

impl<F: Fn() -> std::result::Result<OsKeychain, String> + Send + Sync> TokenStore for Lazy<F> {
    fn set(&self, _: &str, _: &str) -> std::result::Result<(), KeychainError> {
        Err(KeychainError::Failed("lecture seule".to_owned()))
    }

    fn get(&self, account: &str) -> std::result::Result<String, KeychainError> {
        self.store()?.get(account)
    }

    fn delete(&self, _: &str) -> std::result::Result<(), KeychainError> {
        Err(KeychainError::Failed("lecture seule".to_owned()))
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn wal_of(db_file: &Path) -> PathBuf {
    let mut name = db_file.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn backup_facts(data_dir: &Path, cfg: &backup::BackupConfig) -> BackupFacts {
    let (list, error): (Vec<BackupEntry>, _) = match backup::list_backups(data_dir) {
        Ok(l) => (l, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let last = list.first();
    BackupFacts {
        folder: backup::local_root(data_dir).display().to_string(),
        count: list.len(),
        on_destination: list.iter().filter(|b| !b.local).count(),
        last_at: last.map(|b| b.created_at),
        last_reason: last.map(|b| b.reason.label().to_owned()),
        last_path: last.map(|b| b.path.display().to_string()),
        destination: cfg.destination.as_ref().map(|d| d.display().to_string()),
        destination_present: cfg.destination.as_ref().is_some_and(|d| d.is_dir()),
        destination_encrypted: cfg.encrypt_destination,
        error,
    }
}

fn stored(errors: Vec<StoredError>) -> Vec<RecentError> {
    errors
        .into_iter()
        .map(|e| RecentError {
            at: e.at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc)),
            origin: format!("{} {}", e.source, e.subject),
            level: "ERROR".to_owned(),
            message: e.message,
        })
        .collect()
}

/// Writes the zip beside `out` under a hidden name, then renames it over `out`.
fn write_zip(out: &Path, files: &[(String, String)], now: DateTime<Utc>) -> Result<()> {
    let failed = |source: std::io::Error| Error::Write { path: out.display().to_string(), source };
    let name = out.file_name().ok_or_else(|| failed(std::io::Error::other("ce n'est pas un nom de fichier")))?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(".partial");
    let partial = out.with_file_name(partial_name);
    let written = (|| -> std::io::Result<()> {
        let file = std::fs::File::create(&partial)?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip_time(now));
        for (path, content) in files {
            zip.start_file(path.as_str(), options).map_err(std::io::Error::other)?;
            zip.write_all(content.as_bytes())?;
        }
        let file = zip.finish().map_err(std::io::Error::other)?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, out)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(e));
    }
    Ok(())
}

/// Zip entries carry a local date without zone; the report's time in Paris.
fn zip_time(now: DateTime<Utc>) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let t = crate::orders::time::paris(now);
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}
