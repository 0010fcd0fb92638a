//! `comptoir-marketplace bench`: a server in-process on an ephemeral loopback
//! port with a temporary database, driven over real HTTP by the protocol client.
//!
//! Event latency runs from the commit of an order (the `on_event_committed`
//! hook) to the moment each client has parsed the `order.created` event.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, OpStatus, ProductData, Stock, Variant};
use comptoir_protocol::client::{Client, StorefrontClient};
use comptoir_protocol::events::EventType;
use comptoir_protocol::orders::Customer;
use comptoir_protocol::storefront::{OrderLineRequest, PlaceOrderRequest};

use crate::{AppState, Config, Db, Hooks, SystemClock, auth};

type Stamps = Arc<Mutex<HashMap<i64, Instant>>>;

fn product(i: usize) -> ProductData {
    ProductData {
        title: format!("Produit fermier n°{i}"),
        description: "Fabriqué dans l'Orne.".to_owned(),
        category_external_ids: Vec::new(),
        images: Vec::new(),
        published: true,
        variants: vec![Variant {
            sku: format!("SKU-{i:05}"),
            options: [("Poids".to_owned(), "250 g".to_owned())].into(),
            price_ttc: 495,
            currency: "EUR".to_owned(),
            vat_rate: "5.5".to_owned(),
            ean: None,
            stock: Stock { available: 1_000_000 },
            ..Default::default()
        }],
        ..Default::default()
    }
}

pub struct Percentiles {
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
}

pub fn percentiles(mut v: Vec<Duration>) -> Option<Percentiles> {
    if v.is_empty() {
        return None;
    }
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    Some(Percentiles { p50: at(0.50), p95: at(0.95), max: v[v.len() - 1] })
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[allow(clippy::print_stdout)]
pub async fn run(orders: usize, products: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Db::open(&dir.path().join("bench.sqlite3")).await?;
    let committed: Stamps = Arc::default();
    let hook_stamps = committed.clone();
    let hooks = Hooks {
        on_event_committed: Some(Box::new(move |_, seq| {
            let now = Instant::now();
            hook_stamps.lock().unwrap_or_else(|e| e.into_inner()).insert(seq, now);
        })),
        idempotency_gate: None,
    };
    let config = Config { rate_limit: None, ..Config::default() };
    let st = AppState::new(db, Arc::new(SystemClock), config, hooks);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(crate::serve(listener, st.clone()));
    let shop = auth::create_shop(&st.db, "Bench", st.now(), st.config.pairing_code_ttl).await?;
    let client = Client::new(&url, &shop.token);
    let mut out = std::io::stdout().lock();
    writeln!(out, "server: {url} (in-process, temporary SQLite database)")?;

    // Catalogue throughput.
    let started = Instant::now();
    for (b, chunk) in (0..products).collect::<Vec<_>>().chunks(100).enumerate() {
        let req = CatalogBatchRequest {
            ops: chunk.iter().map(|&i| CatalogOp::upsert_product(format!("p-{i:05}"), 0, &product(i))).collect(),
        };
        let resp = client.catalog_batch(&format!("bench-{b}"), &req).await?;
        anyhow::ensure!(resp.value.results.iter().all(|r| r.status == OpStatus::Ok), "catalog batch {b} had failures");
    }
    let elapsed = started.elapsed();
    writeln!(
        out,
        "catalogue: {products} products in batches of 100 in {:.3} s = {:.0} products/s",
        elapsed.as_secs_f64(),
        products as f64 / elapsed.as_secs_f64()
    )?;

    // Event delivery latency.
    // A fresh shop: catalogue writes emit no events, so the log starts empty.
    let start_seq = 0;
    let sse_seen: Stamps = Arc::default();
    let lp_seen: Stamps = Arc::default();
    let order_seqs: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut sse = client.event_stream(Some(start_seq)).await?;
    let sse_task = {
        let seen = sse_seen.clone();
        let seqs = order_seqs.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok(Some(ev)) = sse.next().await {
                if ev.event_type == EventType::OrderCreated {
                    seen.lock().unwrap_or_else(|e| e.into_inner()).insert(ev.seq, Instant::now());
                    seqs.lock().unwrap_or_else(|e| e.into_inner()).push(ev.seq);
                    n += 1;
                    if n == orders {
                        break;
                    }
                }
            }
        })
    };
    let lp_task = {
        let seen = lp_seen.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let mut after = start_seq;
            let mut n = 0;
            while n < orders {
                let Ok(page) = client.events(after, Some(Duration::from_secs(25)), Some(500)).await else {
                    break;
                };
                let now = Instant::now();
                for ev in &page.events {
                    if ev.event_type == EventType::OrderCreated {
                        seen.lock().unwrap_or_else(|e| e.into_inner()).insert(ev.seq, now);
                        n += 1;
                    }
                }
                after = page.last_seq;
            }
        })
    };
    let sf = StorefrontClient::new(&url);
    let placing = Instant::now();
    for i in 0..orders {
        let req = PlaceOrderRequest {
            customer: Customer { name: format!("Client {i}"), email: None, phone: None },
            lines: vec![OrderLineRequest { sku: format!("SKU-{:05}", i % products.max(1)), quantity: 1 }],
        };
        sf.place_order(&shop.shop_id, &req).await?;
    }
    let placing = placing.elapsed();
    tokio::time::timeout(Duration::from_secs(60), async {
        let _ = sse_task.await;
        let _ = lp_task.await;
    })
    .await
    .context("clients did not receive every event within 60 s")?;
    writeln!(
        out,
        "orders: {orders} placed in {:.3} s ({:.0} orders/s)",
        placing.as_secs_f64(),
        orders as f64 / placing.as_secs_f64()
    )?;
    let committed = committed.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let seqs = order_seqs.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for (name, seen) in [("SSE", &sse_seen), ("long-poll", &lp_seen)] {
        let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        let lat: Vec<Duration> =
            seqs.iter().filter_map(|s| Some(seen.get(s)?.saturating_duration_since(*committed.get(s)?))).collect();
        match percentiles(lat.clone()) {
            Some(p) => writeln!(
                out,
                "event latency {name:9} over {} orders: p50 {}  p95 {}  max {}",
                lat.len(),
                ms(p.p50),
                ms(p.p95),
                ms(p.max)
            )?,
            None => writeln!(out, "event latency {name}: no sample")?,
        }
    }
    server.abort();
    Ok(())
}
