//! Orders end to end: the real reference marketplace over HTTP, the real SQLite
//! file, and notifications on the real session bus (see `notif_server`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::orders::feed::{Feed, FeedConfig, FeedEvent, FeedMode};
use comptoir_core::orders::notify::{DesktopNotifier, MemoryNotifier, NotificationKind, NotifyConfig};
use comptoir_core::orders::{Action, Notification, Notifier, OrderFilter, OrderStatus, StoreOutcome, actions};
use comptoir_protocol::client::Client;
use tokio::sync::mpsc;

use crate::market::{self, Market};
use crate::notif_server;
use crate::support::{fresh_db, now, product};

const PATIENCE: Duration = Duration::from_secs(30);

/// Shows on the desktop (the session bus) and remembers what it showed.
#[derive(Default)]
struct Both {
    desktop: DesktopNotifier,
    memory: MemoryNotifier,
}

impl Notifier for Both {
    fn notify(&self, n: &Notification) -> Result<(), String> {
        self.desktop.notify(n)?;
        self.memory.notify(n)
    }
}

fn fast_config(mode: FeedMode) -> FeedConfig {
    FeedConfig {
        mode,
        tick: Duration::from_millis(500),
        long_poll_wait: Duration::from_secs(2),
        max_backoff: Duration::from_millis(400),
        notify: NotifyConfig { group_from: 4, remind_after: None, sound: false },
        ..FeedConfig::default()
    }
}

struct Running {
    task: tokio::task::JoinHandle<comptoir_core::Result<()>>,
    events: mpsc::UnboundedReceiver<FeedEvent>,
}

fn start_feed(db: &Db, url: &str, token: &str, notifier: Arc<dyn Notifier>, cfg: FeedConfig) -> Running {
    let mut feed = Feed::new(db.clone(), Client::new(url, token), notifier, cfg, Arc::new(Utc::now));
    let events = feed.subscribe();
    Running { task: tokio::spawn(feed.run()), events }
}

/// Every order id notified (alone, grouped or reminded), counted.
fn notified_ids(list: &[Notification]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for n in list {
        match &n.kind {
            NotificationKind::NewOrder { order_id } => *out.entry(order_id.clone()).or_default() += 1,
            NotificationKind::Grouped { order_ids } => {
                for id in order_ids {
                    *out.entry(id.clone()).or_default() += 1;
                }
            }
            NotificationKind::Reminder { .. } | NotificationKind::Promotions { .. } => {}
        }
    }
    out
}

