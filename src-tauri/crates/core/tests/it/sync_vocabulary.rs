//! The shop's vocabulary (issue 14) through the sync, against the real reference
//! marketplace over real HTTP: what leaves Comptoir reads back identical from
//! `GET /v1/catalog/content`, the storefront shows the unit prices the law asks for, a
//! published product missing its food information is held back with the reason, orders
//! of products whose stock is not counted leave the stock alone, and a recovery brings
//! the vocabulary back.

use comptoir_core::backup;
use comptoir_core::catalogue::{
    Allergen, FoodInfo, Offer, ProductInput, ProductKind, ProductStatus, ServiceSession, StockPolicy, Unit,
};
use comptoir_core::storage::product_to_input;
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::{ProductSyncState, Rng, SyncOptions, product_sync_detail, sync_once, sync_status, wire};
use comptoir_protocol::catalog::{ContentItem, ObjectType, ProductData, UnitPrice, UnitPricePer};
use comptoir_protocol::client::Client;
use comptoir_protocol::storefront::{PlaceOrderRequest, StorefrontProduct};

use crate::support::{now, product};
use crate::sync::{Setup, assert_same_catalogue, setup, sync, sync_until_done};

fn published(mut p: ProductInput) -> ProductInput {
    p.status = ProductStatus::Published;
    p
}

fn cidre() -> ProductInput {
    let mut p = published(product("Cidre brut fermier", "CID-75", 650));
    p.vat = comptoir_core::vat::VatRate::Normal;
    p.variants[0].net_quantity = Some("75cl".into());
    p.variants[0].stock = 24;
    p.offer = Offer {
        packaging: Some("bouteille".into()),
        food: Some(FoodInfo {
            ingredients: "Jus de pommes à cidre, sulfites".into(),
            allergens: Some(vec![Allergen::Sulphites]),
            storage: "À l'abri de la lumière".into(),
            origin: "Pays d'Auge".into(),
            producer: String::new(),
            labels: vec!["aop".into()],
            abv_tenths: Some(55),
        }),
        ..Offer::default()
    };
    p
}

fn camembert() -> ProductInput {
    let mut p = published(product("Camembert de Normandie", "CAM-250", 495));
    p.variants[0].net_quantity = Some("250 g".into());
    p.variants[0].stock = 2;
    p.offer.packaging = Some("boîte".into());
    p.offer.food = Some(FoodInfo {
        ingredients: "Lait cru de vache, sel, ferments lactiques, présure".into(),
        allergens: Some(vec![Allergen::Milk]),
        storage: "Entre 2 et 6 °C".into(),
        ..FoodInfo::default()
    });
    p
}

fn atelier() -> ProductInput {
    let mut p = published(product("Atelier poterie", "ATL-POT", 4500));
    p.vat = comptoir_core::vat::VatRate::Normal;
    p.offer = Offer {
        kind: ProductKind::Service,
        duration_minutes: Some(150),
        sessions: vec![
            ServiceSession { starts_at: "2026-12-12T14:00".into(), places: Some(8) },
            ServiceSession { starts_at: "2026-12-19T09:30".into(), places: None },
        ],
        ..Offer::default()
    };
    p
}

fn table() -> ProductInput {
    let mut p = published(product("Table en chêne", "TAB-CH", 89_000));
    p.vat = comptoir_core::vat::VatRate::Normal;
    p.offer.stock_policy = StockPolicy::MadeToOrder;
    p.offer.lead_time_days = Some(21);
    p
}

fn toile() -> ProductInput {
    let mut p = published(product("Toile de lin", "LIN-M2", 1250));
    p.vat = comptoir_core::vat::VatRate::Normal;
    p.unit = Unit::SquareMetre;
    p.offer.packaging = Some("rouleau".into());
    p
}

async fn content(s: &Setup) -> Vec<ContentItem> {
    let client = Client::new(&s.server.url, &s.shop_token);
    client.catalog_content(None, Some(500)).await.unwrap().items
}

