//! `bench …`: measurements printed as figures, never asserted in tests.

use std::time::{Duration, Instant};

use clap::Subcommand;
use comptoir_core::Db;
use comptoir_core::catalogue::ProductFilter;

use crate::output::line;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Catalogue search latency on a generated catalogue (a fresh temporary database).
    Search {
        #[arg(long, default_value_t = 50_000)]
        products: usize,
        /// Repetitions of each query.
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    /// Import speed: a generated XLSX and the same as a cp1252 `;` CSV, each from
    /// file to committed catalogue in a fresh database, in its own process.
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Keep the generated files in this directory (to time other readers on them).
        #[arg(long, value_name = "DIR")]
        keep: Option<std::path::PathBuf>,
        /// Runs of each file and way (the median is printed, with the range).
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// One file of `bench import`, in a child process (prints JSON).
    #[command(hide = true)]
    ImportOne {
        #[arg(long)]
        into: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = crate::import::BenchWay::File)]
        way: crate::import::BenchWay,
        file: std::path::PathBuf,
    },
    #[cfg(feature = "market-benches")]
    /// Order notification latency, marketplace commit to Comptoir's notification,
    /// over SSE and long-poll (reference server in-process, loopback).
    Orders {
        #[arg(long, default_value_t = 500)]
        orders: usize,
        /// Pause between two orders.
        #[arg(long, default_value_t = 5)]
        interval_ms: u64,
    },
    #[cfg(feature = "market-benches")]
    /// Marketplace sync: initial sync of a catalogue with photos, then a re-sync with
    /// nothing changed, then after 10 edits (reference server in-process, loopback).
    Sync {
        #[arg(long, default_value_t = 1000)]
        products: usize,
        #[arg(long, default_value_t = 3000)]
        photos: usize,
    },
    #[cfg(feature = "market-benches")]
    /// The initial sync of `bench sync`, in a child process (prints JSON).
    #[command(hide = true)]
    SyncOne {
        #[arg(long)]
        into: std::path::PathBuf,
    },
    #[cfg(feature = "market-benches")]
    /// Marketplace sync through an emulated rural line: first full sync of products
    /// with one real 12 MP photo each, at several upload rates (reference server
    /// in-process, loopback), then the photos read back and checked.
    SyncLink(crate::sync_link_bench::SyncLinkArgs),
    #[cfg(feature = "market-benches")]
    /// Promotions: a whole category of coffrets (5 sizes each) put on promotion at once,
    /// then synced to the reference server (in-process, loopback).
    Promos {
        #[arg(long, default_value_t = 5000)]
        variants: usize,
    },
    /// Backups: first and second backup of a generated shop with photos (time, bytes
    /// written), verification, restore into an empty data directory.
    Backup {
        #[arg(long, default_value_t = 50_000)]
        products: usize,
        #[arg(long, default_value_t = 3000)]
        photos: usize,
        /// Size of each photo original, in KB.
        #[arg(long, default_value_t = 400)]
        photo_kb: usize,
        /// Work in this directory instead of the system's temporary one.
        #[arg(long, value_name = "DIR")]
        keep: Option<std::path::PathBuf>,
    },
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Search { products, runs } => search(products, runs).await,
        BenchCommand::Import { rows, keep, runs } => crate::import::bench(rows, keep, runs).await,
        BenchCommand::ImportOne { into, way, file } => crate::import::bench_one(&into, &file, way).await,
        #[cfg(feature = "market-benches")]
        BenchCommand::Orders { orders, interval_ms } => {
            crate::orders_bench::run(orders, Duration::from_millis(interval_ms)).await
        }
        #[cfg(feature = "market-benches")]
        BenchCommand::Sync { products, photos } => crate::sync_bench::run(products, photos).await,
        #[cfg(feature = "market-benches")]
        BenchCommand::SyncOne { into } => crate::sync_bench::run_one(&into).await,
        #[cfg(feature = "market-benches")]
        BenchCommand::SyncLink(args) => crate::sync_link_bench::run(args).await,
        #[cfg(feature = "market-benches")]
        BenchCommand::Promos { variants } => crate::promos_bench::run(variants).await,
        BenchCommand::Backup { products, photos, photo_kb, keep } => {
            crate::backup_bench::run(products, photos, photo_kb, keep.as_deref()).await
        }
    }
}

async fn search(products: usize, runs: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Db::open_in(dir.path()).await?;
    let t = Instant::now();
    comptoir_core::demo::generate(&db, products, chrono::Utc::now()).await?;
    line(format!("Catalogue généré : {products} produits en {:.1} s", t.elapsed().as_secs_f64()));
    let cremerie = db.find_category("Crèmerie").await?.map(|c| c.id);
    let alimentation = db.find_category("Alimentation").await?.map(|c| c.id);
    let cases: Vec<(&str, ProductFilter)> = vec![
        ("liste complète, 1re page", filter(None, None, 0)),
        ("liste complète, page au milieu", filter(None, None, (products / 2) as u32)),
        ("« pate » (sans accent)", filter(Some("pate"), None, 0)),
        ("« eveque » (sans accent)", filter(Some("eveque"), None, 0)),
        ("« cidre perche »", filter(Some("cidre perche"), None, 0)),
        ("« GEN-0421 » (référence)", filter(Some("GEN-0421"), None, 0)),
        ("« introuvable »", filter(Some("introuvablexyz"), None, 0)),
        ("catégorie Crèmerie", filter(None, cremerie, 0)),
        ("Alimentation + « camembert »", filter(Some("camembert"), alimentation, 0)),
    ];
    line(format!("Recherche, page de 100 lignes, {runs} essais par requête :"));
    // CPU time (the process's, the query runs on SQLite's worker thread) as well as wall
    // time: on a loaded machine the wall-clock percentiles wait for a core, the CPU
    // mean does not.
    line(format!(
        "{:<34} {:>8} {:>9} {:>9} {:>9} {:>12}",
        "requête", "trouvés", "p50 ms", "p95 ms", "max ms", "CPU moy. ms"
    ));
    for (label, f) in cases {
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        let cpu = crate::import::cpu_seconds().unwrap_or(0.0);
        for _ in 0..runs {
            let t = Instant::now();
            let page = db.list_products(&f).await?;
            times.push(t.elapsed());
            total = page.total;
        }
        let cpu_ms = (crate::import::cpu_seconds().unwrap_or(0.0) - cpu) * 1000.0 / runs as f64;
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        line(format!(
            "{label:<34} {total:>8} {:>9.2} {:>9.2} {:>9.2} {cpu_ms:>12.2}",
            ms(p(0.5)),
            ms(p(0.95)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        ));
    }
    db.close().await;
    Ok(())
}

fn filter(search: Option<&str>, category_id: Option<i64>, offset: u32) -> ProductFilter {
    ProductFilter { search: search.map(Into::into), category_id, offset, limit: 100 }
}
