//! The photo studio's core: turn phone photos into marketplace-ready images at native
//! speed, say in French what is wrong with them, and tie them to products.
//!
//! One job per module: [`probe`] (format by magic bytes and `ftyp` brands, size, pixel
//! limit before any allocation), [`decode`] (libjpeg-turbo with DCT scaling; PNG/WebP via
//! `image`), [`color`] (the embedded ICC profile — JPEG APP2 chunks, PNG iCCP, WebP ICCP —
//! applied to the small decode with moxcms, so every derivative is sRGB; skipped when the
//! profile is sRGB or absent, ignored when unreadable), [`orient`] (EXIF), [`resize`]
//! (fast_image_resize, Lanczos3), [`encode`] (JPEG q85 4:2:0, no metadata, no profile:
//! sRGB by convention), [`quality`], [`preset`], [`pipeline`] (all of the above for one
//! photo), [`store`] (content-addressed files), [`batch`] (all cores, bounded memory,
//! progress, cancel), [`matching`] (file name → SKU/EAN). [`Studio`] ties them to the
//! database; the SQL is in `storage::photos`.
//!
//! Formats read: JPEG (baseline, progressive, grey, CMYK), PNG, WebP; HEIC/HEIF only with
//! the cargo feature `heif` and a libheif that has an HEVC decoder ([`heif`], kept as a
//! JPEG original). [`capabilities`] says which, for the app and the CLI to show; an HEIC
//! that cannot be read is refused by name with [`ProblemCode::HeicUnsupported`].

pub mod batch;
pub mod color;
pub mod decode;
pub mod encode;
pub mod fixtures;
pub mod heif;
pub mod matching;
pub mod orient;
pub mod pipeline;
pub mod preset;
pub mod probe;
pub mod problem;
pub mod quality;
pub mod raster;
pub mod resize;
pub mod settings;
pub mod store;
mod studio;
#[cfg(test)]
mod tests;
pub mod watch;

use serde::Serialize;

pub use crate::model::photos::{NewPhoto, PhotoRecord, ProductPhotoRow};
pub use batch::{BatchOptions, BatchReport, CancelFlag, FileOutcome, Outcome, Progress, process_batch};
pub use heif::{Capabilities, capabilities};
pub use matching::{CodeMatch, MatchProposal, MatchedBy};
pub use preset::{Crop, Edits, Preset};
pub use probe::{Format, Limits};
pub use problem::{PhotoProblem, ProblemCode};
pub use quality::{QualityFlag, QualityReport};
pub use store::PhotoStore;
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
