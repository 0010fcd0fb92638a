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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use comptoir_core::Db;
use comptoir_core::catalogue::ProductInput;
use comptoir_core::photos::{CancelFlag, Limits, Studio};
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::engine::Credential;
use comptoir_core::sync::{Rng, SyncError, SyncOptions, SyncReport};
use comptoir_marketplace::link::{LinkProfile, LinkShaper, LinkStats};
use comptoir_marketplace::{AppState, Config, Hooks, SystemClock};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp};
use comptoir_protocol::client::{AdminClient, Client};
use comptoir_protocol::hash::sha256_hex;
use serde::Serialize;
use tokio::net::TcpListener;

use crate::output::{json, line};

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

/// Progress for people, on stderr (stdout is the table or the JSON).
fn progress(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{s}");
}

fn mb(bytes: u64) -> String {
    format!("{:.1} Mo", bytes as f64 / 1e6)
}

fn corpus_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("corpus {} illisible", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} ne contient aucun JPEG : construisez le corpus avec bash ../shared/corpus/make-photo-corpus.sh {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(files)
}

/// The N photos: the corpus's own, then variants of them (see the module's doc).
fn prepare_photos(sources: &[PathBuf], n: usize, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = sources.iter().take(n).cloned().collect();
    let variants: Vec<usize> = (sources.len()..n).collect();
    if variants.is_empty() {
        return Ok(out);
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(variants.len());
    let made: Vec<anyhow::Result<Vec<PathBuf>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let mine: Vec<usize> = variants.iter().copied().skip(t).step_by(threads).collect();
                s.spawn(move || mine.into_iter().map(|i| make_variant(&sources[i % sources.len()], i, dir)).collect())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("variante : panique")))).collect()
    });
    for m in made {
        out.extend(m?);
    }
    Ok(out)
}

fn make_variant(source: &Path, number: usize, dir: &Path) -> anyhow::Result<PathBuf> {
    use comptoir_core::photos::{decode, encode, probe};
    let bytes = std::fs::read(source)?;
    let what = || format!("variante de {}", source.display());
    let p = probe::probe(&bytes, &Limits::default()).map_err(|e| anyhow::anyhow!("{e:?}")).with_context(what)?;
    let mut img =
        decode::decode(&bytes, &p, p.width, p.height).map_err(|e| anyhow::anyhow!("{e:?}")).with_context(what)?;
    // The number in binary, 12 squares of 96 px, black for 1: still distinct after
    // the studio shrinks the photo 2.5 times and re-encodes it.
    let side = 96usize.min(img.width as usize / 12).max(1);
    for bit in 0..12 {
        let v = if (number >> bit) & 1 == 1 { 0 } else { 255 };
        for y in 0..side.min(img.height as usize) {
            let row = y * img.width as usize;
            for x in bit * side..(bit + 1) * side {
                let at = (row + x) * 3;
                img.data[at..at + 3].copy_from_slice(&[v, v, v]);
            }
        }
    }
    let encoded = encode::encode_jpeg(&img, 92).map_err(|e| anyhow::anyhow!("{e:?}")).with_context(what)?;
    let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
    let path = dir.join(format!("{stem}_v{number:03}.jpg"));
    std::fs::write(&path, with_metadata_of(&bytes, &encoded))?;
    Ok(path)
}

/// `encoded` with the EXIF/XMP (APP1) and IPTC (APP13) segments of `original` after
/// its SOI: the variant carries orientation, GPS and camera fields like the phone's
/// file (the ICC profile is left out: the decode already converted the pixels).
fn with_metadata_of(original: &[u8], encoded: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded.len() + 64 * 1024);
    out.extend_from_slice(&encoded[..2.min(encoded.len())]);
    for (marker, segment) in segments(original) {
        if marker == 0xE1 || marker == 0xED {
            out.extend_from_slice(segment);
        }
    }
    out.extend_from_slice(encoded.get(2..).unwrap_or_default());
    out
}

/// The marker segments of a JPEG before its image data, as (marker, whole segment
/// with its 0xFF marker and length); stops at SOS, EOI or anything malformed.
fn segments(b: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    if !b.starts_with(&[0xFF, 0xD8]) {
        return out;
    }
    let mut i = 2;
    while i + 1 < b.len() && b[i] == 0xFF {
        let start = i;
        // Fill bytes: any number of 0xFF before the marker.
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = b.get(i) else { break };
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => {
                out.push((marker, &b[start..i]));
                break;
            }
            _ => {}
        }
        let Some(len) = b.get(i..i + 2).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))) else { break };
        if len < 2 || i + len > b.len() {
            break;
        }
        i += len;
        out.push((marker, &b[start..i]));
    }
    out
}

