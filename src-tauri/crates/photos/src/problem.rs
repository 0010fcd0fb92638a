//! Why one file could not be turned into a photo: a stable code and a French reason.
//!
//! A batch never stops on one bad file: each problem is reported next to its file name
//! and the next file is processed.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The file could not be read (permissions, vanished, a folder…).
    Unreadable,
    /// Zero bytes.
    Empty,
    /// Not an image at all (text, PDF, a renamed document…).
    NotAnImage,
    /// An image format Comptoir does not handle (GIF, TIFF, BMP…).
    UnsupportedFormat,
    /// HEIC/HEIF (iPhone) that this build or computer cannot read (no `heif` feature,
    /// or libheif without an HEVC decoder); the message says why and what to do.
    HeicUnsupported,
    /// The header announces more pixels than the limit: a decompression bomb or a
    /// panorama far larger than any marketplace needs.
    TooManyPixels,
    /// The file is larger than any photo should be.
    FileTooLarge,
    /// The data stops before the end of the image (interrupted copy or download).
    Truncated,
    /// The data is damaged.
    Corrupt,
    /// Writing into the photo store failed.
    Storage,
}

impl ProblemCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProblemCode::Unreadable => "unreadable",
            ProblemCode::Empty => "empty",
            ProblemCode::NotAnImage => "not_an_image",
            ProblemCode::UnsupportedFormat => "unsupported_format",
            ProblemCode::HeicUnsupported => "heic_unsupported",
            ProblemCode::TooManyPixels => "too_many_pixels",
            ProblemCode::FileTooLarge => "file_too_large",
            ProblemCode::Truncated => "truncated",
            ProblemCode::Corrupt => "corrupt",
            ProblemCode::Storage => "storage",
        }
    }
}

/// A problem with one file; `message` is a complete French sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct PhotoProblem {
    pub code: ProblemCode,
    pub message: String,
}

impl PhotoProblem {
    pub fn new(code: ProblemCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub(crate) fn unreadable(e: &std::io::Error) -> Self {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "le fichier n'existe pas ou a été déplacé".to_owned(),
            std::io::ErrorKind::PermissionDenied => "accès refusé (droits du fichier)".to_owned(),
            std::io::ErrorKind::IsADirectory => "c'est un dossier".to_owned(),
            _ => e.to_string(),
        };
        Self::new(ProblemCode::Unreadable, format!("Fichier illisible : {why}"))
    }

    pub(crate) fn empty() -> Self {
        Self::new(ProblemCode::Empty, "Fichier vide (0 octet) : la copie depuis le téléphone a sans doute échoué")
    }

    pub(crate) fn not_an_image() -> Self {
        Self::new(ProblemCode::NotAnImage, "Ce fichier n'est pas une image, malgré son extension")
    }

    pub(crate) fn file_too_large(size: u64, max: u64) -> Self {
        Self::new(
            ProblemCode::FileTooLarge,
            format!(
                "Fichier trop gros ({} Mo, au plus {} Mo) : ce n'est pas une photo de produit",
                size.div_ceil(1024 * 1024),
                max / (1024 * 1024)
            ),
        )
    }

    pub(crate) fn truncated() -> Self {
        Self::new(
            ProblemCode::Truncated,
            "Image incomplète : le fichier s'arrête avant la fin de la photo (copie interrompue ?)",
        )
    }

    pub(crate) fn corrupt(detail: impl std::fmt::Display) -> Self {
        Self::new(ProblemCode::Corrupt, format!("Image endommagée, impossible de la lire ({detail})"))
    }

    pub(crate) fn storage(e: &std::io::Error) -> Self {
        Self::new(ProblemCode::Storage, format!("Impossible d'enregistrer la photo dans le dossier de données : {e}"))
    }
}
