//! `backup now|list|verify`, `restore` through the real binary; and `kill -9` of a
//! backup at many moments never leaves a backup that `backup verify` accepts and that
//! is not complete.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use comptoir_core::photos::fixtures::{jpeg, photo_like};

use crate::support::Shop;

/// A shop with a generated catalogue and `photos` distinct photos imported.
fn shop_with_photos(products: usize, photos: usize) -> Shop {
    let shop = Shop::new();
    shop.cli().args(["demo", "--generate", &products.to_string()]).assert().success();
    let dir = tempfile::tempdir().unwrap();
    let base = photo_like(640, 480, 30);
    let mut files = Vec::new();
    for i in 0..photos {
        let mut img = base.clone();
        for px in img.data.iter_mut().take(640 * 3 * 2) {
            *px = px.wrapping_add(i as u8 * 3 + 1);
        }
        let p = dir.path().join(format!("IMG_{i:03}.jpg"));
        std::fs::write(&p, jpeg(&img, false)).unwrap();
        files.push(p.to_string_lossy().into_owned());
    }
    let mut args = vec!["photos".to_owned(), "import".to_owned()];
    args.extend(files);
    shop.cli().args(&args).assert().success();
    shop
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("comptoir-cli")
}

/// `backup verify DIR --json`: the report, or the French refusal (exit code 1, never a
/// crash).
fn verify(shop: &Shop, dir: &Path) -> Result<serde_json::Value, String> {
    let out = shop.cli().args(["backup", "verify", &dir.to_string_lossy(), "--json"]).output().unwrap();
    if out.status.success() {
        return Ok(serde_json::from_slice(&out.stdout).unwrap());
    }
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "verify must refuse, not fail: {err}");
    assert!(err.contains("Erreur : La sauvegarde"), "a French refusal naming the backup: {err}");
    Err(err)
}

fn entries(root: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(root) else { return vec![] };
    let mut v: Vec<PathBuf> =
        rd.flatten().map(|e| e.path()).filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "photos")).collect();
    v.sort();
    v
}

#[test]
fn backup_now_list_verify_restore_round_trip_through_the_cli() {
    let shop = shop_with_photos(200, 4);
    let dest = tempfile::tempdir().unwrap();
    let first = shop.json(&["backup", "now", "--to", &dest.path().to_string_lossy(), "--json"]);
    assert_eq!(first["targets"][0]["photos_copied"], 4);
    assert_eq!(first["counts"]["photos"], 4);
    let second = shop.json(&["backup", "now", "--to", &dest.path().to_string_lossy(), "--json"]);
    assert_eq!(
        (second["targets"][0]["photos_copied"].as_u64(), second["targets"][0]["photos_already_there"].as_u64()),
        (Some(0), Some(4))
    );

    // The PC's own backups: none yet (--to writes only there); one after a plain `backup now`.
    assert_eq!(shop.json(&["backup", "list", "--json"]).as_array().unwrap().len(), 0);
    shop.cli().args(["backup", "now"]).assert().success().stdout(predicates::str::contains("Sauvegarde faite"));
    let list = shop.json(&["backup", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["local"], true);

    let path = first["targets"][0]["path"].as_str().unwrap();
    shop.cli()
        .args(["backup", "verify", path])
        .assert()
        .success()
        .stdout(predicates::str::contains("Sauvegarde intacte"));

    let other = Shop::new();
    let r = other.json(&["restore", path, "--json"]);
    assert_eq!(r["counts"], first["counts"]);
    assert_eq!(r["reconnect_needed"], true);
    let a = shop.json(&["products", "list", "--json", "--limit", "1000"]);
    let b = other.json(&["products", "list", "--json", "--limit", "1000"]);
    assert_eq!(a, b);

    // A flipped byte in the database copy: refused, in French, naming the part.
    let db = Path::new(path).join("comptoir.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&db, bytes).unwrap();
    let out = shop.cli().args(["backup", "verify", path]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("est endommagée : la base de données (comptoir.db) ne correspond plus à son empreinte"),
        "{err}"
    );
}

#[test]
fn kill_9_at_many_moments_never_leaves_a_backup_that_verify_accepts_and_is_incomplete() {
    let shop = shop_with_photos(3000, 24);
    let data = shop.dir.path().to_string_lossy().into_owned();
    let dests = tempfile::tempdir().unwrap();

    // A full backup's duration, to spread the kills over it.
    let reference_dest = dests.path().join("reference");
    let t = Instant::now();
    let reference = shop.json(&["backup", "now", "--to", &reference_dest.to_string_lossy(), "--json"]);
    let full = t.elapsed();
    let expected = reference["counts"].clone();
    assert_eq!(expected["photos"], 24);

    let shared = dests.path().join("shared");
    let mut seed: u64 = 0x5EED_C0FF_EE15;
    let mut accepted = 0;
    let mut refused = 0;
    let kills = 40;
    for i in 0..kills {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Every third run to a fresh folder (photos to copy), the others to one shared
        // folder (stale partial backups and photo temp files of killed runs to clean).
        let dest = if i % 3 == 0 { dests.path().join(format!("fresh-{i}")) } else { shared.clone() };
        let at = full.mul_f64((seed % 1000) as f64 / 1000.0 * 1.1);
        let mut child = std::process::Command::new(bin())
            .args(["--data-dir", &data, "backup", "now", "--to", &dest.to_string_lossy(), "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        // SIGKILL on Unix: no destructor, no flush, no cleanup runs.
        let _ = child.kill();
        let _ = child.wait();

        for dir in entries(&dest) {
            match verify(&shop, &dir) {
                Ok(v) => {
                    accepted += 1;
                    assert_eq!(v["counts"], expected, "{}: accepted but not the whole shop", dir.display());
                    assert_eq!(v["photos"], 24, "{}: accepted without every photo", dir.display());
                    assert_eq!(v["content_checked"], true);
                }
                Err(why) => {
                    refused += 1;
                    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                    assert!(name.starts_with(".partial-"), "a finished-looking backup refused: {name}: {why}");
                }
            }
        }
    }
    eprintln!("{kills} kills over {full:?}: {accepted} backups accepted (whole), {refused} refused (unfinished)");
    assert!(refused > 0 && accepted > 0, "kills landed mid-way ({refused} refused) and after ({accepted} accepted)");

    // After all that, a backup to the shared folder succeeds, cleans what killed runs
    // left, and restores to the whole shop.
    let last = shop.json(&["backup", "now", "--to", &shared.to_string_lossy(), "--json"]);
    assert!(entries(&shared).iter().all(|p| !p.file_name().unwrap().to_string_lossy().starts_with(".partial-")));
    let tmp_left = walk(&shared.join("photos")).into_iter().filter(|p| p.to_string_lossy().ends_with(".tmp")).count();
    assert_eq!(tmp_left, 0);
    let other = Shop::new();
    let r = other.json(&["restore", last["targets"][0]["path"].as_str().unwrap(), "--json"]);
    assert_eq!(r["counts"], expected);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
