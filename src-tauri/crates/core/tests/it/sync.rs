//! Offline-first sync against the real reference marketplace, in this process on its
//! own thread and runtime, over real HTTP on 127.0.0.1 (stopping it drops every
//! connection, as a killed server would; restarting keeps its SQLite file).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use comptoir_core::Db;
use comptoir_core::photos::probe::Format;
use comptoir_core::photos::store::PhotoStore;
use comptoir_core::photos::{NewPhoto, fixtures};
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::engine::Credential;
use comptoir_core::sync::{Rng, SyncError, SyncOptions, SyncReport, connect, sync_once, sync_status};
use comptoir_marketplace::RateLimitConfig;
use comptoir_protocol::catalog::ObjectType;
use comptoir_protocol::client::Client;
use comptoir_protocol::hash::content_hash;

use crate::market::Market;
use crate::support::{fresh_db, now, product};

pub(crate) struct Setup {
    pub t: crate::support::TestDb,
    pub server: Market,
    pub keychain: Arc<MemoryKeychain>,
    pub shop_token: String,
    pub _market_dir: tempfile::TempDir,
}

pub(crate) async fn setup(rate_limit: Option<RateLimitConfig>) -> Setup {
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_with(&market_dir.path().join("market.sqlite3"), 0, rate_limit);
    let url = server.url.clone();
    setup_on(market_dir, server, &url).await
}

/// A connected shop on `server` (its file in `market_dir`), reached at `url`: the
/// server's own address, or a proxy's in front of it.
pub(crate) async fn setup_on(market_dir: tempfile::TempDir, server: Market, url: &str) -> Setup {
    let shop = server.admin().create_shop("Fromagerie du Perche").await.unwrap();
    let t = fresh_db().await;
    let keychain = Arc::new(MemoryKeychain::default());
    let c = connect(&t.db, url, Credential::PairingCode(shop.pairing_code.clone()), keychain.as_ref()).await.unwrap();
    assert_eq!(c.shop_name, "Fromagerie du Perche");
    Setup { t, server, keychain, shop_token: shop.token, _market_dir: market_dir }
}

pub(crate) async fn sync(s: &Setup, rng: &mut Rng) -> Result<SyncReport, SyncError> {
    sync_with(s, rng, &SyncOptions::default()).await
}

pub(crate) async fn sync_with(s: &Setup, rng: &mut Rng, opts: &SyncOptions) -> Result<SyncReport, SyncError> {
    sync_once(&s.t.db, s.t.dir.path(), s.keychain.as_ref(), opts, rng, now()).await
}

/// Retries like the background worker would, but without real waiting beyond 1.5 s.
pub(crate) async fn sync_until_done(s: &Setup, rng: &mut Rng) -> SyncReport {
    sync_until_done_with(s, rng, &SyncOptions::default()).await
}

pub(crate) async fn sync_until_done_with(s: &Setup, rng: &mut Rng, opts: &SyncOptions) -> SyncReport {
    let mut total = SyncReport::default();
    for _ in 0..60 {
        match sync_with(s, rng, opts).await {
            Ok(r) => {
                total.operations += r.operations;
                total.photos_uploaded += r.photos_uploaded;
                total.photo_bytes += r.photo_bytes;
                if r.pending_after == 0 {
                    return total;
                }
            }
            Err(SyncError::Offline { retry_in, .. }) => {
                tokio::time::sleep(retry_in.min(Duration::from_millis(1500))).await;
            }
            Err(e) => panic!("sync failed: {e}"),
        }
    }
    panic!("sync did not settle");
}

/// Adds a real JPEG (distinct per `n`) to the photo store and attaches it.
pub(crate) async fn add_photo(db: &Db, dir: &Path, product_id: i64, n: u8) -> String {
    add_photo_sized(db, dir, product_id, n, 32, 24).await
}

