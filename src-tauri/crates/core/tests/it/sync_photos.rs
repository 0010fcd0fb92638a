//! What leaves the PC when photos sync (issue 13), checked on the bytes the real
//! reference marketplace holds, read back over real HTTP: renders only (upright, the
//! preset's size, the shopkeeper's crop, no EXIF/XMP/IPTC/GPS, never the original);
//! an edit or a new preset repoints the product and the server releases what no
//! product references any more; a shop that synced originals gets them replaced; and
//! over an emulated rural line (40 KB/s, latency, a connection cut about every
//! megabyte) the whole catalogue arrives, a stock change overtaking the photos.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use comptoir_core::Db;
use comptoir_core::photos::batch::CancelFlag;
use comptoir_core::photos::preset::Crop;
use comptoir_core::photos::{Preset, Studio, fixtures, settings};
use comptoir_core::sync::renders::wire_products;
use comptoir_core::sync::{Backoff, Rng, SyncError, SyncOptions, UploadProgress};
use comptoir_marketplace::link::{LinkProfile, LinkShaper};
use comptoir_marketplace::{Config, Hooks};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, ObjectType};
use comptoir_protocol::client::Client;
use comptoir_protocol::hash::content_hash;

use crate::market::{ADMIN_TOKEN, Market};
use crate::support::{now, product};
use crate::sync::{Setup, assert_same_catalogue, setup_on, sync_until_done_with};

/// A phone's photo: `w`×`h` pixels stored sideways with EXIF orientation 6 and a GPS
/// position, distinct per `n`.
fn phone_photo(base: &comptoir_core::photos::raster::Rgb, n: u8) -> Vec<u8> {
    let mut img = base.clone();
    for px in img.data.iter_mut().take(img.width as usize * 3 * 4) {
        *px = px.wrapping_add(n.wrapping_mul(7));
    }
    fixtures::with_exif(&fixtures::jpeg(&img, false), 6, true)
}

/// Imports `files` through the studio (the real pipeline) and attaches the i-th to
/// the i-th product.
async fn import_and_attach(db: &Db, data_dir: &Path, files: Vec<PathBuf>, products: &[i64]) -> Vec<String> {
    let mut studio = Studio::new(db.clone(), data_dir);
    studio.preset = settings::preset(db).await.unwrap();
    let report = studio.import(files, Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    let shas: Vec<String> = report.files.iter().map(|f| f.photo.as_ref().unwrap().sha256.clone()).collect();
    for (sha, id) in shas.iter().zip(products) {
        db.attach_photo(*id, sha, now()).await.unwrap();
    }
    shas
}

fn write_photos(dir: &Path, n: usize, w: u32, h: u32) -> Vec<PathBuf> {
    let base = fixtures::photo_like(w, h, 12);
    (0..n)
        .map(|i| {
            let p = dir.join(format!("IMG_{i:04}.jpg"));
            std::fs::write(&p, phone_photo(&base, i as u8)).unwrap();
            p
        })
        .collect()
}

async fn products(s: &Setup, prefix: &str, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            s.t.db
                .save_product(&product(&format!("{prefix} {i}"), &format!("{prefix}-{i}"), 500), now())
                .await
                .unwrap()
                .id,
        );
    }
    ids
}

fn quick() -> SyncOptions {
    SyncOptions {
        backoff: Backoff { base: Duration::from_millis(100), max: Duration::from_secs(2), breaker_after: 6 },
        idle_timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    }
}

/// Every media the server holds for the shop: (sha256, content type, bytes, referenced).
async fn server_media(s: &Setup) -> Vec<(String, String, Vec<u8>, bool)> {
    let client = Client::new(&s.server.url, &s.shop_token);
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = client.media_list(cursor.as_deref(), None).await.unwrap();
        for it in page.items {
            let (ct, bytes) = client.media_get(&it.sha256).await.unwrap();
            assert_eq!(ct, it.content_type);
            out.push((it.sha256, ct, bytes, it.referenced));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// The JPEG's segments before the image data: (marker, payload).
fn jpeg_segments(bytes: &[u8]) -> Vec<(u8, &[u8])> {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "not a JPEG");
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        out.push((marker, &bytes[i + 4..i + 2 + len]));
        i += 2 + len;
    }
    out
}

