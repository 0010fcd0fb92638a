//! SIMD resizing (fast_image_resize, Lanczos3) and the "fit in a box" arithmetic.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::raster::Rgb;

/// The size of `w` × `h` fitted into a `max_w` × `max_h` box, never enlarged.
pub fn fit(w: u32, h: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    if w <= max_w && h <= max_h {
        return (w.max(1), h.max(1));
    }
    let s = f64::min(f64::from(max_w) / f64::from(w), f64::from(max_h) / f64::from(h));
    (((f64::from(w) * s).round() as u32).max(1), ((f64::from(h) * s).round() as u32).max(1))
}

/// A source rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// Resizes (a region of) `src` to exactly `w` × `h` with Lanczos3.
pub fn resize(src: &Rgb, region: Option<Region>, w: u32, h: u32) -> Rgb {
    if region.is_none() && src.width == w && src.height == h {
        return src.clone();
    }
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if let Some(r) = region {
        options = options.crop(r.left, r.top, r.width, r.height);
    }
    let mut dst = Image::new(w, h, PixelType::U8x3);
    let result = ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3)
        .map_err(|e| e.to_string())
        .and_then(|view| Resizer::new().resize(&view, &mut dst, &options).map_err(|e| e.to_string()));
    match result {
        Ok(()) => Rgb::new(w, h, dst.into_vec()),
        // Sizes are computed here and always valid; keep a grey image rather than panic.
        Err(e) => {
            tracing::error!("resize failed: {e}");
            Rgb::filled(w, h, [128, 128, 128])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_without_enlarging() {
        assert_eq!(fit(4032, 3024, 1600, 1600), (1600, 1200));
        assert_eq!(fit(3024, 4032, 1600, 1600), (1200, 1600));
        assert_eq!(fit(800, 600, 1600, 1600), (800, 600));
        assert_eq!(fit(10000, 10, 400, 400), (400, 1));
    }
}
