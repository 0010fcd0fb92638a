//! Promotions (issue 20), from Comptoir's database to what a buyer reads and pays,
//! against the real reference marketplace over real HTTP on a clock the test moves:
//! the reference price computed from the price history (Code de la consommation,
//! art. L112-1-1), the schedule sent as data, and the server switching the price at the
//! exact instants with no call from the shop.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use comptoir_core::catalogue::{ProductStatus, VariantPatch};
use comptoir_core::promotions::{
    self, CampaignChoice, Discount, EndOutcome, PromotionEdit, PromotionQuery, PromotionRequest, PromotionState,
    PromotionTarget, ReferenceRule,
};
use comptoir_core::sync::Rng;
use comptoir_core::{Db, Error};
use comptoir_marketplace::{Clock, ManualClock};
use comptoir_protocol::campaigns::CampaignCreate;
use comptoir_protocol::catalog::{CampaignRef, ObjectType, Promotion};
use comptoir_protocol::client::Client;

use crate::market::Market;
use crate::support::{fresh_db, now, product};
use crate::sync::{Setup, setup_on, sync_until_done};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap()
}

/// Three coffrets on sale since September; one was raised on 20 November, eight days
/// before « now » (28 November 2026).
async fn coffrets(db: &Db) -> Vec<i64> {
    let since = now() - Duration::days(88);
    let mut ids = Vec::new();
    for (name, sku, price) in [
        ("Coffret cidre et pommeau", "COF-CID", 3000),
        ("Coffret fromages de l'Orne", "COF-FRO", 4200),
        ("Coffret sablés", "COF-SAB", 1500),
    ] {
        let mut p = product(name, sku, price);
        p.status = ProductStatus::Published;
        p.variants[0].stock = 40;
        ids.push(db.save_product(&p, since).await.unwrap().id);
    }
    let raise = VariantPatch { price_cents: Some(3500), ..VariantPatch::default() };
    db.patch_variant("COF-CID", &raise, now() - Duration::days(8)).await.unwrap();
    ids
}

fn christmas(skus: &[&str], discount: Discount) -> PromotionRequest {
    PromotionRequest {
        target: PromotionTarget::Skus { skus: skus.iter().map(|s| (*s).to_owned()).collect() },
        discount,
        starts: "01/12/2026".into(),
        ends: Some("24/12/2026".into()),
        quantity_limit: None,
        campaign: Some(CampaignChoice::Named { name: "Noël 2026".into() }),
        perishable: false,
    }
}

