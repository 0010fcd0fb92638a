//! The shop's vocabulary on the wire (issue 14): selling units, packaging, net
//! quantities and unit prices, services, stock policies, food information. Sent by a
//! raw client (plain JSON over HTTP), as any client could, so that the server's own
//! checks are what is tested.

use chrono::Datelike;
use comptoir_protocol::catalog::{
    Allergen, FoodData, ProductData, ProductKind, SellingUnit, Session, StockPolicy, UnitPrice, UnitPricePer,
};
use comptoir_protocol::hash::{content_hash, sha256_hex};
use comptoir_protocol::orders::{OrderStatus, TransitionRequest};
use comptoir_protocol::quantity::{NET_QUANTITY_PATTERN, NetQuantity, SESSION_START_PATTERN};
use reqwest::Method;
use serde_json::{Value, json};

use crate::openapi::doc;
use crate::support::*;

/// `POST /v1/catalog/batch` of raw ops; the response body.
async fn batch(srv: &Server, token: &str, ops: Value) -> Value {
    let resp = srv
        .raw(Method::POST, "/v1/catalog/batch")
        .bearer_auth(token)
        .header("idempotency-key", key())
        .json(&json!({ "ops": ops }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn upsert(ext: &str, base: i64, data: Value) -> Value {
    json!({"op": "upsert", "type": "product", "external_id": ext, "base_version": base, "data": data})
}

/// A product's raw JSON with one variant.
fn raw_product(title: &str, sku: &str, price: i64, extra: Value) -> Value {
    let mut p = json!({
        "title": title,
        "published": true,
        "variants": [{"sku": sku, "price_ttc": price, "currency": "EUR", "vat_rate": "5.5", "stock": {"available": 10}}],
    });
    for (k, v) in extra.as_object().unwrap() {
        if k == "variant" {
            for (vk, vv) in v.as_object().unwrap() {
                p["variants"][0][vk] = vv.clone();
            }
        } else {
            p[k] = v.clone();
        }
    }
    p
}

fn pointers(result: &Value) -> Vec<&str> {
    result["problem"]["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect()
}

async fn content_of(client: &comptoir_protocol::client::Client, ext: &str) -> comptoir_protocol::catalog::ContentItem {
    let page = client.catalog_content(None, Some(500)).await.unwrap();
    page.items.into_iter().find(|i| i.external_id == ext).unwrap_or_else(|| panic!("{ext} not in the content"))
}

#[tokio::test]
async fn an_old_clients_payload_is_accepted_and_hashes_as_before() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    // Byte for byte what a client of before the vocabulary sends (see protocol::hash).
    let old = r#"{"title":"Camembert de Normandie AOP","description":"Au lait cru.","category_external_ids":[],"images":[],"published":true,"variants":[{"sku":"CAM-250","options":{"Poids":"250 g"},"price_ttc":495,"currency":"EUR","vat_rate":"5.5","ean":"3760123450010","stock":{"available":12}}]}"#;
    let r = batch(&srv, &shop.token, json!([upsert("p-old", 0, serde_json::from_str(old).unwrap())])).await;
    assert_eq!(r["results"][0]["status"], "ok", "{r}");
    let item = content_of(&client, "p-old").await;
    assert_eq!(item.hash, sha256_hex(old.as_bytes()), "stored and hashed as it always was");
    assert_eq!(serde_json::to_string(item.product.as_ref().unwrap()).unwrap(), old);
    // The storefront shows it as before: no vocabulary member appears.
    let page: Value = srv
        .raw(Method::GET, &format!("/storefront/v1/shops/{}/products", shop.shop_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p = page["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = p.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["description", "external_id", "images", "title", "variants"]);
    let mut vkeys: Vec<&String> = page["items"][0]["variants"][0].as_object().unwrap().keys().collect();
    vkeys.sort_unstable();
    assert_eq!(vkeys, ["available", "currency", "options", "price_ttc", "sku"]);
}

/// A service, a made-to-order product and goods with packaging and net quantity.
fn vocabulary_products() -> Vec<(&'static str, ProductData)> {
    let base = |title: &str, sku: &str, price| {
        let mut p = product(&[(sku, 3)]);
        p.title = title.to_owned();
        p.variants[0].options.clear();
        p.variants[0].ean = None;
        p.variants[0].price_ttc = price;
        p
    };
    let mut cidre = base("Cidre brut fermier", "CID-75", 650);
    cidre.packaging = Some("bouteille".to_owned());
    cidre.variants[0].net_quantity = Some("75 cl".to_owned());
    cidre.variants[0].unit_price = Some(UnitPrice { cents: 867, per: UnitPricePer::L });
    cidre.adults_only = true;
    cidre.food = Some(FoodData {
        ingredients: "Jus de pommes à cidre, sulfites".to_owned(),
        allergens: Some(vec![Allergen::Sulphites]),
        storage: "À l'abri de la lumière".to_owned(),
        origin: "Pays d'Auge".to_owned(),
        producer: "Cidrerie du Perche, 61400 Mortagne".to_owned(),
        labels: vec!["AOP".to_owned()],
        abv_tenths: Some(55),
        health_message: Some(comptoir_protocol::catalog::ALCOHOL_HEALTH_MESSAGE.to_owned()),
    });
    let mut atelier = base("Atelier poterie", "ATL-POT", 4500);
    atelier.kind = Some(ProductKind::Service);
    atelier.stock_policy = Some(StockPolicy::Unlimited);
    atelier.duration_minutes = Some(150);
    atelier.sessions = vec![
        Session { starts_at: "2026-12-12T14:00".to_owned(), places: Some(8) },
        Session { starts_at: "2026-12-19T09:30".to_owned(), places: None },
    ];
    let mut table = base("Table en chêne", "TAB-CH", 89_000);
    table.stock_policy = Some(StockPolicy::MadeToOrder);
    table.lead_time_days = Some(21);
    let mut toile = base("Toile de lin", "LIN-M2", 1250);
    toile.unit = Some(SellingUnit::SquareMetre);
    toile.variants[0].unit_price = Some(UnitPrice { cents: 1250, per: UnitPricePer::M2 });
    vec![("p-cidre", cidre), ("p-atelier", atelier), ("p-table", table), ("p-toile", toile)]
}

#[tokio::test]
async fn the_vocabulary_is_stored_and_read_back_identical() {
    let srv = start().await;
    let (_, client) = srv.shop("Cave et ateliers").await;
    for (ext, p) in vocabulary_products() {
        put_product(&client, ext, 0, &p).await;
        let item = content_of(&client, ext).await;
        assert_eq!(item.product.as_ref(), Some(&p), "{ext}");
        assert_eq!(item.hash, content_hash(&p), "{ext}");
    }
    let state = client.catalog_state(None, None).await.unwrap();
    assert_eq!(state.items.len(), 4);
}

#[tokio::test]
async fn the_storefront_shows_what_a_buyer_must_read() {
    let srv = start().await;
    let (shop, client) = srv.shop("Cave et ateliers").await;
    for (ext, p) in vocabulary_products() {
        put_product(&client, ext, 0, &p).await;
    }
    let mut camembert = product(&[("CAM-250", 5)]);
    camembert.variants[0].net_quantity = Some("250 g".to_owned());
    camembert.food = Some(FoodData {
        ingredients: "Lait cru de vache, sel, ferments lactiques, présure".to_owned(),
        allergens: Some(vec![Allergen::Milk]),
        storage: "Entre 2 et 6 °C".to_owned(),
        labels: vec!["AOP".to_owned()],
        ..Default::default()
    });
    put_product(&client, "p-cam", 0, &camembert).await;
    let items = srv.storefront.products(&shop.shop_id, None).await.unwrap().items;
    let by = |ext: &str| items.iter().find(|p| p.external_id == ext).unwrap().clone();

    let cam = by("p-cam");
    assert_eq!(cam.variants[0].unit_price_text.as_deref(), Some("19,80 € / kg"), "4,95 € for 250 g");
    assert_eq!(cam.variants[0].net_quantity.as_deref(), Some("250 g"));
    let food = cam.food.unwrap();
    let emphasised: Vec<&str> = food.ingredients.iter().filter(|r| r.emphasis).map(|r| r.text.as_str()).collect();
    assert_eq!(emphasised, ["Lait"]);
    let all: String = food.ingredients.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(all, "Lait cru de vache, sel, ferments lactiques, présure");
    assert_eq!(food.allergens, "Allergènes : lait");
    assert_eq!(food.storage.as_deref(), Some("Entre 2 et 6 °C"));
    assert_eq!(food.labels, ["AOP"]);
    assert!(!cam.adults_only && cam.legal_notices.is_empty());

    let cidre = by("p-cidre");
    assert_eq!(cidre.variants[0].unit_price_text.as_deref(), Some("8,67 € / l"), "6,50 € for 75 cl");
    assert_eq!(cidre.packaging.as_deref(), Some("bouteille"));
    assert_eq!(cidre.variants[0].net_quantity.as_deref(), Some("75 cl"));
    let food = cidre.food.unwrap();
    assert_eq!(food.alcohol.as_deref(), Some("5,5 % vol"));
    assert_eq!(food.origin.as_deref(), Some("Pays d'Auge"));
    assert!(food.ingredients.iter().any(|r| r.emphasis && r.text == "sulfites"));
    assert!(cidre.adults_only);
    assert_eq!(
        cidre.legal_notices,
        [
            "L'abus d'alcool est dangereux pour la santé, à consommer avec modération.",
            "La vente d'alcool aux mineurs de moins de 18 ans est interdite."
        ]
    );

    let atelier = by("p-atelier");
    assert_eq!(atelier.kind, Some(ProductKind::Service));
    assert_eq!(atelier.duration.as_deref(), Some("Durée : 2 h 30"));
    let sessions: Vec<&str> = atelier.sessions.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(sessions, ["samedi 12 décembre 2026 à 14 h 00, 8 places", "samedi 19 décembre 2026 à 9 h 30"]);
    assert_eq!(atelier.availability.as_deref(), Some("Toujours disponible"));
    assert_eq!(atelier.variants[0].unit_price, None);

    let table = by("p-table");
    assert_eq!(table.availability.as_deref(), Some("Fabriqué à la commande : prêt sous 21 jours"));
    assert_eq!(table.stock_policy, Some(StockPolicy::MadeToOrder));

    let toile = by("p-toile");
    assert_eq!(toile.sold_by.as_deref(), Some("le m²"));
    assert_eq!(toile.variants[0].unit_price_text.as_deref(), Some("12,50 € / m²"));
}

#[tokio::test]
async fn the_server_refuses_published_food_without_allergens_from_a_raw_client() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let food = json!({"ingredients": "Lait cru de vache, sel", "storage": "Entre 2 et 6 °C"});
    let extra = json!({"food": food, "variant": {"net_quantity": "250 g"}});
    let r =
        batch(&srv, &shop.token, json!([upsert("p-cam", 0, raw_product("Camembert", "CAM-250", 495, extra.clone()))]))
            .await;
    let res = &r["results"][0];
    assert_eq!((res["status"].as_str(), res["problem"]["code"].as_str()), (Some("invalid"), Some("not_publishable")));
    assert_eq!(pointers(res), ["/ops/0/data/food/allergens"]);
    let detail = res["problem"]["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("allergènes non renseignés"), "{detail}");
    assert!(res["problem"]["detail"].as_str().unwrap().starts_with("Produit non publiable en l'état"));
    // Nothing was stored.
    assert!(client.catalog_content(None, None).await.unwrap().items.is_empty());

    // The same product unpublished is accepted: a draft may be incomplete.
    let mut draft = raw_product("Camembert", "CAM-250", 495, extra.clone());
    draft["published"] = json!(false);
    let r = batch(&srv, &shop.token, json!([upsert("p-cam", 0, draft)])).await;
    assert_eq!(r["results"][0]["status"], "ok", "{r}");
    // « aucun » is an answer: published with an empty list.
    let mut none = raw_product("Camembert", "CAM-250", 495, extra);
    none["food"]["allergens"] = json!([]);
    let r = batch(&srv, &shop.token, json!([upsert("p-cam", 1, none)])).await;
    assert_eq!(r["results"][0]["status"], "ok", "{r}");

    // Every missing particular is told, and an alcoholic drink needs its mentions (but
    // no list of ingredients: Reg. 1169/2011 art. 16(4)).
    let empty_food = raw_product("Poiré", "POI-75", 700, json!({"food": {"abv_tenths": 40}}));
    let r = batch(&srv, &shop.token, json!([upsert("p-poire", 0, empty_food)])).await;
    let res = &r["results"][0];
    assert_eq!(res["problem"]["code"], "not_publishable");
    assert_eq!(
        pointers(res),
        [
            "/ops/0/data/food/allergens",
            "/ops/0/data/food/storage",
            "/ops/0/data/variants/0/net_quantity",
            "/ops/0/data/adults_only",
            "/ops/0/data/food/health_message",
        ]
    );
    // Sold by the kilo, no net quantity is owed.
    let by_kg = raw_product(
        "Beurre à la coupe",
        "BEU-KG",
        2450,
        json!({"unit": "kg", "food": {"ingredients": "Crème de lait", "allergens": ["milk"], "storage": "Au frais"}}),
    );
    let r = batch(&srv, &shop.token, json!([upsert("p-beurre", 0, by_kg)])).await;
    assert_eq!(r["results"][0]["status"], "ok", "{r}");
}

#[tokio::test]
async fn malformed_vocabulary_is_refused_with_pointers() {
    let srv = start().await;
    let (shop, _) = srv.shop("Fromagerie").await;
    let bad = raw_product(
        "Table",
        "TAB-1",
        89_000,
        json!({
            "stock_policy": "made_to_order",
            "lead_time_days": 400,
            "unit": "furlong",
            "kind": "gift",
            "packaging": "   ",
            "duration_minutes": 0,
            "sessions": [{"starts_at": "2026-02-30T10:00", "places": 0}, {"starts_at": "12/12 14h"}],
            "food": {"allergens": ["milk", "kryptonite"], "abv_tenths": 1001, "labels": [""]},
            "variant": {"net_quantity": "75cl", "unit_price": {"cents": 100, "per": "gallon"}},
            "published": false,
        }),
    );
    let zero = raw_product("Table", "TAB-2", 89_000, json!({"stock_policy": "made_to_order", "lead_time_days": 0}));
    let r = batch(&srv, &shop.token, json!([upsert("p-1", 0, bad), upsert("p-2", 0, zero)])).await;
    let res = &r["results"][0];
    assert_eq!((res["status"].as_str(), res["problem"]["code"].as_str()), (Some("invalid"), Some("validation_failed")));
    let mut got = pointers(res);
    got.sort_unstable();
    let mut want = vec![
        "/ops/0/data/unit",
        "/ops/0/data/packaging",
        "/ops/0/data/kind",
        "/ops/0/data/duration_minutes",
        "/ops/0/data/sessions/0/starts_at",
        "/ops/0/data/sessions/0/places",
        "/ops/0/data/sessions/1/starts_at",
        "/ops/0/data/lead_time_days",
        "/ops/0/data/food/allergens/1",
        "/ops/0/data/food/labels/0",
        "/ops/0/data/food/abv_tenths",
        "/ops/0/data/variants/0/net_quantity",
        "/ops/0/data/variants/0/unit_price/per",
    ];
    want.sort_unstable();
    assert_eq!(got, want, "{res}");
    let detail = |p: &str| {
        res["problem"]["errors"].as_array().unwrap().iter().find(|e| e["pointer"] == p).unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(detail("/ops/0/data/food/allergens/1").starts_with("allergène inconnu"));
    assert_eq!(detail("/ops/0/data/lead_time_days"), "délai de fabrication : de 1 à 365 jours");
    assert!(detail("/ops/0/data/variants/0/net_quantity").contains("« 75cl »"));
    assert_eq!(pointers(&r["results"][1]), ["/ops/1/data/lead_time_days"]);
}

#[tokio::test]
async fn the_unit_price_is_recomputed_and_a_different_one_refused() {
    let srv = start().await;
    let (shop, _) = srv.shop("Cave").await;
    let cidre = |cents| {
        raw_product(
            "Cidre",
            "CID-75",
            650,
            json!({"variant": {"net_quantity": "75 cl", "unit_price": {"cents": cents, "per": "l"}}}),
        )
    };
    let r = batch(&srv, &shop.token, json!([upsert("p-1", 0, cidre(866))])).await;
    let res = &r["results"][0];
    assert_eq!(res["problem"]["code"], "unit_price_mismatch");
    assert_eq!(pointers(res), ["/ops/0/data/variants/0/unit_price"]);
    assert!(res["problem"]["errors"][0]["detail"].as_str().unwrap().contains("8,67 € / l"));
    // No quantity, by the piece: no unit price can be claimed.
    let piece = raw_product("Bol", "BOL-1", 1200, json!({"variant": {"unit_price": {"cents": 1200, "per": "kg"}}}));
    let r = batch(&srv, &shop.token, json!([upsert("p-2", 0, piece)])).await;
    assert_eq!(r["results"][0]["problem"]["code"], "unit_price_mismatch");
    let r = batch(&srv, &shop.token, json!([upsert("p-1", 0, cidre(867))])).await;
    assert_eq!(r["results"][0]["status"], "ok", "{r}");
    // 100 g sold: the price per kg is ten times it.
    let jambon = raw_product(
        "Jambon à la coupe",
        "JAM-100",
        289,
        json!({"unit": "hundred_grams", "variant": {"unit_price": {"cents": 2890, "per": "kg"}}}),
    );
    let r = batch(&srv, &shop.token, json!([upsert("p-3", 0, jambon)])).await;
    assert_eq!(r["results"][0]["status"], "ok", "{r}");
}

#[tokio::test]
async fn orders_beyond_stock_pass_for_made_to_order_and_services_never_for_counted_stock() {
    let srv = start().await;
    let (shop, client) = srv.shop("Ébénisterie").await;
    let mut table = product(&[("TAB-CH", 0)]);
    table.stock_policy = Some(StockPolicy::MadeToOrder);
    table.lead_time_days = Some(21);
    put_product(&client, "p-table", 0, &table).await;
    let mut atelier = product(&[("ATL-1", 1)]);
    atelier.kind = Some(ProductKind::Service);
    put_product(&client, "p-atelier", 0, &atelier).await;
    let mut bol = product(&[("BOL-1", 2)]);
    bol.stock_policy = Some(StockPolicy::Unlimited);
    put_product(&client, "p-bol", 0, &bol).await;
    put_product(&client, "p-counted", 0, &product(&[("CAM-250", 2)])).await;

    let available = |sku: &'static str| {
        let srv = &srv;
        let shop = shop.shop_id.clone();
        async move {
            let page = srv.storefront.products(&shop, None).await.unwrap();
            page.items.iter().flat_map(|p| &p.variants).find(|v| v.sku == sku).unwrap().available
        }
    };
    let order = srv.order(&shop.shop_id, &[("TAB-CH", 3), ("ATL-1", 5), ("BOL-1", 40)]).await;
    assert_eq!(order.status, OrderStatus::PendingAcceptance);
    assert_eq!((available("TAB-CH").await, available("ATL-1").await, available("BOL-1").await), (0, 1, 2));
    // Refused: nothing goes back either (nothing was taken).
    let mut refuse = TransitionRequest::to(OrderStatus::Refused, 1);
    refuse.reason = Some("Carnet de commandes plein".to_owned());
    client.transition(&order.id, &key(), &refuse).await.unwrap();
    assert_eq!((available("TAB-CH").await, available("ATL-1").await, available("BOL-1").await), (0, 1, 2));
    let evs = client.events(0, None, Some(500)).await.unwrap().events;
    assert!(evs.iter().all(|e| e.stock().is_none()), "no stock moved, no stock.changed");

    // Counted stock is still enforced.
    let err = srv
        .storefront
        .place_order(&shop.shop_id, &order_req(&[("CAM-250", 3)]))
        .await
        .expect_err("beyond counted stock");
    assert_eq!(err.code(), Some("insufficient_stock"));
    srv.order(&shop.shop_id, &[("CAM-250", 2)]).await;
    assert_eq!(available("CAM-250").await, 0);
}

#[test]
fn the_document_states_the_patterns_the_server_applies() {
    let d = doc();
    let s = &d["components"]["schemas"];
    assert_eq!(s["Variant"]["properties"]["net_quantity"]["pattern"], NET_QUANTITY_PATTERN);
    assert_eq!(s["Session"]["properties"]["starts_at"]["pattern"], SESSION_START_PATTERN);
    let q = regex::Regex::new(NET_QUANTITY_PATTERN).unwrap();
    let mut tried = 0;
    for count in ["", "1 × ", "2 × ", "6 × ", "10000 × ", "10001 × ", "02 × ", "6 x "] {
        for number in [
            "0",
            "1",
            "75",
            "0,5",
            "0,001",
            "0,0001",
            "1,5",
            "1,50",
            "1,25",
            "999999,999",
            "1000000",
            "1000001",
            "01",
            ",5",
            "1,",
        ] {
            for unit in ["g", "kg", "ml", "cl", "l", "cm", "m", "m²", "m2", "L", "oz"] {
                let s = format!("{count}{number} {unit}");
                assert_eq!(q.is_match(&s), NetQuantity::parse_canonical(&s).is_some(), "« {s} »");
                tried += 1;
            }
        }
    }
    assert!(tried > 1000);
    // Sessions: every day of 2000–2099 the pattern allows is a real date, and every
    // real date matches; days 29 to 31 of each month and years just outside too.
    let sp = regex::Regex::new(SESSION_START_PATTERN).unwrap();
    for year in 1999..=2100 {
        for month in 1..=12 {
            for day in [1, 28, 29, 30, 31] {
                let s = format!("{year:04}-{month:02}-{day:02}T09:30");
                let real = chrono::NaiveDate::from_ymd_opt(year, month, day)
                    .is_some_and(|d| (2000..=2099).contains(&d.year()));
                assert_eq!(sp.is_match(&s), real, "{s}");
                let session = Session { starts_at: s.clone(), places: None };
                assert_eq!(session.start().is_some_and(|t| (2000..=2099).contains(&t.year())), real, "{s}");
            }
        }
    }
    for bad in ["2026-12-12T24:00", "2026-12-12T14:60", "2026-12-12 14:00", "2026-12-12T14:00:00", "2026-1-12T14:00"] {
        assert!(!sp.is_match(bad), "{bad}");
        assert!(Session { starts_at: bad.to_owned(), places: None }.start().is_none(), "{bad}");
    }
    // The allergens the document lists are the protocol's.
    let listed: Vec<&str> = s["Allergen"]["enum"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let ours: Vec<&str> = Allergen::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(listed, ours);
}

#[tokio::test]
async fn responses_carrying_the_vocabulary_match_the_document() {
    let srv = start().await;
    let (shop, client) = srv.shop("Cave et ateliers").await;
    for (ext, p) in vocabulary_products() {
        put_product(&client, ext, 0, &p).await;
    }
    let auth = srv.raw(Method::GET, "/v1/catalog/content").bearer_auth(&shop.token);
    let (_, content) = crate::openapi::conforms(auth, "get", "/v1/catalog/content").await;
    assert_eq!(content["items"].as_array().unwrap().len(), 4);
    assert!(
        content["items"].as_array().unwrap().iter().any(|i| i["product"]["food"]["allergens"] == json!(["sulphites"]))
    );
    let path = format!("/storefront/v1/shops/{}/products", shop.shop_id);
    let (_, page) =
        crate::openapi::conforms(srv.raw(Method::GET, &path), "get", "/storefront/v1/shops/{shop_id}/products").await;
    assert!(
        page["items"].as_array().unwrap().iter().any(|p| p["legal_notices"].as_array().is_some_and(|n| n.len() == 2))
    );
}