async fn wait_until<F: AsyncFnMut() -> bool>(what: &str, mut f: F) {
    let start = std::time::Instant::now();
    while !f().await {
        assert!(start.elapsed() < PATIENCE, "attendu en vain : {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn count_orders(db: &Db) -> usize {
    db.orders(&OrderFilter::default()).await.unwrap().len()
}

/// Local catalogue with the same SKUs, to see the stock move.
async fn local_catalogue(db: &Db) {
    let mut cam = product("Camembert de Normandie", "CAM-250", 495);
    cam.variants[0].stock = 50;
    let mut cid = product("Cidre brut", "CID-75", 800);
    cid.variants[0].stock = 50;
    db.save_product(&cam, now()).await.unwrap();
    db.save_product(&cid, now()).await.unwrap();
}

async fn local_stock(db: &Db, sku: &str) -> i64 {
    let p = db.product_by_sku(sku).await.unwrap();
    p.variants.iter().find(|v| v.sku == sku).unwrap().stock
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_order_is_stored_and_notified_once_on_the_session_bus() {
    let _guard = notif_server::lock().await;
    let bus = notif_server::server();
    bus.take();
    let t = fresh_db().await;
    local_catalogue(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, client) = market::shop(&m).await;
    let notifier = Arc::new(Both::default());
    let mut run = start_feed(&t.db, &m.url, client.token(), notifier.clone(), fast_config(FeedMode::Sse));

    let order = market::place(&m, &shop_id, "Marie Dupont", &[("CAM-250", 2), ("CID-75", 1)]).await;
    let got = tokio::task::spawn_blocking(|| notif_server::server().wait_for(1, PATIENCE)).await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].app_name, "Comptoir");
    assert_eq!(got[0].summary, "Nouvelle commande n° 1001 — Marie D.");
    assert_eq!(got[0].body, "2 × Camembert de Normandie, 1 × Cidre brut · 17,90 €");

    let stored = t.db.order(&order.id).await.unwrap();
    assert_eq!(stored.number, 1001);
    assert_eq!(stored.total_cents, 1790);
    assert_eq!(stored.status, OrderStatus::PendingAcceptance);
    assert_eq!(local_stock(&t.db, "CAM-250").await, 48);
    assert_eq!(local_stock(&t.db, "CID-75").await, 49);

    // The simulator's customers: each order arrives once, each is announced once
    // (alone or in a grouped notification), on the bus as in the feed.
    comptoir_marketplace::simulate::run(&m.url, &shop_id, 12, Duration::from_millis(0), 7).await.unwrap();
    wait_until("13 commandes", async || count_orders(&t.db).await == 13).await;
    wait_until("13 commandes annoncées", async || notified_ids(&notifier.memory.sent.lock().unwrap()).len() == 13)
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await; // room for a duplicate to show up
    let sent = notifier.memory.take();
    let ids = notified_ids(&sent);
    assert_eq!(ids.len(), 13);
    assert!(ids.values().all(|&n| n == 1), "annoncée deux fois : {ids:?}");
    let on_bus = bus.take();
    assert_eq!(on_bus.len(), sent.len(), "bus {on_bus:?}\nfeed {sent:?}");
    for (b, s) in on_bus.iter().zip(&sent) {
        assert_eq!((&b.summary, &b.body), (&s.title, &s.body));
    }
    let mut stored_events = 0;
    while let Ok(e) = run.events.try_recv() {
        if matches!(e, FeedEvent::Stored { outcome: StoreOutcome::New, .. }) {
            stored_events += 1;
        }
    }
    assert_eq!(stored_events, 13);
    run.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_receives_every_order_once() {
    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, client) = market::shop(&m).await;
    let notifier = Arc::new(MemoryNotifier::default());
    let run = start_feed(&t.db, &m.url, client.token(), notifier.clone(), fast_config(FeedMode::LongPoll));
    for i in 0..6 {
        market::place(&m, &shop_id, &format!("Client {i} Martin"), &[("CAM-250", 1)]).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_until("6 commandes annoncées", async || notified_ids(&notifier.sent.lock().unwrap()).len() == 6).await;
    assert_eq!(count_orders(&t.db).await, 6);
    let ids = notified_ids(&notifier.take());
    assert!(ids.values().all(|&n| n == 1));
    run.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restarted_nothing_lost_nothing_twice() {
    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let mut m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, client) = market::shop(&m).await;
    let notifier = Arc::new(MemoryNotifier::default());
    let run = start_feed(&t.db, &m.url, client.token(), notifier.clone(), fast_config(FeedMode::Auto));
    market::place(&m, &shop_id, "Avant Redémarrage", &[("CAM-250", 1)]).await;
    wait_until("1re commande", async || count_orders(&t.db).await == 1).await;
    m.restart();
    for i in 0..3 {
        market::place(&m, &shop_id, &format!("Après {i}"), &[("CID-75", 1)]).await;
    }
    m.restart();
    market::place(&m, &shop_id, "Encore Après", &[("CID-75", 2)]).await;
    wait_until("5 commandes annoncées", async || notified_ids(&notifier.sent.lock().unwrap()).len() == 5).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(count_orders(&t.db).await, 5);
    let ids = notified_ids(&notifier.take());
    assert_eq!(ids.len(), 5);
    assert!(ids.values().all(|&n| n == 1), "{ids:?}");
    run.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_store_and_ack_replays_without_duplicate() {
    let t = fresh_db().await;
    local_catalogue(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, client) = market::shop(&m).await;
    let notifier = Arc::new(MemoryNotifier::default());
    let (hit_tx, mut hit_rx) = mpsc::unbounded_channel();
    let mut cfg = fast_config(FeedMode::Sse);
    cfg.after_store = Some(Arc::new(move |ev: &comptoir_protocol::events::Event| {
        let is_order = ev.order().is_some();
        if is_order {
            let _ = hit_tx.send(ev.seq);
        }
        is_order
    }));
    let run = start_feed(&t.db, &m.url, client.token(), notifier.clone(), cfg);
    // Connected and caught up, so the order comes by the event stream.
    wait_until("rapproché", async || t.db.orders_reconciled_until().await.unwrap().is_some()).await;
    let order = market::place(&m, &shop_id, "Paul Interrompu", &[("CAM-250", 3)]).await;
    let seq = tokio::time::timeout(PATIENCE, hit_rx.recv()).await.unwrap().unwrap();
    // "Killed" here: stored, not acknowledged, not notified.
    run.task.abort();
    let _ = run.task.await;
    assert!(t.db.order_feed_seq().await.unwrap() < seq);
    assert_eq!(t.db.order(&order.id).await.unwrap().notified_at, None);
    assert_eq!(local_stock(&t.db, "CAM-250").await, 47);
    assert!(notifier.take().is_empty());

    // Started again: the event is replayed, ignored as a duplicate, notified once.
    let run = start_feed(&t.db, &m.url, client.token(), notifier.clone(), fast_config(FeedMode::Sse));
    wait_until("acquitté", async || t.db.order_feed_seq().await.unwrap() >= seq).await;
    wait_until("annoncée", async || !notifier.sent.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let sent = notifier.take();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].title, "Nouvelle commande n° 1001 — Paul I.");
    assert_eq!(count_orders(&t.db).await, 1);
    assert_eq!(local_stock(&t.db, "CAM-250").await, 47, "stock décompté une seule fois");
    run.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_cut_mid_event_resumes_without_loss() {
    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, client) = market::shop(&m).await;
    let proxy = crate::cutting_proxy::CuttingProxy::start(m.port).await;
    let notifier = Arc::new(MemoryNotifier::default());
    let run = start_feed(&t.db, &proxy.url, client.token(), notifier.clone(), fast_config(FeedMode::Sse));
    wait_until("connecté", async || proxy.connections() >= 1).await;
    for round in 0..3 {
        proxy.cut_next_event();
        market::place(&m, &shop_id, &format!("Coupure {round}"), &[("CID-75", 1)]).await;
        wait_until("commande reçue malgré la coupure", async || count_orders(&t.db).await == round + 1).await;
    }
    assert!(proxy.cuts() >= 3, "le flux n'a pas été coupé");
    wait_until("3 annoncées", async || notified_ids(&notifier.sent.lock().unwrap()).len() == 3).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let ids = notified_ids(&notifier.take());
    assert!(ids.len() == 3 && ids.values().all(|&n| n == 1), "{ids:?}");
    run.task.abort();
}

/// After a sleep the SSE connection can stay open with nothing coming through (the
/// peer forgot it). The heartbeats stop, the feed notices the silence, reconnects and
/// reconciles: the order placed meanwhile arrives, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_sse_is_detected_by_silence_and_replaced() {
    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start_with_heartbeat(&dir.path().join("market.sqlite3"), Duration::from_millis(200));
    let (shop_id, client) = market::shop(&m).await;
    let proxy = crate::cutting_proxy::CuttingProxy::start(m.port).await;
    let notifier = Arc::new(MemoryNotifier::default());
    let mut cfg = fast_config(FeedMode::Sse);
    cfg.sse_idle_timeout = Duration::from_millis(1500);
    let run = start_feed(&t.db, &proxy.url, client.token(), notifier.clone(), cfg);
    market::place(&m, &shop_id, "Avant Veille", &[("CAM-250", 1)]).await;
    wait_until("1re commande", async || count_orders(&t.db).await == 1).await;
    // Heartbeats keep a healthy connection: no reconnection while nothing happens.
    let before = proxy.connections();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(proxy.connections(), before, "reconnecté alors que la connexion vivait");

    proxy.freeze_open_connections();
    let second = market::place(&m, &shop_id, "Pendant Veille", &[("CID-75", 1)]).await;
    wait_until("commande reçue après la connexion morte", async || count_orders(&t.db).await == 2).await;
    assert!(proxy.connections() > before, "aucune nouvelle connexion");
    wait_until("2 annoncées", async || notified_ids(&notifier.sent.lock().unwrap()).len() == 2).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let ids = notified_ids(&notifier.take());
    assert!(ids.len() == 2 && ids.values().all(|&n| n == 1) && ids.contains_key(&second.id), "{ids:?}");
    run.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transitions_queued_offline_then_sent_once() {
    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let mut m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, client) = market::shop(&m).await;
    let o = market::place(&m, &shop_id, "Marie Dupont", &[("CAM-250", 2), ("CID-75", 1)]).await;
    let mut feed = Feed::new(
        t.db.clone(),
        client.clone(),
        Arc::new(MemoryNotifier::default()),
        fast_config(FeedMode::Sse),
        Arc::new(Utc::now),
    );
    comptoir_core::orders::feed::sync_once(&mut feed).await.unwrap();
    let local = t.db.order(&o.id).await.unwrap();
    let cider = local.lines.iter().find(|l| l.sku == "CID-75").unwrap().line_id.clone();

    m.stop();
    actions::queue(&t.db, "1001", &Action::Accept { refused_line_ids: vec![cider] }, Utc::now()).await.unwrap();
    let report = actions::flush(&t.db, &client, Utc::now()).await.unwrap();
    assert_eq!((report.sent, report.pending), (0, 1));
    assert_eq!(t.db.order("1001").await.unwrap().pending_actions, 1, "montrée en attente");
    let again = actions::queue(&t.db, "1001", &Action::Collected, Utc::now()).await;
    assert!(again.is_err());

    m.restart();
    let report = actions::flush(&t.db, &client, Utc::now()).await.unwrap();
    assert_eq!((report.sent, report.pending), (1, 0), "{report:?}");
    let local = t.db.order("1001").await.unwrap();
    assert_eq!(local.status, OrderStatus::Accepted);
    assert_eq!(local.pending_actions, 0);
    assert_eq!(local.total_cents, 990);
    assert!(local.lines.iter().any(|l| l.refused));
    let remote = client.order(&o.id).await.unwrap();
    assert_eq!(remote.status, comptoir_protocol::orders::OrderStatus::Accepted);
    assert_eq!(remote.version, local.version);

    // Ready with a pickup code, then collected.
    let until = Utc::now() + chrono::Duration::hours(4);
    actions::queue(
        &t.db,
        "1001",
        &Action::Ready { ready_until: until, pickup_code: Some("042042".into()) },
        Utc::now(),
    )
    .await
    .unwrap();
    actions::flush(&t.db, &client, Utc::now()).await.unwrap();
    let local = t.db.order("1001").await.unwrap();
    assert_eq!(local.status, OrderStatus::ReadyForPickup);
    assert_eq!(local.pickup_code.as_deref(), Some("042042"));
    actions::queue(&t.db, "1001", &Action::Collected, Utc::now()).await.unwrap();
    actions::flush(&t.db, &client, Utc::now()).await.unwrap();
    assert_eq!(t.db.order("1001").await.unwrap().status, OrderStatus::Collected);
    let refuse = actions::queue(&t.db, "1001", &Action::Refuse { reason: "trop tard".into() }, Utc::now()).await;
    assert_eq!(refuse.unwrap_err().code(), comptoir_core::ErrorCode::Conflict);
}

/// The stock of one order moves once, whoever sees the order first: the sync pass
/// (which merges the marketplace's `stock.changed` events) or the orders feed. Both
/// read the same event log; the order's lines (`stock_taken`) own the move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_takes_local_stock_once_whether_sync_or_feed_sees_it_first() {
    use comptoir_core::catalogue::ProductStatus;
    use comptoir_core::sync::credentials::MemoryKeychain;
    use comptoir_core::sync::engine::Credential;
    use comptoir_core::sync::{Rng, SyncOptions};

    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let shop = m.admin().create_shop("Fromagerie du Perche").await.unwrap();
    let keychain = MemoryKeychain::default();
    comptoir_core::sync::connect(&t.db, &m.url, Credential::Token(shop.token.clone()), &keychain).await.unwrap();
    let mut cam = product("Camembert de Normandie", "CAM-250", 495);
    cam.status = ProductStatus::Published;
    cam.variants[0].stock = 50;
    t.db.save_product(&cam, now()).await.unwrap();
    let mut rng = Rng::seeded(7);
    let sync_pass = async |rng: &mut Rng| {
        let r = comptoir_core::sync::sync_once(&t.db, t.dir.path(), &keychain, &SyncOptions::default(), rng, now())
            .await
            .unwrap();
        assert_eq!(r.pending_after, 0, "rien à renvoyer : {r:?}");
    };
    sync_pass(&mut rng).await;
    let notifier = Arc::new(MemoryNotifier::default());
    let client = comptoir_core::orders::client_from_connection(&t.db, &keychain).await.unwrap();
    let mut feed = Feed::new(t.db.clone(), client, notifier.clone(), fast_config(FeedMode::Sse), Arc::new(Utc::now));

    // The orders feed first, then the sync pass.
    let a = market::place(&m, &shop.shop_id, "Anne Avant", &[("CAM-250", 2)]).await;
    comptoir_core::orders::feed::sync_once(&mut feed).await.unwrap();
    assert_eq!(local_stock(&t.db, "CAM-250").await, 48);
    sync_pass(&mut rng).await;
    assert_eq!(local_stock(&t.db, "CAM-250").await, 48, "vente comptée deux fois (flux puis synchro)");
    assert_eq!(t.db.outbox_len().await.unwrap(), 0, "le stock d'une commande n'est pas renvoyé");

    // The sync pass first (it stores the order it sees), then the orders feed.
    let b = market::place(&m, &shop.shop_id, "Bruno Bientôt", &[("CAM-250", 3)]).await;
    sync_pass(&mut rng).await;
    assert_eq!(local_stock(&t.db, "CAM-250").await, 45);
    comptoir_core::orders::feed::sync_once(&mut feed).await.unwrap();
    assert_eq!(local_stock(&t.db, "CAM-250").await, 45, "vente comptée deux fois (synchro puis flux)");
    assert_eq!(t.db.outbox_len().await.unwrap(), 0);

    // Refused: the stock comes back once too (the answer to the transition, then the
    // marketplace's `order_released` stock event seen by the sync pass).
    actions::queue(&t.db, &b.id, &Action::Refuse { reason: "Rupture".into() }, Utc::now()).await.unwrap();
    comptoir_core::orders::feed::sync_once(&mut feed).await.unwrap();
    assert_eq!(local_stock(&t.db, "CAM-250").await, 48);
    sync_pass(&mut rng).await;
    assert_eq!(local_stock(&t.db, "CAM-250").await, 48, "stock rendu deux fois");

    // The marketplace agrees, and each order was announced once (B although the sync
    // pass stored it: the feed announces whatever was never announced).
    let remote = m.storefront().products(&shop.shop_id, None).await.unwrap();
    let remote_stock: Vec<i64> =
        remote.items.iter().flat_map(|p| &p.variants).filter(|v| v.sku == "CAM-250").map(|v| v.available).collect();
    assert_eq!(remote_stock, vec![48]);
    let ids = notified_ids(&notifier.take());
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains_key(&a.id) && ids.contains_key(&b.id) && ids.values().all(|&n| n == 1), "{ids:?}");
}

