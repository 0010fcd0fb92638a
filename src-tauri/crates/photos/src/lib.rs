//! The photo pipeline: turn phone photos into marketplace-ready images at native speed,
//! and say in French what is wrong with them. Bytes and files in, JPEGs out: no database
//! and nothing else of Comptoir, so a change here is compiled and tested without the rest
//! of comptoir-core, whose `photos` module ties it to products and the shop's database
//! and re-exports it under `comptoir_core::photos`.
//!
//! One job per module: [`probe`] (format by magic bytes and `ftyp` brands, size, pixel
//! limit before any allocation), [`decode`] (libjpeg-turbo with DCT scaling; PNG/WebP via
//! `image`), [`color`] (the embedded ICC profile — JPEG APP2 chunks, PNG iCCP, WebP ICCP —
//! applied to the small decode with moxcms, so every derivative is sRGB; skipped when the
//! profile is sRGB or absent, ignored when unreadable), [`orient`] (EXIF), [`resize`]
//! (fast_image_resize, Lanczos3), [`encode`] (JPEG q85 4:2:0, no metadata, no profile:
//! sRGB by convention), [`quality`], [`preset`], [`pipeline`] (all of the above for one
//! photo), [`store`] (content-addressed files), [`batch`] (all cores, bounded memory,
//! progress, cancel), [`fixtures`] (synthetic photos for the tests of every crate).
//!
//! Formats read: JPEG (baseline, progressive, grey, CMYK), PNG, WebP; HEIC/HEIF only with
//! the cargo feature `heif` and a libheif that has an HEVC decoder ([`heif`], kept as a
//! JPEG original). [`capabilities`] says which, for the app and the CLI to show; an HEIC
//! that cannot be read is refused by name with [`ProblemCode::HeicUnsupported`].
//!
//! Errors: a file the pipeline cannot use is a [`PhotoProblem`] (a stable code and a
//! complete French sentence); comptoir-core turns it into its own `Error` with `From`.

pub mod batch;
pub mod color;
pub mod decode;
pub mod encode;
pub mod fixtures;
pub mod heif;
pub mod orient;
pub mod pipeline;
pub mod preset;
pub mod probe;
pub mod problem;
pub mod quality;
pub mod raster;
pub mod resize;
pub mod store;
#[cfg(test)]
mod tests;

pub use batch::{BatchOptions, BatchReport, CancelFlag, FileOutcome, Outcome, Progress, process_batch};
pub use heif::{Capabilities, capabilities};
pub use preset::{Crop, Edits, Preset};
pub use probe::{Format, Limits};
pub use problem::{PhotoProblem, ProblemCode};
pub use quality::{QualityFlag, QualityReport};
pub use store::PhotoStore;