/// No EXIF or XMP (APP1), no IPTC (APP13), no ICC profile (APP2: renders are sRGB),
/// no GPS anywhere; a JPEG whose pixel size is returned.
fn assert_clean_render(sha: &str, bytes: &[u8]) -> (u32, u32) {
    assert_eq!(comptoir_protocol::hash::sha256_hex(bytes), sha);
    for (marker, payload) in jpeg_segments(bytes) {
        assert!(!matches!(marker, 0xE1 | 0xE2 | 0xED), "{sha}: APP{} segment present", marker - 0xE0);
        assert!(!payload.windows(4).any(|w| w == b"Exif" || w == [0x25, 0x88, 0x04, 0x00]), "{sha}: metadata");
    }
    assert!(!bytes.windows(8).any(|w| w == b"http://n"), "{sha}: XMP packet");
    let img = fixtures::decode_jpeg(bytes);
    (img.width, img.height)
}

async fn sweep(s: &Setup) -> u64 {
    s.server.admin().media_sweep().await.unwrap().deleted
}

/// A shop on a server that releases unreferenced media at once (no grace), so that
/// `sweep` shows exactly what the catalogue still references.
async fn setup_no_grace() -> Setup {
    let market_dir = tempfile::tempdir().unwrap();
    let config = Config {
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        rate_limit: None,
        media_grace: chrono::Duration::zero(),
        ..Config::default()
    };
    let server = Market::start_config(&market_dir.path().join("market.sqlite3"), 0, config, Hooks::default());
    let url = server.url.clone();
    setup_on(market_dir, server, &url).await
}

#[tokio::test]
async fn the_marketplace_gets_clean_upright_renders_never_the_originals() {
    let s = setup_no_grace().await;
    let src = tempfile::tempdir().unwrap();
    let ids = products(&s, "Camembert", 3).await;
    // Phone photos, 2400×1800 stored sideways (upright 1800×2400), GPS inside.
    let files = write_photos(src.path(), 3, 2400, 1800);
    let originals = import_and_attach(&s.t.db, s.t.dir.path(), files.clone(), &ids).await;
    for f in &files {
        // EXIF with a GPS IFD pointer (tag 0x8825, LONG).
        assert!(std::fs::read(f).unwrap().windows(4).any(|w| w == [0x25, 0x88, 0x04, 0x00]), "the fixture carries GPS");
    }
    let mut rng = Rng::seeded(1);
    let r = sync_until_done_with(&s, &mut rng, &quick()).await;
    assert_eq!(r.photos_uploaded, 3, "{r:?}");
    assert_same_catalogue(&s).await;

    let media = server_media(&s).await;
    assert_eq!(media.len(), 3);
    let original_bytes: u64 = files.iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
    let sent: u64 = media.iter().map(|m| m.2.len() as u64).sum();
    assert!(sent * 3 < original_bytes, "renders {sent} B against originals {original_bytes} B");
    for (sha, ct, bytes, referenced) in &media {
        assert!(!originals.contains(sha), "an original reached the marketplace");
        assert_eq!(ct, "image/jpeg");
        assert!(referenced);
        // Upright (portrait) and fitted in the preset's 1600 px box.
        assert_eq!(assert_clean_render(sha, bytes), (1200, 1600));
    }

    // A quarter turn, a crop, a new main photo, then a square preset: each sends the
    // new renders and repoints the product; the server releases the replaced ones.
    let studio = Studio::new(s.t.db.clone(), s.t.dir.path());
    let pp = s.t.db.product_photo_rows(ids[0]).await.unwrap();
    studio.rotate(pp[0].id, true, now()).await.unwrap();
    let pp1 = s.t.db.product_photo_rows(ids[1]).await.unwrap();
    studio.crop(pp1[0].id, Some(Crop { x: 0.25, y: 0.25, w: 0.5, h: 0.25 }), now()).await.unwrap();
    let r = sync_until_done_with(&s, &mut rng, &quick()).await;
    assert_eq!((r.operations, r.photos_uploaded), (2, 2), "{r:?}");
    assert_same_catalogue(&s).await;
    assert_eq!(sweep(&s).await, 2, "the two replaced renders are released");
    let mut sizes: Vec<(u32, u32)> =
        server_media(&s).await.iter().map(|(sha, _, b, _)| assert_clean_render(sha, b)).collect();
    sizes.sort();
    // Turned: landscape 1600×1200; cropped: half the width, a quarter of the height
    // of 1800×2400 (900×600, never enlarged); the third untouched.
    assert_eq!(sizes, [(900, 600), (1200, 1600), (1600, 1200)]);

    // Two photos on one product, then the second made the main one: repointed, no upload.
    s.t.db.attach_photo(ids[2], &originals[0], now()).await.unwrap();
    sync_until_done_with(&s, &mut rng, &quick()).await;
    let second = s.t.db.product_photo_rows(ids[2]).await.unwrap()[1].id;
    studio.set_main(second, now()).await.unwrap();
    let r = sync_until_done_with(&s, &mut rng, &quick()).await;
    assert_eq!((r.operations, r.photos_uploaded), (1, 0), "{r:?}");
    assert_same_catalogue(&s).await;

    // A square preset: every product's render is re-sent square, the old ones released.
    settings::set_preset(&s.t.db, Preset { square: true, ..Preset::default() }).await.unwrap();
    let r = sync_until_done_with(&s, &mut rng, &quick()).await;
    assert_eq!(r.operations, 3, "{r:?}");
    assert_same_catalogue(&s).await;
    sweep(&s).await;
    let media = server_media(&s).await;
    assert_eq!(media.len(), 4, "three products, four distinct renders");
    for (sha, _, bytes, referenced) in &media {
        assert!(referenced);
        let (w, h) = assert_clean_render(sha, bytes);
        assert_eq!(w, h, "square preset");
    }
}

