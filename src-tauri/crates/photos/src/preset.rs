//! What the derivatives look like (preset) and the per-photo edits, and the fingerprint
//! that names the derivative files: change either and the derivatives are rebuilt.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// Bumped whenever the pipeline's output changes for the same input and preset, so
/// stored derivatives are rebuilt.
pub const PIPELINE_VERSION: u32 = 1;

/// The derivatives a marketplace needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Preset {
    /// The main image fits a `main_max` × `main_max` box (1600 by default; 2048 for some
    /// marketplaces). Never enlarged.
    pub main_max: u32,
    /// The thumbnail fits a `thumb_max` × `thumb_max` box (400).
    pub thumb_max: u32,
    /// JPEG quality of both (85).
    pub quality: u8,
    /// Pad the main image to a square on white.
    pub square: bool,
}

impl Default for Preset {
    fn default() -> Self {
        Self { main_max: 1600, thumb_max: 400, quality: 85, square: false }
    }
}

impl Preset {
    /// Clamps to sane values (a 10 px main image or quality 3 helps nobody).
    pub fn normalized(self) -> Self {
        Self {
            main_max: self.main_max.clamp(400, 8192),
            thumb_max: self.thumb_max.clamp(64, 1024),
            quality: self.quality.clamp(40, 100),
            square: self.square,
        }
    }

    /// Short, stable name of what the derivatives of a photo with `edits` look like.
    pub fn fingerprint(&self, edits: &Edits) -> String {
        let crop = match edits.crop {
            Some(c) => format!("{:.4},{:.4},{:.4},{:.4}", c.x, c.y, c.w, c.h),
            None => "-".to_owned(),
        };
        let canon = format!(
            "v{PIPELINE_VERSION}|m{}|t{}|q{}|s{}|r{}|c{crop}",
            self.main_max, self.thumb_max, self.quality, self.square as u8, edits.rotation
        );
        let digest = Sha256::digest(canon.as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }
}

impl Crop {
    /// The largest centred square of a `width` × `height` image.
    pub fn centered_square(width: u32, height: u32) -> Self {
        let (w, h) = (width.max(1) as f32, height.max(1) as f32);
        let side = w.min(h);
        Self { x: (w - side) / 2.0 / w, y: (h - side) / 2.0 / h, w: side / w, h: side / h }
    }

    /// Clamped into the image, at least 1 % wide and high; `None` when it is the whole image.
    pub fn normalized(self) -> Option<Self> {
        let f = |v: f32| if v.is_finite() { v.clamp(0.0, 1.0) } else { 0.0 };
        let x = f(self.x).min(0.99);
        let y = f(self.y).min(0.99);
        let w = f(self.w).max(0.01).min(1.0 - x);
        let h = f(self.h).max(0.01).min(1.0 - y);
        let whole = x < 1e-4 && y < 1e-4 && w > 0.9999 && h > 0.9999;
        (!whole).then_some(Self { x, y, w, h })
    }
}

impl Edits {
    pub fn is_identity(&self) -> bool {
        self.rotation == 0 && self.crop.is_none()
    }

    pub fn normalized(self) -> Self {
        Self { rotation: (self.rotation / 90 % 4) * 90, crop: self.crop.and_then(Crop::normalized) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_with_preset_and_edits() {
        let p = Preset::default();
        let none = Edits::default();
        assert_eq!(p.fingerprint(&none), Preset::default().fingerprint(&none));
        assert_ne!(p.fingerprint(&none), Preset { main_max: 2048, ..p }.fingerprint(&none));
        assert_ne!(p.fingerprint(&none), Preset { square: true, ..p }.fingerprint(&none));
        assert_ne!(p.fingerprint(&none), p.fingerprint(&Edits { rotation: 90, crop: None }));
        assert_eq!(p.fingerprint(&none).len(), 12);
    }

    #[test]
    fn square_crop_is_centred() {
        let c = Crop::centered_square(400, 300);
        assert!((c.x - 0.125).abs() < 1e-6 && (c.w - 0.75).abs() < 1e-6 && c.y == 0.0 && c.h == 1.0);
        assert_eq!(Crop { x: 0.0, y: 0.0, w: 1.0, h: 1.0 }.normalized(), None);
    }
}
