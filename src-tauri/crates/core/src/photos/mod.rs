//! The photo studio's core: photos tied to products and the shop's database.
//!
//! The pipeline itself — probe, decode, colour, orientation, resize, encode, quality,
//! preset, the content-addressed store, batches, HEIC — is the crate comptoir-photos,
//! which knows no database; its modules and types are re-exported here so that
//! `comptoir_core::photos::…` paths name them as before. This module adds what needs the
//! shop: [`matching`] (file name → SKU/EAN), [`watch`] (the watched folder), [`settings`]
//! (the watched folder and the preset kept in the shop database), and [`Studio`], which
//! ties them to the database; the SQL is in `storage::photos`.
//!
//! Formats read: JPEG (baseline, progressive, grey, CMYK), PNG, WebP; HEIC/HEIF only with
//! the cargo feature `heif` (which turns on comptoir-photos' own) and a libheif that has
//! an HEVC decoder ([`heif`], kept as a JPEG original). [`capabilities`] says which, for
//! the app and the CLI to show; an HEIC that cannot be read is refused by name with
//! [`ProblemCode::HeicUnsupported`].

pub mod matching;
pub mod settings;
mod studio;
pub mod watch;

use serde::Serialize;

pub use comptoir_photos::{
    BatchOptions, BatchReport, CancelFlag, Capabilities, Crop, Edits, FileOutcome, Format, Limits, Outcome,
    PhotoProblem, PhotoStore, Preset, ProblemCode, Progress, QualityFlag, QualityReport, capabilities, process_batch,
};
pub use comptoir_photos::{
    batch, color, decode, encode, fixtures, heif, orient, pipeline, preset, probe, problem, quality, raster, resize,
    store,
};

pub use crate::model::photos::{NewPhoto, PhotoRecord, ProductPhotoRow};
pub use matching::{CodeMatch, MatchProposal, MatchedBy};
pub use studio::{ImportReport, ImportedFile, LibraryPhoto, ProductPhoto, Studio};
pub use watch::{FolderWatcher, watch_folder};

/// A quality flag with its French badge and explanation, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QualityNote {
    pub code: QualityFlag,
    pub badge: String,
    pub explanation: String,
}

impl From<QualityFlag> for QualityNote {
    fn from(f: QualityFlag) -> Self {
        Self { code: f, badge: f.badge().to_owned(), explanation: f.explanation().to_owned() }
    }
}

/// A photo refused is an invalid input on the field `photo`, its code the problem's
/// (`not_an_image`, `too_many_pixels`…) and its message the pipeline's French sentence.
impl From<PhotoProblem> for crate::Error {
    fn from(p: PhotoProblem) -> Self {
        crate::Error::invalid("photo", p.code.as_str(), p.message)
    }
}
