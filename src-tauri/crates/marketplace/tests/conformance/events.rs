use std::time::Duration;

use comptoir_marketplace::Config;
use comptoir_protocol::events::EventType;
use reqwest::Method;

use crate::support::*;

/// A guard against hanging forever when an event never comes (not a speed assert).
async fn next_event(stream: &mut comptoir_protocol::client::EventStream) -> comptoir_protocol::events::Event {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("no event within 20 s: waiters were not woken")
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn sse_resume_after_disconnect_loses_and_repeats_nothing() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    for _ in 0..3 {
        srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    }
    let mut seqs = Vec::new();
    let mut stream = client.event_stream(None).await.unwrap();
    for _ in 0..4 {
        seqs.push(next_event(&mut stream).await.seq);
    }
    let resume = stream.last_seq().unwrap();
    drop(stream);
    // Written while disconnected.
    for _ in 0..2 {
        srv.order(&shop.shop_id, &[("CAM-500", 1)]).await;
    }
    let mut stream = client.event_stream(Some(resume)).await.unwrap();
    for _ in 0..6 {
        let ev = next_event(&mut stream).await;
        assert!(matches!(ev.event_type, EventType::OrderCreated | EventType::StockChanged));
        seqs.push(ev.seq);
    }
    assert_eq!(seqs, (1..=10).collect::<Vec<i64>>());
    // And live events keep flowing on the resumed stream.
    let live = srv.order(&shop.shop_id, &[("CAM-500", 1)]).await;
    let ev = next_event(&mut stream).await;
    assert_eq!((ev.seq, ev.order().unwrap().id), (11, live.id));
}

#[tokio::test]
async fn sse_frames_carry_id_and_type_and_heartbeats_when_idle() {
    let config = Config { sse_heartbeat: Duration::from_millis(50), ..Config::default() };
    let srv = start_with(config, Default::default()).await;
    let (shop, _) = shop_with_stock(&srv).await;
    srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    let mut resp = srv
        .raw(Method::GET, "/v1/events/stream")
        .bearer_auth(&shop.token)
        .header("last-event-id", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    // An SSE comment line (ignored by parsers) keeps idle connections alive.
    while !text.lines().any(|l| l.starts_with(':') && l.contains("heartbeat")) {
        text.push_str(&String::from_utf8_lossy(&resp.chunk().await.unwrap().unwrap()));
    }
    assert!(text.contains("id: 2\n") || text.contains("id:2\n"), "{text}");
    assert!(text.contains("event: stock.changed") || text.contains("event:stock.changed"), "{text}");
    assert!(!text.contains("order.created"), "seq 1 was before Last-Event-ID");

    let bad = srv
        .raw(Method::GET, "/v1/events/stream")
        .bearer_auth(&shop.token)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(bad).await;
    assert_eq!((status, p["code"].as_str()), (400, Some("malformed_request")));
}

#[tokio::test]
async fn long_poll_wakes_up_on_commit() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    let c2 = client.clone();
    // `wait` is far longer than the test: an answer with the event proves the
    // commit woke the waiter (a timeout would come back empty).
    let waiter = tokio::spawn(async move { c2.events(0, Some(Duration::from_secs(30)), None).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    let page = waiter.await.unwrap().unwrap();
    assert!(!page.events.is_empty());
    assert_eq!(page.events[0].seq, 1);
    assert_eq!(page.events[0].order().unwrap().id, order.id);
    assert_eq!(page.last_seq, page.events.last().unwrap().seq);
}

#[tokio::test]
async fn long_poll_pages_and_times_out_empty() {
    let srv = start().await;
    let (shop, client) = shop_with_stock(&srv).await;
    for _ in 0..3 {
        srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    }
    let p = client.events(0, None, Some(4)).await.unwrap();
    assert_eq!((p.events.len(), p.last_seq, p.has_more), (4, 4, true));
    let p = client.events(p.last_seq, None, Some(4)).await.unwrap();
    assert_eq!((p.events.len(), p.last_seq, p.has_more), (2, 6, false));
    let p = client.events(6, Some(Duration::from_secs(1)), None).await.unwrap();
    assert_eq!((p.events.len(), p.last_seq, p.has_more), (0, 6, false));
    // Other shops' events are invisible.
    let (_, other) = srv.shop("Autre").await;
    assert!(other.events(0, None, None).await.unwrap().events.is_empty());
}