fn fields(e: Error) -> Vec<(String, String)> {
    match e {
        Error::Validation(f) => f.into_iter().map(|f| (f.field, f.message)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_reference_price_is_the_lowest_of_the_thirty_days_and_a_raise_does_not_make_a_reduction() {
    let t = fresh_db().await;
    coffrets(&t.db).await;
    // COF-CID was 30,00 € until 20 November, 35,00 € since: « −10 % » would be 31,50 €,
    // above the 30,00 € the law compares with.
    let plan =
        promotions::preview(&t.db, &christmas(&["COF-CID", "COF-FRO"], Discount::PercentOff { percent: 10 }), now())
            .await
            .unwrap();
    assert_eq!((plan.count, plan.refused), (2, 1));
    assert_eq!(plan.starts_text.as_deref(), Some("01/12/2026"));
    assert_eq!(plan.ends_text.as_deref(), Some("24/12/2026"));
    let cid = &plan.variants[0];
    assert_eq!((cid.sku.as_str(), cid.regular_cents, cid.price_cents), ("COF-CID", 3500, 3150));
    assert_eq!(cid.reference.map(|r| (r.cents, r.rule)), Some((3000, ReferenceRule::Lowest30Days)));
    let why = cid.problem.as_deref().unwrap();
    assert!(why.contains("31,50 € n'est pas une réduction"), "{why}");
    assert!(why.contains("30,00 €, le prix le plus bas pratiqué dans les 30 jours avant le début"), "{why}");
    assert!(why.contains("L112-1-1"), "{why}");
    let fro = &plan.variants[1];
    assert_eq!((fro.price_cents, fro.reference.map(|r| r.cents), fro.discount_percent), (3780, Some(4200), Some(10)));

    // All or none: the refused one keeps the other from being saved, and says why.
    let err = promotions::add(&t.db, &christmas(&["COF-CID", "COF-FRO"], Discount::PercentOff { percent: 10 }), now())
        .await
        .unwrap_err();
    let f = fields(err);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "variants.COF-CID");
    assert!(promotions::list(&t.db, &PromotionQuery::default(), now()).await.unwrap().is_empty());
    assert!(t.db.campaigns().await.unwrap().is_empty(), "no campaign left behind");

    // −20 % is a reduction for both: 28,00 € < 30,00 € and 33,60 € < 42,00 €.
    let added =
        promotions::add(&t.db, &christmas(&["COF-CID", "COF-FRO"], Discount::PercentOff { percent: 20 }), now())
            .await
            .unwrap();
    assert_eq!(added.created, 2);
    let list = promotions::list(&t.db, &PromotionQuery::default(), now()).await.unwrap();
    let summary: Vec<_> = list
        .iter()
        .map(|p| (p.sku.as_str(), p.price_cents, p.reference_cents, p.discount_percent, p.state, p.on_market))
        .collect();
    assert_eq!(
        summary,
        [
            ("COF-CID", 2800, Some(3000), Some(7), PromotionState::Planned, false),
            ("COF-FRO", 3360, Some(4200), Some(20), PromotionState::Planned, false),
        ]
    );
    assert_eq!((list[0].starts_text.as_str(), list[0].ends_text.as_deref()), ("01/12/2026", Some("24/12/2026")));
    assert_eq!(list[0].campaign_name.as_deref(), Some("Noël 2026"));
}

#[tokio::test]
async fn overlaps_successive_reductions_edits_and_ends() {
    let t = fresh_db().await;
    coffrets(&t.db).await;
    promotions::add(&t.db, &christmas(&["COF-FRO"], Discount::PercentOff { percent: 20 }), now()).await.unwrap();

    // Another promotion over the same days on the same variant is refused, naming it.
    let mut other = christmas(&["COF-FRO"], Discount::NewPrice { cents: 3000 });
    other.campaign = None;
    other.starts = "20/12/2026".into();
    other.ends = Some("31/12/2026".into());
    let f = fields(promotions::add(&t.db, &other, now()).await.unwrap_err());
    assert!(f[0].1.contains("chevauche la promotion n° 1 (du 01/12/2026 au 24/12/2026)"), "{f:?}");

    // A second reduction of the same campaign right after the first: −40 % from the
    // 25th keeps the reference in force before the first one, 42,00 €, not the 33,60 €
    // applied meanwhile (art. L112-1-1, third paragraph).
    let mut second = christmas(&["COF-FRO"], Discount::PercentOff { percent: 40 });
    second.starts = "25/12/2026".into();
    second.ends = Some("31/12/2026".into());
    let plan = promotions::preview(&t.db, &second, now()).await.unwrap();
    assert_eq!(
        plan.variants[0].reference.map(|r| (r.cents, r.rule)),
        Some((4200, ReferenceRule::FirstOfCampaign { promotion_id: 1 }))
    );
    // Outside the campaign the same dates compare with the 33,60 € of the first one.
    second.campaign = None;
    let plan = promotions::preview(&t.db, &second, now()).await.unwrap();
    assert_eq!(plan.variants[0].reference.map(|r| r.cents), Some(3360));
    second.campaign = Some(CampaignChoice::Named { name: "noël 2026".into() });
    promotions::add(&t.db, &second, now()).await.unwrap();

    // Before it starts, a promotion may change entirely; once started, only its end.
    let edit = PromotionEdit {
        discount: Discount::PercentOff { percent: 25 },
        starts: "02/12/2026".into(),
        ends: Some("24/12/2026".into()),
        quantity_limit: Some(10),
        perishable: false,
    };
    let v = promotions::edit(&t.db, 1, &edit, now()).await.unwrap();
    assert_eq!((v.price_cents, v.starts_text.as_str(), v.quantity_limit), (3150, "02/12/2026", Some(10)));
    let running_at = utc(2026, 12, 10, 9, 0, 0);
    let edit =
        PromotionEdit { discount: Discount::PercentOff { percent: 50 }, ends: Some("20/12/2026".into()), ..edit };
    let v = promotions::edit(&t.db, 1, &edit, running_at).await.unwrap();
    assert_eq!((v.price_cents, v.ends_text.as_deref(), v.state), (3150, Some("20/12/2026"), PromotionState::Running));
    // Its end cannot run into the next one of the 25th.
    let too_long = PromotionEdit { ends: Some("28/12/2026".into()), ..edit.clone() };
    let f = fields(promotions::edit(&t.db, 1, &too_long, running_at).await.unwrap_err());
    assert!(f[0].1.contains("promotion n° 2"), "{f:?}");

    // Ending: the running one ends now, the planned one is withdrawn.
    assert_eq!(promotions::end(&t.db, 1, running_at).await.unwrap(), EndOutcome::Ended);
    assert_eq!(promotions::end(&t.db, 2, running_at).await.unwrap(), EndOutcome::Withdrawn);
    let all = promotions::list(&t.db, &PromotionQuery { include_ended: true, ..Default::default() }, running_at)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].state, all[0].ends_text.as_deref()), (PromotionState::Ended, Some("10/12/2026 10:00")));
    assert!(matches!(promotions::end(&t.db, 1, running_at).await, Err(Error::Conflict(_))));

    // Dates: in the past, end before start, unreadable.
    let mut bad = christmas(&["COF-SAB"], Discount::NewPrice { cents: 1200 });
    bad.starts = "01/11/2026".into();
    bad.ends = Some("31/10/2026".into());
    let f = fields(promotions::add(&t.db, &bad, now()).await.unwrap_err());
    let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["starts", "ends"], "{f:?}");
    bad.starts = "le 1er décembre".into();
    let f = fields(promotions::add(&t.db, &bad, now()).await.unwrap_err());
    assert!(f[0].1.contains("Début : date illisible « le 1er décembre »"), "{f:?}");
}

