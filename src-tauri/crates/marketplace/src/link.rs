//! A rural access line on loopback, for tests and benchmarks: a TCP relay on
//! 127.0.0.1 in front of an upstream server that shapes what crosses it the way a
//! shop's ADSL line in the Orne does (about 40 KB/s up, tens of milliseconds each way,
//! a line that drops now and then).
//!
//! - **One link.** Each direction has one token bucket shared by every relayed
//!   connection, and the chunks of all connections cross it one after the other in
//!   arrival order (a fair queue), at most [`MAX_CHUNK`] bytes at a time: three
//!   parallel uploads share 40 KB/s, as on a real line, instead of getting 40 KB/s each.
//! - **Latency without losing throughput.** Each direction is a pipeline: the reader
//!   takes a chunk off the socket, waits for the line, stamps the chunk and queues it;
//!   the writer releases each chunk at its stamp + latency. A full bandwidth-delay
//!   product is in flight, as on a real line, instead of one chunk per latency.
//! - **Back-pressure at the shaped rate.** Loopback sockets have megabytes of buffer:
//!   a client would "send" a 300 KB photo at once and then wait for the answer, which
//!   hides what the line does to it (progress, timeouts). The sockets' buffers are kept
//!   small and the queue between reader and writer holds about one bandwidth-delay
//!   product, so the sender's writes block at the line's pace.
//! - **Cuts.** About every `cut_every_up_bytes` of upload (all connections together,
//!   ±25 % from a seeded generator, so a run is repeatable) the connection carrying
//!   that byte is cut: both sides are reset (SO_LINGER 0) and whatever was queued on
//!   the line is lost, as when the line drops mid-upload.
//!
//! Loopback only: the relay listens on 127.0.0.1 and refuses a non-loopback upstream.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Largest chunk that crosses the line in one go: small enough that several
/// connections interleave finely (a real line interleaves 1.5 KB packets).
pub const MAX_CHUNK: usize = 4096;
/// Smallest chunk read at a time on a slow line (about one Ethernet frame's payload).
const MIN_CHUNK: usize = 1460;
/// MSS announced to clients: Ethernet's (see [`line_segments`]).
#[cfg(unix)]
const LINE_MSS: u32 = 1460;
/// SO_RCVBUF of the accepted (client-side) sockets; Linux doubles it. The client's
/// kernel grows its send buffer with its congestion window whatever we do, and a
/// larger receive window lets that window grow: measured on Linux 6.18 with a 400 KB
/// upload at 40 KB/s, 16 KiB here let the client's last write return with 250–330 KB
/// still to cross the line, 4 KiB with about 80 KB (two seconds of line, about what
/// an ADSL modem's buffer holds).
const CLIENT_RCVBUF: u32 = 4 * 1024;
/// SO_SNDBUF / SO_RCVBUF of the other sockets (the client's downloads, the upstream
/// connection); Linux doubles it.
const SOCKET_BUFFER: u32 = 16 * 1024;
/// Queue slack on top of the bandwidth-delay product, so the line never idles
/// waiting for the writer.
const QUEUE_SLACK: usize = 16 * 1024;
/// Queue bound when the direction is not rate-limited.
const UNLIMITED_QUEUE: usize = 1 << 20;
/// Longest sleep of a chunk waiting for the line: a profile changed meanwhile
/// (`set_profile`) is seen within this.
const RECHECK: Duration = Duration::from_millis(20);

/// What the line is like. Every field can be changed while connections are open
/// ([`LinkShaper::set_profile`]).
#[derive(Clone, Debug, Default)]
pub struct LinkProfile {
    /// Upload (client → server) capacity in bytes/s, shared by every connection (it is
    /// one link). None = unlimited. `Some(0)` is a line that is down without anybody
    /// being told: nothing crosses, connections stay open, senders stall.
    pub up_bytes_per_sec: Option<u64>,
    /// Download (server → client) capacity in bytes/s, shared likewise.
    pub down_bytes_per_sec: Option<u64>,
    /// Added one-way delay, each direction (RTT grows by twice this).
    pub latency: Duration,
    /// Cut a connection about every this many bytes of upload summed over all connections
    /// (±25 % jitter from a seeded RNG so runs are repeatable): both sides are closed
    /// abruptly (RST: SO_LINGER 0), as when a line drops.
    pub cut_every_up_bytes: Option<u64>,
    pub seed: u64,
}

