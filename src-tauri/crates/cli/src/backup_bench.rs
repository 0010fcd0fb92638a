//! `bench backup`: a first backup of a large shop (every photo to copy), a second right
//! after (no photo to copy), verification, and a restore into an empty data directory;
//! wall and CPU time, bytes written.
//!
//! The shop is generated in a temporary directory: the demo catalogue at the size asked,
//! and distinct photo originals of the size asked (random bytes under JPEG names: a
//! backup copies and hashes files, it never decodes them), attached to products. The
//! backup goes to another folder of the same disk with `--to`'s path (a copy, not the
//! hard links the PC's own backup folder uses), as to a USB key.

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::backup::{self, BackupOptions};
use comptoir_core::catalogue::ProductFilter;
use comptoir_core::photos::NewPhoto;
use comptoir_core::photos::probe::Format;
use comptoir_core::photos::store::{PhotoStore, sha256_hex};

use crate::output::line;

/// utime + stime of the process so far (0 where unknown).
fn cpu_seconds() -> f64 {
    crate::import::cpu_seconds().unwrap_or(0.0)
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else { return 0 };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn mb(b: u64) -> String {
    format!("{:.1} Mo", b as f64 / 1_000_000.0)
}

/// Pseudo-random bytes, distinct per `n` (xorshift: cheap and deterministic).
fn photo_bytes(n: u64, size: usize) -> Vec<u8> {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(size);
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(size);
    out[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    out
}

pub async fn run(products: usize, photos: usize, photo_kb: usize, keep: Option<&Path>) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir_in(keep.unwrap_or(&std::env::temp_dir()))?;
    let (shop, dest, restored) =
        (tmp.path().join("boutique"), tmp.path().join("cle-usb"), tmp.path().join("nouveau-pc"));
    std::fs::create_dir_all(&shop)?;
    let now = Utc::now();

    let t = Instant::now();
    let db = Db::open_in(&shop).await?;
    comptoir_core::demo::generate(&db, products, now).await?;
    let ids: Vec<i64> = db
        .list_products(&ProductFilter { search: None, category_id: None, offset: 0, limit: photos as u32 })
        .await?
        .items
        .iter()
        .map(|p| p.id)
        .collect();
    let store = PhotoStore::in_data_dir(&shop);
    for i in 0..photos {
        let bytes = photo_bytes(i as u64 + 1, photo_kb * 1024);
        let sha = sha256_hex(&bytes);
        store.put(&store.original_path(&sha, Format::Jpeg), &bytes)?;
        let p = NewPhoto {
            sha256: sha.clone(),
            original_name: format!("IMG_{i:05}.jpg"),
            format: Format::Jpeg,
            width: 4000,
            height: 3000,
            byte_size: bytes.len() as u64,
            quality_flags: vec![],
            sharpness: 1.0,
            preset_fp: "bench".to_owned(),
        };
        db.upsert_photo(&p, now).await?;
        db.attach_photo(ids[i % ids.len().max(1)], &sha, now).await?;
    }
    db.checkpoint().await?;
    line(format!(
        "Boutique générée en {:.1} s : {products} produits, {photos} photos de {photo_kb} Ko ({}), base {}",
        t.elapsed().as_secs_f64(),
        mb(dir_bytes(&shop.join("photos"))),
        mb(std::fs::metadata(shop.join("comptoir.db"))?.len()),
    ));

    let opts = BackupOptions { to: Some(dest.clone()), ..BackupOptions::default() };
    let mut last = None;
    for label in ["1re sauvegarde", "2e sauvegarde"] {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let r = backup::backup_now(&shop, &opts, None, Utc::now()).await?;
        let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let tr = &r.targets[0];
        line(format!(
            "{label:<15} {wall:>7.2} s (CPU {cpu:.2} s)  {:>10} écrits (base {}, + son instantané temporaire sur le PC)  {} photos copiées, {} déjà là",
            mb(tr.bytes_written),
            mb(r.database_bytes),
            tr.photos_copied,
            tr.photos_already_there
        ));
        last = Some(tr.path.clone());
    }
    let path = last.unwrap_or_default();
    let (t, cpu) = (Instant::now(), cpu_seconds());
    backup::verify(&path, None).await?;
    line(format!(
        "{:<15} {:>7.2} s (CPU {:.2} s)  base et {photos} photos relues et hachées",
        "Vérification",
        t.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    ));
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let r = backup::restore(&restored, &path, None, Utc::now()).await?;
    line(format!(
        "{:<15} {:>7.2} s (CPU {:.2} s)  dans un dossier vide : {} produits, {} photos copiées ({})",
        "Restauration",
        t.elapsed().as_secs_f64(),
        cpu_seconds() - cpu,
        r.counts.products,
        r.photos_copied,
        mb(dir_bytes(&restored.join("photos")))
    ));
    db.close().await;
    Ok(())
}
