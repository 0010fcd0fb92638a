//! `bench sync`: the initial sync of a catalogue with its photos to the reference
//! server, then a re-sync with nothing changed, then a re-sync after editing 10
//! products; wall time, requests and bytes sent for each.
//!
//! The server runs in-process (temporary SQLite file, real HTTP on 127.0.0.1, no rate
//! limit). Bytes are counted on the wire by a relay in front of it (request lines,
//! headers and bodies, everything the client sends), not estimated. The photos are
//! generated JPEGs of distinct content, put through the photo import of the studio and
//! attached by file name, exactly as a shop's photos would be.
//!
//! The initial sync runs in a child process (`bench sync-one`) so that its peak memory
//! (VmHWM), and its CPU time, are the client's own: the server in this process holds
//! the catalogue too, and would muddy the figure the shop's PC cares about.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::catalogue::{ProductInput, ProductStatus, Unit, VariantInput};
use comptoir_core::photos::CancelFlag;
use comptoir_core::photos::Studio;
use comptoir_core::photos::fixtures;
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::engine::Credential;
use comptoir_core::sync::worker::{Clock, sync_until_drained};
use comptoir_core::sync::{Rng, SyncOptions, SyncReport};
use comptoir_core::vat::VatRate;
use comptoir_marketplace::{AppState, Config, Hooks, SystemClock};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::output::{json, line};

/// Counts the bytes the client sends through it (the server's answers pass uncounted).
async fn counting_relay(upstream: u16, sent: Arc<AtomicU64>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((down, _)) = listener.accept().await {
            let Ok(up) = TcpStream::connect(("127.0.0.1", upstream)).await else { continue };
            let sent = sent.clone();
            tokio::spawn(async move {
                let (mut dr, mut dw) = down.into_split();
                let (mut ur, mut uw) = up.into_split();
                let back = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut ur, &mut dw).await;
                    let _ = dw.shutdown().await;
                });
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    use tokio::io::AsyncReadExt;
                    let n = match dr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    sent.fetch_add(n as u64, Ordering::Relaxed);
                    if uw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = uw.shutdown().await;
                let _ = back.await;
            });
        }
    });
    Ok(url)
}

fn product(i: usize) -> ProductInput {
    published_product(
        format!("Produit de banc {i:04}"),
        format!("Produit fermier de l'Orne numéro {i}, pour mesurer la synchronisation."),
        format!("SYNC{i:04}"),
        250 + (i as i64 % 900),
        20,
    )
}

/// A published product with one variant at reduced VAT, as the sync benches make them.
pub(crate) fn published_product(
    name: String,
    description: String,
    sku: String,
    price_cents: i64,
    stock: i64,
) -> ProductInput {
    ProductInput {
        id: None,
        name,
        description,
        category_id: None,
        status: ProductStatus::Published,
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Default::default(),
        variants: vec![VariantInput {
            id: None,
            sku,
            options: vec![],
            price_cents,
            stock,
            ean: None,
            net_quantity: None,
        }],
    }
}

/// `count` JPEGs, 160×120, each of distinct content, named `SYNC0007_2.jpg` (the
/// photo matching attaches them to SKU SYNC0007 as its 2nd photo).
fn write_photos(dir: &Path, products: usize, count: usize) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut paths = Vec::with_capacity(count);
    for n in 0..count {
        let (p, rank) = (n % products, n / products + 1);
        let mut img = fixtures::test_card(160, 120);
        // The photo's number as 16 black or white 10×12 blocks across the top: distinct
        // even after the pipeline resizes and re-encodes (a faint tint would not be).
        for bit in 0..16usize {
            let v = if (n >> bit) & 1 == 1 { 0 } else { 255 };
            for y in 0..12usize {
                for x in bit * 10..bit * 10 + 10 {
                    let at = (y * 160 + x) * 3;
                    img.data[at..at + 3].copy_from_slice(&[v, v, v]);
                }
            }
        }
        let path = dir.join(format!("SYNC{p:04}_{rank}.jpg"));
        std::fs::write(&path, fixtures::jpeg(&img, false))?;
        paths.push(path);
    }
    Ok(paths)
}

struct Phase {
    wall: Duration,
    wire_bytes: u64,
    report: SyncReport,
}

fn print(name: &str, p: &Phase) {
    line(format!(
        "{name:<26} {:>8.2} s  {:>6} requêtes  {:>12} octets envoyés  ({} opérations, {} photos, {} octets de photos)",
        p.wall.as_secs_f64(),
        p.report.requests,
        p.wire_bytes,
        p.report.operations,
        p.report.photos_uploaded,
        p.report.photo_bytes
    ));
}

/// What the child of `bench sync` (`bench sync-one`) reports of the initial sync.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct OneSync {
    wall_s: f64,
    /// User + system CPU time of the child: the sync alone (opening the database aside).
    cpu_s: f64,
    /// VmHWM of the child: the client's peak, without the server's memory.
    peak_mb: f64,
    requests: u32,
    operations: u32,
    photos_uploaded: u32,
    photo_bytes: u64,
}

