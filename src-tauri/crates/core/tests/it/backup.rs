//! Backups (issue 15) on real SQLite files and real folders: a backup taken during a
//! 100,000-row import restores to all of it or none of it; backup then restore into an
//! empty data directory gives the same catalogue, photos and orders; a second backup
//! copies no photo; a flipped byte is refused naming the part; encryption with age;
//! rotation; status; schema versions older (migrated) and newer (refused).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use comptoir_core::Db;
use comptoir_core::backup::{self, BackupConfig, BackupOptions, Reason};
use comptoir_core::import::{self, Control, Phase, PlanOptions};
use comptoir_core::photos::NewPhoto;
use comptoir_core::photos::probe::Format;
use comptoir_core::photos::store::{PhotoStore, sha256_hex};
use comptoir_core::storage::backup::{ContentDigest, content_digest, latest_schema_version};
use comptoir_protocol::orders::{Customer, Order, OrderStatus};

use crate::support::{camembert_order, fresh_db, now, product};

/// A fake photo original: distinct bytes per `n` (a backup treats photos as opaque,
/// content-addressed files), stored and attached to `product_id`.
pub(crate) async fn add_fake_photo(db: &Db, data_dir: &Path, product_id: i64, n: u32, size: usize) -> String {
    let mut bytes = vec![0u8; size];
    let mut x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    bytes[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let sha = sha256_hex(&bytes);
    let store = PhotoStore::in_data_dir(data_dir);
    store.put(&store.original_path(&sha, Format::Jpeg), &bytes).unwrap();
    let p = NewPhoto {
        sha256: sha.clone(),
        original_name: format!("IMG_{n:04}.jpg"),
        format: Format::Jpeg,
        width: 4000,
        height: 3000,
        byte_size: size as u64,
        quality_flags: vec![],
        sharpness: 1.0,
        preset_fp: "test".to_owned(),
    };
    db.upsert_photo(&p, now()).await.unwrap();
    db.attach_photo(product_id, &sha, now()).await.unwrap();
    sha
}

fn order(id: &str, customer: &str, sku: &str, qty: i64) -> Order {
    let customer =
        Customer { name: customer.into(), email: Some("client@example.fr".into()), phone: Some("0233000000".into()) };
    camembert_order(id, customer, OrderStatus::PendingAcceptance, sku, qty)
}

/// A shop with a generated catalogue, `photos` photos and two orders (one customer
/// name easy to look for in raw bytes).
async fn shop(products: usize, photos: u32) -> crate::support::TestDb {
    let t = fresh_db().await;
    comptoir_core::demo::generate(&t.db, products, now()).await.unwrap();
    let cam = t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    for n in 0..photos {
        add_fake_photo(&t.db, t.dir.path(), cam.id, n, 20_000 + n as usize * 7).await;
    }
    t.db.store_order(&order("ord_1", "Madeleine Quatrebarbes", "CAM-250", 2), now()).await.unwrap();
    t.db.store_order(&order("ord_2", "Jules Lefrançois", "CAM-250", 1), now()).await.unwrap();
    t
}

fn digest(data_dir: &Path) -> ContentDigest {
    content_digest(&data_dir.join("comptoir.db")).unwrap()
}

/// sha256 of every photo original in a data directory, by relative path.
fn photo_files(data_dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let root = data_dir.join("photos");
    let Ok(dirs) = std::fs::read_dir(&root) else { return out };
    for d in dirs.flatten() {
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            // Originals only: `<sha>.<ext>` (derivatives are re-rendered when needed).
            if name.len() > 65 && name.as_bytes()[64] == b'.' {
                out.insert(name, sha256_hex(&std::fs::read(f.path()).unwrap()));
            }
        }
    }
    out
}

fn to(dir: &Path) -> BackupOptions {
    BackupOptions { to: Some(dir.to_path_buf()), ..BackupOptions::default() }
}

