//! How long a start takes, from the process's launch to the first catalogue rows on
//! screen (issue 17: under 0.5 s on an old PC). Each stage goes to the log, so a support
//! report says where a slow start spent its time; with `COMPTOIR_STARTUP_REPORT=1` the
//! first painted rows are also printed on standard output, for the footprint bench
//! (`tests/app/bench.rs`), which times the launch from outside.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static BEGAN: OnceLock<Instant> = OnceLock::new();
static PAINTED: AtomicBool = AtomicBool::new(false);

/// The variable that asks for the stdout line.
pub const REPORT_ENV: &str = "COMPTOIR_STARTUP_REPORT";

/// The first thing `run` does: the clock starts.
pub fn begin() {
    let _ = BEGAN.set(Instant::now());
}

fn elapsed_ms() -> u128 {
    BEGAN.get().map_or(0, |t| t.elapsed().as_millis())
}

/// One stage of the start, logged with its time since `begin`.
pub fn mark(stage: &str) {
    tracing::info!(ms = elapsed_ms() as u64, "démarrage : {stage}");
}

/// The window painted its first catalogue rows: logged once per process (the UI asks
/// again when the catalogue screen is shown anew).
#[allow(clippy::print_stdout)] // the bench's figure, only when asked for
pub fn painted() {
    if PAINTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let ms = elapsed_ms();
    mark("premières lignes affichées");
    if std::env::var_os(REPORT_ENV).is_some() {
        println!("comptoir: first rows painted {ms} ms");
    }
}
