//! The relayed connections: accepted on the loopback, each relayed to the upstream
//! through a pipeline per direction (a reader that waits for the line and stamps each
//! chunk, a writer that releases it after the latency), both sides reset at a cut.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

#[cfg(unix)]
use super::LINE_MSS;
use super::SOCKET_BUFFER;
use super::line::{Dir, Shared};

pub(super) async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
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
pub(super) fn line_segments(socket: &TcpSocket) {
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
