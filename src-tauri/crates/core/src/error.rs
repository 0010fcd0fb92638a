//! Errors with a stable machine code and a French sentence for people.
//!
//! The code is what crosses the IPC boundary and what the UI translates; the message
//! is a complete French sentence for the terminal and for logs. Both are part of the
//! contract: tests and the UI match on codes, never on message text.

use serde::Serialize;

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
    /// A long operation (an import) stopped at the user's request; nothing was written.
    #[error("Opération annulée : rien n'a été modifié")]
    Cancelled,
    /// A backup, a restore or a recovery that cannot go on; `code` is one of
    /// [`BACKUP_CODES`] and `message` names the backup and the damaged or missing part.
    #[error("{message}")]
    Backup { code: &'static str, message: String },
}

/// The stable codes of [`Error::Backup`] (the UI's `errors.ts` keeps the same list):
/// - `backup_damaged`: a part of the backup (manifest, database, a photo) does not match
///   what was written; the message names it;
/// - `backup_incomplete`: the folder is not a finished backup (no manifest: interrupted);
/// - `backup_too_new`: made by a newer Comptoir (a later database schema);
/// - `backup_passphrase`: the backup is encrypted and the passphrase is missing or wrong;
/// - `backup_destination`: the chosen destination cannot be reached or written;
/// - `recover_not_empty`: recovery from the marketplace only fills an empty shop.
pub const BACKUP_CODES: [&str; 6] = [
    "backup_damaged",
    "backup_incomplete",
    "backup_too_new",
    "backup_passphrase",
    "backup_destination",
    "recover_not_empty",
];

impl Error {
    pub fn not_found(what: &'static str, key: impl ToString) -> Self {
        Self::NotFound { what, key: key.to_string() }
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Stable code: the UI chooses its French wording from it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation",
            Error::NotFound { .. } => "not_found",
            Error::Conflict(_) => "conflict",
            Error::DataDir { .. } => "data_dir",
            Error::Database(_) | Error::Sqlite(_) => "database",
            Error::Migration(_) => "migration",
            Error::Io(_) => "io",
            Error::Cancelled => "cancelled",
            Error::Backup { code, .. } => code,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code().to_owned(),
            message: self.to_string(),
            fields: match self {
                Error::Validation(fields) => fields.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// What an error looks like once it leaves Rust (IPC, `--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        e.payload()
    }
}