/// Same, `width`×`height` pixels (larger photos take several TCP segments to send).
pub(crate) async fn add_photo_sized(db: &Db, dir: &Path, product_id: i64, n: u8, width: u32, height: u32) -> String {
    let mut img = fixtures::test_card(width, height);
    // Distinct content per `n`: one pixel row tinted.
    for px in img.data.iter_mut().take(width as usize * 3) {
        *px = px.wrapping_add(n);
    }
    let bytes = fixtures::jpeg(&img, false);
    let sha = comptoir_protocol::hash::sha256_hex(&bytes);
    let store = PhotoStore::in_data_dir(dir);
    let path = store.original_path(&sha, Format::Jpeg);
    store.put(&path, &bytes).unwrap();
    let p = NewPhoto {
        sha256: sha.clone(),
        original_name: format!("photo-{n}.jpg"),
        format: Format::Jpeg,
        width,
        height,
        byte_size: bytes.len() as u64,
        quality_flags: vec![],
        sharpness: 1.0,
        preset_fp: "test".to_owned(),
    };
    db.upsert_photo(&p, now()).await.unwrap();
    db.attach_photo(product_id, &sha, now()).await.unwrap();
    sha
}

/// The marketplace holds exactly the local catalogue (same content hashes, nothing more).
pub(crate) async fn assert_same_catalogue(s: &Setup) {
    let client = Client::new(&s.server.url, &s.shop_token);
    let mut server = std::collections::BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = client.catalog_state(cursor.as_deref(), None).await.unwrap();
        for it in page.items {
            if !it.deleted {
                server.insert((it.object_type == ObjectType::Product, it.external_id), it.hash.unwrap());
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut local = std::collections::BTreeMap::new();
    for (uid, (data, _)) in s.t.db.sync_category_data().await.unwrap() {
        local.insert((false, uid), content_hash(&data));
    }
    for (uid, data) in comptoir_core::sync::renders::wire_products(&s.t.db, s.t.dir.path(), None).await.unwrap() {
        local.insert((true, uid), content_hash(&data));
    }
    assert_eq!(server, local, "marketplace and local catalogue differ");
    assert_eq!(s.t.db.outbox_len().await.unwrap(), 0, "outbox not empty");
}

#[tokio::test]
async fn every_change_lands_in_the_outbox_coalesced() {
    let t = fresh_db().await;
    assert_eq!(t.db.outbox_len().await.unwrap(), 0);
    let p = t.db.save_product(&product("Camembert", "CAM-1", 495), now()).await.unwrap();
    assert_eq!(t.db.outbox_len().await.unwrap(), 1);
    let mut input = comptoir_core::storage::product_to_input(&p);
    for price in 500..510 {
        input.variants[0].price_cents = price;
        t.db.save_product(&input, now()).await.unwrap();
    }
    // Ten edits, one entry: what is sent is built from the final row.
    assert_eq!(t.db.outbox_len().await.unwrap(), 1);
    let cat =
        t.db.save_category(
            &comptoir_core::catalogue::CategoryInput { id: None, parent_id: Some(1), name: "Caves".into() },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(t.db.outbox_len().await.unwrap(), 2);
    t.db.delete_category(cat.id).await.unwrap();
    assert_eq!(t.db.outbox_len().await.unwrap(), 2);
}

#[tokio::test]
async fn first_sync_sends_all_then_a_no_op_sends_nothing_then_only_the_edit() {
    let s = setup(None).await;
    let mut rng = Rng::seeded(1);
    let mut ids = Vec::new();
    for i in 0..12 {
        let p =
            s.t.db.save_product(&product(&format!("Fromage {i}"), &format!("FRO-{i}"), 300 + i), now()).await.unwrap();
        ids.push(p.id);
    }
    add_photo(&s.t.db, s.t.dir.path(), ids[0], 10).await;
    add_photo(&s.t.db, s.t.dir.path(), ids[0], 20).await;
    add_photo(&s.t.db, s.t.dir.path(), ids[1], 30).await;
    let first = sync_until_done(&s, &mut rng).await;
    assert_eq!(first.photos_uploaded, 3);
    assert!(first.operations >= 12, "{first:?}");
    assert_same_catalogue(&s).await;

    let again = sync(&s, &mut rng).await.unwrap();
    assert_eq!((again.operations, again.photos_uploaded, again.photo_bytes), (0, 0, 0), "{again:?}");

    // Ten edits to one product, one photo already on the server attached to another.
    let p = s.t.db.product(ids[5]).await.unwrap();
    let mut input = comptoir_core::storage::product_to_input(&p);
    for price in 900..910 {
        input.variants[0].price_cents = price;
        s.t.db.save_product(&input, now()).await.unwrap();
    }
    add_photo(&s.t.db, s.t.dir.path(), ids[6], 10).await;
    let edit = sync(&s, &mut rng).await.unwrap();
    assert_eq!((edit.operations, edit.photos_uploaded), (2, 0), "{edit:?}");
    assert_same_catalogue(&s).await;
    let st = sync_status(&s.t.db, chrono::FixedOffset::east_opt(3600).unwrap()).await.unwrap();
    assert_eq!(st.label, "Synchronisé");
}

#[tokio::test]
async fn server_down_then_back_converges_without_duplicates() {
    let mut s = setup(None).await;
    let mut rng = Rng::seeded(2);
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(
            s.t.db.save_product(&product(&format!("Cidre {i}"), &format!("CID-{i}"), 500), now()).await.unwrap().id,
        );
    }
    s.server.stop();
    let err = sync(&s, &mut rng).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err}");
    let st = sync_status(&s.t.db, chrono::FixedOffset::east_opt(3600).unwrap()).await.unwrap();
    assert_eq!(st.label, "Hors ligne depuis 11 h 00");
    // Edits while offline, then deletions of some never-sent products.
    for id in &ids[..3] {
        s.t.db.delete_product(*id).await.unwrap();
    }
    s.server.restart();
    sync_until_done(&s, &mut rng).await;
    assert_same_catalogue(&s).await;
}

#[tokio::test]
async fn rate_limited_storm_converges() {
    let s = setup(Some(RateLimitConfig { burst: 3, per_second: 2.0 })).await;
    let mut rng = Rng::seeded(4);
    for i in 0..250 {
        s.t.db.save_product(&product(&format!("Terrine {i}"), &format!("TER-{i}"), 700), now()).await.unwrap();
    }
    sync_until_done(&s, &mut rng).await;
    assert_same_catalogue(&s).await;
}

/// The real Secret Service (gnome-keyring on the private bus `scripts/test-all.sh` starts):
/// the token goes in, comes back, and disconnect removes it; nothing of it in SQLite.
#[tokio::test]
async fn token_lives_in_the_real_keychain_only() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a session bus with gnome-keyring (run scripts/test-all.sh, which starts both)"
    );
    use comptoir_core::sync::credentials::{OsKeychain, TokenStore};
    let keychain = OsKeychain::open().expect("Secret Service reachable");
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_with(&market_dir.path().join("market.sqlite3"), 0, None);
    let shop = server.admin().create_shop("Épicerie de Bellême").await.unwrap();
    let t = fresh_db().await;
    connect(&t.db, &server.url, Credential::PairingCode(shop.pairing_code.clone()), &keychain).await.unwrap();
    let token = keychain.get(&shop.shop_id).unwrap();
    assert!(!token.is_empty());
    t.db.save_product(&product("Camembert", "CAM-1", 495), now()).await.unwrap();
    let r =
        sync_once(&t.db, t.dir.path(), &keychain, &SyncOptions::default(), &mut Rng::seeded(5), now()).await.unwrap();
    assert_eq!((r.operations, r.pending_after), (14, 0), "13 default categories and the product: {r:?}");
    let db_path = t.db.path().to_path_buf();
    comptoir_core::sync::disconnect(&t.db, &keychain).await.unwrap();
    assert!(matches!(keychain.get(&shop.shop_id), Err(comptoir_core::sync::credentials::KeychainError::Missing)));
    // The token never reached the database file (nor its WAL).
    t.db.clone().close().await;
    for f in [db_path.clone(), db_path.with_extension("db-wal")] {
        if let Ok(bytes) = std::fs::read(&f) {
            assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "token found in {}", f.display());
        }
    }
}

