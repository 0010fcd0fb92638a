//! Colour management: photos are turned into sRGB, the only colour space a marketplace
//! page can be trusted to show (and what our derivatives, which carry no profile, are
//! read as).
//!
//! iPhones tag their photos Display P3, some cameras and editing software Adobe RGB;
//! using those pixels as if they were sRGB makes the colours dull or shifted. The
//! embedded ICC profile is read here (JPEG APP2 chunks parsed from the bytes; PNG iCCP and
//! WebP ICCP through the `image` decoders) and the decoded pixels are transformed with
//! moxcms — pure Rust, no system library on any OS, and already in the build through
//! `image`. The transform runs on the DCT-scaled decode, before resizing, so it costs a
//! few milliseconds at most; it is skipped entirely when the profile is sRGB or absent.
//!
//! A profile is a file's promise about its pixels, not a reason to lose the photo: one
//! that cannot be read is ignored and the pixels are taken as sRGB, which is what every
//! browser does with the same file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformExecutor, TransformOptions};

use super::raster::Rgb;

/// The identifier that starts the payload of a JPEG APP2 segment holding an ICC chunk.
const ICC_SIGNATURE: &[u8; 12] = b"ICC_PROFILE\0";

/// What was done with a photo's embedded profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// The profile describes sRGB (or something indistinguishable from it): pixels kept.
    AlreadySrgb,
    /// The pixels were transformed from the profile's colour space to sRGB.
    Converted,
    /// Not an RGB profile (grey, CMYK…): the decoder's RGB is kept as it is.
    NotRgb,
    /// The profile could not be read or used: pixels taken as sRGB.
    Unreadable,
}

/// The ICC profile carried by a JPEG's APP2 segments, reassembled in sequence order.
///
/// The chunks are validated the way libjpeg's `jpeg_read_icc_profile` does: every chunk
/// announces the same count, sequence numbers run from 1 to that count with none missing
/// or repeated. Anything else (a damaged file, a hostile one) gives `None`, i.e. sRGB.
/// Only the bytes before the first scan are looked at.
pub fn jpeg_icc(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut count: Option<u8> = None;
    let mut i = 2;
    loop {
        // Fill bytes (any number of 0xFF) may precede a marker.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if bytes.get(i) != Some(&0xFF) {
            break;
        }
        let Some(&marker) = bytes.get(i + 1) else { break };
        match marker {
            // Markers without a length.
            0xD8 | 0x01 | 0xD0..=0xD7 => {
                i += 2;
                continue;
            }
            // Start of scan or end of image: no more metadata segments.
            0xDA | 0xD9 => break,
            _ => {}
        }
        let Some(len) = bytes.get(i + 2..i + 4).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else {
            break;
        };
        if len < 2 {
            return None;
        }
        let Some(payload) = bytes.get(i + 4..i + 2 + len) else {
            // The segment runs past the end of the file.
            break;
        };
        if marker == 0xE2 && payload.starts_with(ICC_SIGNATURE) {
            let (Some(&seq), Some(&n)) = (payload.get(12), payload.get(13)) else { return None };
            if n == 0 || seq == 0 || seq > n || *count.get_or_insert(n) != n || chunks.iter().any(|c| c.0 == seq) {
                return None;
            }
            chunks.push((seq, &payload[14..]));
        }
        i += 2 + len;
    }
    let n = count?;
    if chunks.len() != usize::from(n) {
        return None;
    }
    chunks.sort_by_key(|c| c.0);
    Some(chunks.iter().flat_map(|c| c.1.iter().copied()).collect())
}

/// `bytes` without its ICC APP2 segments (everything else, scan data included, as is).
///
/// libjpeg-turbo 3 validates the ICC chunks itself while reading the header and refuses
/// the whole header when they are inconsistent, though the pixels are intact; the
/// decoder then reads this copy instead (the profile was already judged unusable here).
pub fn without_icc(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0;
    let mut i = 2;
    while bytes.get(i) == Some(&0xFF) {
        let Some(&marker) = bytes.get(i + 1) else { break };
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7 | 0xFF) {
            i += if marker == 0xFF { 1 } else { 2 };
            continue;
        }
        if matches!(marker, 0xDA | 0xD9) {
            break;
        }
        let Some(len) = bytes.get(i + 2..i + 4).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else { break };
        let end = i + 2 + len;
        if len < 2 || end > bytes.len() {
            break;
        }
        if marker == 0xE2 && bytes[i + 4..end].starts_with(ICC_SIGNATURE) {
            out.extend_from_slice(&bytes[copied..i]);
            copied = end;
        }
        i = end;
    }
    out.extend_from_slice(&bytes[copied..]);
    out
}

