//! Quality checks, each with a badge code and a one-line French explanation.
//!
//! Measured on the upright main derivative reduced to a grey image of
//! [`ANALYSIS_SIDE`] px on its long side, so the thresholds do not depend on the
//! camera's resolution:
//! - sharpness: variance of the 4-neighbour Laplacian (blur removes the high
//!   frequencies the Laplacian responds to);
//! - exposure: percentiles of the luminance histogram.
//!
//! Calibration (docs/photo-quality.md, `examples/photo-calibrate.rs`): the 24 photos of
//! the benchmark corpus and the same photos blurred with a Gaussian of σ = 2, 4 and 8 px
//! at 12 MP. With the threshold at 60: no sharp photo flagged (lowest: 68, a kite in a
//! clear sky), 23/24 flagged at σ = 8, 5/24 at σ = 4 (the softest scenes).

use serde::{Deserialize, Serialize};

use super::raster::Rgb;
use super::resize::{fit, resize};

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

/// Long side of the grey image the checks are run on.
pub const ANALYSIS_SIDE: u32 = 800;
/// Below this long side the photo is too small for a marketplace zoom.
pub const MIN_LONG_SIDE: u32 = 1000;
/// Laplacian variance below which a photo is called blurry (calibrated, see above).
pub const BLUR_THRESHOLD: f32 = 60.0;

impl QualityFlag {
    /// Short badge text.
    pub fn badge(self) -> &'static str {
        match self {
            QualityFlag::TooSmall => "Trop petite",
            QualityFlag::Blurry => "Floue",
            QualityFlag::TooDark => "Trop sombre",
            QualityFlag::Overexposed => "Surexposée",
        }
    }

    /// One line telling what to do about it.
    pub fn explanation(self) -> &'static str {
        match self {
            QualityFlag::TooSmall => {
                "Photo trop petite (moins de 1000 pixels de côté) : reprenez-la avec le téléphone plutôt qu'une copie d'écran"
            }
            QualityFlag::Blurry => "Photo floue : refaites-la en stabilisant le téléphone",
            QualityFlag::TooDark => "Photo trop sombre : rapprochez-vous d'une fenêtre ou allumez la lumière",
            QualityFlag::Overexposed => "Photo brûlée (trop claire) : évitez le soleil direct et le flash",
        }
    }
}

/// What the checks measured and concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct QualityReport {
    pub flags: Vec<QualityFlag>,
    /// Variance of the Laplacian on the analysis image (higher is sharper).
    pub sharpness: f32,
    /// Variance of the Laplacian over the whole analysis image (for reference).
    pub global_sharpness: f32,
    /// Luminance percentiles 5 %, 50 % and 95 %, 0–255.
    pub p05_luma: u8,
    pub median_luma: u8,
    pub p95_luma: u8,
}

/// The luminance at which `p` of the pixels are darker.
fn percentile(hist: &[u32; 256], total: u64, p: f64) -> u8 {
    let target = (total as f64 * p).ceil() as u64;
    let mut acc = 0u64;
    for (v, &n) in hist.iter().enumerate() {
        acc += u64::from(n);
        if acc >= target.max(1) {
            return v as u8;
        }
    }
    255
}

/// Variance of the Laplacian of a grey image.
pub fn laplacian_variance(grey: &[u8], w: usize, h: usize) -> f32 {
    if w < 3 || h < 3 {
        return 0.0;
    }
    let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        let row = y * w;
        for x in 1..w - 1 {
            let c = i32::from(grey[row + x]);
            let l = i32::from(grey[row + x - 1])
                + i32::from(grey[row + x + 1])
                + i32::from(grey[row - w + x])
                + i32::from(grey[row + w + x])
                - 4 * c;
            let l = f64::from(l);
            sum += l;
            sum2 += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum2 / n - mean * mean) as f32
}

/// Side of the square tiles the sharpness is measured on.
pub const TILE: usize = 50;

/// Sharpness of the sharpest parts: the Laplacian variance of each [`TILE`]-pixel tile,
/// and the value at the 90th percentile of tiles. A sharp product on a plain backdrop,
/// or a kite in a clear sky, has flat areas that read as "blurry" to a whole-image
/// measure; its in-focus parts do not.
pub fn tile_sharpness(grey: &[u8], w: usize, h: usize) -> f32 {
    let (tx, ty) = ((w / TILE).max(1), (h / TILE).max(1));
    let (tw, th) = (w / tx, h / ty);
    let mut vars = Vec::with_capacity(tx * ty);
    let mut tile = Vec::with_capacity(tw * th);
    for j in 0..ty {
        for i in 0..tx {
            tile.clear();
            for y in j * th..(j + 1) * th {
                tile.extend_from_slice(&grey[y * w + i * tw..y * w + (i + 1) * tw]);
            }
            vars.push(laplacian_variance(&tile, tw, th));
        }
    }
    vars.sort_by(f32::total_cmp);
    vars[(vars.len() * 9 / 10).min(vars.len() - 1)]
}

