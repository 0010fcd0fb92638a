use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, OpStatus};
use comptoir_protocol::client::{Client, OrdersQuery};
use comptoir_protocol::events::EventType;
use comptoir_protocol::orders::{Actor, OrderStatus, TransitionRequest};
use comptoir_protocol::storefront::CustomerCancelRequest;

use crate::support::*;

async fn available(srv: &Server, shop: &str, sku: &str) -> i64 {
    let page = srv.storefront.products(shop, None).await.unwrap();
    page.items.iter().flat_map(|p| &p.variants).find(|v| v.sku == sku).map(|v| v.available).unwrap()
}

async fn go(client: &Client, id: &str, req: &TransitionRequest) -> comptoir_protocol::orders::Order {
    client.transition(id, &key(), req).await.unwrap().value
}

#[tokio::test]
async fn happy_path_accept_with_a_refused_line_ready_collected() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 2), ("CAM-500", 1)]).await;
    assert_eq!((order.status, order.version, order.total_ttc), (OrderStatus::PendingAcceptance, 1, 3 * 495));
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 8);
    assert_eq!(available(&srv, &shop.shop_id, "CAM-500").await, 4);

    let mut accept = TransitionRequest::to(OrderStatus::Accepted, 1);
    accept.refused_line_ids = vec!["l2".to_owned()];
    let o = go(&client, &order.id, &accept).await;
    assert_eq!((o.status, o.version, o.total_ttc), (OrderStatus::Accepted, 2, 2 * 495));
    assert!(o.lines[1].refused);
    assert_eq!(available(&srv, &shop.shop_id, "CAM-500").await, 5, "refused line released");

    let mut ready = TransitionRequest::to(OrderStatus::ReadyForPickup, 2);
    ready.ready_until = Some(srv.state.now() + chrono::Duration::hours(4));
    let o = go(&client, &order.id, &ready).await;
    let pickup = o.pickup.clone().unwrap();
    assert_eq!(pickup.code.len(), 6);
    assert_eq!(o.status, OrderStatus::ReadyForPickup);

    let o = go(&client, &order.id, &TransitionRequest::to(OrderStatus::Collected, 3)).await;
    assert_eq!((o.status, o.version), (OrderStatus::Collected, 4));
    assert_eq!(client.order(&order.id).await.unwrap(), o);
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 8, "sold stays sold");

    let evs = client.events(0, None, Some(500)).await.unwrap().events;
    let order_events: Vec<(EventType, i64)> =
        evs.iter().filter_map(|e| e.order().map(|o| (e.event_type, o.version))).collect();
    assert_eq!(
        order_events,
        [
            (EventType::OrderCreated, 1),
            (EventType::OrderUpdated, 2),
            (EventType::OrderUpdated, 3),
            (EventType::OrderUpdated, 4)
        ]
    );
}

#[tokio::test]
async fn invalid_transitions_are_409_with_the_allowed_ones() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    let cases = [
        (OrderStatus::Collected, vec![OrderStatus::Accepted, OrderStatus::Refused]),
        (OrderStatus::ReadyForPickup, vec![OrderStatus::Accepted, OrderStatus::Refused]),
        (OrderStatus::Cancelled, vec![OrderStatus::Accepted, OrderStatus::Refused]),
        (OrderStatus::Expired, vec![OrderStatus::Accepted, OrderStatus::Refused]),
    ];
    for (to, allowed) in cases {
        let mut req = TransitionRequest::to(to, 1);
        if to == OrderStatus::ReadyForPickup {
            // Well formed (the document requires `ready_until`), refused for the order's state.
            req.ready_until = Some(srv.state.now() + chrono::Duration::hours(1));
        }
        let err = client.transition(&order.id, &key(), &req).await.unwrap_err();
        assert_eq!((err.status(), err.code()), (Some(409), Some("invalid_transition")), "{to:?}");
        assert_eq!(err.problem().unwrap().allowed_transitions.as_deref(), Some(&allowed[..]));
    }
    go(&client, &order.id, &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let err =
        client.transition(&order.id, &key(), &TransitionRequest::to(OrderStatus::Collected, 2)).await.unwrap_err();
    assert_eq!(
        err.problem().unwrap().allowed_transitions.as_deref(),
        Some(&[OrderStatus::ReadyForPickup, OrderStatus::Cancelled][..])
    );
    let o = go(&client, &order.id, &TransitionRequest::to(OrderStatus::Cancelled, 2)).await;
    let err = client
        .transition(&order.id, &key(), &TransitionRequest::to(OrderStatus::Accepted, o.version))
        .await
        .unwrap_err();
    assert_eq!(err.problem().unwrap().allowed_transitions.as_deref(), Some(&[][..]), "terminal");
}

