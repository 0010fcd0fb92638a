//! The bench's photos: the corpus's JPEGs as they are, then variants of them — decoded,
//! marked with their number, re-encoded and given back the original's EXIF/IPTC — so
//! every product has a distinct photo with a phone's metadata.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use comptoir_core::photos::Limits;

pub(super) fn corpus_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("corpus {} illisible", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} ne contient aucun JPEG : construisez le corpus avec bash ../shared/corpus/make-photo-corpus.sh {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(files)
}

/// The N photos: the corpus's own, then variants of them (see the module's doc).
pub(super) fn prepare_photos(sources: &[PathBuf], n: usize, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = sources.iter().take(n).cloned().collect();
    let variants: Vec<usize> = (sources.len()..n).collect();
    if variants.is_empty() {
        return Ok(out);
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(variants.len());
    let made: Vec<anyhow::Result<Vec<PathBuf>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let mine: Vec<usize> = variants.iter().copied().skip(t).step_by(threads).collect();
                s.spawn(move || mine.into_iter().map(|i| make_variant(&sources[i % sources.len()], i, dir)).collect())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("variante : panique")))).collect()
    });
    for m in made {
        out.extend(m?);
    }
    Ok(out)
}

fn make_variant(source: &Path, number: usize, dir: &Path) -> anyhow::Result<PathBuf> {
    use comptoir_core::photos::{decode, encode, probe};
    let bytes = std::fs::read(source)?;
    let what = || format!("variante de {}", source.display());
    let p = probe::probe(&bytes, &Limits::default()).map_err(|e| anyhow::anyhow!("{e:?}")).with_context(what)?;
    let mut img =
        decode::decode(&bytes, &p, p.width, p.height).map_err(|e| anyhow::anyhow!("{e:?}")).with_context(what)?;
    // The number in binary, 12 squares of 96 px, black for 1: still distinct after
    // the studio shrinks the photo 2.5 times and re-encodes it.
    let side = 96usize.min(img.width as usize / 12).max(1);
    for bit in 0..12 {
        let v = if (number >> bit) & 1 == 1 { 0 } else { 255 };
        for y in 0..side.min(img.height as usize) {
            let row = y * img.width as usize;
            for x in bit * side..(bit + 1) * side {
                let at = (row + x) * 3;
                img.data[at..at + 3].copy_from_slice(&[v, v, v]);
            }
        }
    }
    let encoded = encode::encode_jpeg(&img, 92).map_err(|e| anyhow::anyhow!("{e:?}")).with_context(what)?;
    let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
    let path = dir.join(format!("{stem}_v{number:03}.jpg"));
    std::fs::write(&path, with_metadata_of(&bytes, &encoded))?;
    Ok(path)
}

/// `encoded` with the EXIF/XMP (APP1) and IPTC (APP13) segments of `original` after
/// its SOI: the variant carries orientation, GPS and camera fields like the phone's
/// file (the ICC profile is left out: the decode already converted the pixels).
pub(super) fn with_metadata_of(original: &[u8], encoded: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded.len() + 64 * 1024);
    out.extend_from_slice(&encoded[..2.min(encoded.len())]);
    for (marker, segment) in segments(original) {
        if marker == 0xE1 || marker == 0xED {
            out.extend_from_slice(segment);
        }
    }
    out.extend_from_slice(encoded.get(2..).unwrap_or_default());
    out
}

/// The marker segments of a JPEG before its image data, as (marker, whole segment
/// with its 0xFF marker and length); stops at SOS, EOI or anything malformed.
pub(super) fn segments(b: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    if !b.starts_with(&[0xFF, 0xD8]) {
        return out;
    }
    let mut i = 2;
    while i + 1 < b.len() && b[i] == 0xFF {
        let start = i;
        // Fill bytes: any number of 0xFF before the marker.
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = b.get(i) else { break };
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => {
                out.push((marker, &b[start..i]));
                break;
            }
            _ => {}
        }
        let Some(len) = b.get(i..i + 2).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))) else { break };
        if len < 2 || i + len > b.len() {
            break;
        }
        i += len;
        out.push((marker, &b[start..i]));
    }
    out
}