/// What crossed the link since [`LinkShaper::start`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Payload bytes delivered to the upstream server (client → server).
    pub bytes_up: u64,
    /// Payload bytes delivered to the clients (server → client).
    pub bytes_down: u64,
    /// Upload bytes that took their time on the line but were lost at a cut (the chunk
    /// carrying the cut and what was queued behind the line).
    pub bytes_up_lost: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Connections cut.
    pub cuts: u64,
}

/// The running relay; dropping it stops accepting and resets every relayed connection.
pub struct LinkShaper {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl LinkShaper {
    /// Listens on 127.0.0.1 (an ephemeral port) and relays each connection to `upstream`,
    /// which must be a loopback address.
    pub async fn start(upstream: SocketAddr, profile: LinkProfile) -> io::Result<LinkShaper> {
        if !upstream.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("link emulator: upstream {upstream} is not a loopback address"),
            ));
        }
        let socket = TcpSocket::new_v4()?;
        // Set before listen: accepted sockets inherit them. A small receive buffer is
        // what makes the client's writes block at the line's pace; a small send buffer
        // does the same for downloads.
        socket.set_recv_buffer_size(CLIENT_RCVBUF)?;
        socket.set_send_buffer_size(SOCKET_BUFFER)?;
        line_segments(&socket);
        socket.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))?;
        let listener = socket.listen(128)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(profile));
        let accept = tokio::spawn(accept_loop(listener, upstream, shared.clone()));
        Ok(LinkShaper { addr, shared, accept })
    }

    /// `http://127.0.0.1:PORT`, to give a client instead of the server's address.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Changes the line while it carries traffic. Rates apply to the next chunk to
    /// cross; latency to every chunk not yet released (so lowering it may release a
    /// few chunks early, never out of order within a connection). A change of
    /// `cut_every_up_bytes` or `seed` restarts the cut countdown from the new seed. The
    /// queue bound of a connection is set when it opens.
    ///
    /// A line that goes dead is `Some(0)`: the direction stalls silently, as a dead
    /// ADSL line does (no FIN, no RST: the client only notices through its own
    /// timeouts); connections stay open and new ones are still accepted (the handshake
    /// is with the relay) but nothing crosses. Giving a rate back resumes whatever was
    /// waiting. A line that drops the connections instead is `cut_every_up_bytes`.
    pub fn set_profile(&self, p: LinkProfile) {
        *lock(&self.shared.profile) = p;
    }

    pub fn stats(&self) -> LinkStats {
        let s = &self.shared;
        LinkStats {
            bytes_up: s.bytes_up.load(Ordering::Relaxed),
            bytes_down: s.bytes_down.load(Ordering::Relaxed),
            bytes_up_lost: s.bytes_up_lost.load(Ordering::Relaxed),
            connections: s.connections.load(Ordering::Relaxed),
            cuts: s.cuts.load(Ordering::Relaxed),
        }
    }
}

impl Drop for LinkShaper {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.stop.send_replace(true);
    }
}

/// A std mutex that shrugs off poisoning: its data (counters, a profile) stays valid
/// whatever panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Up,
    Down,
}

struct Shared {
    profile: Mutex<LinkProfile>,
    up: Line,
    down: Line,
    cutter: Mutex<Cutter>,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    bytes_up_lost: AtomicU64,
    connections: AtomicU64,
    cuts: AtomicU64,
    /// Set when the shaper is dropped: every connection resets.
    stop: watch::Sender<bool>,
}