#[tokio::test]
async fn stale_base_version_is_a_version_conflict() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    go(&client, &order.id, &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let err =
        client.transition(&order.id, &key(), &TransitionRequest::to(OrderStatus::Cancelled, 1)).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("version_conflict")));
    assert_eq!(err.problem().unwrap().current_version, Some(2));
}

#[tokio::test]
async fn transition_payloads_are_validated() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 3)]).await;
    let err = client.transition(&order.id, &key(), &TransitionRequest::to(OrderStatus::Refused, 1)).await.unwrap_err();
    assert_eq!((err.status(), err.problem().unwrap().errors[0].pointer.as_str()), (Some(422), "/reason"));
    let mut all = TransitionRequest::to(OrderStatus::Accepted, 1);
    all.refused_line_ids = vec!["l1".to_owned()];
    let err = client.transition(&order.id, &key(), &all).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/refused_line_ids");
    all.refused_line_ids = vec!["l9".to_owned()];
    let err = client.transition(&order.id, &key(), &all).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/refused_line_ids/0");

    let mut refuse = TransitionRequest::to(OrderStatus::Refused, 1);
    refuse.reason = Some("Plus de camembert".to_owned());
    let o = go(&client, &order.id, &refuse).await;
    assert_eq!((o.status, o.refusal_reason.as_deref()), (OrderStatus::Refused, Some("Plus de camembert")));
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 10, "refusal releases the stock");

    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    go(&client, &order.id, &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let mut ready = TransitionRequest::to(OrderStatus::ReadyForPickup, 2);
    let err = client.transition(&order.id, &key(), &ready).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/ready_until");
    ready.ready_until = Some(srv.state.now() - chrono::Duration::minutes(1));
    let err = client.transition(&order.id, &key(), &ready).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/ready_until");
    ready.ready_until = Some(srv.state.now() + chrono::Duration::hours(1));
    ready.pickup_code = Some("ABCD42".to_owned());
    assert_eq!(go(&client, &order.id, &ready).await.pickup.unwrap().code, "ABCD42");

    let err =
        client.transition("ord_missing", &key(), &TransitionRequest::to(OrderStatus::Accepted, 1)).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("not_found")));
}

#[tokio::test]
async fn merchant_and_customer_cancellations() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 4)]).await;
    go(&client, &order.id, &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let mut cancel = TransitionRequest::to(OrderStatus::Cancelled, 2);
    cancel.reason = Some("Fermeture exceptionnelle".to_owned());
    let o = go(&client, &order.id, &cancel).await;
    assert_eq!(o.cancellation.unwrap().by, Actor::Merchant);
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 10);

    let order = srv.order(&shop.shop_id, &[("CAM-250", 2)]).await;
    let o = srv.storefront.cancel_order(&order.id, &CustomerCancelRequest { reason: None }).await.unwrap();
    assert_eq!((o.status, o.cancellation.unwrap().by), (OrderStatus::Cancelled, Actor::Customer));
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 10);
    let evs = client.events(0, None, Some(500)).await.unwrap().events;
    let cancelled = evs.iter().filter(|e| e.event_type == EventType::OrderCancelled).count();
    assert_eq!(cancelled, 2);

    // Once ready for pickup, only the shop may cancel.
    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    go(&client, &order.id, &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let mut ready = TransitionRequest::to(OrderStatus::ReadyForPickup, 2);
    ready.ready_until = Some(srv.state.now() + chrono::Duration::hours(1));
    go(&client, &order.id, &ready).await;
    let err = srv.storefront.cancel_order(&order.id, &CustomerCancelRequest { reason: None }).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("invalid_transition")));
}