/// `jpeg` with `icc` in APP2 segments right after SOI, split into chunks of at most
/// `chunk` bytes (65 519 fills a segment).
pub fn embed_icc_chunked(jpeg: &[u8], icc: &[u8], chunk: usize) -> Vec<u8> {
    let parts: Vec<&[u8]> = icc.chunks(chunk.clamp(1, 65_519)).collect();
    if jpeg.len() < 2 || parts.is_empty() || parts.len() > 255 {
        // No room for it in the format (255 chunks at most): better no profile than a broken file.
        return jpeg.to_vec();
    }
    let mut out = Vec::with_capacity(jpeg.len() + icc.len() + 18 * parts.len());
    out.extend_from_slice(&jpeg[..2]);
    for (i, part) in parts.iter().enumerate() {
        out.extend([0xFF, 0xE2]);
        out.extend(((2 + 14 + part.len()) as u16).to_be_bytes());
        out.extend(ICC_SIGNATURE);
        out.extend([i as u8 + 1, parts.len() as u8]);
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// `jpeg` with `icc` embedded, in as few APP2 segments as possible.
pub fn embed_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    embed_icc_chunked(jpeg, icc, 65_519)
}

/// Largest difference (in 8-bit levels) between a transform's output and its input on
/// the probe colours for which the profile still counts as sRGB. The various sRGB
/// profiles in the wild (HP's 1998 one, ICC v4, the compact ones phones write) differ
/// from each other by about one level; transforming for that would only requantize.
const SRGB_TOLERANCE: u8 = 2;

/// Transforms `img` in place from the colour space `icc` describes to sRGB.
pub fn to_srgb(img: &mut Rgb, icc: &[u8]) -> Conversion {
    // moxcms parses untrusted bytes; should it ever panic on a crafted profile, that must
    // cost the colour accuracy of one photo, not the batch (the release profile unwinds).
    match catch_unwind(AssertUnwindSafe(|| convert(img, icc))) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            tracing::debug!("profil ICC ignoré : {e:?}");
            Conversion::Unreadable
        }
        Err(_) => {
            tracing::warn!("profil ICC ignoré : moxcms a paniqué");
            Conversion::Unreadable
        }
    }
}

fn convert(img: &mut Rgb, icc: &[u8]) -> Result<Conversion, moxcms::CmsError> {
    let source = ColorProfile::new_from_slice(icc)?;
    if source.color_space != DataColorSpace::Rgb {
        // A grey profile on a greyscale JPEG, or a CMYK one on a print file: the decoder
        // already produced RGB from those, and an RGB transform cannot use such a profile.
        return Ok(Conversion::NotRgb);
    }
    let transform = source.create_transform_8bit(
        Layout::Rgb,
        &ColorProfile::new_srgb(),
        Layout::Rgb,
        TransformOptions::default(),
    )?;
    if is_identity(transform.as_ref())? {
        return Ok(Conversion::AlreadySrgb);
    }
    // Transform through a small buffer rather than a second full-size image: the decode
    // is the largest allocation of the pipeline and this keeps it the only one.
    const STEP: usize = 3 * 16 * 1024;
    let mut src = vec![0u8; STEP.min(img.data.len())];
    for chunk in img.data.chunks_mut(STEP) {
        let src = &mut src[..chunk.len()];
        src.copy_from_slice(chunk);
        transform.transform(src, chunk)?;
    }
    Ok(Conversion::Converted)
}

