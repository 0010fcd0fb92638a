use std::sync::Arc;

use comptoir_marketplace::{AppState, Config, Db, Hooks, ManualClock};
use comptoir_protocol::admin::ShopCreated;
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, OpStatus, ProductData, Stock, Variant};
use comptoir_protocol::client::{AdminClient, Client, StorefrontClient};
use comptoir_protocol::orders::{Customer, Order};
use comptoir_protocol::storefront::{OrderLineRequest, PlaceOrderRequest};
use tempfile::TempDir;

pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct Server {
    pub url: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub admin: AdminClient,
    pub storefront: StorefrontClient,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start() -> Server {
    start_with(Config::default(), Hooks::default()).await
}

pub async fn start_with(mut config: Config, hooks: Hooks) -> Server {
    config.admin_token = Some(ADMIN_TOKEN.to_owned());
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("marketplace.sqlite3")).await.unwrap();
    let clock = Arc::new(ManualClock::fixed());
    let state = AppState::new(db, clock.clone(), config, hooks);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(comptoir_marketplace::serve_http(listener, state.clone()));
    Server {
        admin: AdminClient::new(&url, ADMIN_TOKEN),
        storefront: StorefrontClient::new(&url),
        url,
        state,
        clock,
        task,
        _dir: dir,
    }
}

impl Server {
    pub async fn shop(&self, name: &str) -> (ShopCreated, Client) {
        let shop = self.admin.create_shop(name).await.unwrap();
        let client = Client::new(&self.url, &shop.token);
        (shop, client)
    }

    pub fn client(&self, token: &str) -> Client {
        Client::new(&self.url, token)
    }

    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new().request(method, format!("{}{path}", self.url))
    }

    pub async fn order(&self, shop_id: &str, lines: &[(&str, i64)]) -> Order {
        self.storefront.place_order(shop_id, &order_req(lines)).await.unwrap()
    }
}

pub fn order_req(lines: &[(&str, i64)]) -> PlaceOrderRequest {
    PlaceOrderRequest {
        customer: Customer { name: "Camille Lefèvre".to_owned(), email: None, phone: None },
        lines: lines
            .iter()
            .map(|(sku, quantity)| OrderLineRequest { sku: (*sku).to_owned(), quantity: *quantity })
            .collect(),
    }
}

pub fn product(skus: &[(&str, i64)]) -> ProductData {
    ProductData {
        title: "Camembert de Normandie AOP".to_owned(),
        description: "Au lait cru, moulé à la louche.".to_owned(),
        category_external_ids: Vec::new(),
        images: Vec::new(),
        published: true,
        variants: skus
            .iter()
            .map(|(sku, available)| Variant {
                sku: (*sku).to_owned(),
                options: [("Poids".to_owned(), "250 g".to_owned())].into(),
                price_ttc: 495,
                currency: "EUR".to_owned(),
                vat_rate: "5.5".to_owned(),
                ean: Some("3760123450010".to_owned()),
                stock: Stock { available: *available },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

static KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn key() -> String {
    format!("key-{}", KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// Create a published product; returns its version.
pub async fn put_product(client: &Client, ext: &str, base: i64, data: &ProductData) -> i64 {
    let req = CatalogBatchRequest { ops: vec![CatalogOp::upsert_product(ext, base, data)] };
    let r = client.catalog_batch(&key(), &req).await.unwrap().value;
    assert_eq!(r.results[0].status, OpStatus::Ok, "{:?}", r.results[0]);
    r.results[0].version.unwrap()
}

/// A shop with one published product `p-1` (SKU `CAM-250`, stock 10).
pub async fn shop_with_stock(srv: &Server) -> (ShopCreated, Client) {
    let (shop, client) = srv.shop("Fromagerie du Perche").await;
    put_product(&client, "p-1", 0, &product(&[("CAM-250", 10), ("CAM-500", 5)])).await;
    (shop, client)
}

pub async fn problem_of(resp: reqwest::Response) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "status {status}");
    (status, resp.json().await.unwrap())
}
