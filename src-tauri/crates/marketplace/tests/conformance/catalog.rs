use comptoir_marketplace::Config;
use comptoir_protocol::catalog::{
    CatalogBatchRequest, CatalogOp, CategoryData, ModerationStatus, ObjectType, OpStatus,
};
use comptoir_protocol::events::EventType;
use comptoir_protocol::hash::content_hash;
use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn stale_base_versions_conflict_with_the_current_version() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let p = product(&[("CAM-250", 12)]);
    let one = |op| CatalogBatchRequest { ops: vec![op] };
    let r = client.catalog_batch(&key(), &one(CatalogOp::upsert_product("p-1", 0, &p))).await.unwrap();
    assert_eq!(r.value.results[0].version, Some(1));

    let r = client.catalog_batch(&key(), &one(CatalogOp::upsert_product("p-1", 0, &p))).await.unwrap();
    assert_eq!(r.value.results[0].status, OpStatus::Conflict);
    assert_eq!(r.value.results[0].current_version, Some(1));

    let r = client.catalog_batch(&key(), &one(CatalogOp::upsert_product("p-1", 1, &p))).await.unwrap();
    assert_eq!((r.value.results[0].status, r.value.results[0].version), (OpStatus::Ok, Some(2)));

    let r = client.catalog_batch(&key(), &one(CatalogOp::delete(ObjectType::Product, "p-1", 1))).await.unwrap();
    assert_eq!(r.value.results[0].status, OpStatus::Conflict);
    assert_eq!(r.value.results[0].current_version, Some(2));

    let r = client.catalog_batch(&key(), &one(CatalogOp::delete(ObjectType::Product, "p-1", 2))).await.unwrap();
    assert_eq!(r.value.results[0].version, Some(3));
    let state = client.catalog_state(None, None).await.unwrap();
    assert!(state.items[0].deleted && state.items[0].hash.is_none());

    // Re-creating after a delete continues from the tombstone's version.
    let r = client.catalog_batch(&key(), &one(CatalogOp::upsert_product("p-1", 3, &p))).await.unwrap();
    assert_eq!(r.value.results[0].version, Some(4));
    // Deleting something that never existed is a no-op success.
    let r = client.catalog_batch(&key(), &one(CatalogOp::delete(ObjectType::Category, "nope", 0))).await.unwrap();
    assert_eq!((r.value.results[0].status, r.value.results[0].version), (OpStatus::Ok, Some(0)));
}

#[tokio::test]
async fn each_op_gets_its_own_result_with_precise_pointers() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let good = serde_json::to_value(product(&[("A-1", 1)])).unwrap();
    let mut bad_price = serde_json::to_value(product(&[("B-1", 1)])).unwrap();
    bad_price["variants"][0]["price_ttc"] = json!("4,95");
    let mut bad_vat = serde_json::to_value(product(&[("C-1", 1)])).unwrap();
    bad_vat["variants"][0]["vat_rate"] = json!("7");
    bad_vat["variants"][0]["currency"] = json!("USD");
    let mut no_title = serde_json::to_value(product(&[("D-1", 1)])).unwrap();
    no_title.as_object_mut().unwrap().remove("title");
    let body = json!({"ops": [
        {"op": "upsert", "type": "product", "external_id": "good", "base_version": 0, "data": good, "future_field": 1},
        {"op": "upsert", "type": "product", "external_id": "bad-price", "base_version": 0, "data": bad_price},
        {"op": "upsert", "type": "product", "external_id": "bad-vat", "base_version": 0, "data": bad_vat},
        {"op": "upsert", "type": "product", "external_id": "no-title", "base_version": 0, "data": no_title},
        {"op": "frobnicate", "type": "product", "external_id": "x", "base_version": 0},
        {"op": "upsert", "type": "product", "external_id": "no-data", "base_version": 0},
    ]});
    let resp = srv
        .raw(Method::POST, "/v1/catalog/batch")
        .bearer_auth(&shop.token)
        .header("idempotency-key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let r: comptoir_protocol::catalog::CatalogBatchResponse = resp.json().await.unwrap();
    let statuses: Vec<_> = r.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [OpStatus::Ok, OpStatus::Invalid, OpStatus::Invalid, OpStatus::Invalid, OpStatus::Invalid, OpStatus::Invalid]
    );
    let pointers = |i: usize| -> Vec<String> {
        r.results[i].problem.as_ref().unwrap().errors.iter().map(|e| e.pointer.clone()).collect()
    };
    assert_eq!(pointers(1), ["/ops/1/data/variants/0/price_ttc"]);
    assert_eq!(pointers(2), ["/ops/2/data/variants/0/currency", "/ops/2/data/variants/0/vat_rate"]);
    assert_eq!(pointers(3), ["/ops/3/data/title"]);
    assert_eq!(pointers(4), ["/ops/4/op"]);
    assert_eq!(pointers(5), ["/ops/5/data"]);
    assert_eq!(r.results[1].external_id, "bad-price");
    let state = client.catalog_state(None, None).await.unwrap();
    assert_eq!(state.items.len(), 1, "only the valid op was written");
    assert_eq!(state.items[0].external_id, "good");
}