#[tokio::test]
async fn a_shop_that_synced_originals_gets_renders_and_only_those_products_are_sent() {
    let s = setup_no_grace().await;
    let src = tempfile::tempdir().unwrap();
    let ids = products(&s, "Cidre", 6).await;
    let files = write_photos(src.path(), 3, 1200, 900);
    let originals = import_and_attach(&s.t.db, s.t.dir.path(), files.clone(), &ids[..3]).await;
    let mut rng = Rng::seeded(2);
    sync_until_done_with(&s, &mut rng, &quick()).await;

    // What an earlier Comptoir left: the originals on the server, named by the products.
    let client = Client::new(&s.server.url, &s.shop_token);
    let mut ops = Vec::new();
    let mut known = Vec::new();
    let state = s.t.db.known_objects().await.unwrap();
    let data = s.t.db.sync_product_data(None).await.unwrap();
    for (i, (f, sha)) in files.iter().zip(&originals).enumerate() {
        client.media_put(sha, "image/jpeg", std::fs::read(f).unwrap()).await.unwrap();
        let uid = data.keys().find(|u| data[*u].title == format!("Cidre {i}")).unwrap().clone();
        let mut d = data[&uid].clone();
        d.images = vec![sha.clone()];
        let k = &state[&(comptoir_core::storage::sync::Entity::Product, uid.clone())];
        ops.push(CatalogOp::upsert_product(&uid, k.version, &d));
        known.push((uid, d));
    }
    let resp = client.catalog_batch("old-comptoir-1", &CatalogBatchRequest { ops }).await.unwrap().value;
    let mut objects = Vec::new();
    for ((uid, d), r) in known.iter().zip(&resp.results) {
        let k = comptoir_core::storage::sync::KnownObject {
            version: r.version.unwrap(),
            sent_hash: Some(content_hash(d)),
            sent_images: None,
        };
        objects.push((comptoir_core::storage::sync::Entity::Product, uid.clone(), k));
    }
    s.t.db.set_known_objects(&objects).await.unwrap();
    downgrade_to_0009(&s.t.db).await;
    // The upgrade: migration 0010 runs on that database as it stood.
    let mut s = s;
    s.t.db = Db::open_in(s.t.dir.path()).await.unwrap();
    let known_now = s.t.db.known_objects().await.unwrap();
    for ((uid, d), _) in known.iter().zip(&resp.results) {
        let k = &known_now[&(comptoir_core::storage::sync::Entity::Product, uid.clone())];
        assert_eq!(k.sent_images.as_ref(), Some(&d.images), "what the old Comptoir sent, named");
    }
    let queued: Vec<String> = s.t.db.outbox_unbatched().await.unwrap().into_iter().map(|e| e.uid).collect();
    assert_eq!(queued.len(), 3, "the products with photos are back in line, not the others: {queued:?}");

    let r = sync_until_done_with(&s, &mut rng, &quick()).await;
    // Only the three products with photos: their images changed, nothing else did. The
    // renders were already on the server from the first sync.
    assert_eq!((r.operations, r.photos_uploaded), (3, 0), "{r:?}");
    assert_same_catalogue(&s).await;
    assert_eq!(sweep(&s).await, 3, "the three originals are released");
    let media = server_media(&s).await;
    assert_eq!(media.len(), 3);
    for (sha, _, bytes, _) in &media {
        assert!(!originals.contains(sha));
        assert_clean_render(sha, bytes);
    }
}

