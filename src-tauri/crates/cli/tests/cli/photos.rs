//! `photos import` and `photos bench` on generated photos.

use comptoir_core::photos::fixtures::{jpeg, test_card, with_exif};

use crate::support::Shop;

#[test]
fn import_reports_each_file_matches_by_name_and_applies() {
    let shop = Shop::new();
    shop.cli().arg("demo").assert().success();
    let src = tempfile::tempdir().unwrap();
    let photo = with_exif(&jpeg(&test_card(1200, 900), false), 6, true);
    std::fs::write(src.path().join("cam-250.jpg"), &photo).unwrap();
    std::fs::write(src.path().join("3760123450010-2.jpg"), jpeg(&test_card(1000, 1000), false)).unwrap();
    std::fs::write(src.path().join("vide.jpg"), b"").unwrap();
    std::fs::write(src.path().join("petite.jpg"), jpeg(&test_card(600, 400), false)).unwrap();

    let out = shop.json(&["photos", "import", src.path().to_str().unwrap(), "--json"]);
    let files = out["files"].as_array().unwrap();
    let by_name = |n: &str| files.iter().find(|f| f["name"] == n).unwrap().clone();
    assert_eq!(by_name("cam-250.jpg")["status"], "imported");
    assert_eq!(by_name("cam-250.jpg")["photo"]["width"], 900, "upright");
    assert_eq!(by_name("cam-250.jpg")["proposal"]["code"], "CAM-250");
    assert_eq!(by_name("3760123450010-2.jpg")["proposal"]["matched_by"], "ean");
    assert_eq!(by_name("3760123450010-2.jpg")["proposal"]["rank"], 2);
    assert_eq!(by_name("vide.jpg")["status"], "failed");
    assert_eq!(by_name("vide.jpg")["problem"]["code"], "empty");
    assert_eq!(by_name("petite.jpg")["quality"][0]["code"], "too_small");
    assert_eq!(out["attached"], 0);

    // People's output: one line per file, the French reason for the bad one, then --apply.
    let text = shop.cli().args(["photos", "import", src.path().to_str().unwrap(), "--apply"]).output().unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("✓ cam-250.jpg : déjà dans la photothèque, 900 × 1200 → "), "{text}");
    assert!(text.contains("✗ vide.jpg : Fichier vide (0 octet)"), "{text}");
    assert!(text.contains("⚠ Photo trop petite"), "{text}");
    assert!(text.contains("2 photo(s) rattachée(s)"), "{text}");
}

#[test]
fn bench_processes_a_folder_and_reports_figures() {
    let shop = Shop::new();
    let src = tempfile::tempdir().unwrap();
    for i in 0..3 {
        std::fs::write(src.path().join(format!("p{i}.jpg")), jpeg(&test_card(1600 + i * 100, 1200), false)).unwrap();
    }
    std::fs::write(src.path().join("casse.jpg"), b"\xFF\xD8\xFF\xE0 pas la suite").unwrap();
    let out = shop.json(&["photos", "bench", src.path().to_str().unwrap(), "--jobs", "2", "--json"]);
    assert_eq!(out["photos"], 4);
    assert_eq!(out["failed"], 1);
    assert_eq!(out["jobs"], 2);
    assert!(out["photos_per_second"].as_f64().unwrap() > 0.0);
    assert!(out["peak_rss_mib"].as_f64().unwrap() > 0.0);
}

#[test]
fn heic_is_refused_by_name_and_its_support_is_said() {
    let shop = Shop::new();
    let src = tempfile::tempdir().unwrap();
    // An iPhone HEIC as far as the sniffing goes: its ftyp box, named like a JPEG.
    std::fs::write(src.path().join("IMG_0042.jpg"), b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").unwrap();
    std::fs::write(src.path().join("ok.jpg"), jpeg(&test_card(1200, 900), false)).unwrap();
    let caps = comptoir_core::photos::capabilities();
    let text = shop.cli().args(["photos", "import", src.path().to_str().unwrap()]).output().unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("✓ ok.jpg : importée"), "the batch goes on: {text}");
    if caps.heic {
        assert!(text.contains("✗ IMG_0042.jpg : Image endommagée"), "{text}");
    } else {
        assert!(
            text.contains("✗ IMG_0042.jpg : Photo HEIC (iPhone) non prise en charge sur cet ordinateur : "),
            "{text}"
        );
        assert!(text.contains("Les photos HEIC (iPhone) ne sont pas lues sur cet ordinateur"), "{text}");
    }
    let out = shop.json(&["photos", "bench", src.path().to_str().unwrap(), "--json"]);
    assert_eq!(out["heic"], caps.heic);
    assert_eq!(out["failed"], 1);
}