#[tokio::test]
async fn references_are_checked_sku_category_media() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let cat = CategoryData { name: "Crèmerie".to_owned(), parent_external_id: None, position: 0 };
    let mut p1 = product(&[("CAM-250", 1)]);
    p1.category_external_ids = vec!["c-cremerie".to_owned()];
    // A category created earlier in the same batch is visible to later ops.
    let r = client
        .catalog_batch(
            &key(),
            &CatalogBatchRequest {
                ops: vec![CatalogOp::upsert_category("c-cremerie", 0, &cat), CatalogOp::upsert_product("p-1", 0, &p1)],
            },
        )
        .await
        .unwrap();
    assert!(r.value.results.iter().all(|r| r.status == OpStatus::Ok), "{:?}", r.value);

    let mut p2 = product(&[("CAM-250", 1)]);
    p2.category_external_ids = vec!["c-cave".to_owned()];
    p2.images = vec!["a".repeat(64), "not-a-hash".to_owned()];
    let r = client
        .catalog_batch(&key(), &CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-2", 0, &p2)] })
        .await
        .unwrap();
    let problem = r.value.results[0].problem.clone().unwrap();
    assert_eq!(problem.code, "validation_failed", "mixed causes");
    let got: Vec<_> = problem.errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        got,
        [
            "/ops/0/data/variants/0/sku",
            "/ops/0/data/images/0",
            "/ops/0/data/images/1",
            "/ops/0/data/category_external_ids/0"
        ]
    );
}

#[tokio::test]
async fn state_pages_with_cursors_and_matching_hashes() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let mut ops = Vec::new();
    for i in 0..5 {
        ops.push(CatalogOp::upsert_product(format!("p-{i}"), 0, &product(&[(&format!("S-{i}"), i)])));
    }
    ops.push(CatalogOp::upsert_category(
        "c-1",
        0,
        &CategoryData { name: "Cave".to_owned(), parent_external_id: None, position: 1 },
    ));
    client.catalog_batch(&key(), &CatalogBatchRequest { ops }).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client.catalog_state(cursor.as_deref(), Some(2)).await.unwrap();
        pages += 1;
        for item in &page.items {
            if item.object_type == ObjectType::Product {
                let i: i64 = item.external_id[2..].parse().unwrap();
                assert_eq!(item.hash.as_deref(), Some(content_hash(&product(&[(&format!("S-{i}"), i)])).as_str()));
            }
            seen.push(format!("{}/{}", item.object_type.as_str(), item.external_id));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["category/c-1", "product/p-0", "product/p-1", "product/p-2", "product/p-3", "product/p-4"]);
    let bad = client.catalog_state(Some("zz"), None).await.unwrap_err();
    assert_eq!(bad.status(), Some(400));
}

