//! `bench orders`: latency from an order committed on the marketplace to the
//! notification sent by Comptoir, over SSE and over long-poll, on loopback.
//!
//! The reference server runs in-process (temporary SQLite file, real HTTP on an
//! ephemeral 127.0.0.1 port); its `on_event_committed` hook stamps each commit.
//! Comptoir's feed runs as in the app, on its own temporary database, with a
//! notifier that stamps each notification (a grouped one stamps all its orders).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::orders::feed::{Feed, FeedConfig, FeedMode};
use comptoir_core::orders::notify::NotificationKind;
use comptoir_core::orders::{Notification, Notifier};
use comptoir_marketplace::{AppState, Config, Hooks, SystemClock};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, ProductData, Stock, Variant};
use comptoir_protocol::client::{Client, StorefrontClient};
use comptoir_protocol::events::EventType;
use comptoir_protocol::orders::Customer;
use comptoir_protocol::storefront::{OrderLineRequest, PlaceOrderRequest};

use crate::output::line;

type Stamps<K> = Arc<Mutex<HashMap<K, Vec<Instant>>>>;

#[derive(Default)]
struct StampingNotifier {
    seen: Stamps<String>,
}

impl Notifier for StampingNotifier {
    fn notify(&self, n: &Notification) -> Result<(), String> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match &n.kind {
            NotificationKind::NewOrder { order_id } => seen.entry(order_id.clone()).or_default().push(now),
            NotificationKind::Grouped { order_ids } => {
                for id in order_ids {
                    seen.entry(id.clone()).or_default().push(now);
                }
            }
            NotificationKind::Reminder { .. } | NotificationKind::Promotions { .. } => {}
        }
        Ok(())
    }
}

pub struct Figures {
    pub mode: &'static str,
    pub orders: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
    pub missed: usize,
    pub duplicated: usize,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub async fn run(orders: usize, interval: Duration) -> anyhow::Result<()> {
    line(format!("bench orders : {orders} commandes, une toutes les {} ms, boucle locale", interval.as_millis()));
    for mode in [FeedMode::Sse, FeedMode::LongPoll] {
        let f = one(mode, orders, interval).await?;
        line(format!(
            "{:<9} p50 {}  p95 {}  max {}  ·  {} commandes, {} manquée(s), {} en double",
            f.mode,
            ms(f.p50),
            ms(f.p95),
            ms(f.max),
            f.orders,
            f.missed,
            f.duplicated
        ));
    }
    Ok(())
}

async fn one(mode: FeedMode, orders: usize, interval: Duration) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let committed: Stamps<i64> = Arc::default();
    let stamps = committed.clone();
    let hooks = Hooks {
        on_event_committed: Some(Box::new(move |_, seq| {
            let now = Instant::now();
            stamps.lock().unwrap_or_else(|e| e.into_inner()).entry(seq).or_default().push(now);
        })),
        idempotency_gate: None,
    };
    let mdb = comptoir_marketplace::Db::open(&dir.path().join("market.sqlite3")).await?;
    let st = AppState::new(mdb, Arc::new(SystemClock), Config { rate_limit: None, ..Config::default() }, hooks);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(comptoir_marketplace::serve(listener, st.clone()));
    let shop = comptoir_marketplace::auth::create_shop(&st.db, "Bench", st.now(), st.config.pairing_code_ttl).await?;
    let client = Client::new(&url, &shop.token);
    let data = ProductData {
        title: "Camembert de Normandie".into(),
        description: String::new(),
        category_external_ids: Vec::new(),
        images: Vec::new(),
        published: true,
        variants: vec![Variant {
            sku: "CAM-250".into(),
            options: Default::default(),
            price_ttc: 495,
            currency: "EUR".into(),
            vat_rate: "5.5".into(),
            ean: None,
            stock: Stock { available: 1_000_000 },
            ..Default::default()
        }],
        ..Default::default()
    };
    client
        .catalog_batch("bench-setup", &CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-1", 0, &data)] })
        .await?;

    let db = Db::open_in(dir.path()).await?;
    let notifier = Arc::new(StampingNotifier::default());
    let cfg = FeedConfig { mode, long_poll_wait: Duration::from_secs(25), ..FeedConfig::default() };
    let feed = Feed::new(db.clone(), client.clone(), notifier.clone(), cfg, Arc::new(Utc::now));
    let feed_task = tokio::spawn(feed.run());
    // Let the feed connect before the first order.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let sf = StorefrontClient::new(&url);
    let mut ids = Vec::with_capacity(orders);
    for i in 0..orders {
        let req = PlaceOrderRequest {
            customer: Customer { name: format!("Client{i} Bench"), email: None, phone: None },
            lines: vec![OrderLineRequest { sku: "CAM-250".into(), quantity: 1 }],
        };
        ids.push(sf.place_order(&shop.shop_id, &req).await?.id);
        tokio::time::sleep(interval).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let n = notifier.seen.lock().unwrap_or_else(|e| e.into_inner()).len();
        if n >= orders {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Room for a duplicate to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    feed_task.abort();

    // Which event committed which order.
    let mut seq_of: HashMap<String, i64> = HashMap::new();
    let mut after = 0;
    loop {
        let page = client.events(after, None, Some(500)).await?;
        for ev in &page.events {
            if ev.event_type == EventType::OrderCreated
                && let Some(id) = ev.data.get("id").and_then(|v| v.as_str())
            {
                seq_of.insert(id.to_owned(), ev.seq);
            }
        }
        if !page.has_more || page.last_seq == after {
            break;
        }
        after = page.last_seq;
    }
    server.abort();
    let committed = committed.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let seen = notifier.seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (mut lat, mut missed, mut duplicated) = (Vec::new(), 0, 0);
    for id in &ids {
        let start = seq_of.get(id).and_then(|s| committed.get(s)).and_then(|v| v.first().copied());
        match (start, seen.get(id)) {
            (Some(c), Some(n)) => {
                if n.len() > 1 {
                    duplicated += 1;
                }
                lat.push(n[0].saturating_duration_since(c));
            }
            _ => missed += 1,
        }
    }
    lat.sort();
    let at = |q: f64| lat.get(((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len().max(1)) - 1).copied();
    db.close().await;
    Ok(Figures {
        mode: match mode {
            FeedMode::Sse => "SSE",
            FeedMode::LongPoll => "long-poll",
            FeedMode::Auto => "auto",
        },
        orders,
        p50: at(0.5).unwrap_or_default(),
        p95: at(0.95).unwrap_or_default(),
        max: lat.last().copied().unwrap_or_default(),
        missed,
        duplicated,
    })
}
