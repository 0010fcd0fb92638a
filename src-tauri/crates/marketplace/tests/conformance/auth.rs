use comptoir_marketplace::ids::secret_hash;
use comptoir_protocol::auth::{PairRequest, Scope};
use comptoir_protocol::catalog::CatalogBatchRequest;
use comptoir_protocol::client::{Client, OrdersQuery};
use reqwest::Method;

use crate::support::*;

#[tokio::test]
async fn missing_and_wrong_tokens_are_401_problems() {
    let srv = start().await;
    let resp = srv.raw(Method::GET, "/v1/me").send().await.unwrap();
    assert!(resp.headers().get("www-authenticate").is_some());
    let header_id = resp.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    let (status, p) = problem_of(resp).await;
    assert_eq!(status, 401);
    assert_eq!(p["code"], "unauthorized");
    assert_eq!(p["request_id"], header_id.as_str());

    let err = srv.client("cpt_not-a-real-token").me().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("unauthorized"));

    let resp = srv.raw(Method::GET, "/v1/me").header("authorization", "Basic Zm9vOmJhcg==").send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn caller_request_id_is_echoed() {
    let srv = start().await;
    let resp = srv.raw(Method::GET, "/v1/me").header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    let (_, p) = problem_of(resp).await;
    assert_eq!(p["request_id"], "abc-123");
}

#[tokio::test]
async fn scopes_are_enforced() {
    let srv = start().await;
    let (shop, _) = srv.shop("Boulangerie").await;
    let grant = srv.admin.issue_token(&shop.shop_id, &[Scope::OrdersRead]).await.unwrap();
    let reader = srv.client(&grant.token);
    reader.orders(&OrdersQuery::default()).await.unwrap();
    let req = CatalogBatchRequest {
        ops: vec![comptoir_protocol::catalog::CatalogOp::upsert_product("p", 0, &product(&[("S", 1)]))],
    };
    let err = reader.catalog_batch(&key(), &req).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.code(), Some("insufficient_scope"));
    let err = reader.events(0, None, None).await;
    assert!(err.is_ok(), "orders:read may read events");
    let writer = srv.client(&srv.admin.issue_token(&shop.shop_id, &[Scope::CatalogWrite]).await.unwrap().token);
    assert_eq!(writer.events(0, None, None).await.unwrap_err().code(), Some("insufficient_scope"));
    assert_eq!(writer.event_stream(None).await.unwrap_err().code(), Some("insufficient_scope"));
    let me = writer.me().await.unwrap();
    assert_eq!(me.scopes, vec![Scope::CatalogWrite]);
}

#[tokio::test]
async fn me_reports_shop_scopes_and_limits() {
    let srv = start().await;
    let (shop, client) = srv.shop("Cidrerie").await;
    let me = client.me().await.unwrap();
    assert_eq!(me.shop.id, shop.shop_id);
    assert_eq!(me.shop.name, "Cidrerie");
    assert_eq!(me.scopes, Scope::ALL.to_vec());
    assert_eq!(me.server_time, srv.state.now());
    assert_eq!(me.limits.max_batch_ops, 100);
    assert!(me.limits.accepted_media_types.contains(&"image/jpeg".to_owned()));
}

#[tokio::test]
async fn tokens_are_stored_as_hashes_only() {
    let srv = start().await;
    let (shop, _) = srv.shop("Ferme").await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT hash FROM tokens").fetch_all(&srv.state.db.reader).await.unwrap();
    assert!(!stored.iter().any(|h| h.contains(&shop.token[4..])));
    assert!(stored.contains(&secret_hash(&shop.token)));
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT hash FROM pairing_codes").fetch_all(&srv.state.db.reader).await.unwrap();
    assert!(!codes.contains(&shop.pairing_code));
}

#[tokio::test]
async fn pairing_code_is_one_time_and_expires() {
    let srv = start().await;
    let (shop, _) = srv.shop("Épicerie").await;
    let req = PairRequest { pairing_code: shop.pairing_code.to_lowercase(), device_name: Some("Caisse".to_owned()) };
    let grant = Client::pair(&srv.url, &req).await.unwrap();
    assert_eq!(grant.shop_id, shop.shop_id);
    assert_eq!(srv.client(&grant.token).me().await.unwrap().shop.id, shop.shop_id);

    let again = Client::pair(&srv.url, &req).await.unwrap_err();
    assert_eq!(again.code(), Some("pairing_code_invalid"));
    assert_eq!(again.problem().unwrap().errors[0].pointer, "/pairing_code");

    let code = srv.admin.pairing_code(&shop.shop_id).await.unwrap();
    srv.clock.advance(chrono::Duration::minutes(16));
    let late = PairRequest { pairing_code: code.pairing_code, device_name: None };
    assert_eq!(Client::pair(&srv.url, &late).await.unwrap_err().code(), Some("pairing_code_invalid"));

    let missing =
        srv.raw(Method::POST, "/v1/auth/pair").json(&serde_json::json!({"device_name": "x"})).send().await.unwrap();
    let (status, p) = problem_of(missing).await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["pointer"], "/pairing_code");
}

#[tokio::test]
async fn rotation_keeps_the_old_token_for_a_grace_period() {
    let srv = start().await;
    let (shop, old) = srv.shop("Poissonnerie").await;
    let rotated = old.rotate_token().await.unwrap();
    assert_ne!(rotated.token, shop.token);
    assert_eq!(rotated.previous_token_expires_at, srv.state.now() + chrono::Duration::minutes(10));
    let new = srv.client(&rotated.token);
    new.me().await.unwrap();
    old.me().await.unwrap();
    srv.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(old.me().await.unwrap_err().status(), Some(401));
    new.me().await.unwrap();
}

#[tokio::test]
async fn admin_api_needs_the_admin_token() {
    let srv = start().await;
    let (shop, _) = srv.shop("Caviste").await;
    for token in [None, Some(shop.token.as_str())] {
        let mut rb = srv.raw(Method::POST, "/admin/v1/shops").json(&serde_json::json!({"name": "x"}));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let (status, p) = problem_of(rb.send().await.unwrap()).await;
        assert_eq!(status, 401);
        assert_eq!(p["code"], "unauthorized");
    }
}