/// `GET /v1/catalog/content` gives back every live object exactly as stored (its data
/// hashes to the hash `state` reports), pages with cursors, and leaves deleted ones out.
#[tokio::test]
async fn content_gives_back_the_live_catalogue_as_stored() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let cat = CategoryData { name: "Cave".to_owned(), parent_external_id: None, position: 1 };
    let sub = CategoryData { name: "Cidres".to_owned(), parent_external_id: Some("c-1".to_owned()), position: 2 };
    let mut ops = vec![CatalogOp::upsert_category("c-1", 0, &cat), CatalogOp::upsert_category("c-2", 0, &sub)];
    for i in 0..5 {
        let mut p = product(&[(&format!("S-{i}"), i), (&format!("S-{i}-XL"), 2 * i)]);
        p.published = i % 2 == 0;
        p.category_external_ids = vec!["c-2".to_owned()];
        ops.push(CatalogOp::upsert_product(format!("p-{i}"), 0, &p));
    }
    client.catalog_batch(&key(), &CatalogBatchRequest { ops }).await.unwrap();
    let gone = CatalogBatchRequest { ops: vec![CatalogOp::delete(ObjectType::Product, "p-3", 1)] };
    client.catalog_batch(&key(), &gone).await.unwrap();

    let state = client.catalog_state(None, None).await.unwrap();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.catalog_content(cursor.as_deref(), Some(2)).await.unwrap();
        items.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let ids: Vec<String> = items.iter().map(|i| format!("{}/{}", i.object_type.as_str(), i.external_id)).collect();
    assert_eq!(ids, ["category/c-1", "category/c-2", "product/p-0", "product/p-1", "product/p-2", "product/p-4"]);
    for item in &items {
        let s = state.items.iter().find(|s| s.external_id == item.external_id).unwrap();
        assert_eq!((item.version, Some(&item.hash)), (s.version, s.hash.as_ref()));
        let hash = match item.object_type {
            ObjectType::Category => {
                assert!(item.product.is_none());
                content_hash(item.category.as_ref().unwrap())
            }
            _ => {
                assert!(item.category.is_none());
                content_hash(item.product.as_ref().unwrap())
            }
        };
        assert_eq!(hash, item.hash, "{}", item.external_id);
    }
    assert_eq!(items[1].category.as_ref(), Some(&sub));
    let p4 = items[5].product.as_ref().unwrap();
    assert_eq!(p4.variants.iter().map(|v| v.stock.available).collect::<Vec<_>>(), [4, 8]);
    assert!(p4.published);
    let bad = client.catalog_content(Some("zz"), None).await.unwrap_err();
    assert_eq!(bad.status(), Some(400));
}

#[tokio::test]
async fn moderation_bumps_the_version_so_stale_upserts_conflict() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let p = product(&[("CAM-250", 1)]);
    put_product(&client, "p-1", 0, &p).await;
    let ev = srv.admin.moderate(&shop.shop_id, "p-1", ModerationStatus::Rejected, Some("Photo floue")).await.unwrap();
    assert_eq!(ev["version"], 2);
    let state = client.catalog_state(None, None).await.unwrap();
    let m = state.items[0].moderation.clone().unwrap();
    assert_eq!((m.status, m.reason.as_deref()), (ModerationStatus::Rejected, Some("Photo floue")));
    let r = client
        .catalog_batch(&key(), &CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-1", 1, &p)] })
        .await
        .unwrap();
    assert_eq!(r.value.results[0].status, OpStatus::Conflict);
    assert_eq!(r.value.results[0].current_version, Some(2));
    let events = client.events(0, None, None).await.unwrap();
    assert_eq!(events.events[0].event_type, EventType::ProductModerated);
    assert_eq!(events.events[0].moderation().unwrap().moderation.reason.as_deref(), Some("Photo floue"));
    // Rejected products are not for sale.
    let page = srv.storefront.products(&shop.shop_id, None).await.unwrap();
    assert!(page.items.is_empty());
    let no_reason = srv.admin.moderate(&shop.shop_id, "p-1", ModerationStatus::Rejected, None).await;
    assert_eq!(no_reason.unwrap_err().problem().unwrap().errors[0].pointer, "/reason");
}

#[tokio::test]
async fn whole_request_limits_are_problems() {
    let config = Config { max_body_bytes: 4096, max_batch_ops: 3, ..Config::default() };
    let srv = start_with(config, Default::default()).await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let ops: Vec<_> = (0..4).map(|i| CatalogOp::upsert_product(format!("p-{i}"), 0, &product(&[("S", 1)]))).collect();
    let err = client.catalog_batch(&key(), &CatalogBatchRequest { ops }).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/ops");

    let big = format!("{{\"ops\": [], \"pad\": \"{}\"}}", "x".repeat(10_000));
    let resp = srv
        .raw(Method::POST, "/v1/catalog/batch")
        .bearer_auth(&shop.token)
        .header("idempotency-key", "big")
        .body(big)
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("payload_too_large")));

    let resp = srv
        .raw(Method::POST, "/v1/catalog/batch")
        .bearer_auth(&shop.token)
        .header("idempotency-key", "broken")
        .body("{\"ops\": [")
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p["code"].as_str()), (400, Some("malformed_request")));
}