/// Runs every check. `original_long_side` is the long side of the original photo
/// (the derivative may have been reduced).
pub fn check(upright: &Rgb, original_long_side: u32) -> QualityReport {
    let (w, h) = fit(upright.width, upright.height, ANALYSIS_SIDE, ANALYSIS_SIDE);
    let small = resize(upright, None, w, h);
    let grey = small.to_grey();
    let mut hist = [0u32; 256];
    for &v in &grey {
        hist[usize::from(v)] += 1;
    }
    let total = grey.len() as u64;
    let (p05, p50, p95) =
        (percentile(&hist, total, 0.05), percentile(&hist, total, 0.50), percentile(&hist, total, 0.95));
    let sharpness = tile_sharpness(&grey, w as usize, h as usize);
    let global_sharpness = laplacian_variance(&grey, w as usize, h as usize);

    let mut flags = Vec::new();
    if original_long_side < MIN_LONG_SIDE {
        flags.push(QualityFlag::TooSmall);
    }
    if sharpness < BLUR_THRESHOLD {
        flags.push(QualityFlag::Blurry);
    }
    // Dark: half the picture in deep shadow and even the highlights dim.
    if p50 < 40 && p95 < 100 {
        flags.push(QualityFlag::TooDark);
    }
    // Burnt: even the darkest parts are washed out. A product on a white backdrop keeps
    // its own darker pixels, so a white background alone is not flagged.
    if p05 >= 130 && p50 >= 215 {
        flags.push(QualityFlag::Overexposed);
    }
    QualityReport { flags, sharpness, global_sharpness, p05_luma: p05, median_luma: p50, p95_luma: p95 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A detailed synthetic "photo": a checkerboard of 8 px squares with a gradient.
    pub(crate) fn sharp(w: u32, h: u32, dark: bool) -> Rgb {
        let mut data = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let on = ((x / 8) + (y / 8)) % 2 == 0;
                let base = if on { 200 } else { 60 } as u32;
                let v = (base * (255 - (x * 60 / w.max(1))) / 255) as u8;
                let v = if dark { v / 6 } else { v };
                data.extend([v, v.saturating_add(5), v.saturating_sub(5)]);
            }
        }
        Rgb::new(w, h, data)
    }

    /// Box blur repeated (≈ Gaussian).
    pub(crate) fn blurred(img: &Rgb, radius: usize, passes: usize) -> Rgb {
        let (w, h) = (img.width as usize, img.height as usize);
        let mut cur = img.data.clone();
        for _ in 0..passes {
            for horizontal in [true, false] {
                let mut next = cur.clone();
                for y in 0..h {
                    for x in 0..w {
                        for c in 0..3 {
                            let (mut s, mut n) = (0u32, 0u32);
                            for d in -(radius as isize)..=radius as isize {
                                let (xx, yy) = if horizontal {
                                    (x as isize + d, y as isize)
                                } else {
                                    (x as isize, y as isize + d)
                                };
                                if xx >= 0 && yy >= 0 && (xx as usize) < w && (yy as usize) < h {
                                    s += u32::from(cur[(yy as usize * w + xx as usize) * 3 + c]);
                                    n += 1;
                                }
                            }
                            next[(y * w + x) * 3 + c] = (s / n) as u8;
                        }
                    }
                }
                cur = next;
            }
        }
        Rgb::new(img.width, img.height, cur)
    }

    #[test]
    fn sharp_photo_passes_and_its_blurred_copy_is_flagged() {
        let img = sharp(960, 720, false);
        let ok = check(&img, 4032);
        assert!(ok.flags.is_empty(), "{ok:?}");
        let soft = check(&blurred(&img, 3, 2), 4032);
        assert!(soft.flags.contains(&QualityFlag::Blurry), "{soft:?}");
        assert!(soft.sharpness < ok.sharpness / 4.0);
        assert_eq!(QualityFlag::Blurry.explanation(), "Photo floue : refaites-la en stabilisant le téléphone");
    }

    #[test]
    fn dark_burnt_and_small_photos_are_flagged() {
        let dark = check(&sharp(1200, 900, true), 4032);
        assert!(dark.flags.contains(&QualityFlag::TooDark), "{dark:?}");
        let white = Rgb::filled(1200, 900, [250, 250, 250]);
        assert!(check(&white, 4032).flags.contains(&QualityFlag::Overexposed));
        let small = check(&sharp(640, 480, false), 640);
        assert_eq!(small.flags, vec![QualityFlag::TooSmall]);
    }

    #[test]
    fn product_on_white_backdrop_is_not_burnt() {
        let mut img = Rgb::filled(1200, 900, [252, 252, 252]);
        let obj = sharp(500, 500, false);
        for y in 0..500 {
            let d = ((200 + y) * 1200 + 350) * 3;
            img.data[d..d + 1500].copy_from_slice(&obj.data[y * 1500..(y + 1) * 1500]);
        }
        assert!(!check(&img, 4032).flags.contains(&QualityFlag::Overexposed));
    }
}
