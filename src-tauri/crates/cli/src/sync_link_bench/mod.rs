//! `bench sync-link`: the first full sync of a shop whose N products each have one real
//! 12-megapixel photo, through an emulated rural line
//! ([`comptoir_marketplace::link`]) at several upload rates, to the reference server
//! in-process; then what the server holds is read back and checked.
//!
//! For each rate everything is fresh (shop data dir, server, line), so no rate profits
//! from another's uploads. What is measured and how:
//!
//! - **wall time**: from the first sync pass to the pass that leaves the outbox empty,
//!   waits after failed passes included (the app waits them too);
//! - **bytes relayed up**: payload bytes the line delivered to the server (request
//!   lines, headers, bodies; [`LinkStats::bytes_up`]), and those lost at cuts;
//! - **photo bytes sent**: what the sync reports say were uploaded (`photo_bytes`, summed
//!   over the passes that returned a report: a pass that ends offline returns none);
//! - **physical minimum**: the bytes that had to cross the line ÷ its rate. What had
//!   to cross is each product's render (the studio's main image, the only thing the
//!   marketplace needs of a photo) and the catalogue batch bodies (the products' wire
//!   JSON in batches of the server's size, computed here, not taken from the engine).
//!   Printed with the renders alone, with renders + batches (the one efficiency uses),
//!   and with everything the line carried up, lost at cuts included (the time the line
//!   was busy: the rest of the wall time it idled, waiting on round trips or on us);
//! - **efficiency** = minimum (renders + batches) ÷ wall time (goal ≥ 0.8);
//! - **ratio** = photo bytes sent ÷ the originals' total bytes;
//! - **content check**: every photo the server lists (`GET /v1/media`) is fetched
//!   (`GET /v1/media/{sha}`) and must hash to its name, be a JPEG with no APP1 (EXIF,
//!   XMP) or APP13 (IPTC) segment, and have its larger side ≤ the preset's `main_max`.
//!
//! The corpus has fewer photos than products (24 from `make-photo-corpus.sh`): past the
//! corpus, photo k is a variant of photo k mod 24, decoded, marked with its number as
//! black and white squares in a corner, re-encoded at q92 and given back the original's
//! EXIF/IPTC, so every product has a distinct photo with a phone's metadata.
//!
//! This module runs the bench, one fresh line, server and shop per rate, and holds its
//! results; its parts:
//!
//! - `corpus`: the N photos — the corpus's own, then marked variants with the
//!   originals' metadata;
//! - `shop`: the shop of one rate — products, photos imported through the studio, and
//!   the catalogue bytes a first sync must send;
//! - `check`: what the server holds, read back and checked;
//! - `report`: progress on stderr and the table on stdout.

mod check;
mod corpus;
mod report;
mod shop;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use comptoir_core::Db;
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::engine::Credential;
use comptoir_core::sync::{Rng, SyncError, SyncOptions, SyncReport};
use comptoir_marketplace::link::{LinkProfile, LinkShaper, LinkStats};
use comptoir_marketplace::{AppState, Config, Hooks, SystemClock};
use comptoir_protocol::client::{AdminClient, Client};
use serde::Serialize;
use tokio::net::TcpListener;

use crate::output::json;
use check::check_server;
use corpus::{corpus_files, prepare_photos};
use report::{mb, print_table, progress};
use shop::{catalogue_bytes, prepare_shop};

/// Download capacity as a multiple of the upload's: ADSL lines are about 10:1.
const DOWN_PER_UP: u64 = 10;
/// Longest wait after a pass that ended offline: the engine's backoff grows to
/// minutes, which measures the backoff, not the line.
const MAX_OFFLINE_WAIT: Duration = Duration::from_secs(3);
/// Seed of the line's cuts and of the sync's jitter: two runs cut at the same bytes.
const SEED: u64 = 42;

