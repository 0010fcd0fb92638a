//! `orders …` and the order exports against the real reference server (in this
//! test process, real HTTP on loopback), through the real binary.

use std::io::BufRead;
use std::process::{Command as StdCommand, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use comptoir_marketplace::{AppState, Config, Db, Hooks, SystemClock};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, ProductData, Stock, Variant};
use comptoir_protocol::client::{AdminClient, Client, StorefrontClient};
use comptoir_protocol::orders::Customer;
use comptoir_protocol::storefront::{OrderLineRequest, PlaceOrderRequest};

use crate::support::Shop;

struct Market {
    url: String,
    shop_id: String,
    token: String,
    _dir: tempfile::TempDir,
}

async fn market() -> Market {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("m.sqlite3")).await.unwrap();
    let config = Config { admin_token: Some("adm".into()), rate_limit: None, ..Config::default() };
    let st = AppState::new(db, Arc::new(SystemClock), config, Hooks::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(comptoir_marketplace::serve_http(listener, st));
    let shop = AdminClient::new(&url, "adm").create_shop("Ferme du Perche").await.unwrap();
    let client = Client::new(&url, &shop.token);
    let data = ProductData {
        title: "Miel 500 g".into(),
        description: String::new(),
        category_external_ids: Vec::new(),
        images: Vec::new(),
        published: true,
        variants: vec![Variant {
            sku: "MIEL".into(),
            options: Default::default(),
            price_ttc: 850,
            currency: "EUR".into(),
            vat_rate: "5.5".into(),
            ean: None,
            stock: Stock { available: 500 },
            ..Default::default()
        }],
        ..Default::default()
    };
    client
        .catalog_batch("k1", &CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-1", 0, &data)] })
        .await
        .unwrap();
    Market { url, shop_id: shop.shop_id, token: shop.token, _dir: dir }
}

async fn place(m: &Market, name: &str, qty: i64) -> String {
    let req = PlaceOrderRequest {
        customer: Customer { name: name.into(), email: None, phone: None },
        lines: vec![OrderLineRequest { sku: "MIEL".into(), quantity: qty }],
    };
    StorefrontClient::new(&m.url).place_order(&m.shop_id, &req).await.unwrap().id
}

async fn cli_json(shop: &Shop, m: &Market, args: &[&str]) -> serde_json::Value {
    let mut c = shop.cli();
    c.env("COMPTOIR_MARKETPLACE_TOKEN", &m.token).env("COMPTOIR_MARKETPLACE_URL", &m.url).args(args);
    let out = tokio::task::spawn_blocking(move || c.output().unwrap()).await.unwrap();
    assert!(out.status.success(), "{args:?} : {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_list_accept_ready_collected_and_exports() {
    let m = market().await;
    let shop = Shop::new();
    place(&m, "=HYPERLINK(\"http://x\")", 12).await;
    let r = cli_json(&shop, &m, &["orders", "sync", "--json"]).await;
    assert!(r["received"].as_u64().unwrap() >= 1);
    let list = cli_json(&shop, &m, &["orders", "list", "--status", "new", "--json"]).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["number"], 1001);
    assert_eq!(list[0]["total_cents"], 10200);
    let a = cli_json(&shop, &m, &["orders", "accept", "1001", "--json"]).await;
    assert_eq!(a["state"], "sent");
    assert_eq!(a["order"]["status"], "accepted");
    let r = cli_json(&shop, &m, &["orders", "ready", "1001", "--code", "123456", "--json"]).await;
    assert_eq!(r["order"]["pickup_code"], "123456");
    // The pickup day is the day the order waits at the counter until (Paris time).
    let until: chrono::DateTime<chrono::Utc> = r["order"]["pickup_at"].as_str().unwrap().parse().unwrap();
    let pickup_day = comptoir_core::orders::time::paris(until).date().to_string();
    let day = comptoir_core::orders::time::paris(chrono::Utc::now()).date().to_string();
    let p = cli_json(
        &shop,
        &m,
        &["export", "picklist", &format!("{}/p.xlsx", shop.dir.path().display()), "--date", &pickup_day, "--json"],
    )
    .await;
    assert_eq!(p["items"][0]["text"], "12 × Miel 500 g");
    let c = cli_json(&shop, &m, &["orders", "collected", "1001", "--json"]).await;
    assert_eq!(c["order"]["status"], "collected");
    let csv_path = shop.dir.path().join("c.csv");
    let e =
        cli_json(&shop, &m, &["export", "orders", csv_path.to_str().unwrap(), "--from", &day, "--to", &day, "--json"])
            .await;
    assert_eq!(e["rows"], 1);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(text.contains(";\"'=HYPERLINK"), "{text}");
    assert!(text.contains(";Retirée;"));
    // The catalogue export still answers under `export`.
    let cat =
        cli_json(&shop, &m, &["export", "catalogue", shop.dir.path().join("cat.csv").to_str().unwrap(), "--json"])
            .await;
    assert_eq!(cat["rows"], 0);
}

/// A running `comptoir-cli orders watch --json` and the JSON lines it printed.
struct Watcher {
    child: std::process::Child,
    rx: std::sync::mpsc::Receiver<serde_json::Value>,
    seen: Vec<serde_json::Value>,
}

impl Watcher {
    fn start(shop: &Shop, m: &Market, extra: &[&str]) -> Watcher {
        let mut child = StdCommand::new(env!("CARGO_BIN_EXE_comptoir-cli"))
            .arg("--data-dir")
            .arg(shop.dir.path())
            .args(["orders", "watch", "--json", "--mode", "sse", "--url", &m.url])
            .args(extra)
            .env("COMPTOIR_MARKETPLACE_TOKEN", &m.token)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&l) {
                    let _ = tx.send(v);
                }
            }
        });
        Watcher { child, rx, seen: Vec::new() }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Reads lines until `pred` holds (30 s at most after the call).
    fn until(&mut self, what: &str, pred: impl Fn(&Watcher) -> bool) {
        let start = Instant::now();
        while !pred(self) {
            assert!(start.elapsed() < Duration::from_secs(30), "attendu en vain : {what} ; reçu : {:?}", self.seen);
            if let Ok(v) = self.rx.recv_timeout(Duration::from_millis(100)) {
                self.seen.push(v);
            }
        }
    }

    fn connected(&self) -> bool {
        self.seen.iter().any(|v| v["type"] == "state" && v["state"] == "sse")
    }

    /// Every order id announced (alone or grouped), once per announcement.
    fn notified(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for v in self.seen.iter().filter(|v| v["type"] == "notified") {
            if let Some(id) = v["kind"]["order_id"].as_str() {
                ids.push(id.to_owned());
            }
            for id in v["kind"]["order_ids"].as_array().into_iter().flatten() {
                ids.push(id.as_str().unwrap().to_owned());
            }
        }
        ids
    }

    /// Gives a late duplicate time to show up, then stops the process (SIGKILL).
    async fn settle_and_kill(&mut self) {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        while let Ok(v) = self.rx.try_recv() {
            self.seen.push(v);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The PC "asleep": the watcher is stopped (SIGSTOP) for a whole minute while orders
/// are placed, then woken up (SIGCONT). Every order arrives, none is announced twice.
/// It takes a minute on purpose and runs in CI like the others (the only test this
/// long; `.config/nextest.toml` gives it a longer slow period).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_asleep_a_minute_sigstop_sigcont_announces_each_order_once() {
    let m = market().await;
    let shop = Shop::new();
    let mut w = Watcher::start(&shop, &m, &[]);
    w.until("connecté", Watcher::connected);
    let mut placed = vec![place(&m, "Avant Pause", 1).await];
    w.until("1re annoncée", |w| w.notified().len() == 1);

    assert!(StdCommand::new("kill").args(["-STOP", &w.pid()]).status().unwrap().success());
    for i in 0..5 {
        placed.push(place(&m, &format!("Pendant{i} Pause"), 1).await);
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(StdCommand::new("kill").args(["-CONT", &w.pid()]).status().unwrap().success());
    w.until("6 annoncées", |w| w.notified().len() >= 6);
    placed.push(place(&m, "Après Réveil", 1).await);
    w.until("7 annoncées", |w| w.notified().len() >= 7);
    w.settle_and_kill().await;
    assert_eq!(sorted(w.notified()), sorted(placed), "chaque commande annoncée une fois, aucune perdue");
}

/// The watcher killed (SIGKILL) after storing an order and before acknowledging its
/// event: restarted, it neither loses the order nor announces it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_killed_between_store_and_ack_announces_once_after_restart() {
    let m = market().await;
    let shop = Shop::new();
    let mut w = Watcher::start(&shop, &m, &["--test-freeze-after-store"]);
    w.until("connecté", Watcher::connected);
    // Past the reconciliation that follows the connection: the order comes as an event.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let first = place(&m, "Paul Interrompu", 3).await;
    w.until("stockée, pas acquittée", |w| w.seen.iter().any(|v| v["type"] == "frozen_after_store"));
    w.settle_and_kill().await;
    assert!(w.notified().is_empty(), "annoncée avant d'être acquittée : {:?}", w.seen);
    let stored = cli_json(&shop, &m, &["orders", "show", &first, "--json"]).await;
    assert_eq!(stored["number"], 1001);
    assert_eq!(stored["notified_at"], serde_json::Value::Null);

    let mut w = Watcher::start(&shop, &m, &[]);
    w.until("annoncée après redémarrage", |w| w.notified().len() == 1);
    let second = place(&m, "Après Redémarrage", 1).await;
    w.until("2e annoncée", |w| w.notified().len() >= 2);
    w.settle_and_kill().await;
    assert_eq!(sorted(w.notified()), sorted(vec![first.clone(), second]), "{:?}", w.seen);
    // The unacknowledged event is replayed, and ignored as already stored.
    let replays: Vec<&serde_json::Value> =
        w.seen.iter().filter(|v| v["type"] == "stored" && v["order_id"] == first.as_str()).collect();
    assert!(replays.iter().all(|v| v["outcome"] == "ignored"), "rejouée mais pas ignorée : {replays:?}");
    let list = cli_json(&shop, &m, &["orders", "list", "--json"]).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}