#[tokio::test]
async fn a_whole_category_or_a_selection_of_products_and_unknown_skus_named() {
    let t = fresh_db().await;
    let ids = coffrets(&t.db).await;
    let plan = promotions::preview(
        &t.db,
        &PromotionRequest {
            target: PromotionTarget::Products { ids: vec![ids[1], ids[2]] },
            ..christmas(&[], Discount::NewPrice { cents: 1400 })
        },
        now(),
    )
    .await
    .unwrap();
    // A selection of two products of the list: 14,00 € is below both (42,00 €, 15,00 €).
    assert_eq!((plan.count, plan.refused), (2, 0));
    let f = fields(
        promotions::add(&t.db, &christmas(&["COF-SAB", "NOPE-1"], Discount::PercentOff { percent: 10 }), now())
            .await
            .unwrap_err(),
    );
    assert_eq!(f, [("target".to_owned(), "Référence introuvable : NOPE-1.".to_owned())]);
}

/// What the marketplace is sent, what the storefront shows second by second with the
/// shop « switched off », and the price an order is charged.
#[tokio::test]
async fn the_marketplace_applies_the_schedule_by_its_own_clock_with_the_shop_switched_off() {
    let market_dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let server = Market::start_clocked(&market_dir.path().join("market.sqlite3"), clock.clone());
    let url = server.url.clone();
    let s: Setup = setup_on(market_dir, server, &url).await;
    let mut rng = Rng::seeded(20);
    coffrets(&s.t.db).await;
    // The département announces its campaign; the shop joins it with two coffrets.
    s.server
        .admin()
        .create_campaign(&CampaignCreate {
            id: "noel-en-orne-2026".into(),
            name: "Noël en Orne".into(),
            description: "Du 1er au 24 décembre dans les commerces de l'Orne".into(),
            starts_at: utc(2026, 11, 30, 23, 0, 0),
            ends_at: Some(utc(2026, 12, 24, 23, 0, 0)),
        })
        .await
        .unwrap();
    sync_until_done(&s, &mut rng).await;
    let announced = promotions::campaigns(&s.t.db, now()).await.unwrap();
    assert_eq!(announced.market.len(), 1, "{announced:?}");
    assert_eq!(
        (announced.market[0].name.as_str(), announced.market[0].starts_text.as_str()),
        ("Noël en Orne", "01/12/2026")
    );

    let mut join = christmas(&["COF-CID", "COF-FRO"], Discount::PercentOff { percent: 20 });
    join.campaign = Some(CampaignChoice::Market { id: "noel-en-orne-2026".into() });
    // Beyond the campaign's end: refused with its dates.
    join.ends = Some("31/12/2026".into());
    let f = fields(promotions::add(&s.t.db, &join, now()).await.unwrap_err());
    assert!(f[0].1.contains("« Noël en Orne » va du 01/12/2026 au 24/12/2026"), "{f:?}");
    join.ends = Some("24/12/2026".into());
    promotions::add(&s.t.db, &join, now()).await.unwrap();
    // And one of the shop's own, limited to 3 units, from 08:00 on 5 December.
    let mut sables = christmas(&["COF-SAB"], Discount::NewPrice { cents: 1200 });
    sables.starts = "05/12/2026 08:00".into();
    sables.ends = None;
    sables.quantity_limit = Some(3);
    sables.campaign = None;
    promotions::add(&s.t.db, &sables, now()).await.unwrap();

    sync_until_done(&s, &mut rng).await;
    let list = promotions::list(&s.t.db, &PromotionQuery::default(), now()).await.unwrap();
    assert!(list.iter().all(|p| p.on_market), "{list:?}");

    // The bytes that left the PC: the schedule as data, with the reference price.
    let client = Client::new(&s.server.url, &s.shop_token);
    let content = client.catalog_content(None, Some(100)).await.unwrap().items;
    let sent = |sku: &str| -> Vec<Promotion> {
        let p = content
            .iter()
            .filter(|i| i.object_type == ObjectType::Product)
            .filter_map(|i| i.product.as_ref())
            .find(|p| p.variants[0].sku == sku)
            .unwrap();
        p.variants[0].promotions.clone()
    };
    let campaign = Some(CampaignRef { id: "noel-en-orne-2026".into(), name: "Noël en Orne".into() });
    assert_eq!(
        sent("COF-CID"),
        [Promotion {
            id: "p1".into(),
            price_ttc: 2800,
            reference_price_ttc: Some(3000),
            percent_off: Some(20),
            starts_at: utc(2026, 11, 30, 23, 0, 0),
            ends_at: Some(utc(2026, 12, 24, 23, 0, 0)),
            quantity_limit: None,
            campaign: campaign.clone(),
        }]
    );
    assert_eq!(sent("COF-FRO")[0].price_ttc, 3360);
    assert_eq!(
        sent("COF-SAB"),
        [Promotion {
            id: "p3".into(),
            price_ttc: 1200,
            reference_price_ttc: Some(1500),
            percent_off: None,
            starts_at: utc(2026, 12, 5, 7, 0, 0),
            ends_at: None,
            quantity_limit: Some(3),
            campaign: None,
        }]
    );

    // From here the shop does not call the marketplace: only its clock moves.
    let shop_id = s.t.db.sync_state().await.unwrap().shop_id.unwrap();
    let storefront = s.server.storefront();
    let price_of = |sku: &'static str| {
        let (storefront, shop_id) = (storefront.clone(), shop_id.clone());
        async move {
            let page = storefront.products(&shop_id, None).await.unwrap();
            let v = page.items.iter().flat_map(|p| p.variants.iter()).find(|v| v.sku == sku).unwrap().clone();
            (v.price_ttc, v.promotion.map(|p| (p.reference_price_text, p.discount_text, p.until_text)))
        }
    };
    let set = |t: DateTime<Utc>| {
        let current = Clock::now(&*clock);
        clock.advance(t - current);
    };
    set(utc(2026, 11, 30, 22, 59, 59));
    assert_eq!(price_of("COF-CID").await, (3500, None));
    set(utc(2026, 11, 30, 23, 0, 0));
    assert_eq!(
        price_of("COF-CID").await,
        (
            2800,
            Some((
                Some("30,00 €".to_owned()),
                Some("−7 %".to_owned()),
                "Jusqu'au jeudi 24 décembre 2026 inclus".to_owned()
            ))
        )
    );
    let order = crate::market::place(&s.server, &shop_id, "Cliente Bellême", &[("COF-CID", 2)]).await;
    assert_eq!(
        (order.lines[0].unit_price_ttc, order.lines[0].promotion_id.as_deref(), order.lines[0].regular_price_ttc),
        (2800, Some("p1"), Some(3500))
    );
    assert_eq!(order.total_ttc, 5600);
    set(utc(2026, 12, 24, 22, 59, 59));
    assert_eq!(price_of("COF-FRO").await.0, 3360);
    set(utc(2026, 12, 24, 23, 0, 0));
    assert_eq!(price_of("COF-FRO").await, (4200, None));
    assert_eq!(price_of("COF-CID").await, (3500, None));

    // The limited one: 3 units at 12,00 €, then the regular price.
    set(utc(2026, 12, 26, 9, 0, 0));
    assert_eq!(price_of("COF-SAB").await.0, 1200);
    let order = crate::market::place(&s.server, &shop_id, "Client Mortagne", &[("COF-SAB", 5)]).await;
    let lines: Vec<_> = order.lines.iter().map(|l| (l.quantity, l.unit_price_ttc)).collect();
    assert_eq!(lines, [(3, 1200), (2, 1500)]);
    assert_eq!(price_of("COF-SAB").await, (1500, None));

    // Back on: the orders come in with the price charged.
    sync_until_done(&s, &mut rng).await;
    let local = s.t.db.order(&order.id).await.unwrap();
    let charged: Vec<_> =
        local.lines.iter().map(|l| (l.quantity, l.unit_price_cents, l.promotion_id.clone())).collect();
    assert_eq!(charged, [(3, 1200, Some("p3".to_owned())), (2, 1500, None)]);
}

