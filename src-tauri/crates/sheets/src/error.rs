//! Why a file could not be read, in French: each message is the complete sentence a
//! shopkeeper reads (comptoir-core shows it as it is), and each variant says which part
//! of the input it is about, so a caller matches on variants, never on the words.

use crate::detect::FileFormat;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be read from disk; `why` says why, naming the likely cause (the
    /// OS's own wording is English and does not name the file).
    #[error("Impossible de lire « {name} » : {why}")]
    File { name: String, why: String },
    /// The file's content cannot be read as its format: damaged, truncated, protected by
    /// a password. `detail` is what the parser said.
    #[error("Fichier {} illisible ({detail}) : est-il abîmé ou protégé par un mot de passe ?", .format.label())]
    Unreadable { format: FileFormat, detail: String },
    /// A sheet whose cells are not stored in row order (no spreadsheet program writes
    /// one, some generators do): only the streaming readers refuse it; [`read_bytes`]
    /// and [`read_file`] read it.
    ///
    /// [`read_bytes`]: crate::read_bytes
    /// [`read_file`]: crate::read_file
    #[error("Feuille « {sheet} » : la ligne {row} vient après la ligne {after}")]
    UnorderedSheet { sheet: String, row: u32, after: u32 },
    /// The sheet asked for is not in the workbook; `sheets`: those it has.
    #[error("Feuille « {wanted} » introuvable ; feuilles du fichier : {}", .sheets.join(", "))]
    SheetNotFound { wanted: String, sheets: Vec<String> },
    /// The [`Guide`](crate::Guide) said to stop.
    #[error("Lecture annulée")]
    Cancelled,
}
