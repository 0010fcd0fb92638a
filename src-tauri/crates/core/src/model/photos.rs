//! A photo as the shop keeps it: the original's record, a product's photo with its
//! non-destructive edits, the product a file-name code stands for. Made, checked and
//! rendered in `photos`.

use serde::{Deserialize, Serialize};

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

/// A crop rectangle in fractions (0–1) of the upright, rotated image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Crop {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// Non-destructive edits of one product photo, applied to the upright original.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, specta::Type)]
pub struct Edits {
    /// Clockwise quarter turns in degrees: 0, 90, 180 or 270.
    pub rotation: u16,
    pub crop: Option<Crop>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Format::Jpeg, Format::Png, Format::Webp].into_iter().find(|f| f.as_str() == s)
    }

    /// File extension of stored originals.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum QualityFlag {
    TooSmall,
    Blurry,
    TooDark,
    Overexposed,
}

impl QualityFlag {
    pub const ALL: [QualityFlag; 4] =
        [QualityFlag::TooSmall, QualityFlag::Blurry, QualityFlag::TooDark, QualityFlag::Overexposed];

    pub fn code(self) -> &'static str {
        match self {
            QualityFlag::TooSmall => "too_small",
            QualityFlag::Blurry => "blurry",
            QualityFlag::TooDark => "too_dark",
            QualityFlag::Overexposed => "overexposed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == s)
    }
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