#[tokio::test]
async fn plain_http_is_refused_except_on_loopback() {
    use comptoir_core::sync::engine::check_url;
    assert!(check_url("http://127.0.0.1:8787").is_ok());
    assert!(check_url("http://localhost:8787/").is_ok());
    assert!(check_url("https://place.orne.fr").is_ok());
    let e = check_url("http://place.orne.fr").unwrap_err();
    assert!(e.to_string().contains("https://"), "{e}");
}

#[tokio::test]
async fn product_sync_detail_shows_pending_published_photos_and_rejection_reason() {
    use comptoir_core::sync::{ProductSyncState, product_sync_detail};
    let s = setup(None).await;
    let mut rng = Rng::seeded(7);
    let mut input = product("Pont-l'Évêque", "PLE-1", 650);
    input.status = comptoir_core::catalogue::ProductStatus::Published;
    let p = s.t.db.save_product(&input, now()).await.unwrap();
    add_photo(&s.t.db, s.t.dir.path(), p.id, 61).await;
    add_photo(&s.t.db, s.t.dir.path(), p.id, 62).await;
    let d = product_sync_detail(&s.t.db, p.id).await.unwrap();
    assert_eq!(d.state, ProductSyncState::Pending);
    assert_eq!(d.photos.iter().filter(|ph| ph.uploaded).count(), 0);
    assert_eq!(d.label, "Modification en attente d'envoi ; photos envoyées : 0/2");

    sync_until_done(&s, &mut rng).await;
    let d = product_sync_detail(&s.t.db, p.id).await.unwrap();
    assert_eq!(d.state, ProductSyncState::Published, "{d:?}");
    assert!(d.server_version.is_some());
    assert!(d.photos.iter().all(|ph| ph.uploaded), "{d:?}");
    assert_eq!(d.label, "En ligne sur la place de marché ; photos envoyées (2/2)");

    // Moderation refuses it on the marketplace: shown with its reason after the next sync.
    let client = Client::new(&s.server.url, &s.shop_token);
    let shop_id = client.me().await.unwrap().shop.id;
    s.server
        .admin()
        .moderate(
            &shop_id,
            &d.external_id,
            comptoir_protocol::catalog::ModerationStatus::Rejected,
            Some("Photo principale floue"),
        )
        .await
        .unwrap();
    sync(&s, &mut rng).await.unwrap();
    let d = product_sync_detail(&s.t.db, p.id).await.unwrap();
    assert_eq!(d.state, ProductSyncState::Rejected, "{d:?}");
    assert_eq!(d.rejection_reason.as_deref(), Some("Photo principale floue"));
    assert!(d.label.starts_with("Refusé par la place de marché : Photo principale floue"), "{}", d.label);

    // Unpublishing goes through the outbox like any edit, and reaches the marketplace.
    let mut input = comptoir_core::storage::product_to_input(&s.t.db.product(p.id).await.unwrap());
    input.status = comptoir_core::catalogue::ProductStatus::Draft;
    s.t.db.save_product(&input, now()).await.unwrap();
    assert!(s.t.db.outbox_len().await.unwrap() >= 1);
    sync_until_done(&s, &mut rng).await;
    assert_same_catalogue(&s).await;

    let other = s.t.db.save_product(&product("Livarot", "LIV-1", 700), now()).await.unwrap();
    comptoir_core::sync::disconnect(&s.t.db, s.keychain.as_ref()).await.unwrap();
    let d = product_sync_detail(&s.t.db, other.id).await.unwrap();
    assert_eq!(d.state, ProductSyncState::NotConnected);
    assert!(matches!(product_sync_detail(&s.t.db, 999_999).await, Err(comptoir_core::Error::NotFound { .. })));
}

