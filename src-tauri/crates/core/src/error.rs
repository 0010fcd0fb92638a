//! Errors with a stable machine code and a French sentence for people.
//!
//! The code is what crosses the IPC boundary and what the UI translates; the message
//! is a complete French sentence for the terminal and for logs. Both are part of the
//! contract: tests and the UI match on codes, never on message text.

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid field of an input, for inline messages next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FieldError {
    /// Path of the field in the input, e.g. `name` or `variants.1.price_cents`.
    pub field: String,
    /// Stable code, e.g. `required`, `ean_checksum`.
    pub code: String,
    /// French sentence.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.to_owned(), message: message.into() }
    }
}

/// Every code an error can carry out of Rust. One enum, exported through the generated
/// bindings: the UI keys its French and English wording by it and TypeScript checks
/// that wording is exhaustive, so a new code without words does not compile. Rust code
/// matches on error variants, never on these codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    NotFound,
    Conflict,
    DataDir,
    Database,
    Migration,
    Io,
    Cancelled,
    SyncNotConnected,
    SyncBadUrl,
    SyncOffline,
    SyncRefused,
    SyncUnauthorized,
    Keychain,
    /// A part of a backup (manifest, database, a photo) does not match what was written;
    /// the message names it.
    BackupDamaged,
    /// The folder is not a finished backup (no manifest: interrupted).
    BackupIncomplete,
    /// Made by a newer Comptoir (a later database schema).
    BackupTooNew,
    /// The backup is encrypted and the passphrase is missing or wrong.
    BackupPassphrase,
    /// The chosen destination cannot be reached or written.
    BackupDestination,
    /// Recovery from the marketplace only fills an empty shop.
    RecoverNotEmpty,
    /// An update refused: bad signature, not newer, not a package, install refused.
    UpdateRefused,
    /// An update's download did not finish.
    UpdateDownload,
    /// This installation cannot be updated from Comptoir (built from the sources, no
    /// administrator rights to be had); the message says what to do instead.
    UpdateUnsupported,
}

impl ErrorCode {
    /// The wire spelling (`not_found`), for logs and the terminal.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::DataDir => "data_dir",
            ErrorCode::Database => "database",
            ErrorCode::Migration => "migration",
            ErrorCode::Io => "io",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::SyncNotConnected => "sync_not_connected",
            ErrorCode::SyncBadUrl => "sync_bad_url",
            ErrorCode::SyncOffline => "sync_offline",
            ErrorCode::SyncRefused => "sync_refused",
            ErrorCode::SyncUnauthorized => "sync_unauthorized",
            ErrorCode::Keychain => "keychain",
            ErrorCode::BackupDamaged => "backup_damaged",
            ErrorCode::BackupIncomplete => "backup_incomplete",
            ErrorCode::BackupTooNew => "backup_too_new",
            ErrorCode::BackupPassphrase => "backup_passphrase",
            ErrorCode::BackupDestination => "backup_destination",
            ErrorCode::RecoverNotEmpty => "recover_not_empty",
            ErrorCode::UpdateRefused => "update_refused",
            ErrorCode::UpdateDownload => "update_download",
            ErrorCode::UpdateUnsupported => "update_unsupported",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Saisie invalide : {}", .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join(" ; "))]
    Validation(Vec<FieldError>),
    #[error("{what} introuvable : {key}")]
    NotFound { what: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("Impossible d'ouvrir ou de créer le dossier de données {path} : {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("Erreur de la base de données : {0}")]
    Database(#[from] sqlx::Error),
    /// From the import's own connection (storage::import_tx).
    #[error("Erreur de la base de données : {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("Mise à jour de la base de données impossible : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("Erreur de lecture ou d'écriture : {0}")]
    Io(#[from] std::io::Error),
    /// A file or folder Comptoir was asked to write (a support report, the log folder)
    /// cannot be written; the message names it.
    #[error("Impossible d'écrire {path} : {source}")]
    Write { path: String, source: std::io::Error },
    /// A long operation (an import) stopped at the user's request; nothing was written.
    #[error("Opération annulée : rien n'a été modifié")]
    Cancelled,
    /// A spreadsheet whose cells are not stored in row order (no spreadsheet program
    /// writes one, some generators do): the streaming reader refuses it and the import
    /// reads it whole instead. Reaches a user only from the streaming reader itself.
    #[error("Saisie invalide : {}", .0.message)]
    UnorderedSheet(FieldError),
    /// Data Comptoir stored and cannot read back (a damaged database, a hand edit): said
    /// with what it is, never replaced by an empty default.
    #[error("Donnée enregistrée illisible : {0}")]
    Corrupt(String),
    /// A backup, a restore or a recovery that cannot go on; `code` is one of the
    /// `Backup…`/`RecoverNotEmpty` codes and `message` names the backup and the damaged or missing part.
    #[error("{message}")]
    Backup { code: ErrorCode, message: String },
    /// An update of Comptoir not installed; `code` is one of the `Update…` codes and
    /// `message` says why and that nothing changed (see the `update` module).
    #[error("{message}")]
    Update { code: ErrorCode, message: String },
}

impl Error {
    pub fn not_found(what: &'static str, key: impl ToString) -> Self {
        Self::NotFound { what, key: key.to_string() }
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Stable code: the UI chooses its French wording from it.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) | Error::UnorderedSheet(_) => ErrorCode::Validation,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::DataDir { .. } => ErrorCode::DataDir,
            Error::Database(_) | Error::Sqlite(_) | Error::Corrupt(_) => ErrorCode::Database,
            Error::Migration(_) => ErrorCode::Migration,
            Error::Io(_) | Error::Write { .. } => ErrorCode::Io,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Backup { code, .. } | Error::Update { code, .. } => *code,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
            fields: match self {
                Error::Validation(fields) => fields.clone(),
                Error::UnorderedSheet(field) => vec![field.clone()],
                _ => Vec::new(),
            },
        }
    }
}

/// The readers' errors (comptoir-sheets), with their sentences: on the file or the
/// sheet, as the readers inside core gave them before they had a crate of their own.
impl From<comptoir_sheets::Error> for Error {
    fn from(e: comptoir_sheets::Error) -> Self {
        use comptoir_sheets::Error as Sheets;
        let message = e.to_string();
        match e {
            Sheets::Cancelled => Error::Cancelled,
            Sheets::UnorderedSheet { .. } => Error::UnorderedSheet(FieldError::new("file", "unordered", message)),
            Sheets::File { .. } | Sheets::Unreadable { .. } => Error::invalid("file", "unreadable", message),
            Sheets::SheetNotFound { .. } => Error::invalid("sheet", "not_found", message),
        }
    }
}

/// What an error looks like once it leaves Rust (IPC, `--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        e.payload()
    }
}
