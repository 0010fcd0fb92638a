//! The link every relayed connection shares: one token bucket per direction, crossed
//! chunk by chunk in turn (a fair queue), the profile that can change while it carries
//! traffic, the counters of what crossed, and the seeded countdown to the next cut.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::{LinkProfile, MAX_CHUNK, MIN_CHUNK, QUEUE_SLACK, RECHECK, UNLIMITED_QUEUE, lock};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Dir {
    Up,
    Down,
}

pub(super) struct Shared {
    pub(super) profile: Mutex<LinkProfile>,
    up: Line,
    down: Line,
    cutter: Mutex<Cutter>,
    pub(super) bytes_up: AtomicU64,
    pub(super) bytes_down: AtomicU64,
    pub(super) bytes_up_lost: AtomicU64,
    pub(super) connections: AtomicU64,
    pub(super) cuts: AtomicU64,
    /// Set when the shaper is dropped: every connection resets.
    pub(super) stop: watch::Sender<bool>,
}

impl Shared {
    pub(super) fn new(profile: LinkProfile) -> Self {
        Self {
            profile: Mutex::new(profile),
            up: Line::default(),
            down: Line::default(),
            cutter: Mutex::new(Cutter::default()),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
            bytes_up_lost: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            cuts: AtomicU64::new(0),
            stop: watch::Sender::new(false),
        }
    }

    fn rate(&self, dir: Dir) -> Option<u64> {
        let p = lock(&self.profile);
        match dir {
            Dir::Up => p.up_bytes_per_sec,
            Dir::Down => p.down_bytes_per_sec,
        }
    }

    pub(super) fn latency(&self) -> Duration {
        lock(&self.profile).latency
    }

    fn line(&self, dir: Dir) -> &Line {
        match dir {
            Dir::Up => &self.up,
            Dir::Down => &self.down,
        }
    }

    /// How much to read off a socket at once: on a slow line about 40 ms of line time
    /// (a small request waits behind one such chunk of another upload, not 100 ms).
    pub(super) fn chunk_len(&self, dir: Dir) -> usize {
        match self.rate(dir) {
            Some(r) => usize::try_from(r / 25).unwrap_or(MAX_CHUNK).clamp(MIN_CHUNK, MAX_CHUNK),
            None => MAX_CHUNK,
        }
    }

    /// The queue between a connection's reader and writer, in bytes: one
    /// bandwidth-delay product and some slack.
    pub(super) fn queue_bytes(&self, dir: Dir) -> usize {
        let latency = self.latency();
        match self.rate(dir) {
            Some(r) => {
                let bdp = (r as f64 * latency.as_secs_f64()) as usize;
                bdp.saturating_add(QUEUE_SLACK).min(UNLIMITED_QUEUE)
            }
            None => UNLIMITED_QUEUE,
        }
    }

    /// Waits for `n` bytes to have crossed the line, in turn with every other
    /// connection's chunks.
    pub(super) async fn cross(&self, dir: Dir, n: usize) {
        let line = self.line(dir);
        // tokio's mutex is fair (FIFO): connections take turns chunk by chunk.
        let _turn = line.turn.lock().await;
        loop {
            let Some(rate) = self.rate(dir) else { return };
            let wait = {
                let mut b = lock(&line.bucket);
                let now = Instant::now();
                // At most one chunk of credit: an idle line does not bank bandwidth.
                let cap = MAX_CHUNK.max(n) as f64;
                let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
                b.tokens = (b.tokens + rate as f64 * elapsed).min(cap);
                b.last = now;
                if b.tokens >= n as f64 {
                    b.tokens -= n as f64;
                    return;
                }
                if rate == 0 { RECHECK } else { Duration::from_secs_f64((n as f64 - b.tokens) / rate as f64) }
            };
            tokio::time::sleep(wait.min(RECHECK)).await;
        }
    }

    /// Counts `n` upload bytes toward the next cut; true when this chunk carries it.
    pub(super) fn cut_due(&self, n: usize) -> bool {
        let (every, seed) = {
            let p = lock(&self.profile);
            (p.cut_every_up_bytes, p.seed)
        };
        let due = lock(&self.cutter).count(every, seed, n as u64);
        if due {
            self.cuts.fetch_add(1, Ordering::Relaxed);
        }
        due
    }

    pub(super) fn delivered(&self, dir: Dir, n: usize) {
        let c = match dir {
            Dir::Up => &self.bytes_up,
            Dir::Down => &self.bytes_down,
        };
        c.fetch_add(n as u64, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Line {
    turn: tokio::sync::Mutex<()>,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Default for Bucket {
    fn default() -> Self {
        Self { tokens: 0.0, last: Instant::now() }
    }
}

/// The cut countdown: bytes since the last cut against the next threshold.
#[derive(Default)]
pub(super) struct Cutter {
    /// The (every, seed) the countdown was drawn for; a change restarts it.
    basis: Option<(u64, u64)>,
    rng: SplitMix64,
    since: u64,
    next: u64,
}

impl Cutter {
    pub(super) fn count(&mut self, every: Option<u64>, seed: u64, n: u64) -> bool {
        let Some(every) = every else {
            self.basis = None;
            return false;
        };
        if self.basis != Some((every, seed)) {
            self.basis = Some((every, seed));
            self.rng = SplitMix64(seed);
            self.since = 0;
            self.next = self.draw(every);
        }
        self.since += n;
        if self.since < self.next {
            return false;
        }
        self.since = 0;
        self.next = self.draw(every);
        true
    }

    /// `every` ± 25 %.
    fn draw(&mut self, every: u64) -> u64 {
        let unit = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((every as f64 * (0.75 + 0.5 * unit)) as u64).max(1)
    }
}

/// SplitMix64: a few lines, the same sequence on every platform and version (the cuts
/// of a run must be repeatable, whatever `rand` does next year).
#[derive(Default)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