/// A sale on the marketplace while the shop counts a delivery: the sale is merged, never
/// overwritten (the upsert carries the product version; a sale bumps it).
#[tokio::test]
async fn a_marketplace_sale_is_never_overwritten_by_a_stock_push() {
    let s = setup(None).await;
    let mut rng = Rng::seeded(8);
    let mut input = product("Camembert fermier", "CAM-F", 550);
    input.status = comptoir_core::catalogue::ProductStatus::Published;
    input.variants[0].stock = 10;
    let p = s.t.db.save_product(&input, now()).await.unwrap();
    sync_until_done(&s, &mut rng).await;
    let shop_id = Client::new(&s.server.url, &s.shop_token).me().await.unwrap().shop.id;
    // 3 sold on the marketplace…
    crate::market::place(&s.server, &shop_id, "Cliente Perche", &[("CAM-F", 3)]).await;
    // …while the shop, offline from it, records a delivery of 5 (10 → 15).
    let mut input = comptoir_core::storage::product_to_input(&s.t.db.product(p.id).await.unwrap());
    input.variants[0].stock = 15;
    s.t.db.save_product(&input, now()).await.unwrap();
    sync_until_done(&s, &mut rng).await;
    let local = s.t.db.product(p.id).await.unwrap().variants[0].stock;
    assert_eq!(local, 12, "delivery kept, sale merged");
    assert_same_catalogue(&s).await;
}
