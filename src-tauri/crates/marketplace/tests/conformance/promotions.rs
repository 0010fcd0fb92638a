//! Promotions and campaigns (MSP/1.1), over HTTP. The server applies each promotion
//! by its own clock: between the reads below the shop sends nothing (its PC is
//! switched off), only the server's clock moves.

use chrono::{DateTime, Duration, TimeZone, Utc};
use comptoir_protocol::campaigns::CampaignCreate;
use comptoir_protocol::catalog::{CampaignRef, ProductData, Promotion, Stock, Variant};
use comptoir_protocol::orders::Order;
use comptoir_protocol::storefront::CustomerCancelRequest;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
}

/// Midnight on 1 December and on 25 December 2026, Paris time (UTC+1 in winter).
fn noel_start() -> DateTime<Utc> {
    utc(2026, 11, 30, 23)
}

fn noel_end() -> DateTime<Utc> {
    utc(2026, 12, 24, 23)
}

/// Moves the server's clock (and only it) to `t`.
fn set_clock(srv: &Server, t: DateTime<Utc>) {
    let now = srv.state.now();
    assert!(t >= now, "the clock only moves forward");
    srv.clock.advance(t - now);
    assert_eq!(srv.state.now(), t);
}

fn promotion(
    id: &str,
    price: i64,
    reference: Option<i64>,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> Promotion {
    Promotion {
        id: id.to_owned(),
        price_ttc: price,
        reference_price_ttc: reference,
        percent_off: None,
        starts_at: from,
        ends_at: to,
        quantity_limit: None,
        campaign: None,
    }
}

/// A Yule log of 800 g at 12,00 €, 50 in stock.
fn buche(promotions: Vec<Promotion>) -> ProductData {
    ProductData {
        title: "Bûche pâtissière chocolat-poire".to_owned(),
        published: true,
        variants: vec![Variant {
            sku: "BUCHE-8".to_owned(),
            price_ttc: 1200,
            currency: "EUR".to_owned(),
            vat_rate: "5.5".to_owned(),
            stock: Stock { available: 50 },
            net_quantity: Some("800 g".to_owned()),
            promotions,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn noel_promotion() -> Promotion {
    Promotion {
        percent_off: Some(20),
        campaign: Some(CampaignRef { id: "noel-2026".to_owned(), name: "Noël en Orne".to_owned() }),
        ..promotion("p-noel", 960, Some(1200), noel_start(), Some(noel_end()))
    }
}

/// The storefront's raw JSON of one SKU.
async fn shown(srv: &Server, shop: &str, sku: &str) -> Value {
    let page: Value = srv
        .raw(Method::GET, &format!("/storefront/v1/shops/{shop}/products"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let variants = page["items"].as_array().unwrap().iter().flat_map(|p| p["variants"].as_array().unwrap());
    variants.into_iter().find(|v| v["sku"] == sku).cloned().unwrap_or_else(|| panic!("{sku} not shown: {page}"))
}

/// The HTML page, with its content type checked.
async fn page(srv: &Server, shop: &str) -> String {
    let resp = srv.raw(Method::GET, &format!("/storefront/v1/shops/{shop}/page")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    let html = resp.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    html
}

/// An order placed now, as raw JSON (to see which members are absent) and typed.
async fn order(srv: &Server, shop: &str, lines: &[(&str, i64)]) -> (Value, Order) {
    let resp = srv
        .raw(Method::POST, &format!("/storefront/v1/shops/{shop}/orders"))
        .json(&order_req(lines))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let raw: Value = resp.json().await.unwrap();
    let typed = serde_json::from_value(raw.clone()).unwrap();
    (raw, typed)
}

const REGULAR_LINE: &str = "<li class=\"variant\" data-sku=\"BUCHE-8\"><span class=\"net-quantity\">800 g</span> <strong class=\"price\">12,00 €</strong> <span class=\"unit-price\">soit 15,00 € / kg</span></li>";

#[tokio::test]
async fn a_promotion_starts_and_ends_by_the_servers_clock_with_the_shop_switched_off() {
    let srv = start().await;
    let (shop, client) = srv.shop("Pâtisserie du Perche").await;
    put_product(&client, "p-buche", 0, &buche(vec![noel_promotion()])).await;
    drop(client); // The shop's PC is off from here on.
    let sid = shop.shop_id.as_str();
    let regular = |available: i64| {
        json!({"sku": "BUCHE-8", "options": {}, "price_ttc": 1200, "currency": "EUR", "available": available,
               "net_quantity": "800 g", "unit_price": {"cents": 1500, "per": "kg"}, "unit_price_text": "15,00 € / kg"})
    };
    let reduced = |available: i64| {
        json!({"sku": "BUCHE-8", "options": {}, "price_ttc": 960, "currency": "EUR", "available": available,
               "net_quantity": "800 g", "unit_price": {"cents": 1200, "per": "kg"}, "unit_price_text": "12,00 € / kg",
               "promotion": {
                   "id": "p-noel", "regular_price_ttc": 1200, "reference_price_ttc": 1200,
                   "reference_price_text": "12,00 €", "discount_text": "\u{2212}20 %",
                   "ends_at": "2026-12-24T23:00:00Z",
                   "until_text": "Jusqu'au jeudi 24 décembre 2026 inclus", "campaign": "Noël en Orne"}})
    };
    let reduced_line = "<li class=\"variant\" data-sku=\"BUCHE-8\"><span class=\"net-quantity\">800 g</span> <strong class=\"price\">9,60 €</strong> <del>12,00 €</del> <span class=\"discount\">\u{2212}20 %</span> <span class=\"until\">Jusqu'au jeudi 24 décembre 2026 inclus</span> <span class=\"campaign\">Noël en Orne</span> <span class=\"unit-price\">soit 12,00 € / kg</span></li>";

    // (instant, storefront variant, the page's line, one unit's price, promotion)
    let second = Duration::seconds(1);
    let steps = [
        (noel_start() - second, regular(50), REGULAR_LINE, 1200, false),
        (noel_start(), reduced(48), reduced_line, 960, true),
        (noel_end() - second, reduced(46), reduced_line, 960, true),
        (noel_end(), regular(44), REGULAR_LINE, 1200, false),
    ];
    for (at, variant, line, unit, promoted) in steps {
        set_clock(&srv, at);
        assert_eq!(shown(&srv, sid, "BUCHE-8").await, variant, "storefront at {at}");
        let html = page(&srv, sid).await;
        assert!(html.contains("<h1>Pâtisserie du Perche</h1>"), "{html}");
        assert!(html.contains("<h2>Bûche pâtissière chocolat-poire</h2>"), "{html}");
        assert!(html.contains(line), "page at {at}:\n{html}");
        assert_eq!(html.contains("<del>"), promoted, "page at {at}:\n{html}");

        let (raw, o) = order(&srv, sid, &[("BUCHE-8", 2)]).await;
        assert_eq!(o.lines.len(), 1, "{raw}");
        let l = &o.lines[0];
        assert_eq!((l.line_id.as_str(), l.quantity, l.unit_price_ttc), ("l1", 2, unit), "order at {at}");
        assert_eq!(o.total_ttc, 2 * unit);
        if promoted {
            assert_eq!((l.promotion_id.as_deref(), l.regular_price_ttc), (Some("p-noel"), Some(1200)));
        } else {
            let line = raw["lines"][0].as_object().unwrap();
            assert!(!line.contains_key("promotion_id") && !line.contains_key("regular_price_ttc"), "{raw}");
        }
    }
}

#[tokio::test]
async fn a_quantity_limit_sells_that_many_at_the_reduced_price_then_the_regular_one() {
    let srv = start().await;
    let (shop, client) = srv.shop("Cidrerie").await;
    let now = srv.state.now();
    let limited = Promotion { quantity_limit: Some(3), ..promotion("p-lot", 960, Some(1200), now, None) };
    put_product(&client, "p-buche", 0, &buche(vec![limited])).await;
    let sid = shop.shop_id.as_str();
    let shown_now = shown(&srv, sid, "BUCHE-8").await;
    assert_eq!(shown_now["price_ttc"], 960);
    assert_eq!(shown_now["promotion"]["remaining"], 3);
    assert_eq!(shown_now["promotion"]["until_text"], "Jusqu'à épuisement du stock");
    assert!(shown_now["promotion"].get("ends_at").is_none(), "{shown_now}");
    let html = page(&srv, sid).await;
    assert!(
        html.contains("<strong class=\"price\">9,60 €</strong> <del>12,00 €</del> <span class=\"discount\">\u{2212}20 %</span> <span class=\"until\">Jusqu'à épuisement du stock</span> <span class=\"remaining\">Encore 3 au prix réduit</span>"),
        "{html}"
    );

    // 5 wanted, 3 left at the reduced price: two lines of the same SKU.
    let (raw, first) = order(&srv, sid, &[("BUCHE-8", 5)]).await;
    type Line<'a> = (&'a str, i64, i64, Option<&'a str>, Option<i64>);
    let lines: Vec<Line> = first
        .lines
        .iter()
        .map(|l| (l.line_id.as_str(), l.quantity, l.unit_price_ttc, l.promotion_id.as_deref(), l.regular_price_ttc))
        .collect();
    assert_eq!(lines, [("l1", 3, 960, Some("p-lot"), Some(1200)), ("l2", 2, 1200, None, None)], "{raw}");
    assert_eq!(first.total_ttc, 3 * 960 + 2 * 1200);
    // Stock counts both lines.
    assert_eq!(
        shown(&srv, sid, "BUCHE-8").await,
        json!({
        "sku": "BUCHE-8", "options": {}, "price_ttc": 1200, "currency": "EUR", "available": 45, "net_quantity": "800 g",
        "unit_price": {"cents": 1500, "per": "kg"}, "unit_price_text": "15,00 € / kg"})
    );
    assert!(page(&srv, sid).await.contains(REGULAR_LINE));
    let (_, next) = order(&srv, sid, &[("BUCHE-8", 1)]).await;
    assert_eq!(
        (next.lines.len(), next.lines[0].unit_price_ttc, next.lines[0].promotion_id.as_deref()),
        (1, 1200, None)
    );
    assert_eq!(next.total_ttc, 1200);

    // A cancelled order gives its units back to the promotion, as to the shelf.
    srv.storefront.cancel_order(&first.id, &CustomerCancelRequest { reason: None }).await.unwrap();
    let back = shown(&srv, sid, "BUCHE-8").await;
    assert_eq!((back["price_ttc"].as_i64(), back["promotion"]["remaining"].as_i64()), (Some(960), Some(3)));
    assert_eq!(back["available"], 49);
    // Two lines of one SKU in one order share what is left.
    let (_, o) = order(&srv, sid, &[("BUCHE-8", 2), ("BUCHE-8", 2)]).await;
    let lines: Vec<(&str, i64, i64)> =
        o.lines.iter().map(|l| (l.line_id.as_str(), l.quantity, l.unit_price_ttc)).collect();
    assert_eq!(lines, [("l1", 2, 960), ("l2", 1, 960), ("l3", 1, 1200)]);
    assert_eq!(o.total_ttc, 3 * 960 + 1200);
}

#[tokio::test]
async fn a_regular_price_dropped_below_the_reduced_one_is_the_one_charged() {
    let srv = start().await;
    let (shop, client) = srv.shop("Pâtisserie").await;
    let now = srv.state.now();
    let running = promotion("p-1", 960, Some(1200), now - Duration::hours(1), Some(now + Duration::days(7)));
    let v1 = put_product(&client, "p-buche", 0, &buche(vec![running.clone()])).await;
    let sid = shop.shop_id.as_str();
    assert_eq!(shown(&srv, sid, "BUCHE-8").await["price_ttc"], 960);
    let mut cheaper = buche(vec![running.clone()]);
    cheaper.variants[0].price_ttc = 900;
    let v2 = put_product(&client, "p-buche", v1, &cheaper).await;
    let variant = shown(&srv, sid, "BUCHE-8").await;
    assert_eq!((variant["price_ttc"].as_i64(), variant.get("promotion")), (Some(900), None), "{variant}");
    assert!(!page(&srv, sid).await.contains("<del>"));
    let (raw, o) = order(&srv, sid, &[("BUCHE-8", 2)]).await;
    assert_eq!(
        (o.lines[0].unit_price_ttc, o.lines[0].promotion_id.as_deref(), o.total_ttc),
        (900, None, 1800),
        "{raw}"
    );
    // Back above it, the promotion is charged again.
    let mut dearer = buche(vec![running]);
    dearer.variants[0].stock.available = 48;
    put_product(&client, "p-buche", v2 + 1, &dearer).await;
    let variant = shown(&srv, sid, "BUCHE-8").await;
    assert_eq!(
        (variant["price_ttc"].as_i64(), variant["promotion"]["regular_price_ttc"].as_i64()),
        (Some(960), Some(1200))
    );
}

fn upsert(ext: &str, data: Value) -> Value {
    json!({"op": "upsert", "type": "product", "external_id": ext, "base_version": 0, "data": data})
}

fn errors_of(result: &Value) -> Vec<(String, String)> {
    result["problem"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap().to_owned(), e["detail"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn promotions_breaking_a_rule_make_their_op_invalid_and_only_it() {
    let srv = start().await;
    let (shop, _) = srv.shop("Pâtisserie").await;
    let product = |sku: &str, promotions: Vec<Promotion>| {
        let mut p = buche(promotions);
        p.variants[0].sku = sku.to_owned();
        serde_json::to_value(p).unwrap()
    };
    let not_a_reduction = promotion("p-same", 1200, Some(1200), noel_start(), Some(noel_end()));
    let overlapping = vec![
        promotion("p-avent", 1000, Some(1200), noel_start(), Some(noel_end())),
        promotion("p-flash", 900, Some(1200), utc(2026, 12, 20, 8), None),
    ];
    let backwards = promotion("p-back", 960, Some(1200), noel_end(), Some(noel_start()));
    let mut form_and_rule = promotion("p-pct", 1300, Some(1200), noel_start(), None);
    form_and_rule.percent_off = Some(120);
    let ops = json!([
        upsert("p-ok", product("OK-1", vec![noel_promotion()])),
        upsert("p-same", product("SAME-1", vec![not_a_reduction])),
        upsert("p-overlap", product("OVER-1", overlapping)),
        upsert("p-back", product("BACK-1", vec![backwards])),
        {"op": "upsert", "type": "category", "external_id": "c-noel", "base_version": 0, "data": {"name": "Noël"}},
        upsert("p-mixed", product("MIX-1", vec![form_and_rule])),
        upsert("p-perishable", product("FRESH-1", vec![promotion("p-fresh", 500, None, noel_start(), None)])),
    ]);
    let resp = srv
        .raw(Method::POST, "/v1/catalog/batch")
        .bearer_auth(&shop.token)
        .header("idempotency-key", key())
        .json(&json!({ "ops": ops }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let r = body["results"].as_array().unwrap();
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ok", "invalid", "invalid", "invalid", "ok", "invalid", "ok"], "{body}");

    assert_eq!(r[1]["problem"]["code"], "promotion_invalid");
    let e = errors_of(&r[1]);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, "/ops/1/data/variants/0/promotions/0/price_ttc");
    assert_eq!(
        e[0].1,
        "le prix réduit (12,00 €) doit être inférieur au prix de référence (12,00 €) : sans quoi ce n'est pas une réduction (Code de la consommation, art. L112-1-1)"
    );

    assert_eq!(r[2]["problem"]["code"], "promotion_invalid");
    assert_eq!(
        errors_of(&r[2]),
        [(
            "/ops/2/data/variants/0/promotions/1".to_owned(),
            "chevauche la promotion « p-avent » : deux promotions d'une même variante ne peuvent avoir cours en même temps"
                .to_owned()
        )]
    );

    assert_eq!(r[3]["problem"]["code"], "promotion_invalid");
    assert_eq!(
        errors_of(&r[3]),
        [(
            "/ops/3/data/variants/0/promotions/0/ends_at".to_owned(),
            "la fin de la promotion doit suivre son début".to_owned()
        )]
    );

    // A form error among them: `validation_failed`, every cause told.
    assert_eq!(r[5]["problem"]["code"], "validation_failed");
    let pointers: Vec<String> = errors_of(&r[5]).into_iter().map(|e| e.0).collect();
    assert_eq!(
        pointers,
        ["/ops/5/data/variants/0/promotions/0/price_ttc", "/ops/5/data/variants/0/promotions/0/percent_off"]
    );

    // The valid ops went in; the storefront shows them and nothing of the others.
    let page = srv.storefront.products(&shop.shop_id, None).await.unwrap();
    let ids: Vec<&str> = page.items.iter().map(|p| p.external_id.as_str()).collect();
    assert_eq!(ids, ["p-ok", "p-perishable"]);
    // Perishable goods need no reference price (art. L112-1-1 exempts them): no struck
    // price, no percentage.
    set_clock(&srv, noel_start());
    let fresh = shown(&srv, &shop.shop_id, "FRESH-1").await;
    assert_eq!(
        fresh["promotion"],
        json!({"id": "p-fresh", "regular_price_ttc": 1200, "until_text": "Jusqu'à épuisement du stock"})
    );
    let html = self::page(&srv, &shop.shop_id).await;
    assert!(
        html.contains(
            "<strong class=\"price\">5,00 €</strong> <span class=\"until\">Jusqu'à épuisement du stock</span>"
        ),
        "{html}"
    );
}

#[tokio::test]
async fn campaigns_are_announced_by_the_marketplace_and_listed_until_over() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    assert_eq!(client.me().await.unwrap().protocol_version, "1.1");
    let campaign = |id: &str, name: &str, from: DateTime<Utc>, to: Option<DateTime<Utc>>| CampaignCreate {
        id: id.to_owned(),
        name: name.to_owned(),
        description: String::new(),
        starts_at: from,
        ends_at: to,
    };
    let printemps = campaign("printemps-2027", "Printemps des producteurs", utc(2027, 3, 19, 23), None);
    let noel = CampaignCreate {
        description: "Les commerces de l'Orne fêtent Noël.".to_owned(),
        ..campaign("noel-2026", "Noël en Orne", noel_start(), Some(noel_end()))
    };
    // Already over at the server's now (1 June 2026).
    let meres = campaign("fete-des-meres-2026", "Fête des mères", utc(2026, 5, 20, 22), Some(utc(2026, 5, 31, 22)));
    for c in [&printemps, &meres, &noel] {
        let stored = srv.admin.create_campaign(c).await.unwrap();
        assert_eq!((stored.id.as_str(), stored.starts_at, stored.ends_at), (c.id.as_str(), c.starts_at, c.ends_at));
    }
    let listed = client.campaigns().await.unwrap();
    assert_eq!(listed.next_cursor, None);
    let ids: Vec<&str> = listed.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["noel-2026", "printemps-2027"], "by start, the one over left out");
    assert_eq!(listed.items[0].description, "Les commerces de l'Orne fêtent Noël.");
    assert_eq!(listed.items[0].ends_at, Some(noel_end()));

    // Replaced by id: 200 (a creation is 201).
    let renamed = CampaignCreate { name: "Noël en Orne 2026".to_owned(), ..noel.clone() };
    let resp =
        srv.raw(Method::POST, "/admin/v1/campaigns").bearer_auth(ADMIN_TOKEN).json(&renamed).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(client.campaigns().await.unwrap().items[0].name, "Noël en Orne 2026");

    // Refused: a bad id, an end before the start; and the admin API wants the admin token.
    let err = srv.admin.create_campaign(&campaign("Noël 2026", "Noël", noel_start(), None)).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(422), Some("validation_failed")));
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/id");
    let err = srv.admin.create_campaign(&campaign("x", "   ", noel_start(), None)).await.unwrap_err();
    assert_eq!((err.code(), err.problem().unwrap().errors[0].pointer.as_str()), (Some("validation_failed"), "/name"));
    let err = srv.admin.create_campaign(&campaign("avent", "Avent", noel_end(), Some(noel_start()))).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(422), Some("campaign_invalid")));
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/ends_at");
    let resp = srv.raw(Method::POST, "/admin/v1/campaigns").bearer_auth(client.token()).json(&noel).send();
    assert_eq!(resp.await.unwrap().status(), 401);
    let resp = srv.raw(Method::GET, "/v1/campaigns").send().await.unwrap();
    assert_eq!(resp.status(), 401);

    // Past Christmas (its end is exclusive): only the spring one is left.
    set_clock(&srv, noel_end() - Duration::seconds(1));
    assert_eq!(client.campaigns().await.unwrap().items.len(), 2);
    set_clock(&srv, noel_end());
    let ids: Vec<String> = client.campaigns().await.unwrap().items.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["printemps-2027"]);

    // Pages follow each other by start.
    let page: Value = srv
        .raw(Method::GET, "/v1/campaigns?limit=1")
        .bearer_auth(client.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], "printemps-2027");
    assert!(page.get("next_cursor").is_none(), "{page}");
}