/// True when the transform leaves a grid of colours spanning the cube (9 levels per
/// channel, 729 colours) where they were: the profile is sRGB whatever its bytes say.
/// Judging by the effect rather than by the profile's name or bytes covers every sRGB
/// variant and costs microseconds.
fn is_identity(transform: &(dyn TransformExecutor<u8> + Send + Sync)) -> Result<bool, moxcms::CmsError> {
    let levels: Vec<u8> = (0..=8u32).map(|i| (i * 255 / 8) as u8).collect();
    let mut probe = Vec::with_capacity(levels.len().pow(3) * 3);
    for &r in &levels {
        for &g in &levels {
            for &b in &levels {
                probe.extend([r, g, b]);
            }
        }
    }
    let mut out = vec![0u8; probe.len()];
    transform.transform(&probe, &mut out)?;
    Ok(probe.iter().zip(&out).all(|(a, b)| a.abs_diff(*b) <= SRGB_TOLERANCE))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::fixtures::{self, Tone};

    fn app2(seq: u8, count: u8, data: &[u8]) -> Vec<u8> {
        fixtures::icc_app2(seq, count, data)
    }

    fn jpeg_with_segments(segments: &[Vec<u8>]) -> Vec<u8> {
        let base = fixtures::jpeg(&Rgb::filled(16, 16, [200, 10, 10]), false);
        let mut out = base[..2].to_vec();
        for s in segments {
            out.extend(s);
        }
        out.extend(&base[2..]);
        out
    }

    #[test]
    fn chunks_are_reassembled_in_sequence_order() {
        let jpeg = jpeg_with_segments(&[app2(2, 3, b"BBB"), app2(1, 3, b"AA"), app2(3, 3, b"C")]);
        assert_eq!(jpeg_icc(&jpeg).as_deref(), Some(&b"AABBBC"[..]));
        assert_eq!(jpeg_icc(&fixtures::jpeg(&Rgb::filled(8, 8, [0, 0, 0]), false)), None, "no profile");
        // Taken out again, nothing else touched.
        let plain = jpeg_with_segments(&[]);
        assert_eq!(without_icc(&jpeg), plain);
        assert_eq!(without_icc(&plain), plain);
    }

    #[test]
    fn inconsistent_chunks_are_ignored() {
        for (why, segments) in [
            ("missing chunk", vec![app2(1, 2, b"A")]),
            ("repeated chunk", vec![app2(1, 2, b"A"), app2(1, 2, b"A")]),
            ("counts disagree", vec![app2(1, 2, b"A"), app2(2, 3, b"B")]),
            ("sequence 0", vec![app2(0, 1, b"A")]),
            ("count 0", vec![app2(0, 0, b"A")]),
            ("sequence past count", vec![app2(2, 1, b"A")]),
            (
                "no sequence bytes",
                vec![{
                    let mut s = vec![0xFF, 0xE2, 0, 14];
                    s.extend(ICC_SIGNATURE);
                    s
                }],
            ),
        ] {
            assert_eq!(jpeg_icc(&jpeg_with_segments(&segments)), None, "{why}");
        }
        // A segment announcing more bytes than the file holds.
        let mut cut = vec![0xFF, 0xD8];
        cut.extend(&app2(1, 1, &[7; 100])[..60]);
        assert_eq!(jpeg_icc(&cut), None);
    }

    #[test]
    fn srgb_profiles_are_recognised_and_others_converted() {
        let srgb = fixtures::icc_profile(fixtures::SRGB.to_xyz_d50(), Tone::SrgbTable(1024));
        let mut img = Rgb::filled(4, 4, [200, 120, 60]);
        assert_eq!(to_srgb(&mut img, &srgb), Conversion::AlreadySrgb);
        assert_eq!(img.pixel(0, 0), [200, 120, 60]);
        let p3 = fixtures::icc_profile(fixtures::DISPLAY_P3.to_xyz_d50(), Tone::SrgbTable(1024));
        assert_eq!(to_srgb(&mut img, &p3), Conversion::Converted);
        assert_ne!(img.pixel(0, 0), [200, 120, 60]);
        assert_eq!(to_srgb(&mut img, b"not a profile"), Conversion::Unreadable);
        assert_eq!(to_srgb(&mut img, &p3[..p3.len() / 2]), Conversion::Unreadable);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_bytes_after_soi_are_survived(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut b = vec![0xFF, 0xD8];
            b.extend(tail);
            let _ = jpeg_icc(&b);
        }

        #[test]
        fn damaged_profiles_never_fail_the_photo(edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..20)) {
            let mut icc = fixtures::icc_profile(fixtures::DISPLAY_P3.to_xyz_d50(), Tone::Gamma(2.2));
            for (at, v) in edits {
                let at = usize::from(at) % icc.len();
                icc[at] = v;
            }
            let mut img = Rgb::filled(8, 8, [10, 200, 30]);
            let _ = to_srgb(&mut img, &icc);
            prop_assert_eq!(img.data.len(), 8 * 8 * 3);
        }
    }
}
