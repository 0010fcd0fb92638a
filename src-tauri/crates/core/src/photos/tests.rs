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
        ("g-iphone.heic", "heic_unsupported"),
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
