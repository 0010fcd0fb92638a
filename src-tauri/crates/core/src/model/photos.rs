//! A photo as the shop keeps it: the original's record, a product's photo with its
//! non-destructive edits, the product a file-name code stands for. Made, checked and
//! rendered in `photos`.
//!
//! The values the pipeline itself reads and writes (a photo's format, its edits, its
//! quality flags) are defined in comptoir-photos, below all of core, and re-exported
//! here so storage keeps taking every photo value from `model`.

use serde::{Deserialize, Serialize};

pub use comptoir_photos::{Crop, Edits, Format, QualityFlag};

/// A photo known to the shop (one per distinct original, by sha256).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PhotoRecord {
    pub sha256: String,
    /// File name at first import.
    pub original_name: String,
    pub format: Format,
    /// Upright size of the original.
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    pub quality_flags: Vec<QualityFlag>,
    pub sharpness: f32,
    /// Fingerprint of the preset its stored derivatives were made with.
    pub preset_fp: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What storage needs to record a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub sha256: String,
    pub original_name: String,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    pub quality_flags: Vec<QualityFlag>,
    pub sharpness: f32,
    pub preset_fp: String,
}

/// A product's photo as stored (see [`ProductPhoto`] for the version with files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProductPhotoRow {
    pub id: i64,
    pub product_id: i64,
    pub photo_sha: String,
    /// 0 is the main photo.
    pub position: i64,
    pub alt_text: String,
    pub edits: Edits,
}

/// How a file name was tied to a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Sku,
    Ean,
}

/// A product found for a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CodeMatch {
    pub product_id: i64,
    pub product_name: String,
    /// The SKU or EAN as stored.
    pub code: String,
    pub matched_by: MatchedBy,
}