fn on_server<'a>(items: &'a [ContentItem], sku: &str) -> &'a ProductData {
    items
        .iter()
        .filter(|i| i.object_type == ObjectType::Product)
        .filter_map(|i| i.product.as_ref())
        .find(|p| p.variants.iter().any(|v| v.sku == sku))
        .unwrap_or_else(|| panic!("{sku} not on the marketplace"))
}

async fn storefront(s: &Setup) -> Vec<StorefrontProduct> {
    let shop_id = s.t.db.sync_state().await.unwrap().shop_id.unwrap();
    s.server.storefront().products(&shop_id, None).await.unwrap().items
}

#[tokio::test]
async fn the_vocabulary_syncs_and_reads_back_identical_with_the_unit_prices_shown() {
    let s = setup(None).await;
    let mut rng = Rng::seeded(21);
    let mut ids = Vec::new();
    for p in [cidre(), camembert(), atelier(), table(), toile()] {
        ids.push(s.t.db.save_product(&p, now()).await.unwrap().id);
    }
    sync_until_done(&s, &mut rng).await;
    assert_same_catalogue(&s).await;

    // What the marketplace holds is what Comptoir holds, field by field.
    let items = content(&s).await;
    for id in &ids {
        let local = s.t.db.product(*id).await.unwrap();
        let remote = on_server(&items, &local.variants[0].sku);
        assert_eq!(wire::unit_from_wire(remote), local.unit, "{}", local.name);
        assert_eq!(wire::offer_from_wire(remote), local.offer, "{}", local.name);
        let quantities: Vec<Option<String>> = remote.variants.iter().map(|v| v.net_quantity.clone()).collect();
        let local_quantities: Vec<Option<String>> = local.variants.iter().map(|v| v.net_quantity.clone()).collect();
        assert_eq!(quantities, local_quantities, "{}", local.name);
        assert!(remote.published, "{}", local.name);
    }
    let cid = on_server(&items, "CID-75");
    assert_eq!(cid.packaging.as_deref(), Some("bouteille"));
    assert_eq!(cid.variants[0].net_quantity.as_deref(), Some("75 cl"), "sent canonical");
    assert_eq!(cid.variants[0].unit_price, Some(UnitPrice { cents: 867, per: UnitPricePer::L }));
    let food = cid.food.as_ref().unwrap();
    assert_eq!(food.allergens.as_deref(), Some(&[comptoir_protocol::catalog::Allergen::Sulphites][..]));
    assert_eq!(food.labels, ["AOP"]);
    assert!(cid.adults_only);
    assert_eq!(food.health_message.as_deref(), Some(comptoir_protocol::catalog::ALCOHOL_HEALTH_MESSAGE));
    let atl = on_server(&items, "ATL-POT");
    assert_eq!(atl.kind, Some(comptoir_protocol::catalog::ProductKind::Service));
    assert_eq!(atl.duration_minutes, Some(150));
    assert_eq!(atl.sessions.len(), 2);
    assert_eq!(atl.stock_policy, Some(comptoir_protocol::catalog::StockPolicy::Unlimited), "a service is not counted");
    let tab = on_server(&items, "TAB-CH");
    assert_eq!(tab.stock_policy, Some(comptoir_protocol::catalog::StockPolicy::MadeToOrder));
    assert_eq!(tab.lead_time_days, Some(21));

    // The storefront: the unit prices French rules want, computed by the marketplace.
    let shown = storefront(&s).await;
    let text =
        |sku: &str| shown.iter().flat_map(|p| &p.variants).find(|v| v.sku == sku).unwrap().unit_price_text.clone();
    assert_eq!(text("CID-75").as_deref(), Some("8,67 € / l"), "6,50 € for 75 cl");
    assert_eq!(text("CAM-250").as_deref(), Some("19,80 € / kg"), "4,95 € for 250 g");
    assert_eq!(text("LIN-M2").as_deref(), Some("12,50 € / m²"));
    assert_eq!(text("TAB-CH"), None);

    // Nothing changed, nothing sent: the hashes agree on both sides.
    let again = sync(&s, &mut rng).await.unwrap();
    assert_eq!(again.operations, 0, "{again:?}");
}

