//! Format and dimensions from the first bytes of a file, before anything is decoded.
//!
//! The pixel limit is checked here, on the header's numbers, so that a 50 000 × 50 000
//! "decompression bomb" is refused before a single pixel buffer is allocated (libjpeg-turbo
//! aborts the whole process when an allocation fails; it has no `Result` for that).

use serde::{Deserialize, Serialize};

use super::problem::{PhotoProblem, ProblemCode};

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

/// Limits applied before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest width × height accepted (default 120 MP: a 108 MP phone photo passes).
    pub max_pixels: u64,
    /// Largest file accepted, in bytes (default 100 MiB).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_pixels: 120_000_000, max_file_bytes: 100 * 1024 * 1024 }
    }
}

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    /// Stored size (before EXIF orientation).
    pub width: u32,
    pub height: u32,
}

/// Sniffs the format from magic bytes (never from the extension) and reads the stored
/// dimensions, then enforces `limits`.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, PhotoProblem> {
    if bytes.is_empty() {
        return Err(PhotoProblem::empty());
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(PhotoProblem::file_too_large(bytes.len() as u64, limits.max_file_bytes));
    }
    let (format, dims) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (Format::Jpeg, jpeg_dims(bytes))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (Format::Png, png_dims(bytes))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (Format::Webp, webp_dims(bytes))
    } else if let Some(kind) = heif_kind(bytes) {
        return Err(match kind {
            // HEIC reaches here only when this build cannot convert it (see `heif`).
            HeifKind::Heic => super::heif::unsupported(
                &super::heif::support().err().unwrap_or_else(|| "elle n'a pas pu être convertie".to_owned()),
            ),
            HeifKind::Avif => PhotoProblem::new(
                ProblemCode::UnsupportedFormat,
                "Format AVIF non pris en charge : utilisez du JPEG, du PNG ou du WebP",
            ),
        });
    } else if let Some(name) = other_image_format(bytes) {
        return Err(PhotoProblem::new(
            ProblemCode::UnsupportedFormat,
            format!("Format {name} non pris en charge : utilisez du JPEG, du PNG ou du WebP"),
        ));
    } else {
        return Err(PhotoProblem::not_an_image());
    };
    let Some((width, height)) = dims else {
        // The signature is right but the header is cut short or damaged.
        return Err(if bytes.len() < 1024 { PhotoProblem::truncated() } else { PhotoProblem::corrupt("en-tête") });
    };
    if width == 0 || height == 0 {
        return Err(PhotoProblem::corrupt("dimensions nulles"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(PhotoProblem::new(
            ProblemCode::TooManyPixels,
            format!(
                "Image refusée : {width} × {height} pixels ({} mégapixels, au plus {}) ; fichier piégé ou bien trop grand",
                pixels / 1_000_000,
                limits.max_pixels / 1_000_000
            ),
        ));
    }
    Ok(Probe { format, width, height })
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// Walks the JPEG markers up to the first SOFn frame header.
fn jpeg_dims(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        // Skip fill bytes before a marker.
        while *b.get(i)? == 0xFF && *b.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => {
                i += 2;
                continue;
            }
            0xD9 | 0xDA => return None, // end of image or scan before any frame header
            _ => {}
        }
        let len = usize::from(be16(b, i + 2)?);
        if len < 2 {
            return None;
        }
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = be16(b, i + 5)?;
            let w = be16(b, i + 7)?;
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
}

fn png_dims(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

fn webp_dims(b: &[u8]) -> Option<(u32, u32)> {
    let chunk = b.get(12..16)?;
    match chunk {
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        b"VP8L" => {
            if *b.get(20)? != 0x2F {
                return None;
            }
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8 " => {
            if b.get(23..26)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((u32::from(le16(b, 26)? & 0x3FFF), u32::from(le16(b, 28)? & 0x3FFF)))
        }
        _ => None,
    }
}

/// What kind of HEIF file an ISO BMFF `ftyp` box announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeifKind {
    /// HEVC-coded HEIF: the iPhone's HEIC (and generic `mif1`/`msf1` HEIF).
    Heic,
    /// AV1-coded HEIF, which shares the container.
    Avif,
}

/// Reads the `ftyp` box (major brand, then the compatible brands) — never the file
/// name. AVIF files also list `mif1`, so an AV1 brand wins over the generic HEIF ones;
/// an HEVC brand wins over both.
pub fn heif_kind(b: &[u8]) -> Option<HeifKind> {
    if b.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = be32(b, 0)? as usize;
    // The major brand and minor version take 8 bytes; the compatible brands fill the rest
    // of the box, as far as the file actually goes.
    let end = size.clamp(16, 4096).min(b.len());
    let brands: Vec<&[u8]> =
        std::iter::once(b.get(8..12)?).chain(b.get(16..end).unwrap_or(&[]).chunks_exact(4)).collect();
    let any = |set: &[&[u8; 4]]| brands.iter().any(|brand| set.iter().any(|s| &s[..] == *brand));
    if any(&[b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"]) {
        Some(HeifKind::Heic)
    } else if any(&[b"avif", b"avis"]) {
        Some(HeifKind::Avif)
    } else if any(&[b"mif1", b"msf1"]) {
        Some(HeifKind::Heic)
    } else {
        None
    }
}

fn other_image_format(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"GIF8") {
        Some("GIF")
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if b.starts_with(b"BM") && b.len() > 26 {
        Some("BMP")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dimensions_of_headers_only() {
        // A PNG header announcing 50 000 × 50 000 pixels, with no pixel data at all.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(50_000u32.to_be_bytes());
        png.extend(50_000u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let err = probe(&png, &Limits::default()).unwrap_err();
        assert_eq!(err.code, ProblemCode::TooManyPixels);
        assert!(err.message.contains("50000 × 50000"), "{}", err.message);
    }

    #[test]
    fn sniffs_by_content_not_extension() {
        assert_eq!(probe(b"hello, world", &Limits::default()).unwrap_err().code, ProblemCode::NotAnImage);
        assert_eq!(probe(b"", &Limits::default()).unwrap_err().code, ProblemCode::Empty);
        assert_eq!(probe(b"GIF89a\x01\0\x01\0", &Limits::default()).unwrap_err().code, ProblemCode::UnsupportedFormat);
        assert_eq!(probe(&[0xFF, 0xD8, 0xFF, 0xE0, 0], &Limits::default()).unwrap_err().code, ProblemCode::Truncated);
    }

    #[test]
    fn heif_is_told_by_its_ftyp_brands() {
        let ftyp = |major: &[u8; 4], compatible: &[&[u8; 4]]| {
            let mut b = ((16 + 4 * compatible.len()) as u32).to_be_bytes().to_vec();
            b.extend(b"ftyp");
            b.extend(major);
            b.extend([0; 4]);
            compatible.iter().for_each(|c| b.extend(*c));
            b
        };
        for major in [b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"] {
            assert_eq!(heif_kind(&ftyp(major, &[b"mif1"])), Some(HeifKind::Heic), "{major:?}");
        }
        // Generic major brand, the codec told by a compatible one.
        assert_eq!(heif_kind(&ftyp(b"mif1", &[b"miaf", b"heic"])), Some(HeifKind::Heic));
        assert_eq!(heif_kind(&ftyp(b"mif1", &[b"miaf", b"avif"])), Some(HeifKind::Avif));
        assert_eq!(heif_kind(&ftyp(b"avif", &[b"mif1", b"miaf"])), Some(HeifKind::Avif));
        // A video is not a photo; nor is a box cut short.
        assert_eq!(heif_kind(&ftyp(b"isom", &[b"mp41"])), None);
        assert_eq!(heif_kind(b"\0\0\0\x18ftyp"), None);
        // A box size larger than the file: the brands present are still read.
        let mut lying = ftyp(b"mif1", &[b"heic"]);
        lying[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(heif_kind(&lying), Some(HeifKind::Heic));

        let e = probe(&ftyp(b"heic", &[b"mif1", b"heic"]), &Limits::default()).unwrap_err();
        assert_eq!(e.code, ProblemCode::HeicUnsupported);
        assert!(
            e.message.starts_with("Photo HEIC (iPhone) non prise en charge sur cet ordinateur : "),
            "{}",
            e.message
        );
        assert!(e.message.contains("« Le plus compatible »"), "{}", e.message);
        let e = probe(&ftyp(b"avif", &[b"mif1"]), &Limits::default()).unwrap_err();
        assert_eq!(e.code, ProblemCode::UnsupportedFormat);
        assert!(e.message.starts_with("Format AVIF"), "{}", e.message);
        assert_eq!(probe(&[0xFF, 0xD8, 0xFF, 0xE0, 0], &Limits::default()).unwrap_err().code, ProblemCode::Truncated);
    }
}
