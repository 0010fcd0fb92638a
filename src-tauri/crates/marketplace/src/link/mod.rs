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
//!
//! This module holds the tuning of the line and what its user handles ([`LinkShaper`],
//! [`LinkProfile`], [`LinkStats`]); its parts:
//!
//! - `line`: the link itself, shared by every connection — its two directions' token
//!   buckets taken in turn, the live profile, the counters, the seeded cut countdown;
//! - `relay`: the connections — accepted, relayed to the upstream through a reader and a
//!   writer per direction, reset at a cut.

mod line;
mod relay;
#[cfg(test)]
mod tests;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::task::JoinHandle;

use line::Shared;
use relay::{accept_loop, line_segments};

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