/// Size of a render file in the data directory's photo store.
fn server_or_local_size(s: &Setup, sha: &str) -> u64 {
    let mut total = 0;
    for dir in std::fs::read_dir(s.t.dir.path().join("photos")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let f = f.unwrap();
            if f.file_name().to_string_lossy().ends_with("-main.jpg") {
                let b = std::fs::read(f.path()).unwrap();
                if comptoir_protocol::hash::sha256_hex(&b) == sha {
                    total = b.len() as u64;
                }
            }
        }
    }
    total
}

/// Puts the database back as Comptoir left it before migration 0010 (renders), so that
/// reopening it runs that migration on real data. SQL here, in a test, only to play
/// the older version of the app.
async fn downgrade_to_0009(db: &Db) {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db.path()).connect().await.unwrap();
    for sql in [
        "DROP TABLE product_photo_renders",
        "ALTER TABLE sync_objects DROP COLUMN sent_images",
        "DELETE FROM sync_outbox",
        "DELETE FROM _sqlx_migrations WHERE version = 10",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

/// The pass's upload progress as the sink heard it.
#[derive(Default)]
struct Heard {
    last: Option<UploadProgress>,
    max_total: u32,
    /// The line was said to be slow at least once (the rate is measured over seconds:
    /// right after a cut there is no figure yet, so not at every instant).
    slow_seen: bool,
}

#[tokio::test]
async fn over_a_slow_line_that_drops_everything_arrives_and_stock_overtakes_photos() {
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_with(&market_dir.path().join("market.sqlite3"), 0, None);
    let upstream = format!("127.0.0.1:{}", server.port).parse().unwrap();
    let fast = LinkProfile { latency: Duration::from_millis(60), seed: 7, ..LinkProfile::default() };
    let link = LinkShaper::start(upstream, fast.clone()).await.unwrap();
    let s = setup_on(market_dir, server, &link.url()).await;
    // An 800 px preset keeps this test's bytes (and time) modest at 40 KB/s; the bench
    // (`bench sync-link`) runs the default 1600 px on real photographs.
    settings::set_preset(&s.t.db, Preset { main_max: 800, ..Preset::default() }).await.unwrap();
    let src = tempfile::tempdir().unwrap();
    let files = write_photos(src.path(), 50, 4032, 3024);
    // The first product is online already, photo and all (a fast line, that day).
    let mut ids = products(&s, "Terrine", 1).await;
    import_and_attach(&s.t.db, s.t.dir.path(), files[..1].to_vec(), &ids).await;
    let mut rng = Rng::seeded(3);
    sync_until_done_with(&s, &mut rng, &quick()).await;
    // Then 49 new products with their photos, over a rural line: 40 KB/s up, 60 ms
    // each way, a connection cut about every megabyte.
    let new = products(&s, "Rillettes", 49).await;
    import_and_attach(&s.t.db, s.t.dir.path(), files[1..].to_vec(), &new).await;
    ids.extend(new);
    let render_bytes: u64 = wire_products(&s.t.db, s.t.dir.path(), None)
        .await
        .unwrap()
        .values()
        .flat_map(|d| d.images.iter())
        .map(|sha| server_or_local_size(&s, sha))
        .sum();
    eprintln!("renders to send: {render_bytes} bytes");
    link.set_profile(LinkProfile {
        up_bytes_per_sec: Some(40_000),
        down_bytes_per_sec: Some(250_000),
        cut_every_up_bytes: Some(1_000_000),
        ..fast
    });
    let heard = Arc::new(Mutex::new(Heard::default()));
    let h2 = heard.clone();
    let opts = SyncOptions {
        progress: Some(Arc::new(move |p: Option<UploadProgress>| {
            let mut h = h2.lock().unwrap();
            if let Some(p) = &p {
                h.max_total = h.max_total.max(p.photos_total);
                h.slow_seen |= p.slow_link;
            }
            h.last = p;
        })),
        ..quick()
    };
    let (db, dir, keychain) = (s.t.db.clone(), s.t.dir.path().to_path_buf(), s.keychain.clone());
    let worker = tokio::spawn(async move {
        let mut rng = Rng::seeded(4);
        for _ in 0..60 {
            match comptoir_core::sync::sync_once(&db, &dir, keychain.as_ref(), &opts, &mut rng, now()).await {
                Ok(r) if r.pending_after == 0 => return,
                Ok(_) => {}
                Err(SyncError::Offline { retry_in, .. }) => {
                    tokio::time::sleep(retry_in.min(Duration::from_secs(2))).await
                }
                Err(e) => panic!("{e}"),
            }
        }
        panic!("the sync did not converge in 60 passes");
    });

    // Once a few photos are up, the shop counts a delivery of the first product (it had
    // none in stock: the marketplace must not wait for 45 photos to sell it).
    let client = Client::new(&s.server.url, &s.shop_token);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no photo went up");
        if heard.lock().unwrap().last.as_ref().is_some_and(|p| p.photos_done >= 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let p = s.t.db.product(ids[0]).await.unwrap();
    let mut input = comptoir_core::storage::product_to_input(&p);
    assert_eq!(input.variants[0].stock, 0);
    input.variants[0].stock = 12;
    s.t.db.save_product(&input, now()).await.unwrap();
    let changed_at = tokio::time::Instant::now();
    let uid = p.uid.clone();
    loop {
        assert!(changed_at.elapsed() < Duration::from_secs(30), "the stock change waited behind the photos");
        let state = client.catalog_state(None, Some(500)).await.unwrap();
        let wire = wire_products(&s.t.db, s.t.dir.path(), Some(std::slice::from_ref(&uid))).await.unwrap();
        let item = state.items.iter().find(|i| i.external_id == uid && i.object_type == ObjectType::Product).unwrap();
        if item.hash.as_deref() == Some(content_hash(&wire[&uid]).as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Products were published one by one as their own photos went up: some are online,
    // not all.
    let online_then = client
        .catalog_state(None, Some(500))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|i| i.object_type == ObjectType::Product && !i.deleted)
        .count();
    assert!(online_then > 1 && online_then < 50, "{online_then} products online when the stock arrived");
    {
        let h = heard.lock().unwrap();
        let p = h.last.as_ref().expect("photos still uploading when the stock arrived");
        assert!(p.photos_done < p.photos_total, "{p:?}");
    }
    eprintln!(
        "stock on the marketplace {:?} after the change; {online_then} products online then",
        changed_at.elapsed()
    );

    tokio::time::timeout(Duration::from_secs(600), worker).await.expect("converged in time").unwrap();
    assert_same_catalogue(&s).await;
    let stats = link.stats();
    eprintln!("link: {stats:?}");
    assert!(stats.cuts >= 1, "the line was cut: {stats:?}");
    assert_eq!(heard.lock().unwrap().max_total, 49);
    assert!(heard.lock().unwrap().slow_seen, "a 40 KB/s line is told as slow");
    // Exactly the local renders, clean, at the preset's size.
    let media = server_media(&s).await;
    assert_eq!(media.len(), 50);
    for (sha, _, bytes, _) in &media {
        let (w, h) = assert_clean_render(sha, bytes);
        assert_eq!((w, h), (600, 800), "upright and fitted in 800 px");
    }
}

#[tokio::test]
async fn a_price_change_goes_at_once_with_the_old_photo_while_the_new_render_uploads() {
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_with(&market_dir.path().join("market.sqlite3"), 0, None);
    let upstream = format!("127.0.0.1:{}", server.port).parse().unwrap();
    let link = LinkShaper::start(upstream, LinkProfile::default()).await.unwrap();
    let s = setup_on(market_dir, server, &link.url()).await;
    let src = tempfile::tempdir().unwrap();
    let mut input = product("Pommeau", "POMMEAU-75", 1150);
    input.status = comptoir_core::catalogue::ProductStatus::Published;
    let ids = vec![s.t.db.save_product(&input, now()).await.unwrap().id];
    import_and_attach(&s.t.db, s.t.dir.path(), write_photos(src.path(), 1, 4032, 3024), &ids).await;
    let mut rng = Rng::seeded(5);
    sync_until_done_with(&s, &mut rng, &quick()).await;
    let shop = s.t.db.sync_state().await.unwrap().shop_id.unwrap();
    let storefront = comptoir_protocol::client::StorefrontClient::new(&s.server.url);
    let online = |p: &comptoir_protocol::storefront::StorefrontPage| p.items[0].clone();
    let before = online(&storefront.products(&shop, None).await.unwrap());
    assert_eq!(before.images.len(), 1);

    // A quarter turn: a new render of some hundred kilobytes, over a 20 KB/s line.
    link.set_profile(LinkProfile { up_bytes_per_sec: Some(20_000), ..LinkProfile::default() });
    let studio = Studio::new(s.t.db.clone(), s.t.dir.path());
    let pp = s.t.db.product_photo_rows(ids[0]).await.unwrap();
    studio.rotate(pp[0].id, true, now()).await.unwrap();
    let turned = wire_products(&s.t.db, s.t.dir.path(), None).await.unwrap().into_values().next().unwrap().images;
    assert_ne!(turned, before.images);
    let heard = Arc::new(Mutex::new(None::<UploadProgress>));
    let h2 = heard.clone();
    let opts = SyncOptions { progress: Some(Arc::new(move |p| *h2.lock().unwrap() = p)), ..quick() };
    let (db, dir, keychain) = (s.t.db.clone(), s.t.dir.path().to_path_buf(), s.keychain.clone());
    let pass = tokio::spawn(async move {
        comptoir_core::sync::sync_once(&db, &dir, keychain.as_ref(), &opts, &mut Rng::seeded(6), now()).await
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while heard.lock().unwrap().as_ref().is_none_or(|p| p.bytes_done == 0) {
        assert!(tokio::time::Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The price changes while the new render is on its way: it is online within
    // seconds, with the photo the marketplace already has.
    let p = s.t.db.product(ids[0]).await.unwrap();
    let mut input = comptoir_core::storage::product_to_input(&p);
    input.variants[0].price_cents = 1290;
    s.t.db.save_product(&input, now()).await.unwrap();
    let changed = tokio::time::Instant::now();
    loop {
        let now_online = online(&storefront.products(&shop, None).await.unwrap());
        if now_online.variants[0].price_ttc == 1290 {
            assert_eq!(now_online.images, before.images, "the old render stays until the new one is up");
            break;
        }
        assert!(changed.elapsed() < Duration::from_secs(10), "the price waited behind the photo");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let p = heard.lock().unwrap().clone().expect("the render still uploading when the price landed");
    assert_eq!((p.photos_done, p.photos_total), (0, 1), "{p:?}");
    pass.await.unwrap().unwrap();
    sync_until_done_with(&s, &mut rng, &quick()).await;
    let after = online(&storefront.products(&shop, None).await.unwrap());
    assert_eq!((after.images, after.variants[0].price_ttc), (turned, 1290));
    assert_same_catalogue(&s).await;
}