#[tokio::test]
async fn backup_then_restore_into_an_empty_data_dir_is_identical_and_a_second_backup_copies_no_photo() {
    let t = shop(300, 12).await;
    let dest = tempfile::tempdir().unwrap();
    let first = backup::backup_now(t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    let target = &first.targets[0];
    assert_eq!((target.photos_copied, target.photos_already_there), (12, 0));
    assert_eq!(first.counts.orders, 2);
    assert_eq!(first.counts.photos, 12);
    assert!(first.photos_missing.is_empty());

    let second = backup::backup_now(t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    assert_eq!((second.targets[0].photos_copied, second.targets[0].photos_already_there), (0, 12));
    assert_ne!(second.targets[0].path, target.path, "a new backup directory");
    let photo_pool =
        second.targets[0].bytes_written - second.targets[0].path.join("comptoir.db").metadata().unwrap().len();
    assert!(photo_pool < 100_000, "only the database and the manifest are written: {photo_pool}");

    let report = backup::verify(&target.path, None).await.unwrap();
    assert!(report.content_checked);
    assert_eq!(report.photos, 12);

    let fresh = tempfile::tempdir().unwrap();
    let restored = backup::restore(fresh.path(), &target.path, None, now()).await.unwrap();
    assert!(restored.replaced_data_backup.is_none(), "nothing to replace in an empty directory");
    assert!(restored.reconnect_needed);
    assert_eq!(restored.counts, first.counts);
    assert_eq!(digest(fresh.path()), digest(t.dir.path()));
    assert_eq!(photo_files(fresh.path()), photo_files(t.dir.path()));
    assert_eq!(photo_files(fresh.path()).len(), 12);

    // The restored shop opens, and what it shows is the original's.
    let db = Db::open_in(fresh.path()).await.unwrap();
    assert_eq!(db.product_by_sku("CAM-250").await.unwrap().variants[0].price_cents, 520);
    assert_eq!(db.order("ord_1").await.unwrap().customer_name, "Madeleine Quatrebarbes");
}

#[tokio::test]
async fn the_marketplace_token_is_never_in_a_backup_and_a_restored_shop_asks_to_reconnect() {
    use comptoir_core::sync::credentials::{MemoryKeychain, TokenStore};
    use comptoir_core::sync::engine::Credential;
    let s = crate::sync::setup(None).await;
    let token = s.keychain.get(&s.t.db.sync_state().await.unwrap().shop_id.unwrap()).unwrap();
    assert!(token.len() > 16);
    s.t.db.save_product(&product("Livarot", "LIV", 890), now()).await.unwrap();
    let dest = tempfile::tempdir().unwrap();
    let b = backup::backup_now(s.t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    // Not in any file of the backup folder, nor in the database rows.
    for f in walk(dest.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "token found in {}", f.display());
    }
    let fresh = tempfile::tempdir().unwrap();
    backup::restore(fresh.path(), &b.targets[0].path, None, now()).await.unwrap();
    let db = Db::open_in(fresh.path()).await.unwrap();
    let st = db.sync_state().await.unwrap();
    assert_eq!((st.marketplace_url, st.shop_id), (None, None), "connection cleared: reconnect asked");
    let err =
        comptoir_core::orders::connection::client_from_connection(&db, &MemoryKeychain::default()).await.unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::SyncNotConnected);
    // Reconnecting works as on any shop.
    let code = s.server.admin().pairing_code(&s.t.db.sync_state().await.unwrap().shop_id.unwrap()).await.unwrap();
    let k = MemoryKeychain::default();
    comptoir_core::sync::connect(&db, &s.server.url, Credential::PairingCode(code.pairing_code), &k).await.unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn flip(path: &Path, at: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = (at as usize).min(bytes.len() - 1);
    bytes[i] ^= 0x20;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn a_flipped_byte_is_refused_by_verify_and_restore_naming_the_damaged_part() {
    let t = shop(50, 3).await;
    let before = digest(t.dir.path());
    let cases: [(&str, &str); 4] = [
        ("comptoir.db", "la base de données (comptoir.db)"),
        ("photo", "la photo photos/"),
        ("manifest.json", "le manifeste (manifest.json)"),
        ("manifest.sha256", "le manifeste (manifest.json)"),
    ];
    for (part, named) in cases {
        let dest = tempfile::tempdir().unwrap();
        let b = backup::backup_now(t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
        let dir = &b.targets[0].path;
        let file = if part == "photo" {
            let m = backup::manifest::read(dir).unwrap();
            dest.path().join(m.photos[1].relative_path())
        } else {
            dir.join(part)
        };
        let len = file.metadata().unwrap().len();
        flip(&file, len / 2);
        let err = backup::verify(dir, None).await.unwrap_err();
        assert_eq!(err.code(), comptoir_core::ErrorCode::BackupDamaged, "{part}: {err}");
        let msg = err.to_string();
        assert!(msg.contains(named) && msg.contains("endommagée"), "{part}: {msg}");
        assert!(msg.contains(&dir.display().to_string()), "names the backup: {msg}");

        // Restoring it fails and changes nothing.
        let err = backup::restore(t.dir.path(), dir, None, now()).await.unwrap_err();
        assert_eq!(err.code(), comptoir_core::ErrorCode::BackupDamaged, "{err}");
        assert_eq!(digest(t.dir.path()), before);
    }
    // An unfinished backup (no manifest) is told apart.
    let dest = tempfile::tempdir().unwrap();
    let b = backup::backup_now(t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    std::fs::remove_file(b.targets[0].path.join("manifest.json")).unwrap();
    let err = backup::verify(&b.targets[0].path, None).await.unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::BackupIncomplete, "{err}");
}

/// A CSV of `rows` new products.
fn big_csv(rows: usize) -> String {
    let mut s = String::from("Référence;Désignation;Prix TTC;TVA;Stock\n");
    for i in 0..rows {
        s.push_str(&format!("IMP-{i:06};Article importé {i};{},{:02};5,5;{}\n", 1 + i % 50, i % 100, i % 17));
    }
    s
}

#[tokio::test]
async fn a_backup_taken_during_a_100000_row_import_restores_with_all_of_it_or_none() {
    let t = shop(20, 2).await;
    let before = t.db.catalogue_stats().await.unwrap().products;
    let csv = t.dir.path().join("gros-import.csv");
    std::fs::write(&csv, big_csv(100_000)).unwrap();
    let dest = tempfile::tempdir().unwrap();

    // The backup starts once the import's transaction has written rows.
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = std::sync::Mutex::new(Some(tx));
    let control = Control::with_progress(move |p| {
        if p.phase == Phase::Writing
            && p.done >= 20_000
            && let Some(tx) = tx.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
    });
    let db = t.db.clone();
    let path = csv.clone();
    let import = tokio::spawn(async move {
        import::import_file(&db, &path, None, PlanOptions::default(), true, now(), &control).await.map(|r| r.batch_id)
    });
    rx.await.unwrap();
    let during = backup::backup_now(t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    assert!(import.await.unwrap().unwrap().is_some());
    let after = backup::backup_now(t.dir.path(), &to(dest.path()), None, now() + Duration::minutes(1)).await.unwrap();
    assert_eq!(after.counts.products, before as u64 + 100_000);

    for (b, label) in [(&during, "pendant"), (&after, "après")] {
        let fresh = tempfile::tempdir().unwrap();
        backup::restore(fresh.path(), &b.targets[0].path, None, now()).await.unwrap();
        let db = Db::open_in(fresh.path()).await.unwrap();
        let stats = db.catalogue_stats().await.unwrap();
        let imported = db
            .list_products(&comptoir_core::catalogue::ProductFilter {
                search: Some("IMP".into()),
                category_id: None,
                offset: 0,
                limit: 1,
            })
            .await
            .unwrap()
            .total;
        assert!(
            (stats.products == before && imported == 0) || (stats.products == before + 100_000 && imported == 100_000),
            "{label}: {} products, {imported} imported: half an import",
            stats.products
        );
        if label == "pendant" {
            // Taken while the import's transaction was open: its snapshot is before it.
            assert_eq!(stats.products, before, "the snapshot sees the last commit");
        }
        db.close().await;
    }
}

#[tokio::test]
async fn restore_replaces_the_current_data_after_backing_it_up_and_keeps_the_backup_settings() {
    let t = shop(30, 2).await;
    let dest = tempfile::tempdir().unwrap();
    let b = backup::backup_now(t.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    let at_backup = digest(t.dir.path());
    // Changes after the backup, and a destination chosen after it.
    t.db.save_product(&product("Pommeau", "POM-75", 1450), now()).await.unwrap();
    let usb = tempfile::tempdir().unwrap();
    backup::set_config(
        &t.db,
        &BackupConfig { destination: Some(usb.path().to_path_buf()), encrypt_destination: false },
    )
    .await
    .unwrap();
    let changed = digest(t.dir.path());
    t.db.clone().close().await;

    let r = backup::restore(t.dir.path(), &b.targets[0].path, None, now()).await.unwrap();
    assert_eq!(digest(t.dir.path()), at_backup);
    // The data replaced was backed up on the PC first, and restores to what it was.
    let replaced = r.replaced_data_backup.unwrap();
    assert!(replaced.starts_with(t.dir.path().join("backups")));
    assert_eq!(backup::manifest::read(&replaced).unwrap().reason, Reason::BeforeRestore);
    let other = tempfile::tempdir().unwrap();
    backup::restore(other.path(), &replaced, None, now()).await.unwrap();
    assert_eq!(digest(other.path()), changed);
    // The destination chosen today survives restoring an older backup.
    let db = Db::open_in(t.dir.path()).await.unwrap();
    assert_eq!(backup::config(&db).await.unwrap().destination.as_deref(), Some(usb.path()));
    assert!(!t.dir.path().join(".restore-aside").exists() && !t.dir.path().join(".restore-staging").exists());
}

#[tokio::test]
async fn the_copy_leaving_the_pc_is_encrypted_with_age_and_needs_its_passphrase() {
    let t = shop(30, 2).await;
    let usb = tempfile::tempdir().unwrap();
    backup::set_config(&t.db, &BackupConfig { destination: Some(usb.path().to_path_buf()), encrypt_destination: true })
        .await
        .unwrap();
    let keychain = comptoir_core::sync::credentials::MemoryKeychain::default();
    backup::set_passphrase(&keychain, "pomme de terre 1789").unwrap();
    let r = backup::backup_now(t.dir.path(), &BackupOptions::default(), Some(&keychain), now()).await.unwrap();
    assert_eq!(r.destination, backup::DestinationOutcome::Written);
    let (local, remote) = (&r.targets[0], &r.targets[1]);
    assert!(local.local && !local.encrypted, "the PC's copy is plain");
    assert!(!remote.local && remote.encrypted);
    assert!(remote.path.starts_with(usb.path().join(backup::DESTINATION_DIR)));

    // No customer's name anywhere on the USB key.
    for f in walk(usb.path()) {
        let bytes = std::fs::read(&f).unwrap();
        for needle in ["Madeleine Quatrebarbes", "Camembert fermier", "SQLite format"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in {}", f.display());
        }
    }
    // Without the passphrase: the files' hashes are checked, not the content.
    let v = backup::verify(&remote.path, None).await.unwrap();
    assert!(v.encrypted && !v.content_checked);
    let v = backup::verify(&remote.path, Some("pomme de terre 1789")).await.unwrap();
    assert!(v.content_checked);
    let err = backup::verify(&remote.path, Some("mauvaise phrase")).await.unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::BackupPassphrase, "{err}");

    let fresh = tempfile::tempdir().unwrap();
    let err = backup::restore(fresh.path(), &remote.path, None, now()).await.unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::BackupPassphrase);
    assert!(err.to_string().contains("chiffrée"), "{err}");
    backup::restore(fresh.path(), &remote.path, Some("pomme de terre 1789"), now()).await.unwrap();
    assert_eq!(digest(fresh.path()), digest(t.dir.path()));

    // No passphrase in the keychain: the PC's copy is made, the destination says why not.
    let empty = comptoir_core::sync::credentials::MemoryKeychain::default();
    let r = backup::backup_now(t.dir.path(), &BackupOptions::default(), Some(&empty), now()).await.unwrap();
    assert_eq!(r.targets.len(), 1);
    assert!(matches!(r.destination, backup::DestinationOutcome::Failed { .. }), "{:?}", r.destination);
}

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap() + Duration::days(n)
}

#[tokio::test]
async fn a_year_of_daily_backups_keeps_7_daily_4_weekly_12_monthly_and_only_their_photos() {
    let t = shop(10, 0).await;
    let cam = t.db.product_by_sku("CAM-250").await.unwrap();
    let mut photo_of_day = Vec::new();
    for d in 0..400 {
        // A new photo every 10 days, the previous one detached (it stays in the library).
        if d % 10 == 0 {
            for p in t.db.product_photo_rows(cam.id).await.unwrap() {
                t.db.detach_photo(p.id, day(d)).await.unwrap();
            }
            photo_of_day.push(add_fake_photo(&t.db, t.dir.path(), cam.id, d as u32, 5000).await);
        }
        if d == 390 {
            // A photo only pruned backups named (as after the library dropped it).
            let stray = t.dir.path().join("backups/photos/ab").join(format!("{}.jpg", "ab".repeat(32)));
            std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
            std::fs::write(&stray, b"old").unwrap();
        }
        let opts = BackupOptions { reason: Some(Reason::Daily), ..BackupOptions::default() };
        backup::backup_now(t.dir.path(), &opts, None, day(d)).await.unwrap();
    }
    let kept = backup::list_backups(t.dir.path()).unwrap();
    assert!(kept.len() <= 7 + 4 + 12 && kept.len() >= 19, "{}", kept.len());
    let days: Vec<i64> = kept.iter().map(|b| (b.created_at - day(0)).num_days()).collect();
    assert!(days.starts_with(&[399, 398, 397, 396, 395, 394, 393]), "{days:?}");
    assert!(days.iter().any(|&d| d < 399 - 300), "a monthly backup from 10 months ago: {days:?}");
    // Every kept backup verifies; the pool holds exactly the photos they name.
    let mut named = std::collections::BTreeSet::new();
    for b in &kept {
        backup::verify(&b.path, None).await.unwrap();
        for p in backup::manifest::read(&b.path).unwrap().photos {
            named.insert(format!("{}.{}", p.sha256, p.ext));
        }
    }
    let pool: std::collections::BTreeSet<String> = photo_files(&t.dir.path().join("backups")).keys().cloned().collect();
    assert_eq!(pool, named);
    assert_eq!(pool.len(), photo_of_day.len(), "the library keeps its photos, so every backup names them");
}

#[tokio::test]
async fn status_says_when_backups_are_overdue_and_when_the_usb_key_has_been_missing_3_days() {
    let t = shop(5, 0).await;
    let usb = tempfile::tempdir().unwrap();
    let usb_path = usb.path().join("CLE");
    std::fs::create_dir(&usb_path).unwrap();
    backup::set_config(&t.db, &BackupConfig { destination: Some(usb_path.clone()), encrypt_destination: false })
        .await
        .unwrap();
    let s = backup::backup_status(&t.db, t.dir.path(), day(0)).await.unwrap();
    assert_eq!(s.last_backup_at, None);
    assert!(s.overdue && s.daily_due);

    let r = backup::backup_now(t.dir.path(), &BackupOptions::default(), None, day(0)).await.unwrap();
    assert_eq!(r.destination, backup::DestinationOutcome::Written);
    let s = backup::backup_status(&t.db, t.dir.path(), day(0) + Duration::hours(5)).await.unwrap();
    assert_eq!((s.last_backup_at, s.hours_since_last, s.overdue, s.daily_due), (Some(day(0)), Some(5), false, false));
    let d = s.destination.unwrap();
    assert!(d.present && !d.alert);
    assert_eq!(d.last_backup_at, Some(day(0)));
    assert!(backup::daily_backup_due(t.dir.path(), day(0) + Duration::hours(21)).unwrap());

    // The key is unplugged on day 1: backups go on on the PC; day 4 the status alerts.
    std::fs::rename(&usb_path, usb.path().join("ailleurs")).unwrap();
    let r = backup::backup_now(t.dir.path(), &BackupOptions::default(), None, day(1)).await.unwrap();
    assert_eq!(r.destination, backup::DestinationOutcome::Missing { path: usb_path.clone() });
    assert_eq!(r.targets.len(), 1);
    let s = backup::backup_status(&t.db, t.dir.path(), day(1)).await.unwrap();
    let d = s.destination.unwrap();
    assert_eq!((d.present, d.missing_since, d.days_missing, d.alert), (false, Some(day(1)), 0, false));
    let s = backup::backup_status(&t.db, t.dir.path(), day(3)).await.unwrap();
    assert!(!s.destination.unwrap().alert, "2 days");
    let s = backup::backup_status(&t.db, t.dir.path(), day(4)).await.unwrap();
    let d = s.destination.unwrap();
    assert_eq!((d.days_missing, d.alert), (3, true));

    // A week without any backup.
    let s = backup::backup_status(&t.db, t.dir.path(), day(8)).await.unwrap();
    assert_eq!((s.days_since_last, s.overdue), (Some(7), true));

    // Plugged back in: the alert goes.
    std::fs::rename(usb.path().join("ailleurs"), &usb_path).unwrap();
    let s = backup::backup_status(&t.db, t.dir.path(), day(9)).await.unwrap();
    let d = s.destination.unwrap();
    assert_eq!((d.present, d.missing_since, d.alert), (true, None, false));
}

/// A database at schema `version` (the first migrations only), as an older Comptoir
/// left it, with one product.
async fn old_shop(version: i64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let migrations = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let v: i64 = name[..4].parse().unwrap();
        if v <= version {
            std::fs::copy(e.path(), migrations.path().join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(migrations.path()).await.unwrap();
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("comptoir.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    migrator.run(&pool).await.unwrap();
    // The product as that version wrote it (the schema of 0001).
    sqlx::query(
        "INSERT INTO products (name, sort_key, vat_bp, unit, created_at, updated_at)
         VALUES ('Cidre bouché', 'cidre bouche', 2000, 'litre', '2025-06-01T10:00:00Z', '2025-06-01T10:00:00Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO variants (product_id, sku, price_cents, stock, created_at, updated_at)
         VALUES (1, 'CID-75', 650, 24, '2025-06-01T10:00:00Z', '2025-06-01T10:00:00Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    dir
}

#[tokio::test]
async fn an_older_backup_is_migrated_on_restore_and_opening_an_old_shop_backs_it_up_first() {
    let old = old_shop(5).await;
    let dest = tempfile::tempdir().unwrap();
    let b = backup::backup_now(old.path(), &to(dest.path()), None, now()).await.unwrap();
    assert_eq!(b.schema_version, 5);
    let fresh = tempfile::tempdir().unwrap();
    let r = backup::restore(fresh.path(), &b.targets[0].path, None, now()).await.unwrap();
    assert_eq!((r.from_schema, r.to_schema), (5, latest_schema_version()));
    let db = Db::open_in(fresh.path()).await.unwrap();
    let p = db.product_by_sku("CID-75").await.unwrap();
    assert_eq!((p.name.as_str(), p.variants[0].stock), ("Cidre bouché", 24));

    // Opening the old shop migrates it, after a backup of it as it was.
    let (db, before) = backup::open_with_backup(old.path(), now()).await.unwrap();
    let before = before.expect("a backup before the migration");
    assert_eq!((before.reason, before.schema_version), (Reason::BeforeMigration, 5));
    assert!(before.targets[0].path.starts_with(old.path().join("backups")));
    db.product_by_sku("CID-75").await.unwrap();
    db.close().await;
    let (_db, again) = backup::open_with_backup(old.path(), now()).await.unwrap();
    assert!(again.is_none(), "nothing to migrate, no backup");
}

#[tokio::test]
async fn a_backup_from_a_newer_comptoir_is_refused_in_french_and_changes_nothing() {
    let t = shop(5, 1).await;
    let before = digest(t.dir.path());
    let newer = shop(5, 0).await;
    {
        let conn = rusqlite::Connection::open(newer.dir.path().join("comptoir.db")).unwrap();
        conn.execute(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
             VALUES (99990101000000, 'from the future', '2030-01-01 00:00:00', 1, x'00', 0)",
            [],
        )
        .unwrap();
    }
    let dest = tempfile::tempdir().unwrap();
    let b = backup::backup_now(newer.dir.path(), &to(dest.path()), None, now()).await.unwrap();
    let err = backup::restore(t.dir.path(), &b.targets[0].path, None, now()).await.unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::BackupTooNew);
    assert!(err.to_string().contains("version plus récente de Comptoir"), "{err}");
    assert_eq!(digest(t.dir.path()), before);
}

/// A restore killed after moving the current database aside and before renaming the
/// restored one in leaves no `comptoir.db`: the next start puts the aside one back.
#[tokio::test]
async fn a_restore_interrupted_mid_swap_is_undone_at_the_next_start() {
    let t = shop(10, 1).await;
    let before = digest(t.dir.path());
    t.db.clone().close().await;
    let aside = t.dir.path().join(".restore-aside");
    std::fs::create_dir_all(&aside).unwrap();
    std::fs::rename(t.dir.path().join("comptoir.db"), aside.join("comptoir.db")).unwrap();
    for side in ["-wal", "-shm"] {
        let _ =
            std::fs::rename(t.dir.path().join(format!("comptoir.db{side}")), aside.join(format!("comptoir.db{side}")));
    }
    let (db, _) = backup::open_with_backup(t.dir.path(), now()).await.unwrap();
    db.close().await;
    assert_eq!(digest(t.dir.path()), before);
}
