//! Many photos on all cores with bounded memory, progress and cancel.
//!
//! A pool of `jobs` threads each takes one file at a time: read, hash, render, write,
//! drop. So at most `jobs` photos are in memory whatever the batch size. Progress is
//! reported after each file; the cancel flag is checked before each file starts (the
//! photos in flight finish, nothing is left half-written).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::heif;
use super::pipeline::{RenderSummary, render};
use super::preset::{Edits, Preset};
use super::probe::{Format, HeifKind, Limits, heif_kind, probe};
use super::problem::PhotoProblem;
use super::quality::QualityReport;
use super::store::{Kind, PhotoStore, sha256_hex};

/// Shared cancel switch: the UI's "Annuler" sets it, the batch stops taking new files.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Where a batch is; sent after each file.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub failed: u32,
    /// Photos per second since the start.
    pub per_second: f32,
    /// Estimated seconds left, once something is done.
    pub eta_seconds: Option<f32>,
    /// File name just finished.
    pub last: String,
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Worker threads, also the number of photos in memory at once (default: cores).
    pub jobs: usize,
    pub limits: Limits,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self { jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2), limits: Limits::default() }
    }
}

/// A photo that went through.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Processed {
    pub sha256: String,
    pub byte_size: u64,
    pub fingerprint: String,
    pub summary: RenderSummary,
    pub quality: QualityReport,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Rendered and stored.
    Processed(Processed),
    /// Already in the store with derivatives of this preset: nothing decoded.
    Known {
        sha256: String,
    },
    Failed(PhotoProblem),
    /// Not started because the batch was cancelled.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct FileOutcome {
    pub path: PathBuf,
    /// File name, as shown to people.
    pub name: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BatchReport {
    pub files: Vec<FileOutcome>,
    pub cancelled: bool,
    pub seconds: f32,
}

pub fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Image files by extension: what a folder scan picks up (files named explicitly are
/// always tried, whatever their extension).
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "jpe" | "png" | "webp" | "heic" | "heif"))
        .unwrap_or(false)
}

/// Expands folders (recursively, image extensions only, hidden files skipped, sorted)
/// and keeps explicit files as given.
pub fn collect_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else if has_image_extension(&p) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Reads, renders and stores one file. `known` maps the sha256 of photos already in
/// the database to the fingerprint of their stored derivatives.
pub fn ingest_file(
    store: &PhotoStore,
    path: &Path,
    preset: &Preset,
    limits: &Limits,
    known: &HashMap<String, String>,
) -> Outcome {
    let fingerprint = preset.normalized().fingerprint(&Edits::default());
    // Refuse huge files before reading them whole.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Outcome::Failed(PhotoProblem::unreadable(&std::io::Error::from(std::io::ErrorKind::IsADirectory)));
        }
        Ok(m) if m.len() > limits.max_file_bytes => {
            return Outcome::Failed(PhotoProblem::file_too_large(m.len(), limits.max_file_bytes));
        }
        Ok(_) => {}
        Err(e) => return Outcome::Failed(PhotoProblem::unreadable(&e)),
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(PhotoProblem::unreadable(&e)),
    };
    // An HEIC is kept as the JPEG it converts to (see `heif`): that JPEG is the original
    // from here on, its sha256 included. Without HEIC support this is the refusal.
    let bytes = if heif_kind(&bytes) == Some(HeifKind::Heic) {
        match heif::to_jpeg(&bytes, limits) {
            Ok(jpeg) => jpeg,
            Err(p) => return Outcome::Failed(p),
        }
    } else {
        bytes
    };
    let sha = sha256_hex(&bytes);
    if known.get(&sha) == Some(&fingerprint) && store.has_derivatives(&sha, &fingerprint) {
        return Outcome::Known { sha256: sha };
    }
    let rendered = match render(&bytes, preset, &Edits::default(), limits) {
        Ok(r) => r,
        Err(p) => return Outcome::Failed(p),
    };
    let write = || -> std::io::Result<()> {
        store.put(&store.original_path(&sha, rendered.format), &bytes)?;
        store.put(&store.derivative_path(&sha, &fingerprint, Kind::Main), &rendered.main.jpeg)?;
        store.put(&store.derivative_path(&sha, &fingerprint, Kind::Thumb), &rendered.thumb.jpeg)
    };
    if let Err(e) = write() {
        return Outcome::Failed(PhotoProblem::storage(&e));
    }
    Outcome::Processed(Processed {
        sha256: sha,
        byte_size: bytes.len() as u64,
        fingerprint,
        summary: rendered.summary(),
        quality: rendered.quality,
    })
}

/// Processes `files` on `opts.jobs` threads. `on_progress` is called from the worker
/// threads after each file (keep it quick: send an event, update a counter).
pub fn process_batch(
    files: &[PathBuf],
    store: &PhotoStore,
    preset: &Preset,
    opts: &BatchOptions,
    known: &HashMap<String, String>,
    on_progress: &(dyn Fn(&Progress) + Sync),
    cancel: &CancelFlag,
) -> BatchReport {
    let start = Instant::now();
    let total = files.len() as u32;
    let done = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let work = |path: &PathBuf| -> FileOutcome {
        let name = file_name(path);
        if cancel.is_cancelled() {
            return FileOutcome { path: path.clone(), name, outcome: Outcome::Cancelled };
        }
        let outcome = ingest_file(store, path, preset, &opts.limits, known);
        if matches!(outcome, Outcome::Failed(_)) {
            failed.fetch_add(1, Ordering::Relaxed);
        }
        let n = done.fetch_add(1, Ordering::Relaxed) as u32 + 1;
        let secs = start.elapsed().as_secs_f32().max(1e-3);
        let rate = n as f32 / secs;
        on_progress(&Progress {
            done: n,
            total,
            failed: failed.load(Ordering::Relaxed) as u32,
            per_second: rate,
            eta_seconds: Some((total - n.min(total)) as f32 / rate),
            last: name.clone(),
        });
        FileOutcome { path: path.clone(), name, outcome }
    };
    let jobs = opts.jobs.max(1);
    let files_out: Vec<FileOutcome> = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        // with_max_len(1): each task is one file, so a thread never holds a queue of decoded photos.
        Ok(pool) => pool.install(|| files.par_iter().with_max_len(1).map(work).collect()),
        Err(_) => files.iter().map(work).collect(),
    };
    let report =
        BatchReport { files: files_out, cancelled: cancel.is_cancelled(), seconds: start.elapsed().as_secs_f32() };
    log_report(&report);
    report
}

/// One line per batch, and one per photo refused (by file name: product photos).
fn log_report(r: &BatchReport) {
    let mut counts = [0u32; 4];
    for f in &r.files {
        let i = match &f.outcome {
            Outcome::Processed(_) => 0,
            Outcome::Known { .. } => 1,
            Outcome::Failed(p) => {
                tracing::warn!("photo « {} » refusée : {}", f.name, p.message);
                2
            }
            Outcome::Cancelled => 3,
        };
        counts[i] += 1;
    }
    tracing::info!(
        "lot de photos : {} traitée(s), {} déjà connue(s), {} refusée(s), {} non traitée(s){} en {:.1} s",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        if r.cancelled { " (annulé)" } else { "" },
        r.seconds
    );
}

/// Format of a stored original, by sniffing (for re-rendering).
pub fn stored_format(bytes: &[u8]) -> Option<Format> {
    probe(bytes, &Limits { max_pixels: u64::MAX, max_file_bytes: u64::MAX }).ok().map(|p| p.format)
}