impl Shared {
    fn new(profile: LinkProfile) -> Self {
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

    fn latency(&self) -> Duration {
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
    fn chunk_len(&self, dir: Dir) -> usize {
        match self.rate(dir) {
            Some(r) => usize::try_from(r / 25).unwrap_or(MAX_CHUNK).clamp(MIN_CHUNK, MAX_CHUNK),
            None => MAX_CHUNK,
        }
    }

    /// The queue between a connection's reader and writer, in bytes: one
    /// bandwidth-delay product and some slack.
    fn queue_bytes(&self, dir: Dir) -> usize {
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
    async fn cross(&self, dir: Dir, n: usize) {
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
    fn cut_due(&self, n: usize) -> bool {
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

    fn delivered(&self, dir: Dir, n: usize) {
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
struct Cutter {
    /// The (every, seed) the countdown was drawn for; a change restarts it.
    basis: Option<(u64, u64)>,
    rng: SplitMix64,
    since: u64,
    next: u64,
}

impl Cutter {
    fn count(&mut self, every: Option<u64>, seed: u64, n: u64) -> bool {
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

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                shared.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(relay(client, upstream, shared.clone()));
            }
            // Out of file descriptors and the like: try again shortly rather than
            // spinning or giving up on the whole link.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Announces an Ethernet-sized MSS to the clients instead of loopback's 64 KB. The
/// client's kernel sizes its send buffer from its MSS (twice ten segments at
/// connection time): with loopback's MSS that is over a megabyte, so a client would
/// see a 400 KB upload "sent" at once however small our receive buffer is. With a line's
/// MSS it is a few tens of KB, as on the shop's PC. Not settable on Windows: there the
/// client may run further ahead of the line.
fn line_segments(socket: &TcpSocket) {
    #[cfg(unix)]
    {
        let _ = socket2::SockRef::from(socket).set_tcp_mss(LINE_MSS);
    }
    #[cfg(not(unix))]
    let _ = socket;
}

/// Closes a socket with a reset instead of a FIN, discarding what it still buffers.
fn reset(stream: TcpStream) {
    // Zero linger: close() sends RST at once (and never blocks).
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

async fn connect_upstream(upstream: SocketAddr) -> io::Result<TcpStream> {
    let socket = if upstream.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // The upload's other end: a small send buffer so bytes released by the line
    // reach the server instead of piling up in the kernel.
    socket.set_send_buffer_size(SOCKET_BUFFER)?;
    socket.set_recv_buffer_size(SOCKET_BUFFER)?;
    socket.connect(upstream).await
}

/// Why a connection's pipelines stopped early (all end it the same way; named for
/// whoever reads this under a debugger).
#[derive(Debug)]
enum Ended {
    Io,
    Cut,
    /// The other half of the pipeline went away (it failed first), or the shaper did.
    Gone,
}

enum Item {
    Data { crossed: Instant, bytes: Vec<u8> },
    Eof { crossed: Instant },
}

async fn relay(client: TcpStream, upstream: SocketAddr, shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    let mut client = client;
    let mut server = match connect_upstream(upstream).await {
        Ok(s) => s,
        Err(_) => return reset(client),
    };
    // Chunks are released at precise times: Nagle would hold small ones for the
    // peer's delayed ACK (40 ms on Linux), which is not the line's doing.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let lost = AtomicU64::new(0);
    let ended = {
        let (cr, cw) = client.split();
        let (sr, sw) = server.split();
        let (up_tx, up_rx) = mpsc::unbounded_channel();
        let (down_tx, down_rx) = mpsc::unbounded_channel();
        let up_queue = Semaphore::new(shared.queue_bytes(Dir::Up));
        let down_queue = Semaphore::new(shared.queue_bytes(Dir::Down));
        let s = &*shared;
        let (lost, upq, downq) = (&lost, &up_queue, &down_queue);
        let pipes = async {
            tokio::try_join!(
                read_side(s, Dir::Up, cr, up_tx, upq, lost),
                write_side(s, Dir::Up, up_rx, sw, upq, lost),
                read_side(s, Dir::Down, sr, down_tx, downq, lost),
                write_side(s, Dir::Down, down_rx, cw, downq, lost),
            )
        };
        tokio::select! {
            r = pipes => r.map(|_| ()),
            _ = stop.wait_for(|s| *s) => Err(Ended::Gone),
        }
    };
    if ended.is_err() {
        // A cut, a reset from one side, or the shaper going away: both sides see the
        // connection reset at once, as when a line drops, and what was on the line is lost.
        shared.bytes_up_lost.fetch_add(lost.load(Ordering::Relaxed), Ordering::Relaxed);
        reset(client);
        reset(server);
    }
}

/// Takes chunks off `from`, waits for the line, and queues them stamped.
async fn read_side(
    shared: &Shared,
    dir: Dir,
    mut from: ReadHalf<'_>,
    to: mpsc::UnboundedSender<Item>,
    queue: &Semaphore,
    lost: &AtomicU64,
) -> Result<(), Ended> {
    loop {
        let mut buf = vec![0u8; shared.chunk_len(dir)];
        let n = from.read(&mut buf).await.map_err(|_| Ended::Io)?;
        if n == 0 {
            // The sender's FIN crosses the line too (after the bytes before it).
            to.send(Item::Eof { crossed: Instant::now() }).map_err(|_| Ended::Gone)?;
            return Ok(());
        }
        buf.truncate(n);
        shared.cross(dir, n).await;
        if dir == Dir::Up {
            lost.fetch_add(n as u64, Ordering::Relaxed);
            if shared.cut_due(n) {
                return Err(Ended::Cut);
            }
        }
        // Bounded in bytes: when the far side stops reading, this reader stops too
        // and the sender feels it, instead of the relay buffering without end.
        let permits = queue.acquire_many(n as u32).await.map_err(|_| Ended::Gone)?;
        permits.forget();
        to.send(Item::Data { crossed: Instant::now(), bytes: buf }).map_err(|_| Ended::Gone)?;
    }
}

/// Releases each chunk `latency` after it crossed the line.
async fn write_side(
    shared: &Shared,
    dir: Dir,
    mut from: mpsc::UnboundedReceiver<Item>,
    mut to: WriteHalf<'_>,
    queue: &Semaphore,
    lost: &AtomicU64,
) -> Result<(), Ended> {
    while let Some(item) = from.recv().await {
        let crossed = match &item {
            Item::Data { crossed, .. } | Item::Eof { crossed } => *crossed,
        };
        tokio::time::sleep_until(crossed + shared.latency()).await;
        match item {
            Item::Data { bytes, .. } => {
                to.write_all(&bytes).await.map_err(|_| Ended::Io)?;
                queue.add_permits(bytes.len());
                shared.delivered(dir, bytes.len());
                if dir == Dir::Up {
                    lost.fetch_sub(bytes.len() as u64, Ordering::Relaxed);
                }
            }
            Item::Eof { .. } => {
                to.shutdown().await.map_err(|_| Ended::Io)?;
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Properties of the emulator itself (it is test equipment): rates, sharing,
    //! latency, cuts, live changes. Each runs in a few seconds of real time.

    use std::io::ErrorKind;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// Reads everything until EOF, then answers with the byte count (8 bytes BE).
    async fn sink() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut total = 0u64;
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) => break,
                            Ok(n) => total += n as u64,
                            Err(_) => return,
                        }
                    }
                    let _ = s.write_all(&total.to_be_bytes()).await;
                });
            }
        });
        addr
    }

    /// Echoes what it reads.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    /// Reads until the connection ends; returns the bytes read and how it ended.
    async fn read_until_closed(s: &mut (impl AsyncReadExt + Unpin)) -> (u64, io::Result<()>) {
        let mut total = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) => return (total, Ok(())),
                Ok(n) => total += n as u64,
                Err(e) => return (total, Err(e)),
            }
        }
    }

