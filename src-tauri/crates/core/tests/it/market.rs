//! The real reference marketplace, in this process but on its own thread and
//! runtime, over real HTTP on 127.0.0.1: stopping it drops every connection, as a
//! restarted server would; starting it again on the same port and file keeps the
//! shops, tokens, orders and event log.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use comptoir_marketplace::{AppState, Clock, Config, Db, Hooks, RateLimitConfig, SystemClock};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, OpStatus, ProductData, Stock, Variant};
use comptoir_protocol::client::{AdminClient, Client, StorefrontClient};
use comptoir_protocol::orders::{Customer, Order};
use comptoir_protocol::storefront::{OrderLineRequest, PlaceOrderRequest};

pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct Market {
    pub url: String,
    pub port: u16,
    db_path: PathBuf,
    config: Config,
    clock: Arc<dyn Clock>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Market {
    /// Starts on `port` (0: any free port) with the database file `db_path`.
    pub fn start(db_path: &Path, port: u16) -> Market {
        Market::start_with(db_path, port, None)
    }

    /// Same, with a per-token rate limit (to provoke 429 storms).
    pub fn start_with(db_path: &Path, port: u16, rate_limit: Option<RateLimitConfig>) -> Market {
        let config = Config { admin_token: Some(ADMIN_TOKEN.to_owned()), rate_limit, ..Config::default() };
        Market::start_config(db_path, port, config, Hooks::default())
    }

    /// Same, with SSE heartbeats this often (the default is 15 s).
    pub fn start_with_heartbeat(db_path: &Path, heartbeat: std::time::Duration) -> Market {
        let config =
            Config { admin_token: Some(ADMIN_TOKEN.to_owned()), sse_heartbeat: heartbeat, ..Config::default() };
        Market::start_config(db_path, 0, config, Hooks::default())
    }

    /// Same, with any server configuration and test hooks (the hooks are not kept
    /// across [`restart`](Self::restart); the configuration is).
    pub fn start_config(db_path: &Path, port: u16, config: Config, hooks: Hooks) -> Market {
        Market::start_full(db_path, port, config, hooks, Arc::new(SystemClock))
    }

    /// Same, on a clock the test moves (promotions start and end by the server's clock).
    pub fn start_clocked(db_path: &Path, clock: Arc<dyn Clock>) -> Market {
        let config = Config { admin_token: Some(ADMIN_TOKEN.to_owned()), ..Config::default() };
        Market::start_full(db_path, 0, config, Hooks::default(), clock)
    }

    fn start_full(db_path: &Path, port: u16, config: Config, hooks: Hooks, clock: Arc<dyn Clock>) -> Market {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let (path, cfg, server_clock) = (db_path.to_path_buf(), config.clone(), clock.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
            rt.block_on(async {
                let db = Db::open(&path).await.unwrap();
                let state = AppState::new(db, server_clock, cfg, hooks);
                let mut listener = None;
                for _ in 0..100 {
                    match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                        Ok(l) => {
                            listener = Some(l);
                            break;
                        }
                        Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                    }
                }
                let listener = listener.expect("port du serveur de test");
                ready_tx.send(listener.local_addr().unwrap().port()).unwrap();
                tokio::spawn(comptoir_marketplace::serve_http(listener, state));
                tokio::task::spawn_blocking(move || {
                    let _ = stop_rx.recv();
                })
                .await
                .unwrap();
            });
            rt.shutdown_background();
        });
        let port = ready_rx.recv().expect("serveur démarré");
        Market {
            url: format!("http://127.0.0.1:{port}"),
            port,
            db_path: db_path.to_path_buf(),
            config,
            clock,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Stops the server: every open connection (SSE included) is dropped.
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops then starts again on the same port and file.
    pub fn restart(&mut self) {
        self.stop();
        *self = Market::start_full(
            &self.db_path.clone(),
            self.port,
            self.config.clone(),
            Hooks::default(),
            self.clock.clone(),
        );
    }

    pub fn admin(&self) -> AdminClient {
        AdminClient::new(&self.url, ADMIN_TOKEN)
    }

    pub fn storefront(&self) -> StorefrontClient {
        StorefrontClient::new(&self.url)
    }
}

impl Drop for Market {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A shop with "Camembert de Normandie" (CAM-250, 4,95 €) and "Cidre brut"
/// (CID-75, 8,00 €), published, 200 in stock each.
pub async fn shop(m: &Market) -> (String, Client) {
    let shop = m.admin().create_shop("Fromagerie du Perche").await.unwrap();
    let client = Client::new(&m.url, &shop.token);
    for (ext, title, sku, price) in
        [("p-cam", "Camembert de Normandie", "CAM-250", 495), ("p-cid", "Cidre brut", "CID-75", 800)]
    {
        let data = ProductData {
            title: title.to_owned(),
            description: String::new(),
            category_external_ids: Vec::new(),
            images: Vec::new(),
            published: true,
            variants: vec![Variant {
                sku: sku.to_owned(),
                options: Default::default(),
                price_ttc: price,
                currency: "EUR".to_owned(),
                vat_rate: "5.5".to_owned(),
                ean: None,
                stock: Stock { available: 200 },
                ..Default::default()
            }],
            ..Default::default()
        };
        let req = CatalogBatchRequest { ops: vec![CatalogOp::upsert_product(ext, 0, &data)] };
        let r = client.catalog_batch(&format!("setup-{ext}"), &req).await.unwrap().value;
        assert_eq!(r.results[0].status, OpStatus::Ok, "{:?}", r.results[0]);
    }
    (shop.shop_id, client)
}

pub async fn place(m: &Market, shop_id: &str, customer: &str, lines: &[(&str, i64)]) -> Order {
    let req = PlaceOrderRequest {
        customer: Customer { name: customer.to_owned(), email: None, phone: None },
        lines: lines.iter().map(|(s, q)| OrderLineRequest { sku: (*s).to_owned(), quantity: *q }).collect(),
    };
    m.storefront().place_order(shop_id, &req).await.unwrap()
}