#[tokio::test]
async fn a_regular_price_change_during_a_promotion_does_not_cut_it_short() {
    let t = fresh_db().await;
    coffrets(&t.db).await;
    promotions::add(&t.db, &christmas(&["COF-FRO"], Discount::PercentOff { percent: 20 }), now()).await.unwrap();
    let during = utc(2026, 12, 10, 10, 0, 0);
    let raise = VariantPatch { price_cents: Some(4500), ..VariantPatch::default() };
    t.db.patch_variant("COF-FRO", &raise, during).await.unwrap();
    let list = promotions::list(&t.db, &PromotionQuery::default(), during).await.unwrap();
    assert_eq!(
        (list[0].price_cents, list[0].reference_cents, list[0].regular_cents, list[0].state),
        (3360, Some(4200), 4500, PromotionState::Running)
    );
    // The history keeps the 42,00 € that ended then: a promotion of January compares with it.
    let mut january = christmas(&["COF-FRO"], Discount::NewPrice { cents: 4000 });
    january.campaign = None;
    january.starts = "05/01/2027".into();
    january.ends = Some("20/01/2027".into());
    let plan = promotions::preview(&t.db, &january, during).await.unwrap();
    // 30 days before 5 January: the promotion's 33,60 € ran until 25 December.
    assert_eq!(plan.variants[0].reference.map(|r| r.cents), Some(3360));
}