#[tokio::test]
async fn orders_expire_on_timeout() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let pending = srv.order(&shop.shop_id, &[("CAM-250", 2)]).await;
    let waiting = srv.order(&shop.shop_id, &[("CAM-500", 1)]).await;
    go(&client, &waiting.id, &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let mut ready = TransitionRequest::to(OrderStatus::ReadyForPickup, 2);
    ready.ready_until = Some(srv.state.now() + chrono::Duration::hours(3));
    go(&client, &waiting.id, &ready).await;

    assert!(srv.admin.expire_orders().await.unwrap().expired_order_ids.is_empty());
    srv.clock.advance(chrono::Duration::hours(2));
    assert_eq!(srv.admin.expire_orders().await.unwrap().expired_order_ids, std::slice::from_ref(&pending.id));
    let o = client.order(&pending.id).await.unwrap();
    assert_eq!((o.status, o.version), (OrderStatus::Expired, 2));
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 10);

    srv.clock.advance(chrono::Duration::hours(1));
    assert_eq!(srv.admin.expire_orders().await.unwrap().expired_order_ids, std::slice::from_ref(&waiting.id));
    assert_eq!(client.order(&waiting.id).await.unwrap().status, OrderStatus::Expired);
    assert_eq!(available(&srv, &shop.shop_id, "CAM-500").await, 5);
}

#[tokio::test]
async fn storefront_refuses_what_is_not_for_sale() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let err = srv.storefront.place_order(&shop.shop_id, &order_req(&[("CAM-250", 11)])).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("insufficient_stock")));
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/lines/0/quantity");
    // Two lines of the same SKU count together.
    let err =
        srv.storefront.place_order(&shop.shop_id, &order_req(&[("CAM-250", 6), ("CAM-250", 5)])).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/lines/1/quantity");

    let mut hidden = product(&[("SECRET", 5)]);
    hidden.published = false;
    put_product(&client, "p-hidden", 0, &hidden).await;
    let err = srv.storefront.place_order(&shop.shop_id, &order_req(&[("SECRET", 1)])).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(422), Some("unknown_sku")));
    assert_eq!(available(&srv, &shop.shop_id, "CAM-250").await, 10, "failed orders change nothing");
}

#[tokio::test]
async fn a_sale_bumps_the_product_version_so_stale_upserts_conflict() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    let r = client
        .catalog_batch(
            &key(),
            &CatalogBatchRequest {
                ops: vec![CatalogOp::upsert_product("p-1", 1, &product(&[("CAM-250", 10), ("CAM-500", 5)]))],
            },
        )
        .await
        .unwrap()
        .value;
    assert_eq!((r.results[0].status, r.results[0].current_version), (OpStatus::Conflict, Some(2)));
}

#[tokio::test]
async fn reconciliation_listing_filters_and_pages() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let (other_shop, _) = shop_with_stock(&srv).await;
    let other = srv.order(&other_shop.shop_id, &[("CAM-250", 1)]).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(srv.order(&shop.shop_id, &[("CAM-250", 1)]).await.id);
        srv.clock.advance(chrono::Duration::seconds(1));
    }
    let mut seen = Vec::new();
    let mut q = OrdersQuery { limit: Some(2), ..OrdersQuery::default() };
    loop {
        let page = client.orders(&q).await.unwrap();
        assert_eq!(page.server_time, srv.state.now());
        seen.extend(page.items.into_iter().map(|o| o.id));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids, "oldest change first, no other shop's orders");

    go(&client, &ids[0], &TransitionRequest::to(OrderStatus::Accepted, 1)).await;
    let since = srv.state.now() - chrono::Duration::seconds(1);
    let page = client.orders(&OrdersQuery { updated_since: Some(since), ..OrdersQuery::default() }).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|o| o.id.clone()).collect();
    assert_eq!(got, [ids[4].clone(), ids[0].clone()]);
    let page =
        client.orders(&OrdersQuery { status: Some(OrderStatus::Accepted), ..OrdersQuery::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(client.order(&other.id).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn transitions_are_idempotent() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    let req = TransitionRequest::to(OrderStatus::Accepted, 1);
    let first = client.transition(&order.id, "accept-1", &req).await.unwrap();
    let again = client.transition(&order.id, "accept-1", &req).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(again.value, first.value);
    assert_eq!(client.order(&order.id).await.unwrap().version, 2, "applied once");
    let other = TransitionRequest::to(OrderStatus::Cancelled, 2);
    let err = client.transition(&order.id, "accept-1", &other).await.unwrap_err();
    assert_eq!(err.code(), Some("idempotency_key_reused"));
    let missing = srv
        .raw(reqwest::Method::POST, &format!("/v1/orders/{}/transitions", order.id))
        .bearer_auth(&shop.token)
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(problem_of(missing).await.1["code"], "idempotency_key_required");
}