    /// Uploads `bytes` through the link and waits for the sink's count: returns when
    /// the last write returned and when the answer came, from the start.
    async fn upload(addr: SocketAddr, bytes: usize) -> (Duration, Duration) {
        let t = Instant::now();
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&vec![7u8; bytes]).await.unwrap();
        let written = t.elapsed();
        s.shutdown().await.unwrap();
        let mut answer = [0u8; 8];
        s.read_exact(&mut answer).await.unwrap();
        assert_eq!(u64::from_be_bytes(answer), bytes as u64, "every byte arrived, once");
        (written, t.elapsed())
    }

    fn up(rate: u64) -> LinkProfile {
        LinkProfile { up_bytes_per_sec: Some(rate), ..LinkProfile::default() }
    }

    fn is_reset(e: &io::Error) -> bool {
        matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe)
    }

    #[tokio::test]
    async fn upload_runs_at_the_profile_rate_and_the_sender_feels_it() {
        let link = LinkShaper::start(sink().await, up(40_000)).await.unwrap();
        let (written, done) = upload(link.addr(), 400_000).await;
        let rate = 400_000.0 / done.as_secs_f64();
        assert!((34_000.0..=46_000.0).contains(&rate), "400 KB at 40 KB/s measured {rate:.0} B/s");
        // Back-pressure: the sender's last write returns near the end, not at once
        // (the kernel's buffers and the relay's queue hold a few tens of KB at most).
        let ahead = (done - written).as_secs_f64() * 40_000.0;
        assert!(ahead < 120_000.0, "the sender believed {ahead:.0} bytes sent before they crossed the line");
        let st = link.stats();
        assert_eq!((st.bytes_up, st.bytes_down, st.connections, st.cuts), (400_000, 8, 1, 0));
    }

    #[tokio::test]
    async fn parallel_uploads_share_the_line() {
        let link = LinkShaper::start(sink().await, up(100_000)).await.unwrap();
        let addr = link.addr();
        let t = Instant::now();
        let (a, b) = tokio::join!(upload(addr, 100_000), upload(addr, 100_000));
        let total = t.elapsed().as_secs_f64();
        // Shared: 200 KB at 100 KB/s takes 2 s and both finish near the end. Each at
        // 100 KB/s would take 1 s; one after the other would end the first at 1 s.
        assert!((1.7..2.5).contains(&total), "two uploads of 100 KB on 100 KB/s took {total:.2} s");
        for (_, done) in [a, b] {
            assert!(
                done.as_secs_f64() > 1.6,
                "one upload finished at {:.2} s: the line was not shared",
                done.as_secs_f64()
            );
        }
    }

    #[tokio::test]
    async fn latency_adds_twice_itself_to_a_round_trip_without_cutting_throughput() {
        let latency = Duration::from_millis(150);
        let link = LinkShaper::start(echo().await, LinkProfile { latency, ..LinkProfile::default() }).await.unwrap();
        let mut s = TcpStream::connect(link.addr()).await.unwrap();
        let mut back = [0u8; 5];
        for _ in 0..3 {
            let t = Instant::now();
            s.write_all(b"ping!").await.unwrap();
            s.read_exact(&mut back).await.unwrap();
            let rtt = t.elapsed();
            assert!(rtt >= 2 * latency && rtt < 2 * latency + Duration::from_millis(80), "round trip {rtt:?}");
        }
        drop(s);

        // A pipeline, not a sleep per chunk: 200 KB at 200 KB/s with 250 ms each way
        // takes 1 s plus one round trip (0.5 s), not 50 chunks × 250 ms.
        let latency = Duration::from_millis(250);
        let link = LinkShaper::start(sink().await, LinkProfile { latency, ..up(200_000) }).await.unwrap();
        let (_, done) = upload(link.addr(), 200_000).await;
        assert!(done.as_secs_f64() < 1.85, "200 KB at 200 KB/s with 250 ms latency took {done:?}");
    }

    #[tokio::test]
    async fn cuts_come_about_every_n_bytes_and_both_ends_see_a_reset() {
        // The server side: counts what each connection delivered and how it ended.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = listener.local_addr().unwrap();
        let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let seen_tx = seen_tx.clone();
                tokio::spawn(async move {
                    let _ = seen_tx.send(read_until_closed(&mut s).await);
                });
            }
        });
        let every = 64_000u64;
        let profile = LinkProfile { cut_every_up_bytes: Some(every), seed: 7, ..up(4_000_000) };
        let link = LinkShaper::start(upstream, profile).await.unwrap();
        let mut crossed_before = 0;
        for round in 1..=4u64 {
            let mut s = TcpStream::connect(link.addr()).await.unwrap();
            let (mut r, mut w) = s.split();
            let writing = async {
                let chunk = vec![1u8; 8192];
                loop {
                    if let Err(e) = w.write_all(&chunk).await {
                        return e;
                    }
                }
            };
            let (client_end, write_err) = tokio::time::timeout(Duration::from_secs(5), async {
                tokio::join!(read_until_closed(&mut r), writing)
            })
            .await
            .expect("the connection is cut within a few seconds");
            let (server_bytes, server_end) = seen_rx.recv().await.unwrap();
            // One reset, reported once: to whichever of the read and the write asks
            // first (the other then sees a closed socket). A FIN alone would give EOF
            // to the read and let writes succeed for a while.
            let reset_seen = client_end.1.as_ref().is_err_and(|e| e.kind() == ErrorKind::ConnectionReset)
                || write_err.kind() == ErrorKind::ConnectionReset;
            assert!(reset_seen, "client read {:?}, write {write_err:?}", client_end.1);
            assert!(is_reset(&write_err), "client write: {write_err:?}");
            assert!(server_end.as_ref().is_err_and(is_reset), "server read: {server_end:?}");
            // This connection carried the next threshold (48–80 KB) up to the end of
            // the chunk that reached it; what was still on the line then was lost.
            let st = link.stats();
            let carried = st.bytes_up + st.bytes_up_lost - crossed_before;
            crossed_before += carried;
            assert!((every * 3 / 4..every * 5 / 4 + MAX_CHUNK as u64).contains(&carried), "round {round}: {carried}");
            assert!(server_bytes <= carried, "round {round}: the server read {server_bytes} of {carried} bytes");
            assert_eq!(st.cuts, round);
        }
    }

    #[test]
    fn the_cut_countdown_repeats_with_its_seed() {
        let draws = |seed| {
            let mut c = Cutter::default();
            let mut at = Vec::new();
            let mut total = 0u64;
            while at.len() < 50 {
                total += 1000;
                if c.count(Some(100_000), seed, 1000) {
                    at.push(total);
                }
            }
            at
        };
        let a = draws(42);
        assert_eq!(a, draws(42));
        assert_ne!(a, draws(43));
        let gaps: Vec<u64> = std::iter::once(a[0]).chain(a.windows(2).map(|w| w[1] - w[0])).collect();
        assert!(gaps.iter().all(|g| (75_000..=126_000).contains(g)), "{gaps:?}");
        let mean = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64;
        assert!((90_000.0..110_000.0).contains(&mean), "mean gap {mean}");
    }

    #[tokio::test]
    async fn set_profile_takes_effect_on_open_connections() {
        let link = LinkShaper::start(echo().await, LinkProfile::default()).await.unwrap();
        let mut s = TcpStream::connect(link.addr()).await.unwrap();
        let mut back = [0u8; 4];
        s.write_all(b"abcd").await.unwrap();
        s.read_exact(&mut back).await.unwrap();

        // The line goes down: nothing crosses, the connection stays open.
        link.set_profile(up(0));
        s.write_all(b"efgh").await.unwrap();
        let stalled = tokio::time::timeout(Duration::from_millis(400), s.read_exact(&mut back)).await;
        assert!(stalled.is_err(), "bytes crossed a line that was down");

        // It comes back slower and farther: the waiting bytes go on, with the latency.
        let latency = Duration::from_millis(200);
        link.set_profile(LinkProfile { latency, ..up(50_000) });
        s.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"efgh");
        let t = Instant::now();
        s.write_all(b"ijkl").await.unwrap();
        s.read_exact(&mut back).await.unwrap();
        assert!(t.elapsed() >= 2 * latency, "round trip {:?} after raising the latency", t.elapsed());
        drop(s);

        // And the rate: 50 KB at 50 KB/s once changed.
        let sink_link = LinkShaper::start(sink().await, LinkProfile::default()).await.unwrap();
        sink_link.set_profile(up(50_000));
        let (_, done) = upload(sink_link.addr(), 50_000).await;
        assert!((0.8..1.3).contains(&done.as_secs_f64()), "50 KB after set_profile(50 KB/s) took {done:?}");
    }

    #[tokio::test]
    async fn dropping_the_shaper_resets_its_connections() {
        let link = LinkShaper::start(echo().await, LinkProfile::default()).await.unwrap();
        let addr = link.addr();
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"x").await.unwrap();
        let mut one = [0u8; 1];
        s.read_exact(&mut one).await.unwrap();
        drop(link);
        let (_, end) = tokio::time::timeout(Duration::from_secs(2), read_until_closed(&mut s)).await.unwrap();
        assert!(end.as_ref().is_err_and(is_reset), "{end:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(TcpStream::connect(addr).await.is_err(), "still accepting after drop");
    }

    #[tokio::test]
    async fn refuses_an_upstream_off_the_loopback() {
        let far: SocketAddr = "192.0.2.1:80".parse().unwrap();
        let e = LinkShaper::start(far, LinkProfile::default()).await.err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(LinkShaper::start("[::1]:9".parse().unwrap(), LinkProfile::default()).await.is_ok());
    }
}
