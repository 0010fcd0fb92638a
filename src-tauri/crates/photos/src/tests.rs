//! Pipeline and batch tests on small generated images (no timing asserts).

use std::collections::HashMap;
use std::sync::Mutex;

use super::batch::{BatchOptions, CancelFlag, Outcome, collect_files, process_batch};
use super::encode::has_app1;
use super::fixtures::*;
use super::pipeline::render;
use super::preset::{Crop, Edits, Preset};
use super::probe::{Format, Limits};
use super::problem::ProblemCode;
use super::store::PhotoStore;

fn red(p: [u8; 3]) -> bool {
    p[0] > 170 && p[1] < 90 && p[2] < 90
}

#[test]
fn exif_orientation_is_applied_and_gps_is_gone() {
    // Stored landscape 1200 × 800, phone held upright (orientation 6), with GPS.
    let bytes = with_exif(&jpeg(&test_card(1200, 800), false), 6, true);
    assert!(has_app1(&bytes));
    let r = render(&bytes, &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert_eq!((r.width, r.height), (800, 1200), "upright size of the original");
    assert_eq!((r.main.width, r.main.height), (800, 1200));
    let main = decode_jpeg(&r.main.jpeg);
    // The red quadrant was top-left as stored: upright, it is top-right.
    assert!(red(main.pixel(700, 100)), "{:?}", main.pixel(700, 100));
    assert!(!red(main.pixel(100, 100)));
    // Nothing but pixels in the outputs: no APP1 (EXIF/XMP), so no GPS.
    assert!(!has_app1(&r.main.jpeg) && !has_app1(&r.thumb.jpeg));
    assert!(!r.main.jpeg.windows(4).any(|w| w == b"Exif"));
    assert_eq!((r.thumb.width, r.thumb.height), (267, 400));
}

#[test]
fn large_jpeg_is_fitted_with_dct_scaling() {
    assert_eq!(super::decode::jpeg_scale(4032, 3024, 1600, 1200), turbojpeg::ScalingFactor::ONE_HALF);
    assert_eq!(super::decode::jpeg_scale(4032, 3024, 400, 300), turbojpeg::ScalingFactor::ONE_EIGHTH);
    let bytes = jpeg(&test_card(3264, 2448), false);
    let r = render(&bytes, &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert_eq!((r.main.width, r.main.height), (1600, 1200));
    assert_eq!((r.thumb.width, r.thumb.height), (400, 300));
    assert!(r.quality.flags.is_empty(), "{:?}", r.quality);
    let big =
        render(&bytes, &Preset { main_max: 2048, ..Preset::default() }, &Edits::default(), &Limits::default()).unwrap();
    assert_eq!((big.main.width, big.main.height), (2048, 1536)); // decoded at full size
    let sq =
        render(&bytes, &Preset { square: true, ..Preset::default() }, &Edits::default(), &Limits::default()).unwrap();
    assert_eq!((sq.main.width, sq.main.height), (1600, 1600));
    let m = decode_jpeg(&sq.main.jpeg);
    assert!(m.pixel(800, 20).iter().all(|&c| c > 245), "white padding {:?}", m.pixel(800, 20));
}

#[test]
fn progressive_cmyk_grey_png_webp_are_read() {
    let card = test_card(1200, 900);
    let prog = render(&jpeg(&card, true), &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert_eq!((prog.main.width, prog.main.height), (1200, 900));

    let cmyk =
        render(&cmyk_jpeg(1100, 1000, [200, 100, 50, 255]), &Preset::default(), &Edits::default(), &Limits::default())
            .unwrap();
    let p = decode_jpeg(&cmyk.main.jpeg).pixel(500, 500);
    assert!(p[0].abs_diff(200) < 8 && p[1].abs_diff(100) < 8 && p[2].abs_diff(50) < 8, "{p:?}");

    let grey = render(&grey_jpeg(1200, 1000, 120), &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert_eq!(grey.format, Format::Jpeg);
    let p = decode_jpeg(&grey.main.jpeg).pixel(10, 10);
    assert!(p.iter().all(|&c| c.abs_diff(120) < 4), "{p:?}");

    let png = render(&png_half_transparent(&card), &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert_eq!(png.format, Format::Png);
    let m = decode_jpeg(&png.main.jpeg);
    assert!(m.pixel(100, 100).iter().all(|&c| c > 245), "transparent → white: {:?}", m.pixel(100, 100));
    assert!(!m.pixel(1100, 800).iter().all(|&c| c > 245));

    let webp = render(&webp(&card), &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert_eq!(webp.format, Format::Webp);
    assert!(red(decode_jpeg(&webp.main.jpeg).pixel(100, 100)));
}

#[test]
fn edits_rotate_and_crop_from_the_original() {
    let bytes = with_exif(&jpeg(&test_card(1200, 800), false), 6, false);
    let turned = render(&bytes, &Preset::default(), &Edits { rotation: 90, crop: None }, &Limits::default()).unwrap();
    // Upright 800 × 1200, turned a quarter clockwise: 1200 × 800, red now bottom-right.
    assert_eq!((turned.main.width, turned.main.height), (1200, 800));
    assert!(red(decode_jpeg(&turned.main.jpeg).pixel(1100, 700)));
    let square = Edits { rotation: 0, crop: Some(Crop::centered_square(800, 1200)) };
    let sq = render(&bytes, &Preset::default(), &square, &Limits::default()).unwrap();
    assert_eq!((sq.main.width, sq.main.height), (800, 800));
    let free = Edits { rotation: 0, crop: Some(Crop { x: 0.5, y: 0.0, w: 0.5, h: 0.5 }) };
    let top_right = render(&bytes, &Preset::default(), &free, &Limits::default()).unwrap();
    assert_eq!((top_right.main.width, top_right.main.height), (400, 600));
    let m = decode_jpeg(&top_right.main.jpeg);
    assert!(red(m.pixel(200, 300)), "the red quadrant fills the crop: {:?}", m.pixel(200, 300));
}

#[test]
fn bombs_are_refused_from_the_header() {
    // 60 000 × 60 000 = 3.6 gigapixels: decoding would abort the process.
    let err =
        render(&jpeg_bomb(60_000, 60_000), &Preset::default(), &Edits::default(), &Limits::default()).unwrap_err();
    assert_eq!(err.code, ProblemCode::TooManyPixels);
    assert!(err.message.contains("60000 × 60000"), "{}", err.message);
    // A tighter limit applies to ordinary photos too.
    let limits = Limits { max_pixels: 1_000_000, ..Limits::default() };
    let err = render(&jpeg(&test_card(1200, 900), false), &Preset::default(), &Edits::default(), &limits).unwrap_err();
    assert_eq!(err.code, ProblemCode::TooManyPixels);
}

#[test]
fn bad_files_are_reported_by_name_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let good = jpeg(&test_card(1200, 900), false);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("a-good.jpg", good.clone()),
        ("b-truncated.jpg", good[..good.len() / 2].to_vec()),
        ("c-text.jpg", b"Bonjour, ceci n'est pas une photo.\n".to_vec()),
        ("d-empty.jpg", Vec::new()),
        ("e-bomb.jpg", jpeg_bomb(50_000, 50_000)),
        ("f-corrupt.jpg", {
            // A Huffman table whose code counts add up to more than 256 codes.
            let mut c = good.clone();
            let dht = c.windows(2).position(|w| w == [0xFF, 0xC4]).unwrap();
            c[dht + 5..dht + 5 + 16].iter_mut().for_each(|b| *b = 0x7F);
            c
        }),
        ("g-iphone.heic", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec()),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in &files {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        paths.push(p);
    }
    // Unreadable: a folder named like a photo, and a file that is not there.
    std::fs::create_dir(dir.path().join("h-folder.jpg")).unwrap();
    paths.push(dir.path().join("h-folder.jpg"));
    paths.push(dir.path().join("i-missing.jpg"));

    let store = PhotoStore::at(dir.path().join("store"));
    let seen = Mutex::new(Vec::new());
    let report = process_batch(
        &paths,
        &store,
        &Preset::default(),
        &BatchOptions { jobs: 2, limits: Limits::default() },
        &HashMap::new(),
        &|p| seen.lock().unwrap().push((p.done, p.total)),
        &CancelFlag::new(),
    );
    let codes: Vec<(String, String)> = report
        .files
        .iter()
        .map(|f| {
            let code = match &f.outcome {
                Outcome::Processed(_) => "ok".to_owned(),
                Outcome::Failed(p) => {
                    assert!(!p.message.is_empty() && p.message.chars().next().unwrap().is_uppercase());
                    p.code.as_str().to_owned()
                }
                other => format!("{other:?}"),
            };
            (f.name.clone(), code)
        })
        .collect();
    let expect = [
        ("a-good.jpg", "ok"),
        ("b-truncated.jpg", "truncated"),
        ("c-text.jpg", "not_an_image"),
        ("d-empty.jpg", "empty"),
        ("e-bomb.jpg", "too_many_pixels"),
        ("f-corrupt.jpg", "corrupt"),
        // Only the ftyp box: refused for want of libheif, or found damaged by it.
        ("g-iphone.heic", if cfg!(feature = "heif") { "corrupt" } else { "heic_unsupported" }),
        ("h-folder.jpg", "unreadable"),
        ("i-missing.jpg", "unreadable"),
    ];
    let expect: Vec<(String, String)> = expect.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(codes, expect);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 9);
    assert!(seen.iter().any(|&(d, t)| d == 9 && t == 9));
}

#[test]
fn same_photo_is_stored_once_and_cancel_stops_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = jpeg(&test_card(1000, 800), false);
    std::fs::create_dir(dir.path().join("in")).unwrap();
    for name in ["one.jpg", "copy of one.JPG", "notes.txt"] {
        std::fs::write(dir.path().join("in").join(name), &bytes).unwrap();
    }
    let files = collect_files(&[dir.path().join("in")]);
    assert_eq!(files.len(), 2, "folders are scanned for image extensions only");
    let store = PhotoStore::at(dir.path().join("store"));
    let opts = BatchOptions { jobs: 2, limits: Limits::default() };
    let report = process_batch(&files, &store, &Preset::default(), &opts, &HashMap::new(), &|_| {}, &CancelFlag::new());
    let shas: Vec<String> = report
        .files
        .iter()
        .map(|f| match &f.outcome {
            Outcome::Processed(p) => p.sha256.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(shas[0], shas[1]);
    let stored: Vec<_> = walk(store.root());
    assert_eq!(stored.len(), 3, "one original + main + thumb: {stored:?}");

    // Known with this preset: not decoded again.
    let fp = Preset::default().fingerprint(&Edits::default());
    let known = HashMap::from([(shas[0].clone(), fp)]);
    let again = process_batch(&files, &store, &Preset::default(), &opts, &known, &|_| {}, &CancelFlag::new());
    assert!(again.files.iter().all(|f| matches!(f.outcome, Outcome::Known { .. })));

    let cancel = CancelFlag::new();
    cancel.cancel();
    let stopped = process_batch(&files, &store, &Preset::default(), &opts, &HashMap::new(), &|_| {}, &cancel);
    assert!(stopped.cancelled && stopped.files.iter().all(|f| f.outcome == Outcome::Cancelled));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

// ---- colour management: the embedded ICC profile is honoured, sRGB comes out ----

/// A profile whose red and blue primaries are exchanged: its "pure red" is sRGB blue.
fn swapped_red_blue_profile() -> Vec<u8> {
    // The columns of the matrix are the red, green and blue colorants.
    let swapped = SRGB.to_xyz_d50().map(|row| [row[2], row[1], row[0]]);
    icc_profile(swapped, Tone::Gamma(2.2))
}

fn blue(p: [u8; 3]) -> bool {
    p[2] > 200 && p[0] < 50 && p[1] < 50
}

/// Runs the batch on `files` and returns each file's main derivative, decoded.
fn batch_mains(files: &[(&str, Vec<u8>)]) -> Vec<Result<super::raster::Rgb, String>> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = files
        .iter()
        .map(|(name, bytes)| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let store = PhotoStore::at(dir.path().join("store"));
    let opts = BatchOptions { jobs: 2, limits: Limits::default() };
    let report = process_batch(&paths, &store, &Preset::default(), &opts, &HashMap::new(), &|_| {}, &CancelFlag::new());
    report
        .files
        .iter()
        .map(|f| match &f.outcome {
            Outcome::Processed(p) => {
                let path = store.derivative_path(&p.sha256, &p.fingerprint, super::store::Kind::Main);
                Ok(decode_jpeg(&std::fs::read(path).unwrap()))
            }
            other => Err(format!("{}: {other:?}", f.name)),
        })
        .collect()
}

#[test]
fn embedded_profile_is_honoured_end_to_end() {
    let red_img = super::raster::Rgb::filled(900, 600, [255, 0, 0]);
    let icc = swapped_red_blue_profile();
    // Straight through the pipeline: the JPEG's APP2 profile is applied.
    let tagged = with_icc(&jpeg(&red_img, false), &icc, 65_519);
    let r = render(&tagged, &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    let p = decode_jpeg(&r.main.jpeg).pixel(450, 300);
    assert!(blue(p), "the profile's red is sRGB blue: {p:?}");
    // Nor is the profile copied into the derivative: it is plain sRGB now.
    assert!(!r.main.jpeg.windows(11).any(|w| w == b"ICC_PROFILE"));
    // Through the batch, for each format's way of carrying a profile (PNG iCCP, WebP
    // ICCP), and the same photo untagged stays red.
    let mains = batch_mains(&[
        ("jpeg.jpg", tagged),
        ("png.png", png_with_icc(&red_img, &icc)),
        ("webp.webp", webp_with_icc(&red_img, &icc)),
        ("plain.jpg", jpeg(&red_img, false)),
    ]);
    for (name, main) in ["jpeg", "png", "webp"].iter().zip(&mains) {
        let p = main.as_ref().unwrap().pixel(450, 300);
        assert!(blue(p), "{name}: {p:?}");
    }
    assert!(red(mains[3].as_ref().unwrap().pixel(450, 300)));
}

#[test]
fn display_p3_photo_comes_out_in_srgb() {
    // An iPhone-like photo: left half mid grey, right half a saturated orange, in P3.
    let (grey, orange) = ([128u8; 3], [200u8, 120, 60]);
    let mut img = super::raster::Rgb::filled(800, 600, grey);
    for y in 0..600 {
        for x in 400..800 {
            let i = (y * 800 + x) * 3;
            img.data[i..i + 3].copy_from_slice(&orange);
        }
    }
    let p3 = icc_profile(DISPLAY_P3.to_xyz_d50(), Tone::SrgbTable(1024));
    let at = [(200, 300), (600, 300)];
    let main = |bytes: &[u8]| {
        let r = render(bytes, &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
        let m = decode_jpeg(&r.main.jpeg);
        at.map(|(x, y)| m.pixel(x, y))
    };

    // What the matrices say: P3 → linear → XYZ (D50) → linear sRGB → sRGB.
    let p3_to_srgb = mat_mul(&mat_inv(&SRGB.to_xyz_d50()), &DISPLAY_P3.to_xyz_d50());
    let expect = |c: [u8; 3]| {
        let lin = mat_vec(&p3_to_srgb, c.map(|v| srgb_to_linear(f64::from(v) / 255.0)));
        lin.map(|v| (linear_to_srgb(v.clamp(0.0, 1.0)) * 255.0).round() as u8)
    };
    let (want_grey, want_orange) = (expect(grey), expect(orange));
    assert_eq!(want_grey, grey, "same white and tone curve: grey is grey in both spaces");
    let shift = want_orange.iter().zip(orange).map(|(a, b)| a.abs_diff(b)).max().unwrap();
    assert!(shift >= 10, "the colour is chosen so that converting matters: {want_orange:?}");

    // The tolerance: what the JPEG round trip (q92 in, q85 out, 4:2:0) costs on these
    // flat patches without any profile, plus 2 levels for moxcms' fixed-point arithmetic
    // and the tone curve sampled in 1024 steps.
    let untagged = main(&jpeg(&img, false));
    let codec = [grey, orange]
        .iter()
        .zip(&untagged)
        .flat_map(|(want, got)| want.iter().zip(got).map(|(a, b)| a.abs_diff(*b)))
        .max()
        .unwrap();
    let tolerance = codec + 2;
    assert!(tolerance < shift, "the check can tell converted from not: {tolerance} vs {shift}");

    let got = main(&with_icc(&jpeg(&img, false), &p3, 65_519));
    for (want, got) in [want_grey, want_orange].iter().zip(&got) {
        let off = want.iter().zip(got).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(off <= tolerance, "want {want:?}, got {got:?} (tolerance {tolerance})");
    }
    assert!(got[0][0].abs_diff(got[0][1]) <= 1 && got[0][1].abs_diff(got[0][2]) <= 1, "grey stays grey: {:?}", got[0]);
}

#[test]
fn profile_split_over_several_app2_chunks_is_reassembled() {
    let icc = swapped_red_blue_profile();
    let red_jpeg = jpeg(&super::raster::Rgb::filled(600, 400, [255, 0, 0]), false);
    // Five chunks, written out of order: the sequence numbers give the order.
    let parts: Vec<&[u8]> = icc.chunks(icc.len().div_ceil(5)).collect();
    assert_eq!(parts.len(), 5);
    let mut bytes = red_jpeg[..2].to_vec();
    for i in [2usize, 0, 4, 1, 3] {
        bytes.extend(icc_app2(i as u8 + 1, 5, parts[i]));
    }
    bytes.extend(&red_jpeg[2..]);
    assert_eq!(super::color::jpeg_icc(&bytes).as_deref(), Some(icc.as_slice()));
    let r = render(&bytes, &Preset::default(), &Edits::default(), &Limits::default()).unwrap();
    assert!(blue(decode_jpeg(&r.main.jpeg).pixel(300, 200)));
    // The helper's own split (small chunks, in order) is read the same way.
    assert_eq!(super::color::jpeg_icc(&with_icc(&red_jpeg, &icc, 64)).as_deref(), Some(icc.as_slice()));
}

#[test]
fn damaged_profiles_do_not_cost_the_photo() {
    let icc = swapped_red_blue_profile();
    let red_jpeg = jpeg(&super::raster::Rgb::filled(600, 400, [255, 0, 0]), false);
    let insert = |segments: Vec<Vec<u8>>| {
        let mut b = red_jpeg[..2].to_vec();
        segments.iter().for_each(|s| b.extend(s));
        b.extend(&red_jpeg[2..]);
        b
    };
    let files = vec![
        ("garbage.jpg", insert(vec![icc_app2(1, 1, b"\x00\x01 definitely not an ICC profile \xff\xfe")])),
        ("truncated.jpg", insert(vec![icc_app2(1, 1, &icc[..icc.len() / 2])])),
        ("header-only.jpg", insert(vec![icc_app2(1, 1, &icc[..128])])),
        ("missing-chunk.jpg", insert(vec![icc_app2(1, 3, &icc[..200]), icc_app2(3, 3, &icc[400..])])),
        (
            "no-sequence.jpg",
            insert(vec![{
                let mut s = vec![0xFF, 0xE2, 0, 14];
                s.extend(b"ICC_PROFILE\0");
                s
            }]),
        ),
        ("bad-tag-offsets.jpg", {
            // The tag table points far past the end of the profile.
            let mut bad = icc.clone();
            for t in 0..8 {
                let at = 128 + 4 + 12 * t + 4;
                bad[at..at + 4].copy_from_slice(&0x7FFF_FFF0u32.to_be_bytes());
            }
            insert(vec![icc_app2(1, 1, &bad)])
        }),
        ("png-garbage.png", {
            let mut bad = icc.clone();
            bad[36..40].copy_from_slice(b"nope"); // no 'acsp' signature
            png_with_icc(&super::raster::Rgb::filled(600, 400, [255, 0, 0]), &bad)
        }),
    ];
    let names: Vec<&str> = files.iter().map(|f| f.0).collect();
    for (name, main) in names.iter().zip(batch_mains(&files)) {
        let main = main.unwrap_or_else(|e| panic!("{name} must still be processed: {e}"));
        let p = main.pixel(300, 200);
        assert!(red(p), "{name}: an unusable profile means sRGB, so red stays red: {p:?}");
    }
}

// ---- HEIC through libheif (feature `heif`), with a file made by heif-enc ----

/// Makes an HEIC of `img` with `heif-enc` (Debian: libheif-examples), or says why not.
#[cfg(feature = "heif")]
fn heif_enc(img: &super::raster::Rgb, dir: &std::path::Path) -> Result<Vec<u8>, String> {
    let png = dir.join("card.png");
    image::RgbImage::from_raw(img.width, img.height, img.data.clone())
        .ok_or("raster")?
        .save(&png)
        .map_err(|e| e.to_string())?;
    let heic = dir.join("card.heic");
    let out = std::process::Command::new("heif-enc")
        .args(["-q", "90", "-o"])
        .arg(&heic)
        .arg(&png)
        .output()
        .map_err(|e| format!("heif-enc introuvable ({e}) : installez libheif-examples"))?;
    if !out.status.success() {
        return Err(format!("heif-enc a échoué (pas d'encodeur HEVC ?) : {}", String::from_utf8_lossy(&out.stderr)));
    }
    std::fs::read(heic).map_err(|e| e.to_string())
}

#[cfg(feature = "heif")]
#[test]
fn heic_is_read_when_libheif_can() {
    let dir = tempfile::tempdir().unwrap();
    let heic = match heif_enc(&test_card(1200, 900), dir.path()) {
        Ok(b) => b,
        Err(why) => {
            eprintln!("test HEIC sauté : {why}");
            return;
        }
    };
    let caps = super::capabilities();
    let rendered = render(&heic, &Preset::default(), &Edits::default(), &Limits::default());
    if !caps.heic {
        // libheif without an HEVC decoder: refused with the reason, like a build without it.
        eprintln!("libheif sans décodeur HEVC : {:?}", caps.heic_unavailable);
        assert_eq!(rendered.unwrap_err().code, ProblemCode::HeicUnsupported);
        return;
    }
    let r = rendered.unwrap();
    assert_eq!((r.width, r.height), (1200, 900));
    assert_eq!(r.format, Format::Jpeg, "an HEIC is carried on as the JPEG it became");
    let m = decode_jpeg(&r.main.jpeg);
    assert!(red(m.pixel(200, 200)), "{:?}", m.pixel(200, 200));
    assert!(!red(m.pixel(1000, 700)));
    // In the batch: stored once, as a JPEG original.
    let path = dir.path().join("IMG_0001.HEIC");
    std::fs::write(&path, &heic).unwrap();
    let store = PhotoStore::at(dir.path().join("store"));
    let opts = BatchOptions { jobs: 1, limits: Limits::default() };
    let report =
        process_batch(&[path], &store, &Preset::default(), &opts, &HashMap::new(), &|_| {}, &CancelFlag::new());
    let Outcome::Processed(p) = &report.files[0].outcome else { panic!("{:?}", report.files[0]) };
    assert_eq!(p.summary.format, Format::Jpeg);
    let original = std::fs::read(store.original_path(&p.sha256, Format::Jpeg)).unwrap();
    assert!(original.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!(super::store::sha256_hex(&original), p.sha256);
}
