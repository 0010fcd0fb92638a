//! How long a start takes, from the process's launch to the first catalogue rows on
//! screen (issue 17: under 0.5 s on an old PC). Each stage goes to the log, so a support
//! report says where a slow start spent its time; with `COMPTOIR_STARTUP_REPORT=1` the
//! stages and the first painted rows are also printed on standard output, for the
//! footprint bench (`tests/app/bench.rs`), which times the launch from outside.
//!
//! The page's own stages (script evaluated, first page of products received…) come with
//! the « painted » call, timed by the page's clock (`performance.now()`, from the start of
//! its navigation). The page also says what its clock read when it called, so the shell
//! places them on the process's clock: navigation start = now here − now there (the
//! call's own latency, about a millisecond, is not taken off).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static BEGAN: OnceLock<Instant> = OnceLock::new();
static PAINTED: AtomicBool = AtomicBool::new(false);
/// The shell's stages so far, with their time since `begin` (printed with the report).
static STAGES: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

/// The variable that asks for the stdout lines.
pub const REPORT_ENV: &str = "COMPTOIR_STARTUP_REPORT";

/// The first thing `run` does: the clock starts.
pub fn begin() {
    let _ = BEGAN.set(Instant::now());
}

fn elapsed_ms() -> u64 {
    BEGAN.get().map_or(0, |t| t.elapsed().as_millis() as u64)
}

fn record(stage: &str, ms: u64) {
    tracing::info!(ms, "démarrage : {stage}");
    STAGES.lock().unwrap_or_else(|e| e.into_inner()).push((stage.to_owned(), ms));
}

/// One stage of the start, logged with its time since `begin`.
pub fn mark(stage: &str) {
    record(stage, elapsed_ms());
}

/// The window painted its first catalogue rows: logged once per process (the UI asks
/// again when the catalogue screen is shown anew), with the page's own stages before it.
/// `page_stages` are (stage, page clock in ms), `page_now` the page clock at the call.
#[allow(clippy::print_stdout)] // the bench's figures, only when asked for
pub fn painted(page_stages: &[(String, f64)], page_now: f64) {
    if PAINTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let ms = elapsed_ms();
    // Where the page's clock started on ours; a page clock ahead of ours (it cannot be,
    // but a clock is what it is) places its stages at the launch rather than before it.
    let origin = ms as f64 - page_now;
    for (stage, at) in page_stages {
        record(&format!("page : {stage}"), (origin + at).max(0.0).round() as u64);
    }
    record("premières lignes affichées", ms);
    if std::env::var_os(REPORT_ENV).is_some() {
        let mut stages = STAGES.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // Page stages arrive together, after the shell's later ones: in time order.
        stages.sort_by_key(|(_, at)| *at);
        for (stage, at) in &stages {
            println!("comptoir: stage {at} ms {stage}");
        }
        println!("comptoir: first rows painted {ms} ms");
    }
}