/// What a photo read back from the server must be: a JPEG, no metadata segment, no
/// larger than the preset's main image. Returns its size.
fn inspect_jpeg(b: &[u8], main_max: u32) -> Result<(u32, u32), String> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err("pas un JPEG".into());
    }
    let mut size = None;
    let mut scan = false;
    for (marker, seg) in segments(b) {
        match marker {
            0xE1 => return Err("segment APP1 (EXIF ou XMP) présent".into()),
            0xED => return Err("segment APP13 (IPTC) présent".into()),
            // Every SOFn (C4 is DHT, C8 reserved, CC is DAC): height then width.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && seg.len() >= 9 => {
                let h = u32::from(u16::from_be_bytes([seg[5], seg[6]]));
                let w = u32::from(u16::from_be_bytes([seg[7], seg[8]]));
                size = Some((w, h));
            }
            0xDA => scan = true,
            _ => {}
        }
    }
    if !scan {
        return Err("JPEG tronqué ou illisible (pas de données d'image)".into());
    }
    let (w, h) = size.ok_or("JPEG sans dimensions")?;
    if w.max(h) > main_max {
        return Err(format!("{w} × {h} : plus grand que {main_max} px"));
    }
    Ok((w, h))
}

fn product(i: usize) -> ProductInput {
    crate::sync_bench::published_product(
        format!("Produit de la ligne {i:04}"),
        format!("Produit fermier de l'Orne numéro {i}, photographié au téléphone, envoyé par une ligne rurale."),
        format!("LIGNE{i:04}"),
        350 + (i as i64 % 900),
        12,
    )
}

/// A product of this shop with its main render, as the marketplace should get it.
struct Prepared {
    uid: String,
    render_sha: String,
    render_bytes: u64,
}

/// The shop of one rate: products, photos imported through the studio, one attached to
/// each product.
async fn prepare_shop(db: &Db, data_dir: &Path, files: &[PathBuf]) -> anyhow::Result<(Vec<Prepared>, u32)> {
    let now = Utc::now();
    let mut studio = Studio::new(db.clone(), data_dir);
    studio.preset = comptoir_core::photos::settings::preset(db).await?;
    let report = studio.import(files.to_vec(), Arc::new(|_| {}), CancelFlag::new(), now).await?;
    let by_path: HashMap<&Path, &str> =
        report.files.iter().filter_map(|f| f.photo.as_ref().map(|p| (f.path.as_path(), p.sha256.as_str()))).collect();
    let mut out = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        let Some(sha) = by_path.get(file.as_path()) else {
            let why = report.files.iter().find(|f| f.path == *file).and_then(|f| f.problem.as_ref());
            bail!("la photo {} n'a pas été importée : {why:?}", file.display());
        };
        let p = db.save_product(&product(i), now).await?;
        let photo = studio.attach(p.id, sha, now).await?;
        let render = tokio::fs::read(&photo.main_path).await?;
        out.push(Prepared { uid: p.uid, render_sha: sha256_hex(&render), render_bytes: render.len() as u64 });
    }
    Ok((out, studio.preset.normalized().main_max))
}