#[derive(Debug, Args)]
pub struct SyncLinkArgs {
    /// Products, each with one photo.
    #[arg(long, default_value_t = 50)]
    pub products: usize,
    /// Folder of 12 MP JPEGs (built by `bash ../shared/corpus/make-photo-corpus.sh DIR`).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Upload rates to measure, in KB/s (1 KB = 1000 bytes).
    #[arg(long, value_delimiter = ',', default_value = "40,125,1000")]
    pub rates: Vec<u64>,
    /// Added one-way delay of the line, each direction.
    #[arg(long, default_value_t = 60)]
    pub latency_ms: u64,
    /// Cut a connection about every this many KB of upload (±25 %, seeded).
    #[arg(long, value_name = "KB")]
    pub cut_every_kb: Option<u64>,
    /// Sync passes allowed per rate before giving up (reported as incomplete).
    #[arg(long, default_value_t = 40)]
    pub max_passes: u32,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Out {
    products: usize,
    /// Photos taken from the corpus as they are; the others are variants of them.
    corpus_photos: usize,
    latency_ms: u64,
    cut_every_kb: Option<u64>,
    originals_bytes: u64,
    runs: Vec<RateRun>,
}

#[derive(Serialize)]
struct RateRun {
    rate_kb_per_s: u64,
    /// The outbox was emptied within `max_passes`.
    complete: bool,
    /// Why the last failed pass failed (offline message or error), if any.
    last_error: Option<String>,
    wall_s: f64,
    /// Renders + catalogue batch bodies ÷ rate: efficiency's yardstick.
    min_s: f64,
    /// Renders alone ÷ rate.
    min_photos_s: f64,
    /// Everything the line carried up (lost at cuts included) ÷ rate: the time it was busy.
    min_relayed_s: f64,
    /// `min_s / wall_s`.
    efficiency: f64,
    renders_bytes: u64,
    catalogue_bytes: u64,
    originals_bytes: u64,
    /// What the sync reports say they uploaded of photos.
    photo_bytes_sent: u64,
    /// `photo_bytes_sent / originals_bytes`.
    ratio: f64,
    /// What the sync reports say they sent in request bodies.
    bytes_sent_reported: u64,
    bytes_relayed_up: u64,
    bytes_relayed_down: u64,
    bytes_lost_at_cuts: u64,
    connections: u64,
    cuts: u64,
    passes: u32,
    offline_passes: u32,
    /// HTTP requests, as the reports count them (passes that returned one).
    requests: u32,
    photos_uploaded: u32,
    operations: u32,
    check: Check,
}

/// What the server holds, read back.
#[derive(Serialize, Default)]
struct Check {
    /// Photos the server lists for the shop.
    listed: usize,
    /// Of those, passing every check.
    conform: usize,
    /// Of those, byte for byte the studio's render of a product here.
    same_as_local_render: usize,
    /// Products, hence photos expected.
    expected: usize,
    /// The first few failures, by photo.
    problems: Vec<String>,
}

pub async fn run(args: SyncLinkArgs) -> anyhow::Result<()> {
    let Some(corpus) = args.corpus.as_deref() else {
        bail!(
            "bench sync-link mesure de vraies photos de 12 Mpx : donnez un dossier de JPEG avec --corpus DIR \
             (pour le construire : bash ../shared/corpus/make-photo-corpus.sh DIR, voir le README, section Benchmarks)"
        );
    };
    let sources = corpus_files(corpus)?;
    if args.rates.is_empty() || args.rates.contains(&0) {
        bail!("--rates : des débits en Ko/s, séparés par des virgules et non nuls (par exemple 40,125,1000)");
    }
    let products = args.products.max(1);
    let tmp = tempfile::tempdir()?;
    let t = Instant::now();
    let photo_dir = tmp.path().join("photos");
    std::fs::create_dir_all(&photo_dir)?;
    let files = {
        let (sources, dir) = (sources.clone(), photo_dir.clone());
        tokio::task::spawn_blocking(move || prepare_photos(&sources, products, &dir)).await??
    };
    let mut originals_bytes = 0;
    for f in &files {
        originals_bytes += std::fs::metadata(f)?.len();
    }
    let corpus_photos = sources.len().min(products);
    let cut = args.cut_every_kb.map_or_else(|| "pas de coupure".to_owned(), |k| format!("coupure tous les ~{k} Ko"));
    progress(&format!(
        "bench sync-link : {products} produits, une photo 12 Mpx chacun ({corpus_photos} du corpus, {} variantes ; \
         originaux {}) préparés en {:.1} s ; latence {} ms, {cut}",
        products - corpus_photos,
        mb(originals_bytes),
        t.elapsed().as_secs_f64(),
        args.latency_ms
    ));

    let mut runs = Vec::with_capacity(args.rates.len());
    for &rate in &args.rates {
        let dir = tmp.path().join(format!("rate-{rate}"));
        let run = run_rate(&args, rate, &files, originals_bytes, &dir).await?;
        progress(&format!(
            "  {rate} Ko/s : {} en {:.1} s, efficacité {:.2}",
            if run.complete { "synchronisé" } else { "INCOMPLET" },
            run.wall_s,
            run.efficiency
        ));
        runs.push(run);
        // The shop and server of a rate are of no use to the next: free the disk.
        let _ = std::fs::remove_dir_all(&dir);
    }
    let out = Out {
        products,
        corpus_photos,
        latency_ms: args.latency_ms,
        cut_every_kb: args.cut_every_kb,
        originals_bytes,
        runs,
    };
    if args.json { json(&out) } else { print_table(&out) }
}

async fn run_rate(
    args: &SyncLinkArgs,
    rate_kb: u64,
    files: &[PathBuf],
    originals_bytes: u64,
    dir: &Path,
) -> anyhow::Result<RateRun> {
    let rate = rate_kb * 1000;
    // The reference server, no rate limit (it measures the line and Comptoir).
    std::fs::create_dir_all(dir)?;
    let mdb = comptoir_marketplace::Db::open(&dir.join("market.sqlite3")).await?;
    let config = Config { admin_token: Some("bench".into()), rate_limit: None, ..Config::default() };
    let max_ops = config.max_batch_ops;
    let st = AppState::new(mdb, Arc::new(SystemClock), config, Hooks::default());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let server_addr = listener.local_addr()?;
    let server = tokio::spawn(comptoir_marketplace::serve_http(listener, st));
    let direct = format!("http://{server_addr}");
    let shop = AdminClient::new(direct.clone(), "bench").create_shop("Banc de la ligne rurale").await?;

    let t = Instant::now();
    let data_dir = dir.join("shop");
    std::fs::create_dir_all(&data_dir)?;
    let db = Db::open_in(&data_dir).await?;
    let (prepared, main_max) = prepare_shop(&db, &data_dir, files).await?;
    let renders_bytes: u64 = prepared.iter().map(|p| p.render_bytes).sum();
    let catalogue_bytes = catalogue_bytes(&db, &prepared, max_ops).await?;
    progress(&format!(
        "  {rate_kb} Ko/s : boutique prête en {:.1} s (rendus {}, lots du catalogue {:.1} Ko)",
        t.elapsed().as_secs_f64(),
        mb(renders_bytes),
        catalogue_bytes as f64 / 1e3
    ));

    let profile = LinkProfile {
        up_bytes_per_sec: Some(rate),
        down_bytes_per_sec: Some(rate * DOWN_PER_UP),
        latency: Duration::from_millis(args.latency_ms),
        cut_every_up_bytes: args.cut_every_kb.map(|k| k * 1000),
        seed: SEED,
    };
    let link = LinkShaper::start(server_addr, profile).await?;
    let keychain = MemoryKeychain::default();
    // Connecting crosses the line too and may meet a cut: try again, as a person would.
    let mut tries = 0;
    loop {
        let cred = Credential::Token(shop.token.clone());
        match comptoir_core::sync::connect(&db, &link.url(), cred, &keychain).await {
            Ok(_) => break,
            Err(SyncError::Offline { .. }) if tries < 5 => {
                tries += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e).context("connexion à la place de marché par la ligne"),
        }
    }

    let opts = SyncOptions { ..Default::default() };
    let mut rng = Rng::seeded(SEED);
    let before = link.stats();
    let mut total = SyncReport::default();
    let (mut passes, mut offline_passes, mut complete, mut last_error) = (0u32, 0u32, false, None);
    let t = Instant::now();
    while passes < args.max_passes.max(1) {
        passes += 1;
        match comptoir_core::sync::sync_once(&db, &data_dir, &keychain, &opts, &mut rng, Utc::now()).await {
            Ok(r) => {
                total.add(&r);
                if r.pending_after == 0 {
                    complete = true;
                    break;
                }
            }
            Err(SyncError::Offline { message, retry_in }) => {
                offline_passes += 1;
                let wait = retry_in.min(MAX_OFFLINE_WAIT);
                progress(&format!(
                    "  {rate_kb} Ko/s : passe {passes} hors ligne ({message}) à {:.1} s, reprise dans {:.1} s",
                    t.elapsed().as_secs_f64(),
                    wait.as_secs_f64()
                ));
                last_error = Some(message);
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                last_error = Some(e.to_string());
                break;
            }
        }
    }
    let wall = t.elapsed().as_secs_f64();
    let after = link.stats();
    drop(link);

    // Read back directly from the server, not through the line: the check is not timed.
    let check = check_server(&Client::new(direct, shop.token.clone()), &prepared, main_max).await?;
    server.abort();
    db.close().await;

    let up = |a: &LinkStats, b: &LinkStats| a.bytes_up - b.bytes_up;
    let secs = |bytes: u64| bytes as f64 / rate as f64;
    let min_s = secs(renders_bytes + catalogue_bytes);
    Ok(RateRun {
        rate_kb_per_s: rate_kb,
        complete,
        last_error,
        wall_s: wall,
        min_s,
        min_photos_s: secs(renders_bytes),
        min_relayed_s: secs(up(&after, &before) + after.bytes_up_lost - before.bytes_up_lost),
        efficiency: if wall > 0.0 { min_s / wall } else { 0.0 },
        renders_bytes,
        catalogue_bytes,
        originals_bytes,
        photo_bytes_sent: total.photo_bytes,
        ratio: total.photo_bytes as f64 / originals_bytes.max(1) as f64,
        bytes_sent_reported: total.bytes_sent,
        bytes_relayed_up: up(&after, &before),
        bytes_relayed_down: after.bytes_down - before.bytes_down,
        bytes_lost_at_cuts: after.bytes_up_lost - before.bytes_up_lost,
        connections: after.connections - before.connections,
        cuts: after.cuts - before.cuts,
        passes,
        offline_passes,
        requests: total.requests,
        photos_uploaded: total.photos_uploaded,
        operations: total.operations,
        check,
    })
}

#[cfg(test)]
mod tests {
    use super::check::inspect_jpeg;
    use super::corpus::{segments, with_metadata_of};

