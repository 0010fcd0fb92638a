//! Decoding to sRGB: JPEG through libjpeg-turbo with DCT scaling (a 12 MP photo is
//! decoded directly at 1/2, 1/4 or 1/8 size when the target is smaller), PNG and WebP
//! through the `image` crate with alpha flattened on white; then the embedded ICC
//! profile, if any and not sRGB, is applied to the (already small) decode ([`color`]).
//!
//! Callers must have run [`super::probe::probe`] first: the pixel limit is enforced there.

use image::ImageDecoder;
use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

use super::color;
use super::probe::{Format, Probe};
use super::problem::{PhotoProblem, ProblemCode};
use super::raster::Rgb;

/// Decodes `bytes` so that the result is at least `need_w` × `need_h` (stored
/// orientation) whenever the original is; smaller originals come out at full size.
/// The pixels returned are sRGB.
pub fn decode(bytes: &[u8], probe: &Probe, need_w: u32, need_h: u32) -> Result<Rgb, PhotoProblem> {
    let (mut img, icc) = match probe.format {
        Format::Jpeg => (decode_jpeg(bytes, need_w, need_h)?, color::jpeg_icc(bytes)),
        Format::Png | Format::Webp => decode_with_image(bytes, probe)?,
    };
    if let Some(icc) = icc {
        color::to_srgb(&mut img, &icc);
    }
    Ok(img)
}

/// The smallest DCT scale (1/8, 1/4, 1/2, 1) whose output still covers the target.
pub fn jpeg_scale(width: u32, height: u32, need_w: u32, need_h: u32) -> ScalingFactor {
    for denom in [8usize, 4, 2] {
        let f = ScalingFactor::new(1, denom);
        if f.scale(width as usize) >= need_w as usize && f.scale(height as usize) >= need_h as usize {
            return f;
        }
    }
    ScalingFactor::ONE
}

/// libjpeg warnings that do not damage the picture (seen on files from phones and
/// editing software); anything else is an error.
fn harmless_warning(msg: &str) -> bool {
    [
        "extraneous bytes before marker",
        "Unknown APP",
        "unknown JFIF revision",
        "Invalid SOS parameters",
        "Inconsistent progression",
        // libjpeg-turbo 3 checks ICC chunks itself (see decode_jpeg); a damaged profile
        // does not touch the pixels, and `color` ignores it (sRGB).
        "bad ICC marker",
    ]
    .iter()
    .any(|w| msg.contains(w))
}

fn jpeg_problem(e: turbojpeg::Error) -> PhotoProblem {
    let msg = e.to_string();
    if msg.contains("Premature end") || msg.contains("premature end") {
        PhotoProblem::truncated()
    } else {
        PhotoProblem::corrupt(msg.trim_start_matches("TurboJPEG error: "))
    }
}

fn decode_jpeg(bytes: &[u8], need_w: u32, need_h: u32) -> Result<Rgb, PhotoProblem> {
    let mut d = Decompressor::new().map_err(PhotoProblem::corrupt)?;
    let header = match d.read_header(bytes) {
        Ok(h) => h,
        // libjpeg-turbo 3 checks the ICC chunks while reading the header and fails it on a
        // damaged set: the pixels are fine, so read them from a copy without those chunks
        // (`decode` reads the profile from the original bytes, and takes a damaged set
        // for sRGB).
        Err(e) if e.to_string().contains("bad ICC marker") => {
            let stripped = color::without_icc(bytes);
            if stripped.len() == bytes.len() {
                return Err(jpeg_problem(e)); // nothing removed: do not go round in circles
            }
            return decode_jpeg(&stripped, need_w, need_h);
        }
        Err(e) => return Err(jpeg_problem(e)),
    };
    let scale = if header.is_lossless {
        ScalingFactor::ONE
    } else {
        jpeg_scale(header.width as u32, header.height as u32, need_w, need_h)
    };
    d.set_scaling_factor(scale).map_err(PhotoProblem::corrupt)?;
    // Hostile progressive files can carry thousands of scans; real ones have about ten.
    d.set_scan_limit(500).map_err(PhotoProblem::corrupt)?;
    let scaled = header.scaled(scale);
    let (w, h) = (scaled.width, scaled.height);
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk { PixelFormat::CMYK } else { PixelFormat::RGB };
    let mut pixels = vec![0u8; w * h * format.size()];
    let out = Image { pixels: pixels.as_mut_slice(), width: w, pitch: w * format.size(), height: h, format };
    if let Err(e) = d.decompress(bytes, out) {
        // TurboJPEG reports warnings as errors after decoding the whole image.
        if !harmless_warning(&e.to_string()) {
            return Err(jpeg_problem(e));
        }
    }
    let data = if cmyk {
        // libjpeg-turbo hands CMYK out in the inverted (Adobe) convention:
        // R = C·K/255, G = M·K/255, B = Y·K/255.
        pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let k = u32::from(p[3]);
                [0, 1, 2].map(|i| ((u32::from(p[i]) * k + 127) / 255) as u8)
            })
            .collect()
    } else {
        pixels
    };
    Ok(Rgb::new(w as u32, h as u32, data))
}

/// The decoded image and its ICC profile (PNG iCCP, WebP ICCP).
fn decode_with_image(bytes: &[u8], probe: &Probe) -> Result<(Rgb, Option<Vec<u8>>), PhotoProblem> {
    let fmt = match probe.format {
        Format::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), fmt);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(probe.width);
    limits.max_image_height = Some(probe.height);
    reader.limits(limits.clone());
    let mut icc = None;
    let img = reader
        .into_decoder()
        .and_then(|mut decoder| {
            // As ImageReader::decode does: the pixel buffer counts against the limits.
            limits.reserve(decoder.total_bytes())?;
            decoder.set_limits(limits)?;
            // A profile that cannot be extracted is no reason to lose the photo: sRGB then.
            icc = decoder.icc_profile().ok().flatten();
            image::DynamicImage::from_decoder(decoder)
        })
        .map_err(|e| match e {
            image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                PhotoProblem::truncated()
            }
            image::ImageError::Limits(_) => PhotoProblem::new(
                ProblemCode::TooManyPixels,
                "Image refusée : elle demande trop de mémoire pour être lue",
            ),
            other => {
                let msg = other.to_string();
                if msg.contains("EOF") || msg.contains("end of") || msg.contains("eof") || msg.contains("Unexpected") {
                    PhotoProblem::truncated()
                } else {
                    PhotoProblem::corrupt(msg)
                }
            }
        })?;
    let (w, h) = (img.width(), img.height());
    let data = if img.color().has_alpha() {
        // Flatten on white: marketplaces show product photos on white.
        img.into_rgba8()
            .into_raw()
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u32::from(p[3]);
                [0, 1, 2].map(|i| ((u32::from(p[i]) * a + 255 * (255 - a) + 127) / 255) as u8)
            })
            .collect()
    } else {
        img.into_rgb8().into_raw()
    };
    Ok((Rgb::new(w, h, data), icc))
}
