//! Faults with real parts (issue 6): the real marketplace over HTTP on loopback, killed
//! mid-batch and restarted on its file and port; answers lost after the server
//! committed; 429 and 503 storms with Retry-After; a line cut during a photo upload.
//! After each, the marketplace holds exactly the local catalogue (no duplicate, no lost
//! edit) and the outbox is empty. (The client killed with SIGKILL is in the CLI tests:
//! it needs a real process.)

use std::sync::Arc;
use std::time::Duration;

use comptoir_core::sync::{Backoff, Rng, SyncError, SyncOptions};
use comptoir_marketplace::{Config, Gate, Hooks};
use comptoir_protocol::client::Client;

use crate::fault_proxy::{Fault, FaultProxy};
use crate::market::{ADMIN_TOKEN, Market};
use crate::support::{now, product};
use crate::sync::{Setup, add_photo_sized, assert_same_catalogue, setup_on, sync_until_done_with, sync_with};

async fn products(s: &Setup, prefix: &str, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let p = s.t.db.save_product(&product(&format!("{prefix} {i}"), &format!("{prefix}-{i}"), 400), now()).await;
        ids.push(p.unwrap().id);
    }
    ids
}

/// A local edit of a product (its price), to check that no edit is lost.
async fn reprice(s: &Setup, id: i64, cents: i64) {
    let p = s.t.db.product(id).await.unwrap();
    let mut input = comptoir_core::storage::product_to_input(&p);
    input.variants[0].price_cents = cents;
    s.t.db.save_product(&input, now()).await.unwrap();
}

fn quick() -> SyncOptions {
    SyncOptions {
        backoff: Backoff { base: Duration::from_millis(100), max: Duration::from_secs(2), breaker_after: 6 },
        idle_timeout: Duration::from_secs(2),
        ..SyncOptions::default()
    }
}

async fn server_product_count(s: &Setup) -> usize {
    let client = Client::new(&s.server.url, &s.shop_token);
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = client.catalog_state(cursor.as_deref(), None).await.unwrap();
        n += page
            .items
            .iter()
            .filter(|i| !i.deleted && i.object_type == comptoir_protocol::catalog::ObjectType::Product)
            .count();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return n,
        }
    }
}

#[tokio::test]
async fn server_killed_in_the_middle_of_a_batch_then_restarted() {
    let gate = Arc::new(Gate::default());
    let hooks = Hooks { idempotency_gate: Some(gate.clone()), ..Hooks::default() };
    // An abandoned key may be taken over after 2 s (the restarted server's rule).
    let config = Config {
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        rate_limit: None,
        idempotency_stale_after: chrono::Duration::seconds(2),
        ..Config::default()
    };
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_config(&market_dir.path().join("market.sqlite3"), 0, config, hooks);
    let url = server.url.clone();
    let mut s = setup_on(market_dir, server, &url).await;
    let ids = products(&s, "Beurre", 40).await;

    // The pass freezes its batch, the server claims the key … and dies there.
    let (db, dir, keychain) = (s.t.db.clone(), s.t.dir.path().to_path_buf(), s.keychain.clone());
    let pass = tokio::spawn(async move {
        comptoir_core::sync::sync_once(&db, &dir, keychain.as_ref(), &quick(), &mut Rng::seeded(11), now()).await
    });
    tokio::time::timeout(Duration::from_secs(20), gate.entered.notified()).await.expect("batch reached the server");
    s.server.stop();
    let err = pass.await.unwrap().unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err}");
    assert!(s.t.db.open_batch().await.unwrap().is_some(), "the batch stays frozen for the retry");

    // Edits while it is down, to products of that very batch.
    reprice(&s, ids[3], 777).await;
    s.t.db.delete_product(ids[4]).await.unwrap();
    s.server.restart();
    sync_until_done_with(&s, &mut Rng::seeded(12), &quick()).await;
    assert_same_catalogue(&s).await;
    assert_eq!(server_product_count(&s).await, 39);
}

