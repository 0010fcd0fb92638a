//! `photos …`: the photo studio's pipeline from the terminal (import into the shop's
//! library, and the throughput benchmark).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Subcommand;
use comptoir_core::photos::batch::collect_files;
use comptoir_core::photos::{
    BatchOptions, CancelFlag, Limits, Outcome, PhotoStore, Preset, QualityNote, Studio, capabilities, process_batch,
};
use serde::Serialize;

use crate::output::{json, line};

#[derive(Subcommand)]
pub enum PhotosCommand {
    /// Imports photos (files or folders): checks them, stores them once each, makes the
    /// marketplace images, and proposes products by file name (SKU or EAN).
    Import {
        /// Photos or folders of photos.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Attach the photos to the proposed products right away (otherwise only listed).
        #[arg(long)]
        apply: bool,
        /// Long side of the main image (1600; 2048 for some marketplaces).
        #[arg(long, default_value_t = 1600)]
        size: u32,
        /// Pad the main image to a square on white.
        #[arg(long)]
        square: bool,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Processes every image of DIR with the production pipeline into a temporary store
    /// and prints photos per second, CPU time and peak memory.
    Bench {
        dir: PathBuf,
        #[arg(long)]
        jobs: Option<usize>,
        /// Keep the derivatives in this folder (e.g. to measure PSNR) instead of a temporary one.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 1600)]
        size: u32,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(data_dir: Option<&std::path::Path>, cmd: PhotosCommand) -> anyhow::Result<()> {
    match cmd {
        PhotosCommand::Import { paths, apply, size, square, jobs, json: as_json } => {
            import(data_dir, paths, apply, Preset { main_max: size, square, ..Preset::default() }, jobs, as_json).await
        }
        PhotosCommand::Bench { dir, jobs, out, size, json: as_json } => bench(dir, jobs, out, size, as_json),
    }
}

fn options(jobs: Option<usize>) -> BatchOptions {
    let mut o = BatchOptions::default();
    if let Some(j) = jobs {
        o.jobs = j.max(1);
    }
    o
}

async fn import(
    data_dir: Option<&std::path::Path>,
    paths: Vec<PathBuf>,
    apply: bool,
    preset: Preset,
    jobs: Option<usize>,
    as_json: bool,
) -> anyhow::Result<()> {
    let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
    let db = comptoir_core::Db::open_in(&dir).await?;
    let mut studio = Studio::new(db, &dir);
    studio.preset = preset;
    studio.options = options(jobs);
    let now = chrono::Utc::now();
    let report = studio.import(paths, Arc::new(|_| {}), CancelFlag::new(), now).await?;
    let attached = if apply { studio.apply_matches(&report.proposals, now).await? } else { 0 };
    if as_json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            report: &'a comptoir_core::photos::ImportReport,
            attached: u32,
        }
        return json(&Out { report: &report, attached });
    }
    for f in &report.files {
        match f.status.as_str() {
            "imported" | "duplicate" => {
                let p = f.photo.as_ref();
                let size = p.map(|p| format!("{} × {}", p.width, p.height)).unwrap_or_default();
                let tag = if f.status == "duplicate" { "déjà dans la photothèque" } else { "importée" };
                let product = f
                    .proposal
                    .as_ref()
                    .map(|m| {
                        format!(
                            " → {} ({} {})",
                            m.product_name,
                            m.code,
                            if m.rank == 1 { "photo principale".to_owned() } else { format!("photo {}", m.rank) }
                        )
                    })
                    .unwrap_or_default();
                line(format!("✓ {} : {tag}, {size}{product}", f.name));
                for q in &f.quality {
                    line(format!("    ⚠ {}", q.explanation));
                }
            }
            "failed" => {
                let why = f.problem.as_ref().map(|p| p.message.as_str()).unwrap_or("erreur inconnue");
                line(format!("✗ {} : {why}", f.name));
            }
            _ => line(format!("– {} : annulée", f.name)),
        }
    }
    line(format!(
        "{} importée(s), {} déjà présente(s), {} en erreur, en {:.1} s ({:.1} photos/s)",
        report.imported, report.duplicates, report.failed, report.seconds, report.per_second
    ));
    if let Some(note) = capabilities().heic_note() {
        line(note);
    }
    if !report.proposals.is_empty() {
        if apply {
            line(format!("{attached} photo(s) rattachée(s) à leur produit d'après le nom du fichier."));
        } else {
            line(format!(
                "{} photo(s) correspondent à un produit par leur nom : relancez avec --apply pour les rattacher.",
                report.proposals.len()
            ));
        }
    }
    Ok(())
}

/// Peak resident memory of this process (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

#[derive(Serialize)]
struct BenchOut {
    photos: usize,
    failed: usize,
    jobs: usize,
    seconds: f64,
    photos_per_second: f64,
    cpu_seconds: Option<f64>,
    peak_rss_mib: Option<f64>,
    flagged: HashMap<String, usize>,
    /// Whether this build reads HEIC photos (those it cannot read are counted in `failed`).
    heic: bool,
}

fn bench(dir: PathBuf, jobs: Option<usize>, out: Option<PathBuf>, size: u32, as_json: bool) -> anyhow::Result<()> {
    let files = collect_files(&[dir]);
    anyhow::ensure!(!files.is_empty(), "Aucune image dans ce dossier");
    let tmp = tempfile::tempdir()?;
    let store = PhotoStore::at(out.unwrap_or_else(|| tmp.path().join("photos")));
    let opts = BatchOptions { limits: Limits::default(), ..options(jobs) };
    let preset = Preset { main_max: size, ..Preset::default() };
    let cpu0 = crate::import::cpu_seconds();
    let t = Instant::now();
    let report = process_batch(&files, &store, &preset, &opts, &HashMap::new(), &|_| {}, &CancelFlag::new());
    let secs = t.elapsed().as_secs_f64();
    let cpu = crate::import::cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    let mut failed = 0;
    let mut flagged: HashMap<String, usize> = HashMap::new();
    for f in &report.files {
        match &f.outcome {
            Outcome::Processed(p) => {
                for q in &p.quality.flags {
                    *flagged.entry(q.code().to_owned()).or_default() += 1;
                }
            }
            Outcome::Failed(p) => {
                failed += 1;
                if !as_json {
                    line(format!("✗ {} : {}", f.name, p.message));
                }
            }
            _ => {}
        }
    }
    let res = BenchOut {
        photos: files.len(),
        failed,
        jobs: opts.jobs,
        seconds: secs,
        photos_per_second: files.len() as f64 / secs,
        cpu_seconds: cpu,
        peak_rss_mib: peak_rss_kib().map(|k| k as f64 / 1024.0),
        flagged,
        heic: capabilities().heic,
    };
    if as_json {
        return json(&res);
    }
    line(format!(
        "{} photos ({} en erreur) sur {} fil(s) : {:.2} s, {:.1} photos/s, CPU {:.2} s, mémoire max {:.0} Mio",
        res.photos,
        res.failed,
        res.jobs,
        res.seconds,
        res.photos_per_second,
        res.cpu_seconds.unwrap_or(f64::NAN),
        res.peak_rss_mib.unwrap_or(f64::NAN)
    ));
    let mut flags: Vec<_> = res.flagged.iter().collect();
    flags.sort();
    for (code, n) in flags {
        let note: Option<QualityNote> = comptoir_core::photos::QualityFlag::parse(code).map(Into::into);
        line(format!("  {n} × {}", note.map(|n| n.badge).unwrap_or_else(|| code.clone())));
    }
    if let Some(note) = capabilities().heic_note() {
        line(note);
    }
    Ok(())
}
