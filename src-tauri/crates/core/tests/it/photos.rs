//! The photo studio against a real database and data directory: import, dedup, matching
//! by file name, attaching, edits, preset change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use comptoir_core::photos::fixtures::{decode_jpeg, jpeg, test_card, with_exif};
use comptoir_core::photos::{CancelFlag, MatchedBy, Preset, QualityFlag, Studio};

use crate::support::{fresh_db, now, product};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn import_dedups_matches_by_name_and_attaches_in_order() {
    let t = fresh_db().await;
    let mut figs = product("Confiture de figues 250 g", "CONF-FIG-250", 650);
    figs.variants[0].ean = Some("3760123450010".into());
    let figs = t.db.save_product(&figs, now()).await.unwrap();
    let cidre = t.db.save_product(&product("Cidre brut du Perche", "CIDRE-BRUT", 450), now()).await.unwrap();

    let src = tempfile::tempdir().unwrap();
    let a = jpeg(&test_card(1200, 900), false);
    let b = jpeg(&test_card(1000, 1000), false);
    let c = jpeg(&test_card(1100, 800), false);
    let paths = vec![
        write(src.path(), "conf-fig-250_2.jpg", &b),
        write(src.path(), "CONF-FIG-250.jpg", &a),
        write(src.path(), "3760123450010-3.jpg", &c),
        write(src.path(), "cidre-brut.JPG", &c),
        write(src.path(), "IMG_0001.jpg", &a),
        write(src.path(), "notes.jpg", b"pas une image"),
    ];
    let studio = Studio::new(t.db.clone(), t.dir.path());
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p2 = progress.clone();
    let report = studio
        .import(paths, Arc::new(move |p| p2.lock().unwrap().push(p.done)), CancelFlag::new(), now())
        .await
        .unwrap();

    let status: Vec<(&str, &str)> = report.files.iter().map(|f| (f.name.as_str(), f.status.as_str())).collect();
    assert_eq!(
        status,
        vec![
            ("conf-fig-250_2.jpg", "imported"),
            ("CONF-FIG-250.jpg", "imported"),
            ("3760123450010-3.jpg", "imported"),
            ("cidre-brut.JPG", "duplicate"),
            ("IMG_0001.jpg", "duplicate"),
            ("notes.jpg", "failed"),
        ]
    );
    assert_eq!((report.imported, report.duplicates, report.failed), (3, 2, 1));
    assert_eq!(progress.lock().unwrap().len(), 6);
    assert_eq!(report.files[5].problem.as_ref().unwrap().code.as_str(), "not_an_image");
    // Three distinct photos: three originals, each with a main image and a thumbnail.
    assert_eq!(files_under(&t.dir.path().join("photos")).len(), 9);
    assert_eq!(t.db.photos().await.unwrap().len(), 3);

    let props: Vec<(&str, i64, MatchedBy, u32)> =
        report.proposals.iter().map(|p| (p.file_name.as_str(), p.product_id, p.matched_by, p.rank)).collect();
    assert_eq!(
        props,
        vec![
            ("conf-fig-250_2.jpg", figs.id, MatchedBy::Sku, 2),
            ("CONF-FIG-250.jpg", figs.id, MatchedBy::Sku, 1),
            ("3760123450010-3.jpg", figs.id, MatchedBy::Ean, 3),
            ("cidre-brut.JPG", cidre.id, MatchedBy::Sku, 1),
        ]
    );
    // Nothing attached before review.
    assert!(studio.product_photos(figs.id).await.unwrap().is_empty());
    assert_eq!(studio.apply_matches(&report.proposals, now()).await.unwrap(), 4);
    let photos = studio.product_photos(figs.id).await.unwrap();
    let names: Vec<String> = photos.iter().map(|p| p.photo.original_name.clone()).collect();
    assert_eq!(names, vec!["CONF-FIG-250.jpg", "conf-fig-250_2.jpg", "3760123450010-3.jpg"]);
    assert!(photos[0].is_main && !photos[1].is_main);
    assert_eq!(photos[0].row.alt_text, "Confiture de figues 250 g");
    assert!(photos[0].main_path.is_file() && photos[0].thumb_path.is_file());
    // Applying twice attaches nothing new.
    studio.apply_matches(&report.proposals, now()).await.unwrap();
    assert_eq!(studio.product_photos(figs.id).await.unwrap().len(), 3);

    // Importing the same files again decodes nothing and stores nothing new.
    let again =
        studio.import(vec![src.path().to_path_buf()], Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    assert_eq!((again.imported, again.duplicates, again.failed), (0, 5, 1));
    assert_eq!(files_under(&t.dir.path().join("photos")).len(), 9);
}

#[tokio::test]
async fn edits_are_non_destructive_and_order_can_change() {
    let t = fresh_db().await;
    let p = t.db.save_product(&product("Pommeau de Normandie", "POMMEAU-70", 1890), now()).await.unwrap();
    let src = tempfile::tempdir().unwrap();
    // Stored landscape with orientation 6: upright it is 900 × 1200.
    let a = write(src.path(), "a.jpg", &with_exif(&jpeg(&test_card(1200, 900), false), 6, true));
    let b = write(src.path(), "b.jpg", &jpeg(&test_card(1300, 900), false));
    let studio = Studio::new(t.db.clone(), t.dir.path());
    let report = studio.import(vec![a, b], Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    let sha_a = report.files[0].photo.as_ref().unwrap().sha256.clone();
    let sha_b = report.files[1].photo.as_ref().unwrap().sha256.clone();
    assert_eq!(report.files[0].photo.as_ref().map(|p| (p.width, p.height)), Some((900, 1200)));
    let first = studio.attach(p.id, &sha_a, now()).await.unwrap();
    let second = studio.attach(p.id, &sha_b, now()).await.unwrap();

    let list = studio.set_main(second.row.id, now()).await.unwrap();
    assert_eq!(list.iter().map(|x| x.row.id).collect::<Vec<_>>(), vec![second.row.id, first.row.id]);
    assert!(list[0].is_main);

    let turned = studio.rotate(first.row.id, true, now()).await.unwrap();
    assert_eq!(turned.row.edits.rotation, 90);
    let img = decode_jpeg(&std::fs::read(&turned.main_path).unwrap());
    assert_eq!((img.width, img.height), (1200, 900));
    // Unedited derivatives are still there: the original and its plain rendering are kept.
    assert_ne!(turned.main_path, first.main_path);
    assert!(first.main_path.is_file());

    let square = studio.crop_square(first.row.id, now()).await.unwrap();
    let img = decode_jpeg(&std::fs::read(&square.main_path).unwrap());
    assert_eq!((img.width, img.height), (900, 900));
    let back = studio.rotate(first.row.id, false, now()).await.unwrap();
    assert_eq!(back.row.edits.rotation, 0);
    assert_eq!(back.main_path, first.main_path, "same edits, same files");

    studio.set_alt(first.row.id, "Bouteille de pommeau, étiquette dorée", now()).await.unwrap();
    studio.detach(second.row.id, now()).await.unwrap();
    let list = studio.product_photos(p.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].is_main);
    assert_eq!(list[0].row.alt_text, "Bouteille de pommeau, étiquette dorée");
}

#[tokio::test]
async fn preset_change_rebuilds_derivatives_once() {
    let t = fresh_db().await;
    let src = tempfile::tempdir().unwrap();
    let dark: Vec<u8> = {
        let mut card = test_card(2400, 1800);
        card.data.iter_mut().for_each(|v| *v /= 8);
        jpeg(&card, false)
    };
    let path = write(src.path(), "dark.jpg", &dark);
    let mut studio = Studio::new(t.db.clone(), t.dir.path());
    let r = studio.import(vec![path.clone()], Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    let photo = r.files[0].photo.clone().unwrap();
    assert!(photo.quality_flags.contains(&QualityFlag::TooDark), "{photo:?}");
    assert_eq!(r.files[0].quality[0].explanation, QualityFlag::TooDark.explanation());
    let old_fp = photo.preset_fp.clone();

    // Same preset: nothing to rebuild.
    assert_eq!(studio.rebuild_stale(Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap(), 0);

    studio.preset = Preset { main_max: 2048, ..Preset::default() };
    assert_eq!(studio.rebuild_stale(Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap(), 1);
    let rebuilt = t.db.photo(&photo.sha256).await.unwrap().unwrap();
    assert_ne!(rebuilt.preset_fp, old_fp);
    let store = &studio.store;
    assert!(store.has_derivatives(&photo.sha256, &rebuilt.preset_fp));
    assert!(!store.has_derivatives(&photo.sha256, &old_fp), "old derivatives removed");
    let main = store.derivative_path(&photo.sha256, &rebuilt.preset_fp, comptoir_core::photos::store::Kind::Main);
    assert_eq!(decode_jpeg(&std::fs::read(main).unwrap()).width, 2048);
    assert_eq!(studio.rebuild_stale(Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap(), 0);
    // And a new import of the same file with the new preset is a duplicate, not a re-render.
    let r = studio.import(vec![path], Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    assert_eq!(r.files[0].status, "duplicate");
}

#[tokio::test]
async fn library_capture_and_watched_folder() {
    let t = fresh_db().await;
    let figs = t.db.save_product(&product("Confiture de figues 250 g", "CONF-FIG-250", 650), now()).await.unwrap();
    let studio = Studio::new(t.db.clone(), t.dir.path());

    // A webcam frame: stored under captures/ with the moment in its name, then processed.
    let frame = jpeg(&test_card(1280, 720), false);
    let report = studio.import_capture(frame, t.dir.path(), now()).await.unwrap();
    assert_eq!((report.imported, report.failed), (1, 0));
    let captured = &report.files[0];
    assert!(captured.name.starts_with("Photo ") && captured.name.ends_with(".jpg"), "{}", captured.name);
    assert!(captured.path.starts_with(t.dir.path().join("captures")) && captured.path.is_file());
    let err = studio.import_capture(Vec::new(), t.dir.path(), now()).await.unwrap_err();
    assert!(err.to_string().contains("aucune image"), "{err}");

    // A second photo, attached: the library tells which products show each photo.
    let src = tempfile::tempdir().unwrap();
    let other = write(src.path(), "etal.jpg", &jpeg(&test_card(1100, 900), false));
    let r2 = studio.import(vec![other], Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    let sha = r2.files[0].photo.as_ref().unwrap().sha256.clone();
    studio.attach(figs.id, &sha, now()).await.unwrap();
    let all = studio.library(false, 100).await.unwrap();
    assert_eq!(all.len(), 2);
    let on_product = all.iter().find(|p| p.photo.sha256 == sha).unwrap();
    assert_eq!(on_product.products, vec!["Confiture de figues 250 g".to_owned()]);
    let waiting = studio.library(true, 100).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].photo.sha256, captured.photo.as_ref().unwrap().sha256);
    assert!(waiting[0].products.is_empty());

    // Only the derivatives a window may show resolve to files.
    let thumb = comptoir_core::photos::PhotoStore::derivative_name(
        &sha,
        &on_product.photo.preset_fp,
        comptoir_core::photos::store::Kind::Thumb,
    );
    assert!(studio.store.public_derivative(&thumb).unwrap().is_file());

    // The watched folder is remembered; a folder that does not exist is refused by name.
    use comptoir_core::photos::settings;
    assert_eq!(settings::watch_folder(&t.db).await.unwrap(), None);
    settings::set_watch_folder(&t.db, Some(src.path())).await.unwrap();
    assert_eq!(settings::watch_folder(&t.db).await.unwrap().as_deref(), Some(src.path()));
    let missing = src.path().join("Téléphone");
    let err = settings::set_watch_folder(&t.db, Some(&missing)).await.unwrap_err();
    assert!(err.to_string().contains("Téléphone"), "{err}");
    settings::set_watch_folder(&t.db, None).await.unwrap();
    assert_eq!(settings::watch_folder(&t.db).await.unwrap(), None);

    // The preset is kept normalised.
    assert_eq!(settings::preset(&t.db).await.unwrap(), Preset::default());
    let kept = settings::set_preset(&t.db, Preset { main_max: 2048, square: true, quality: 5, ..Preset::default() })
        .await
        .unwrap();
    assert_eq!((kept.main_max, kept.square, kept.quality), (2048, true, 40));
    assert_eq!(settings::preset(&t.db).await.unwrap(), kept);
}
