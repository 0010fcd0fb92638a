//! `connect`, `sync`, `sync status`, `disconnect` through the real binary against the
//! real reference server (in this test process, real HTTP on loopback), with the token
//! in the real Secret Service (the private session bus and gnome-keyring that
//! `scripts/test-all.sh` starts). And the client killed with SIGKILL mid-sync.
//! Names end in `session_bus`: nextest runs them one at a time (the `session-bus`
//! group), as concurrent first uses of a fresh gnome-keyring were seen to stall.

use std::io::Write;
use std::process::{Command as StdCommand, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use comptoir_core::Db;
use comptoir_core::catalogue::{ProductInput, ProductStatus, Unit, VariantInput};
use comptoir_core::vat::VatRate;
use comptoir_marketplace::{AppState, Config, Hooks, RateLimitConfig, SystemClock};
use comptoir_protocol::catalog::ObjectType;
use comptoir_protocol::client::{AdminClient, Client};
use comptoir_protocol::hash::content_hash;

use crate::support::Shop;

struct Market {
    url: String,
    pairing_code: String,
    /// A token of the shop's own, so the test's reads do not use the CLI's rate limit.
    token: String,
    _dir: tempfile::TempDir,
}

async fn market(rate_limit: Option<RateLimitConfig>) -> Market {
    let dir = tempfile::tempdir().unwrap();
    let db = comptoir_marketplace::Db::open(&dir.path().join("m.sqlite3")).await.unwrap();
    let config = Config { admin_token: Some("adm".into()), rate_limit, ..Config::default() };
    let st = AppState::new(db, Arc::new(SystemClock), config, Hooks::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(comptoir_marketplace::serve_http(listener, st));
    let shop = AdminClient::new(&url, "adm").create_shop("Cave de Mortagne").await.unwrap();
    Market { url, pairing_code: shop.pairing_code, token: shop.token, _dir: dir }
}

fn needs_keychain() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a session bus with gnome-keyring (run scripts/test-all.sh, which starts both)"
    );
}

fn product(i: usize) -> ProductInput {
    ProductInput {
        id: None,
        name: format!("Poiré {i}"),
        description: String::new(),
        category_id: None,
        status: ProductStatus::Draft,
        vat: VatRate::Normal,
        unit: Unit::Piece,
        offer: Default::default(),
        variants: vec![VariantInput {
            id: None,
            sku: format!("POI-{i}"),
            options: vec![],
            price_cents: 650 + i as i64,
            stock: 12,
            ean: None,
            net_quantity: None,
        }],
    }
}

async fn add_products(shop: &Shop, n: usize) -> Db {
    let db = Db::open_in(shop.dir.path()).await.unwrap();
    for i in 0..n {
        db.save_product(&product(i), chrono::Utc::now()).await.unwrap();
    }
    db
}