#[tokio::test]
async fn a_reminder_the_day_before_a_start_and_an_end_told_once() {
    let t = fresh_db().await;
    coffrets(&t.db).await;
    promotions::add(&t.db, &christmas(&["COF-CID", "COF-FRO"], Discount::PercentOff { percent: 20 }), now())
        .await
        .unwrap();
    // More than a day before the start (1 December, 00:00 Paris = 30 November 23:00 UTC).
    assert!(promotions::remind::due(&t.db, utc(2026, 11, 29, 22, 59, 0)).await.unwrap().is_empty());
    let due = promotions::remind::due(&t.db, utc(2026, 11, 30, 8, 0, 0)).await.unwrap();
    let got: Vec<(&str, &str)> = due.iter().map(|n| (n.title.as_str(), n.body.as_str())).collect();
    assert_eq!(
        got,
        [(
            "2 promotions commencent bientôt",
            "Coffret cidre et pommeau, Coffret fromages de l'Orne (Noël 2026) : prix réduit le 01/12/2026."
        )]
    );
    assert!(
        matches!(&due[0].kind, comptoir_core::orders::NotificationKind::Promotions { starting: true, ids } if ids == &[1, 2])
    );
    // Told once, even asked again (or after a restart: it is claimed in the database).
    assert!(promotions::remind::due(&t.db, utc(2026, 11, 30, 9, 0, 0)).await.unwrap().is_empty());
    let due = promotions::remind::due(&t.db, utc(2026, 12, 24, 7, 0, 0)).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].title, "2 promotions se terminent bientôt");
    assert!(due[0].body.ends_with("retour au prix normal après le 24/12/2026."), "{}", due[0].body);
    assert!(promotions::remind::due(&t.db, utc(2026, 12, 24, 8, 0, 0)).await.unwrap().is_empty());
}