#[tokio::test]
async fn a_published_food_product_without_allergens_is_sent_unpublished_and_the_reason_is_told() {
    let s = setup(None).await;
    let mut rng = Rng::seeded(22);
    // Validation refuses to publish it: stored as a draft, then published by SQL, as
    // data from before the check or another path would have it.
    let mut incomplete = camembert();
    incomplete.status = ProductStatus::Draft;
    incomplete.offer.food.as_mut().unwrap().allergens = None;
    // One already on the marketplace as a draft: published the same way, its wire data
    // does not change (nothing to send), the issue must be told all the same.
    let mut livarot = incomplete.clone();
    livarot.name = "Livarot".into();
    livarot.variants[0].sku = "LIV-1".into();
    let old = s.t.db.save_product(&livarot, now()).await.unwrap();
    sync_until_done(&s, &mut rng).await;
    // One never sent: it goes, unpublished.
    let fresh = s.t.db.save_product(&incomplete, now()).await.unwrap();
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(s.t.db.path()).connect().await.unwrap();
        sqlx::query("UPDATE products SET status = 'published' WHERE id IN (?, ?)")
            .bind(fresh.id)
            .bind(old.id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sync_until_done(&s, &mut rng).await;

    let items = content(&s).await;
    assert!(!on_server(&items, "CAM-250").published, "sent unpublished");
    assert!(!on_server(&items, "LIV-1").published);
    assert!(storefront(&s).await.is_empty(), "nothing on sale");
    let st = sync_status(&s.t.db, chrono::FixedOffset::east_opt(3600).unwrap()).await.unwrap();
    assert_eq!(st.issues.len(), 2, "{:?}", st.issues);
    for i in &st.issues {
        assert_eq!(i.kind, "incomplete");
        assert!(
            i.message.starts_with("Non publié sur la place de marché : Allergènes non renseignés"),
            "{}",
            i.message
        );
    }
    assert_eq!(st.label, "2 produits à compléter avant leur mise en ligne");
    let d = product_sync_detail(&s.t.db, fresh.id).await.unwrap();
    assert_eq!(d.state, ProductSyncState::Incomplete, "{d:?}");
    assert_eq!(d.label, st.issues[0].message);

    // Completed in the editor: on sale at the next sync, the issue gone.
    let mut input = product_to_input(&s.t.db.product(fresh.id).await.unwrap());
    input.offer.food.as_mut().unwrap().allergens = Some(vec![Allergen::Milk]);
    s.t.db.save_product(&input, now()).await.unwrap();
    // Put back to draft: no longer meant for sale, no longer an issue.
    let mut input = product_to_input(&s.t.db.product(old.id).await.unwrap());
    input.status = ProductStatus::Draft;
    s.t.db.save_product(&input, now()).await.unwrap();
    sync_until_done(&s, &mut rng).await;
    assert!(on_server(&content(&s).await, "CAM-250").published);
    let st = sync_status(&s.t.db, chrono::FixedOffset::east_opt(3600).unwrap()).await.unwrap();
    assert!(st.issues.is_empty(), "{:?}", st.issues);
    assert_eq!(st.label, "Synchronisé");
    assert_eq!(product_sync_detail(&s.t.db, fresh.id).await.unwrap().state, ProductSyncState::Published);
    assert_eq!(storefront(&s).await.len(), 1);
    assert_same_catalogue(&s).await;
}

#[tokio::test]
async fn orders_of_products_that_do_not_count_stock_leave_it_untouched_on_both_sides() {
    let s = setup(None).await;
    let mut rng = Rng::seeded(23);
    let mut ids = Vec::new();
    for p in [table(), atelier(), camembert()] {
        ids.push(s.t.db.save_product(&p, now()).await.unwrap().id);
    }
    sync_until_done(&s, &mut rng).await;
    let shop_id = s.t.db.sync_state().await.unwrap().shop_id.unwrap();

    // Made to order with no stock, and a service: accepted beyond any stock.
    let order = crate::market::place(&s.server, &shop_id, "Cliente Bellême", &[("TAB-CH", 3), ("ATL-POT", 5)]).await;
    assert_eq!(order.lines.len(), 2);
    // Counted stock is still enforced: 2 camemberts, 3 asked.
    let req = PlaceOrderRequest {
        customer: comptoir_protocol::orders::Customer { name: "Client".into(), email: None, phone: None },
        lines: vec![comptoir_protocol::storefront::OrderLineRequest { sku: "CAM-250".into(), quantity: 3 }],
    };
    let err = s.server.storefront().place_order(&shop_id, &req).await.expect_err("beyond counted stock");
    assert_eq!(err.code(), Some("insufficient_stock"));
    crate::market::place(&s.server, &shop_id, "Client Mortagne", &[("CAM-250", 2)]).await;

    // The sync pass stores the orders: only the counted line takes local stock.
    sync_until_done(&s, &mut rng).await;
    let stock = |id| {
        let db = s.t.db.clone();
        async move { db.product(id).await.unwrap().variants[0].stock }
    };
    assert_eq!((stock(ids[0]).await, stock(ids[1]).await, stock(ids[2]).await), (0, 0, 0));
    let orders = s.t.db.orders(&Default::default()).await.unwrap();
    assert_eq!(orders.len(), 2);
    let shown = storefront(&s).await;
    let available = |sku: &str| shown.iter().flat_map(|p| &p.variants).find(|v| v.sku == sku).unwrap().available;
    assert_eq!((available("TAB-CH"), available("ATL-POT"), available("CAM-250")), (0, 0, 0));
    assert_same_catalogue(&s).await;
}

#[tokio::test]
async fn a_recovery_brings_the_vocabulary_back_and_the_next_sync_sends_nothing() {
    let s = setup(None).await;
    let mut rng = Rng::seeded(24);
    let mut originals = Vec::new();
    for p in [cidre(), camembert(), atelier(), table(), toile()] {
        originals.push(s.t.db.save_product(&p, now()).await.unwrap());
    }
    sync_until_done(&s, &mut rng).await;

    let shop_id = s.t.db.sync_state().await.unwrap().shop_id.unwrap();
    let code = s.server.admin().pairing_code(&shop_id).await.unwrap().pairing_code;
    let dir = tempfile::tempdir().unwrap();
    let keychain = MemoryKeychain::default();
    let r = backup::recover(dir.path(), &s.server.url, &code, &keychain, now()).await.unwrap();
    assert_eq!(r.products, 5);
    let recovered = comptoir_core::Db::open_in(dir.path()).await.unwrap();
    for o in &originals {
        let p = recovered.product_by_sku(&o.variants[0].sku).await.unwrap();
        assert_eq!((p.unit, &p.offer, p.status), (o.unit, &o.offer, o.status), "{}", o.name);
        let q: Vec<_> = p.variants.iter().map(|v| (v.net_quantity.clone(), v.unit_price)).collect();
        let want: Vec<_> = o.variants.iter().map(|v| (v.net_quantity.clone(), v.unit_price)).collect();
        assert_eq!(q, want, "{}", o.name);
    }
    let report = sync_once(&recovered, dir.path(), &keychain, &SyncOptions::default(), &mut Rng::seeded(25), now())
        .await
        .unwrap();
    assert_eq!(report.operations, 0, "{report:?}");
    recovered.close().await;
}

/// The local stock an order takes moves with its lines (`order_lines.stock_taken`): a
/// line of a product that does not count stock takes none, and a line that took some
/// while its product still counted gives exactly that back when released.
#[tokio::test]
async fn an_order_line_takes_no_stock_of_an_uncounted_product_and_gives_back_what_it_took() {
    use comptoir_protocol::orders::{Customer, Order, OrderLine, OrderStatus};
    let t = crate::support::fresh_db().await;
    let mut cam = camembert();
    cam.variants[0].stock = 5;
    let cam = t.db.save_product(&cam, now()).await.unwrap();
    let tab = t.db.save_product(&table(), now()).await.unwrap();
    let line = |id: &str, sku: &str, quantity| OrderLine {
        line_id: id.into(),
        sku: sku.into(),
        product_external_id: "p".into(),
        title: sku.into(),
        options: Default::default(),
        quantity,
        unit_price_ttc: 100,
        vat_rate: "5.5".into(),
        refused: false,
        promotion_id: None,
        regular_price_ttc: None,
    };
    let mut order = Order {
        id: "o-1".into(),
        shop_id: "s".into(),
        version: 1,
        status: OrderStatus::PendingAcceptance,
        customer: Customer { name: "Cliente".into(), email: None, phone: None },
        lines: vec![line("l1", "CAM-250", 2), line("l2", "TAB-CH", 4)],
        total_ttc: 600,
        currency: "EUR".into(),
        created_at: now(),
        updated_at: now(),
        accept_before: now() + chrono::Duration::hours(1),
        pickup: None,
        refusal_reason: None,
        cancellation: None,
    };
    t.db.store_order(&order, now()).await.unwrap();
    let stock = |id| {
        let db = t.db.clone();
        async move { db.product(id).await.unwrap().variants[0].stock }
    };
    assert_eq!((stock(cam.id).await, stock(tab.id).await), (3, 0), "made to order: no stock taken");

    // The camembert becomes made to order while the order is open, then the order is
    // refused: the 2 it took go back, nothing more, nothing taken for the table.
    let mut input = product_to_input(&t.db.product(cam.id).await.unwrap());
    input.offer.stock_policy = StockPolicy::MadeToOrder;
    input.offer.lead_time_days = Some(2);
    t.db.save_product(&input, now()).await.unwrap();
    order.version = 2;
    order.status = OrderStatus::Refused;
    order.refusal_reason = Some("Fermé".into());
    t.db.store_order(&order, now()).await.unwrap();
    assert_eq!((stock(cam.id).await, stock(tab.id).await), (5, 0));
    // Replayed: nothing moves twice.
    t.db.store_order(&order, now()).await.unwrap();
    assert_eq!((stock(cam.id).await, stock(tab.id).await), (5, 0));
}

/// The demo shop (what the app's first run syncs by itself): its cider and calvados, its
/// cheeses sold by the piece, its andouille by 100 g, its atelier — all accepted and on
/// sale, nothing held back, the unit prices agreeing on both sides.
#[tokio::test]
async fn the_demo_shop_goes_on_sale_whole() {
    let s = setup(None).await;
    let n = comptoir_core::demo::seed(&s.t.db, now()).await.unwrap();
    sync_until_done(&s, &mut Rng::seeded(26)).await;
    let st = sync_status(&s.t.db, chrono::FixedOffset::east_opt(3600).unwrap()).await.unwrap();
    assert!(st.issues.is_empty(), "{:?}", st.issues);
    assert_eq!(st.label, "Synchronisé");
    let shown = storefront(&s).await;
    assert_eq!(shown.len(), n);
    let items = content(&s).await;
    let products: Vec<&ProductData> = items.iter().filter_map(|i| i.product.as_ref()).collect();
    assert!(products.iter().any(|p| p.adults_only), "the demo sells alcohol");
    assert!(products.iter().any(|p| p.food.is_some()));
    for p in shown {
        for v in &p.variants {
            let sent = products.iter().flat_map(|d| &d.variants).find(|w| w.sku == v.sku).unwrap();
            assert_eq!(v.unit_price, sent.unit_price, "{}", v.sku);
        }
        if p.adults_only {
            assert_eq!(p.legal_notices.len(), 2, "{}", p.title);
        }
    }
    assert_same_catalogue(&s).await;
}