    fn jpeg(segments: &[(u8, &[u8])], w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        for (m, body) in segments {
            b.extend([0xFF, *m]);
            b.extend(((body.len() + 2) as u16).to_be_bytes());
            b.extend(*body);
        }
        let mut sof = vec![8];
        sof.extend(h.to_be_bytes());
        sof.extend(w.to_be_bytes());
        sof.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b.extend([0xFF, 0xC0]);
        b.extend(((sof.len() + 2) as u16).to_be_bytes());
        b.extend(sof);
        b.extend([0xFF, 0xDA, 0, 2, 0x12, 0x34, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn inspect_finds_size_and_metadata() {
        assert_eq!(inspect_jpeg(&jpeg(&[(0xE0, b"JFIF\0")], 1600, 1200), 1600), Ok((1600, 1200)));
        assert!(inspect_jpeg(&jpeg(&[], 1200, 1601), 1600).is_err());
        assert!(inspect_jpeg(&jpeg(&[(0xE1, b"Exif\0\0")], 800, 600), 1600).unwrap_err().contains("APP1"));
        assert!(inspect_jpeg(&jpeg(&[(0xED, b"Photoshop 3.0\0")], 800, 600), 1600).unwrap_err().contains("APP13"));
        assert!(inspect_jpeg(b"\x89PNG\r\n", 1600).is_err());
        let cut = jpeg(&[], 800, 600);
        assert!(inspect_jpeg(&cut[..10], 1600).is_err());
    }

    #[test]
    fn variants_keep_the_originals_exif_and_iptc_but_not_its_icc() {
        let original = jpeg(&[(0xE1, b"Exif\0\0MM"), (0xE2, b"ICC_PROFILE\0"), (0xED, b"Photoshop 3.0\0")], 4032, 3024);
        let encoded = jpeg(&[(0xE0, b"JFIF\0")], 4032, 3024);
        let v = with_metadata_of(&original, &encoded);
        let markers: Vec<u8> = segments(&v).into_iter().map(|(m, _)| m).collect();
        assert_eq!(markers, [0xE1, 0xED, 0xE0, 0xC0, 0xDA]);
    }
}