/// Runs the binary off the async threads (the server answers meanwhile).
async fn run(shop: &Shop, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_comptoir-cli"));
    cmd.arg("--data-dir").arg(shop.dir.path()).args(args);
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

async fn json(shop: &Shop, args: &[&str]) -> serde_json::Value {
    let out = run(shop, args, None).await;
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What the marketplace holds: (is product, external id) → content hash.
async fn server_catalogue(m: &Market) -> std::collections::BTreeMap<(bool, String), String> {
    let client = Client::new(&m.url, &m.token);
    let mut out = std::collections::BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = match client.catalog_state(cursor.as_deref(), Some(500)).await {
            Ok(p) => p,
            // The slow server of the SIGKILL test limits the test's reads too.
            Err(e) if e.status() == Some(429) => {
                tokio::time::sleep(e.retry_after().unwrap_or(Duration::from_secs(1))).await;
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        for it in page.items.into_iter().filter(|i| !i.deleted) {
            out.insert((it.object_type == ObjectType::Product, it.external_id), it.hash.unwrap_or_default());
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

async fn assert_same_catalogue(m: &Market, db: &Db) {
    let mut local = std::collections::BTreeMap::new();
    for (uid, (data, _)) in db.sync_category_data().await.unwrap() {
        local.insert((false, uid), content_hash(&data));
    }
    for (uid, data) in db.sync_product_data(None).await.unwrap() {
        local.insert((true, uid), content_hash(&data));
    }
    assert_eq!(server_catalogue(m).await, local, "marketplace and local catalogue differ");
    assert_eq!(db.outbox_len().await.unwrap(), 0, "outbox not empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_token_stdin_sync_json_status_json_and_disconnect_session_bus() {
    needs_keychain();
    let m = market(None).await;
    let shop = Shop::new();
    let db = add_products(&shop, 3).await;

    let out = run(&shop, &["connect", &m.url, "--token-stdin", "--json"], Some(&format!("{}\n", m.token))).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c["shop_name"], "Cave de Mortagne");
    assert!(c["max_batch_ops"].as_u64().unwrap() > 0);
    // The token is in the keychain, not in any file of the data directory. The files are
    // read with this test's own connections closed: closing any descriptor of a SQLite
    // file drops every POSIX lock the process holds on it, and a connection whose locks
    // vanished lets the next process to close reset the write-ahead log under it (read
    // as « database disk image is malformed », or a stale snapshot).
    db.close().await;
    for entry in std::fs::read_dir(shop.dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(!bytes.windows(m.token.len()).any(|w| w == m.token.as_bytes()), "token in {}", p.display());
        }
    }
    let db = Db::open_in(shop.dir.path()).await.unwrap();

    let st = json(&shop, &["sync", "status", "--json"]).await;
    assert_eq!(st["state"], "pending");
    // The default categories were there before the outbox: the first sync's
    // reconciliation finds them missing on the server and sends them too.
    assert_eq!(st["pending"], 3);

    let r = json(&shop, &["sync", "--json"]).await;
    assert_eq!((r["operations"].as_u64(), r["pending_after"].as_i64()), (Some(16), Some(0)), "{r}");
    assert!(r["bytes_sent"].as_u64().unwrap() > 0);
    assert_same_catalogue(&m, &db).await;

    let st = json(&shop, &["sync", "status", "--json"]).await;
    assert_eq!((st["state"].as_str(), st["label"].as_str()), (Some("synced"), Some("Synchronisé")), "{st}");

    // Nothing changed: nothing sent.
    let r = json(&shop, &["sync", "--once", "--json"]).await;
    assert_eq!((r["operations"].as_u64(), r["photo_bytes"].as_u64()), (Some(0), Some(0)), "{r}");

    let out = run(&shop, &["disconnect"], None).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Déconnecté"));
    let st = json(&shop, &["sync", "status", "--json"]).await;
    assert_eq!(st["state"], "not_connected");
    let out = run(&shop, &["sync", "--once"], None).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("n'est pas connecté"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_killed_with_sigkill_mid_sync_then_rerun_converges_session_bus() {
    needs_keychain();
    // A slow server (4 requests a second past a burst of 3): the sync takes seconds.
    let m = market(Some(RateLimitConfig { burst: 3, per_second: 4.0 })).await;
    let shop = Shop::new();
    let db = add_products(&shop, 600).await;
    let out = run(&shop, &["connect", &m.url, "--pair", &m.pairing_code, "--json"], None).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_comptoir-cli"))
        .arg("--data-dir")
        .arg(shop.dir.path())
        .args(["sync", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once part of the catalogue has landed, before the rest.
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(60), "the first batches never landed");
        let n = server_catalogue(&m).await.keys().filter(|(p, _)| *p).count();
        if n > 0 {
            assert!(n < 600, "the sync finished before it could be killed");
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(child.try_wait().unwrap().is_none(), "still syncing when killed");
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    // An edit after the crash, then the rerun.
    let p = db.product(1).await.unwrap();
    let mut input = comptoir_core::storage::product_to_input(&p);
    input.variants[0].price_cents = 999;
    db.save_product(&input, chrono::Utc::now()).await.unwrap();
    let r = json(&shop, &["sync", "--json"]).await;
    assert_eq!(r["pending_after"], 0, "{r}");
    assert_same_catalogue(&m, &db).await;
    assert_eq!(server_catalogue(&m).await.keys().filter(|(p, _)| *p).count(), 600);
}
