//! One photo, bytes in, derivatives out: (HEIC → JPEG when this build can) → probe →
//! decode (DCT-scaled) → to sRGB (embedded ICC profile) → resize → orient → (square on
//! white) → encode, then the 400 px thumbnail from the main image, and the quality
//! checks. Pure: no files, no database.

use serde::Serialize;

use super::decode::decode;
use super::encode::encode_jpeg;
use super::heif;
use super::orient::exif_orientation;
use super::preset::{Edits, Preset};
use super::probe::{Format, HeifKind, Limits, heif_kind, probe};
use super::problem::PhotoProblem;
use super::quality::{QualityReport, check};
use super::raster::{Orientation, Rgb};
use super::resize::{Region, fit, resize};

/// An encoded derivative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivative {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// What the pipeline made of one original.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub format: Format,
    /// Upright size of the original (EXIF orientation applied, before edits).
    pub width: u32,
    pub height: u32,
    pub main: Derivative,
    pub thumb: Derivative,
    pub quality: QualityReport,
}

/// Facts about a rendered photo, without the pixels (for reports and JSON).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct RenderSummary {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub main_width: u32,
    pub main_height: u32,
    pub thumb_width: u32,
    pub thumb_height: u32,
}

impl Rendered {
    pub fn summary(&self) -> RenderSummary {
        RenderSummary {
            format: self.format,
            width: self.width,
            height: self.height,
            main_width: self.main.width,
            main_height: self.main.height,
            thumb_width: self.thumb.width,
            thumb_height: self.thumb.height,
        }
    }
}

/// Renders the derivatives of `bytes` for `preset` with `edits`.
pub fn render(bytes: &[u8], preset: &Preset, edits: &Edits, limits: &Limits) -> Result<Rendered, PhotoProblem> {
    let preset = preset.normalized();
    let edits = edits.normalized();
    let converted;
    let bytes = if heif_kind(bytes) == Some(HeifKind::Heic) {
        // Refused here with the reason when this build or computer cannot read HEIC.
        converted = heif::to_jpeg(bytes, limits)?;
        converted.as_slice()
    } else {
        bytes
    };
    let p = probe(bytes, limits)?;
    let orientation = exif_orientation(bytes);
    let (up_w, up_h) = if orientation.transposes() { (p.height, p.width) } else { (p.width, p.height) };
    let max = preset.main_max;

    let main = if edits.is_identity() {
        // Fast path: decode just large enough, resize in stored orientation, then turn
        // the small image upright.
        let (tw, th) = fit(p.width, p.height, max, max);
        let decoded = decode(bytes, &p, tw, th)?;
        let (tw, th) = fit(decoded.width, decoded.height, max, max);
        orientation.apply(resize(&decoded, None, tw, th))
    } else {
        // Edited: upright and rotate first (the crop is expressed on what the person saw).
        let turn = Orientation::rotation(edits.rotation);
        let (rw, rh) = if turn.transposes() { (up_h, up_w) } else { (up_w, up_h) };
        let crop = edits.crop.unwrap_or(super::preset::Crop { x: 0.0, y: 0.0, w: 1.0, h: 1.0 });
        let (cw, ch) = (((rw as f32) * crop.w).max(1.0) as u32, ((rh as f32) * crop.h).max(1.0) as u32);
        let (tw, th) = fit(cw, ch, max, max);
        // Size the decode so that the cropped part still covers the target.
        let need_rw = (f64::from(tw) / f64::from(crop.w)).ceil() as u32;
        let need_rh = (f64::from(th) / f64::from(crop.h)).ceil() as u32;
        let (need_w, need_h) =
            if orientation.transposes() != turn.transposes() { (need_rh, need_rw) } else { (need_rw, need_rh) };
        let decoded = decode(bytes, &p, need_w, need_h)?;
        let upright = turn.apply(orientation.apply(decoded));
        let region = Region {
            left: f64::from(crop.x) * f64::from(upright.width),
            top: f64::from(crop.y) * f64::from(upright.height),
            width: (f64::from(crop.w) * f64::from(upright.width)).max(1.0),
            height: (f64::from(crop.h) * f64::from(upright.height)).max(1.0),
        };
        let (tw, th) = fit(region.width.round() as u32, region.height.round() as u32, max, max);
        resize(&upright, Some(region), tw, th)
    };
    let quality = check(&main, up_w.max(up_h));
    let main = if preset.square { main.pad_square_white() } else { main };
    let (tw, th) = fit(main.width, main.height, preset.thumb_max, preset.thumb_max);
    let thumb = resize(&main, None, tw, th);
    Ok(Rendered {
        format: p.format,
        width: up_w,
        height: up_h,
        main: derivative(&main, preset.quality)?,
        thumb: derivative(&thumb, preset.quality)?,
        quality,
    })
}

fn derivative(img: &Rgb, quality: u8) -> Result<Derivative, PhotoProblem> {
    Ok(Derivative { width: img.width, height: img.height, jpeg: encode_jpeg(img, quality)? })
}