#[tokio::test]
async fn an_answer_lost_after_the_server_committed_is_not_a_duplicate() {
    let (s, proxy) = behind_proxy().await;
    let ids = products(&s, "Cidre", 30).await;
    let mut rng = Rng::seeded(21);
    // First pass: the categories and the products go in one batch whose answer is lost.
    proxy.arm("POST /v1/catalog/batch", Fault::SwallowResponse, 1);
    let err = sync_with(&s, &mut rng, &quick()).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err}");
    assert_eq!(proxy.applied(), 1);
    // The server did commit it.
    assert_eq!(server_product_count(&s).await, 30, "the server committed the batch");
    reprice(&s, ids[0], 555).await;
    let r = sync_until_done_with(&s, &mut rng, &quick()).await;
    // The replayed answer settles the frozen batch: only the edit is sent again.
    assert_eq!(r.operations, 13 + 30 + 1, "{r:?}");
    assert_same_catalogue(&s).await;
    assert_eq!(server_product_count(&s).await, 30);
}

#[tokio::test]
async fn storms_of_429_and_503_with_retry_after_converge() {
    let (s, proxy) = behind_proxy().await;
    let ids = products(&s, "Terrine", 150).await;
    for (i, id) in ids.iter().take(3).enumerate() {
        add_photo_sized(&s.t.db, s.t.dir.path(), *id, i as u8, 64, 48).await;
    }
    proxy.arm("", Fault::Status { status: 429, retry_after_secs: 1 }, 3);
    proxy.arm("POST /v1/catalog/batch", Fault::Status { status: 503, retry_after_secs: 1 }, 3);
    proxy.arm("PATCH /v1/media", Fault::Status { status: 503, retry_after_secs: 1 }, 1);
    let opts = quick();
    let mut rng = Rng::seeded(31);
    let started = tokio::time::Instant::now();
    let deadline = started + Duration::from_secs(90);
    loop {
        assert!(tokio::time::Instant::now() < deadline, "the storm did not settle");
        match sync_with(&s, &mut rng, &opts).await {
            Ok(r) if r.pending_after == 0 => break,
            Ok(_) => {}
            Err(SyncError::Offline { retry_in, .. }) => {
                // Retry-After is honoured: never sooner than the server asked.
                assert!(retry_in >= Duration::from_secs(1), "{retry_in:?}");
                tokio::time::sleep(retry_in).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(proxy.pending(), 0, "every injected fault was met");
    // The batch refused three times with Retry-After: 1 was waited out three times,
    // whether inside the pass (photos still uploading) or between passes.
    assert!(started.elapsed() >= Duration::from_secs(3), "{:?}", started.elapsed());
    assert_same_catalogue(&s).await;
    assert_eq!(server_product_count(&s).await, 150);
}

#[tokio::test]
async fn a_connection_cut_during_a_photo_upload_is_resumed() {
    let (s, proxy) = behind_proxy().await;
    let ids = products(&s, "Miel", 5).await;
    for (i, id) in ids.iter().enumerate() {
        add_photo_sized(&s.t.db, s.t.dir.path(), *id, i as u8, 800, 600).await;
    }
    proxy.arm("PATCH /v1/media", Fault::CutRequest, 2);
    let r = sync_until_done_with(&s, &mut Rng::seeded(41), &quick()).await;
    assert_eq!(proxy.applied(), 2);
    // Uploads of a pass that failed are not in the (successful passes') total.
    assert!(r.photos_uploaded <= 5, "{r:?}");
    let client = Client::new(&s.server.url, &s.shop_token);
    let renders: Vec<String> = comptoir_core::sync::renders::wire_products(&s.t.db, s.t.dir.path(), None)
        .await
        .unwrap()
        .into_values()
        .flat_map(|d| d.images)
        .collect();
    assert_eq!(renders.len(), 5);
    assert!(client.media_check(&renders).await.unwrap().is_empty(), "every photo is whole on the server");
    assert_same_catalogue(&s).await;
}

/// A connected shop that reaches the marketplace through a [`FaultProxy`].
async fn behind_proxy() -> (Setup, FaultProxy) {
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_with(&market_dir.path().join("market.sqlite3"), 0, None);
    let proxy = FaultProxy::start(server.port).await;
    let url = proxy.url.clone();
    (setup_on(market_dir, server, &url).await, proxy)
}