/// The child of `bench sync`: the initial sync of the shop in `data_dir` (connected by
/// the parent; the token comes on standard input, never on the command line).
pub async fn run_one(data_dir: &Path) -> anyhow::Result<()> {
    let mut token = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut token)?;
    let db = Db::open_in(data_dir).await?;
    let shop = db.sync_state().await?.shop_id.ok_or_else(|| anyhow::anyhow!("boutique non connectée"))?;
    let keychain = MemoryKeychain::default();
    comptoir_core::sync::credentials::TokenStore::set(&keychain, &shop, token.trim())?;
    let clock: Clock = Arc::new(Utc::now);
    // Not the parent's seed: the same Idempotency-Keys would have its later passes
    // answered with the replayed answers of this sync's batches.
    let mut rng = Rng::seeded(43);
    let cpu0 = crate::import::cpu_seconds().unwrap_or(0.0);
    let t = Instant::now();
    let r = sync_until_drained(&db, data_dir, &keychain, &SyncOptions::default(), &mut rng, &clock, |_, _| {}).await?;
    let wall_s = t.elapsed().as_secs_f64();
    let cpu_s = crate::import::cpu_seconds().unwrap_or(0.0) - cpu0;
    db.close().await;
    json(&OneSync {
        wall_s,
        cpu_s,
        peak_mb: crate::import::peak_memory_kb().unwrap_or(0) as f64 / 1024.0,
        requests: r.requests,
        operations: r.operations,
        photos_uploaded: r.photos_uploaded,
        photo_bytes: r.photo_bytes,
    })
}

/// The initial sync in a child process (see the module's comment).
async fn initial_in_child(data_dir: &Path, token: &str) -> anyhow::Result<OneSync> {
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "sync-one", "--into"])
        .arg(data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(token.as_bytes()).await?;
    }
    let out = child.wait_with_output().await?;
    if !out.status.success() {
        anyhow::bail!("synchronisation initiale : {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

pub async fn run(products: usize, photos: usize) -> anyhow::Result<()> {
    let products = products.max(1);
    let tmp = tempfile::tempdir()?;
    // The reference server, no rate limit (it measures Comptoir, not the limiter).
    let mdb = comptoir_marketplace::Db::open(&tmp.path().join("market.sqlite3")).await?;
    let config = Config { admin_token: Some("bench".into()), rate_limit: None, ..Config::default() };
    let st = AppState::new(mdb, Arc::new(SystemClock), config, Hooks::default());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(comptoir_marketplace::serve_http(listener, st));
    let sent = Arc::new(AtomicU64::new(0));
    let url = counting_relay(port, sent.clone()).await?;
    let shop = comptoir_protocol::client::AdminClient::new(format!("http://127.0.0.1:{port}"), "bench")
        .create_shop("Banc de la Fromagerie")
        .await?;

    // The shop: products, then photos through the studio's import and matching.
    let data_dir = tmp.path().join("shop");
    std::fs::create_dir_all(&data_dir)?;
    let db = Db::open_in(&data_dir).await?;
    let now = Utc::now();
    let t = Instant::now();
    let mut ids = Vec::with_capacity(products);
    for i in 0..products {
        ids.push(db.save_product(&product(i), now).await?.id);
    }
    let photo_dir = tmp.path().join("photos");
    std::fs::create_dir_all(&photo_dir)?;
    let files = write_photos(&photo_dir, products, photos)?;
    let studio = Studio::new(db.clone(), &data_dir);
    let imported = studio.import(files, Arc::new(|_| {}), CancelFlag::new(), now).await?;
    let attached = studio.apply_matches(&imported.proposals, now).await?;
    line(format!(
        "bench sync : {products} produits, {} photos importées et {attached} rattachées ({:.1} s de préparation) ; serveur de référence en boucle locale ; charge {}",
        imported.imported,
        t.elapsed().as_secs_f64(),
        crate::import::load_average()
    ));

    let keychain = MemoryKeychain::default();
    comptoir_core::sync::connect(&db, &url, Credential::Token(shop.token.clone()), &keychain).await?;
    let clock: Clock = Arc::new(Utc::now);
    let opts = SyncOptions::default();
    let mut rng = Rng::seeded(42);
    let mut phase = async || -> anyhow::Result<Phase> {
        let before = sent.load(Ordering::Relaxed);
        let t = Instant::now();
        let report = comptoir_core::sync::sync_once(&db, &data_dir, &keychain, &opts, &mut rng, clock()).await?;
        Ok(Phase { wall: t.elapsed(), wire_bytes: sent.load(Ordering::Relaxed) - before, report })
    };
    let before = sent.load(Ordering::Relaxed);
    let one = initial_in_child(&data_dir, &shop.token).await?;
    let initial = Phase {
        wall: Duration::from_secs_f64(one.wall_s),
        wire_bytes: sent.load(Ordering::Relaxed) - before,
        report: SyncReport {
            requests: one.requests,
            operations: one.operations,
            photos_uploaded: one.photos_uploaded,
            photo_bytes: one.photo_bytes,
            ..SyncReport::default()
        },
    };
    print("Synchronisation initiale", &initial);
    line(format!(
        "{:<26} CPU {:.2} s, pic mémoire du client {:.0} Mo (VmHWM de son propre processus, sans le serveur)",
        "", one.cpu_s, one.peak_mb
    ));
    let noop = phase().await?;
    print("Re-synchronisation à vide", &noop);
    for id in ids.iter().step_by((products / 10).max(1)).take(10) {
        let p = db.product(*id).await?;
        let mut input = comptoir_core::storage::product_to_input(&p);
        input.variants[0].price_cents += 10;
        db.save_product(&input, Utc::now()).await?;
    }
    let edit = phase().await?;
    print("Après 10 produits modifiés", &edit);
    line(format!(
        "Objectifs : re-synchronisation à vide < 10 Ko ({} octets : {}) ; 10 produits modifiés → {} opération(s) envoyée(s) : {}",
        noop.wire_bytes,
        if noop.wire_bytes < 10 * 1024 { "atteint" } else { "manqué" },
        edit.report.operations,
        if edit.report.operations == 10 && edit.report.photos_uploaded == 0 { "atteint" } else { "manqué" }
    ));
    Ok(())
}
