//! Recovery from the marketplace on a new PC with no backup (issue 15), against the real
//! reference marketplace over real HTTP: the empty shop gets every product the
//! marketplace holds with its photos byte for byte, and the next sync sends nothing.

use comptoir_core::backup;
use comptoir_core::catalogue::{CategoryInput, ProductStatus, VariantOption};
use comptoir_core::photos::store::PhotoStore;
use comptoir_core::promotions;
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::{Rng, SyncOptions, sync_once};
use comptoir_core::{Db, photos::probe::Format};
use comptoir_protocol::catalog::ObjectType;
use comptoir_protocol::client::Client;

use crate::support::{now, product};
use crate::sync::{add_photo_sized, setup, sync_until_done};

#[tokio::test]
async fn recovery_fills_an_empty_shop_with_every_product_and_its_photos_byte_identical() {
    let s = setup(None).await;
    let db = &s.t.db;
    let cave =
        db.save_category(&CategoryInput { id: None, name: "Cave".into(), parent_id: None }, now()).await.unwrap();
    let cidres = db
        .save_category(&CategoryInput { id: None, name: "Cidres".into(), parent_id: Some(cave.id) }, now())
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut p = product(&format!("Cidre fermier {i}"), &format!("CID-{i}"), 450 + i * 10);
        p.status = if i == 5 { ProductStatus::Draft } else { ProductStatus::Published };
        p.category_id = Some(if i % 2 == 0 { cidres.id } else { cave.id });
        p.description = format!("Cidre brut n° {i}, du Perche");
        p.variants[0].stock = 12 + i;
        p.variants[0].options = vec![VariantOption { name: "Contenance".into(), value: "75 cl".into() }];
        let mut magnum = p.variants[0].clone();
        magnum.sku = format!("CID-{i}-M");
        magnum.price_cents = 1200;
        magnum.options = vec![VariantOption { name: "Contenance".into(), value: "1,5 l".into() }];
        p.variants.push(magnum);
        ids.push(db.save_product(&p, now()).await.unwrap().id);
    }
    for (n, id) in ids.iter().enumerate() {
        add_photo_sized(db, s.t.dir.path(), *id, n as u8, 64, 48).await;
    }
    add_photo_sized(db, s.t.dir.path(), ids[0], 99, 48, 64).await;
    // Promotions: a Christmas campaign of the shop's on two variants, one alone with no
    // end, and one joining a campaign the marketplace announces.
    s.server
        .admin()
        .create_campaign(&comptoir_protocol::campaigns::CampaignCreate {
            id: "noel-en-orne-2026".into(),
            name: "Noël en Orne".into(),
            description: String::new(),
            starts_at: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 23, 0, 0).unwrap(),
            ends_at: Some(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 24, 23, 0, 0).unwrap()),
        })
        .await
        .unwrap();
    sync_until_done(&s, &mut Rng::seeded(6)).await;
    let promo = |skus: &[&str], discount, from: &str, to: Option<&str>, campaign| promotions::PromotionRequest {
        target: promotions::PromotionTarget::Skus { skus: skus.iter().map(|s| (*s).to_owned()).collect() },
        discount,
        starts: from.into(),
        ends: to.map(str::to_owned),
        quantity_limit: None,
        campaign,
        perishable: false,
    };
    let named = |n: &str| Some(promotions::CampaignChoice::Named { name: n.into() });
    for req in [
        promo(
            &["CID-0", "CID-1-M"],
            promotions::Discount::PercentOff { percent: 20 },
            "01/12/2026",
            Some("24/12/2026"),
            named("Noël 2026"),
        ),
        promo(&["CID-2"], promotions::Discount::NewPrice { cents: 400 }, "05/12/2026 08:00", None, None),
        promo(
            &["CID-3"],
            promotions::Discount::PercentOff { percent: 10 },
            "01/12/2026",
            Some("24/12/2026"),
            named("Noël en Orne"),
        ),
    ] {
        promotions::add(db, &req, now()).await.unwrap();
    }
    sync_until_done(&s, &mut Rng::seeded(7)).await;
    // A draft never synced: it stays on the old PC only.
    db.save_product(&product("Poiré en cours", "POI-1", 900), now()).await.unwrap();

    // The new PC: an empty data directory, paired with a fresh code.
    let shop_id = db.sync_state().await.unwrap().shop_id.unwrap();
    let code = s.server.admin().pairing_code(&shop_id).await.unwrap().pairing_code;
    let fresh = tempfile::tempdir().unwrap();
    let keychain = MemoryKeychain::default();
    let r = backup::recover(fresh.path(), &s.server.url, &code, &keychain, now()).await.unwrap();
    assert_eq!((r.shop_id.as_str(), r.products, r.variants, r.photos), (shop_id.as_str(), 6, 12, 7));

    // Every product the marketplace holds, as it holds it, photos byte for byte.
    let client = Client::new(&s.server.url, &s.shop_token);
    let content = client.catalog_content(None, Some(500)).await.unwrap().items;
    let recovered = Db::open_in(fresh.path()).await.unwrap();
    let store = PhotoStore::in_data_dir(fresh.path());
    let mut published = 0;
    for item in content.iter().filter(|i| i.object_type == ObjectType::Product) {
        let data = item.product.as_ref().unwrap();
        let p = recovered.product_by_sku(&data.variants[0].sku).await.unwrap();
        assert_eq!(p.uid, item.external_id, "the marketplace's id is kept");
        assert_eq!((p.name.as_str(), p.description.as_str()), (data.title.as_str(), data.description.as_str()));
        assert_eq!(p.status == ProductStatus::Published, data.published);
        published += usize::from(data.published);
        let got: Vec<(String, i64, i64)> = p.variants.iter().map(|v| (v.sku.clone(), v.price_cents, v.stock)).collect();
        let want: Vec<(String, i64, i64)> =
            data.variants.iter().map(|v| (v.sku.clone(), v.price_ttc, v.stock.available)).collect();
        assert_eq!(got, want);
        let original = db.product_by_sku(&data.variants[0].sku).await.unwrap();
        assert_eq!(p.category_path, original.category_path);
        let rows = recovered.product_photo_rows(p.id).await.unwrap();
        assert_eq!(rows.iter().map(|r| r.photo_sha.clone()).collect::<Vec<_>>(), data.images);
        for sha in &data.images {
            let (_, bytes) = client.media_get(sha).await.unwrap();
            let file = std::fs::read(store.original_path(sha, Format::Jpeg)).unwrap();
            assert!(file == bytes, "photo {sha} differs from the marketplace's");
        }
    }
    assert_eq!(published, 5);
    assert!(recovered.product_by_sku("POI-1").await.is_err(), "the unsynced draft is lost, as said");

    // The promotions came back with their ids, prices, reference prices and campaigns.
    let all = promotions::PromotionQuery { include_ended: true, ..Default::default() };
    let summary = |list: Vec<promotions::PromotionView>| -> Vec<_> {
        list.into_iter()
            .map(|p| (p.id, p.sku, p.price_cents, p.reference_cents, p.starts_at, p.ends_at, p.campaign_name))
            .collect()
    };
    assert_eq!(
        summary(promotions::list(&recovered, &all, now()).await.unwrap()),
        summary(promotions::list(db, &all, now()).await.unwrap())
    );
    let joined = promotions::campaigns(&recovered, now()).await.unwrap();
    let own: Vec<_> = joined.own.iter().map(|c| (c.name.as_str(), c.market_id.as_deref(), c.promotion_count)).collect();
    assert_eq!(own, [("Noël 2026", None, 2), ("Noël en Orne", Some("noel-en-orne-2026"), 1)]);

    // Connected, and nothing to send: no duplicate, no photo uploaded again.
    let report = sync_once(&recovered, fresh.path(), &keychain, &SyncOptions::default(), &mut Rng::seeded(8), now())
        .await
        .unwrap();
    assert_eq!((report.operations, report.photos_uploaded), (0, 0), "{report:?}");

    // A shop that is not empty is refused.
    let code = s.server.admin().pairing_code(&shop_id).await.unwrap().pairing_code;
    recovered.clone().close().await;
    let err = backup::recover(fresh.path(), &s.server.url, &code, &keychain, now()).await.unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::RecoverNotEmpty, "{err}");
}
