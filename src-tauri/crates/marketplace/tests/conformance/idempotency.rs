use std::sync::Arc;

use comptoir_marketplace::{Config, Gate, Hooks};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, OpStatus};
use reqwest::Method;

use crate::support::*;

fn batch(title: &str) -> CatalogBatchRequest {
    let mut p = product(&[("CAM-250", 3)]);
    p.title = title.to_owned();
    CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-1", 0, &p)] }
}

#[tokio::test]
async fn same_key_same_body_replays_the_stored_response() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let first = client.catalog_batch("k-1", &batch("Camembert")).await.unwrap();
    assert!(!first.replayed);
    assert_eq!(first.value.results[0].version, Some(1));
    let again = client.catalog_batch("k-1", &batch("Camembert")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.value, first.value);
    // The write happened once: a real second run would have been a conflict.
    let state = client.catalog_state(None, None).await.unwrap();
    assert_eq!(state.items.len(), 1);
    assert_eq!(state.items[0].version, 1);
}

#[tokio::test]
async fn key_order_and_whitespace_do_not_change_the_fingerprint() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let body = serde_json::to_value(batch("Livarot")).unwrap();
    let a = serde_json::to_string(&body).unwrap();
    let mut op = body["ops"][0].as_object().unwrap().clone();
    let data = op.remove("data").unwrap();
    let b = format!(
        "{{ \"ops\" : [ {{\"data\": {data}, \"base_version\":0, \"external_id\":\"p-1\", \"op\":\"upsert\", \"type\":\"product\"}} ] }}"
    );
    for (i, raw) in [a, b].into_iter().enumerate() {
        let resp = srv
            .raw(Method::POST, "/v1/catalog/batch")
            .bearer_auth(&shop.token)
            .header("idempotency-key", "same")
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().get("idempotent-replayed").is_some(), i == 1);
    }
    drop(client);
}

#[tokio::test]
async fn same_key_other_body_is_422() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    client.catalog_batch("k-1", &batch("Camembert")).await.unwrap();
    let err = client.catalog_batch("k-1", &batch("Pont-l'Évêque")).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.code(), Some("idempotency_key_reused"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn keys_are_per_shop() {
    let srv = start().await;
    let (_, a) = srv.shop("A").await;
    let (_, b) = srv.shop("B").await;
    a.catalog_batch("shared", &batch("Camembert")).await.unwrap();
    let rb = b.catalog_batch("shared", &batch("Neufchâtel")).await.unwrap();
    assert!(!rb.replayed);
}

#[tokio::test]
async fn missing_key_is_400() {
    let srv = start().await;
    let (shop, _) = srv.shop("Fromagerie").await;
    let resp =
        srv.raw(Method::POST, "/v1/catalog/batch").bearer_auth(&shop.token).json(&batch("x")).send().await.unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!(status, 400);
    assert_eq!(p["code"], "idempotency_key_required");
}

#[tokio::test]
async fn client_errors_are_stored_and_replayed_too() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let empty = CatalogBatchRequest { ops: vec![] };
    let first = client.catalog_batch("k-err", &empty).await.unwrap_err();
    assert_eq!(first.status(), Some(422));
    assert_eq!(first.problem().unwrap().errors[0].pointer, "/ops");
    let second = client.catalog_batch("k-err", &empty).await.unwrap_err();
    assert_eq!(second.problem(), first.problem(), "same stored problem, same request id");
}

#[tokio::test]
async fn in_flight_key_is_409_then_replays() {
    let gate = Arc::new(Gate::default());
    let hooks = Hooks { idempotency_gate: Some(gate.clone()), ..Hooks::default() };
    let srv = start_with(Config::default(), hooks).await;
    let (_, client) = srv.shop("Fromagerie").await;
    let c2 = client.clone();
    let first = tokio::spawn(async move { c2.catalog_batch("slow", &batch("Camembert")).await });
    gate.entered.notified().await;
    let err = client.catalog_batch("slow", &batch("Camembert")).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("idempotency_in_flight"));
    assert!(err.is_retryable());
    assert!(err.retry_after().is_some());
    gate.release.notify_one();
    let done = first.await.unwrap().unwrap();
    assert!(!done.replayed);
    assert_eq!(done.value.results[0].status, OpStatus::Ok);
    // The gate holds every fresh claim; a replay never reaches it.
    let again = client.catalog_batch("slow", &batch("Camembert")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.value, done.value);
}