/// The catalogue batch bodies of a first sync: every product's upsert (base version 0,
/// `images` = its render), in batches of the server's size, as JSON.
async fn catalogue_bytes(db: &Db, shop: &[Prepared], max_ops: usize) -> anyhow::Result<u64> {
    let images: HashMap<&str, &str> = shop.iter().map(|p| (p.uid.as_str(), p.render_sha.as_str())).collect();
    let mut ops = Vec::new();
    for (uid, (data, _)) in db.sync_category_data().await? {
        ops.push(CatalogOp::upsert_category(uid, 0, &data));
    }
    for (uid, mut data) in db.sync_product_data(None).await? {
        data.images = images.get(uid.as_str()).map(|s| vec![(*s).to_owned()]).unwrap_or_default();
        ops.push(CatalogOp::upsert_product(uid, 0, &data));
    }
    let mut total = 0;
    for chunk in ops.chunks(max_ops.max(1)) {
        total += serde_json::to_vec(&CatalogBatchRequest { ops: chunk.to_vec() })?.len() as u64;
    }
    Ok(total)
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

/// Reads back every photo the server holds for the shop and checks it.
async fn check_server(client: &Client, shop: &[Prepared], main_max: u32) -> anyhow::Result<Check> {
    let local: std::collections::HashSet<&str> = shop.iter().map(|p| p.render_sha.as_str()).collect();
    let mut check = Check { expected: shop.len(), ..Check::default() };
    let mut cursor: Option<String> = None;
    loop {
        let page = client.media_list(cursor.as_deref(), Some(500)).await.context("GET /v1/media")?;
        for item in page.items {
            check.listed += 1;
            let (content_type, bytes) =
                client.media_get(&item.sha256).await.with_context(|| format!("GET /v1/media/{}", item.sha256))?;
            let verdict = if sha256_hex(&bytes) != item.sha256 {
                Err("contenu différent de son empreinte".to_owned())
            } else if content_type != "image/jpeg" {
                Err(format!("servie comme {content_type}"))
            } else {
                inspect_jpeg(&bytes, main_max).map(|_| ())
            };
            match verdict {
                Ok(()) => check.conform += 1,
                Err(why) if check.problems.len() < 5 => check.problems.push(format!("{} : {why}", &item.sha256[..12])),
                Err(_) => {}
            }
            if local.contains(item.sha256.as_str()) {
                check.same_as_local_render += 1;
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(check)
}

fn print_table(out: &Out) -> anyhow::Result<()> {
    line(format!(
        "bench sync-link : {} produits, une photo 12 Mpx chacun (originaux {}), latence {} ms, {}",
        out.products,
        mb(out.originals_bytes),
        out.latency_ms,
        out.cut_every_kb.map_or_else(|| "pas de coupure".to_owned(), |k| format!("coupure tous les ~{k} Ko (±25 %)"))
    ));
    line(format!(
        "{:>9} {:>9} {:>10} {:>10} {:>10} {:>6} {:>11} {:>10} {:>6} {:>7} {:>8}",
        "débit",
        "durée",
        "min photos",
        "min +lots",
        "min relayé",
        "effic.",
        "photos env.",
        "originaux",
        "ratio",
        "passes",
        "requêtes"
    ));
    for r in &out.runs {
        line(format!(
            "{:>5} Ko/s {:>7.1} s {:>8.1} s {:>8.1} s {:>8.1} s {:>6.2} {:>11} {:>10} {:>6.3} {:>7} {:>8}{}",
            r.rate_kb_per_s,
            r.wall_s,
            r.min_photos_s,
            r.min_s,
            r.min_relayed_s,
            r.efficiency,
            mb(r.photo_bytes_sent),
            mb(r.originals_bytes),
            r.ratio,
            format!("{}/{}", r.passes, r.offline_passes),
            r.requests,
            if r.complete { "" } else { "  INCOMPLET" }
        ));
    }
    line(
        "min photos : rendus ÷ débit ; min +lots : rendus + corps des lots du catalogue ÷ débit (la base de l'efficacité) ;",
    );
    line("min relayé : tout ce que la ligne a porté vers le serveur, perdu aux coupures compris, ÷ débit ;");
    line("passes : toutes / hors ligne ; objectif d'efficacité ≥ 0,8");
    for r in &out.runs {
        let c = &r.check;
        line(format!(
            "{:>5} Ko/s : rendus {}, lots {:.1} Ko, relayé {} en {} connexion(s), {} coupure(s) ({} perdus) ; \
             serveur : {}/{} photos conformes (JPEG, sans EXIF/XMP/IPTC, ≤ côté max), {} identiques aux rendus locaux",
            r.rate_kb_per_s,
            mb(r.renders_bytes),
            r.catalogue_bytes as f64 / 1e3,
            mb(r.bytes_relayed_up),
            r.connections,
            r.cuts,
            mb(r.bytes_lost_at_cuts),
            c.conform,
            c.listed,
            c.same_as_local_render
        ));
        if c.listed != c.expected {
            line(format!("      attendu {} photos sur le serveur, {} listées", c.expected, c.listed));
        }
        for p in &c.problems {
            line(format!("      ✗ {p}"));
        }
        if let Some(e) = &r.last_error {
            line(format!("      dernier échec : {e}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