/// The price history starts from what a shop's database already knew: each import kept
/// the prices it replaced (issue 20: « from what the database already knows »).
#[tokio::test]
async fn an_older_shop_brings_the_prices_its_imports_replaced_into_the_history() {
    use sqlx::ConnectOptions;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("comptoir.db");
    let mut conn =
        sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true).connect().await.unwrap();
    sqlx::migrate!("./migrations").run_to(12, &mut conn).await.unwrap();
    let since = "2026-09-01T10:00:00Z";
    sqlx::query(
        "INSERT INTO products (id, name, sort_key, status, vat_bp, unit, created_at, updated_at)
         VALUES (1, 'Coffret cidre', 'coffret cidre', 'published', 550, 'piece', ?1, '2026-11-20T09:00:00Z')",
    )
    .bind(since)
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO variants (id, product_id, sku, price_cents, stock, created_at, updated_at)
         VALUES (1, 1, 'COF-CID', 3000, 5, ?1, '2026-11-20T09:00:00Z')",
    )
    .bind(since)
    .execute(&mut conn)
    .await
    .unwrap();
    // An import of 20 November raised it from 25,00 € (its snapshot, for undo).
    sqlx::query(
        "INSERT INTO import_batches (id, file_name, mode, created_at) VALUES (1, 'tarifs.xlsx', 'full', '2026-11-20T09:00:00Z')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        r#"INSERT INTO import_batch_products (batch_id, product_id, before)
           VALUES (1, 1, '{"id": 1, "name": "Coffret cidre", "variants": [{"id": 1, "sku": "COF-CID", "price_cents": 2500}]}')"#,
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);

    let db = Db::open_file(&path).await.unwrap();
    let facts = db.price_facts(&[1]).await.unwrap().remove(&1).unwrap();
    assert_eq!(facts.history.len(), 1);
    assert_eq!((facts.history[0].price_cents, facts.history[0].until), (2500, utc(2026, 11, 20, 9, 0, 0)));
    // So 28,00 € from 1 December is no reduction: 25,00 € was applied within 30 days.
    let mut req = christmas(&["COF-CID"], Discount::NewPrice { cents: 2800 });
    req.campaign = None;
    let plan = promotions::preview(&db, &req, now()).await.unwrap();
    assert_eq!(plan.variants[0].reference.map(|r| r.cents), Some(2500));
    assert_eq!(plan.refused, 1);
}