/// The supervisor (the app's, in core): idle while not connected, the feed started on
/// a restart request after connecting, orders reported, and back to "not connected"
/// after a disconnect. Real server, real HTTP, the app's restart policy.
#[tokio::test]
async fn the_supervisor_follows_the_connection_and_reports_orders() {
    use comptoir_core::orders::supervisor::{FeedLink, FeedSupervisor, RestartPolicy, SupervisorEvent};
    use comptoir_core::sync::credentials::MemoryKeychain;
    use comptoir_core::sync::engine::Credential;

    let t = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let m = Market::start(&dir.path().join("market.sqlite3"), 0);
    let (shop_id, _) = market::shop(&m).await;
    let keychain = Arc::new(MemoryKeychain::default());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Arc::new(move |e: SupervisorEvent| {
        let _ = tx.send(e);
    });
    async fn next_link(rx: &mut mpsc::UnboundedReceiver<SupervisorEvent>, want: FeedLink) {
        tokio::time::timeout(PATIENCE, async {
            loop {
                if let SupervisorEvent::Feed(v) = rx.recv().await.expect("supervisor gone")
                    && v.link == want
                {
                    return;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("never {want:?}"));
    }
    let sup = FeedSupervisor::spawn(t.db.clone(), keychain.clone(), Arc::new(Utc::now), RestartPolicy::default(), sink);
    sup.set_notifier(Arc::new(MemoryNotifier::default()));
    next_link(&mut rx, FeedLink::NotConnected).await;
    assert_eq!(sup.view().link, FeedLink::NotConnected);

    let token = m.admin().issue_token(&shop_id, &comptoir_protocol::auth::Scope::ALL).await.unwrap().token;
    comptoir_core::sync::connect(&t.db, &m.url, Credential::Token(token), &*keychain).await.unwrap();
    sup.restart();
    next_link(&mut rx, FeedLink::Sse).await;

    market::place(&m, &shop_id, "Anne Avant", &[("CAM-250", 1)]).await;
    tokio::time::timeout(PATIENCE, async {
        while rx.recv().await.expect("supervisor gone") != SupervisorEvent::OrdersChanged {}
    })
    .await
    .expect("the new order was not reported");
    assert_eq!(count_orders(&t.db).await, 1);

    comptoir_core::sync::disconnect(&t.db, &*keychain).await.unwrap();
    sup.restart();
    next_link(&mut rx, FeedLink::NotConnected).await;
}
