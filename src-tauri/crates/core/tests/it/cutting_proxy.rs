//! A TCP relay in front of the marketplace that can cut the connection in the
//! middle of the next SSE event (half of its bytes delivered, then closed), or
//! freeze the open connections (still open, nothing delivered: half-open, as after
//! a sleep) while new ones work.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct CuttingProxy {
    pub url: String,
    cut: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
    conns: Arc<AtomicUsize>,
    /// Connections numbered below this one deliver nothing more.
    frozen_below: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl CuttingProxy {
    pub async fn start(upstream_port: u16) -> CuttingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let cut = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicUsize::new(0));
        let conns = Arc::new(AtomicUsize::new(0));
        let frozen_below = Arc::new(AtomicUsize::new(0));
        let (c, n, k, f) = (cut.clone(), cuts.clone(), conns.clone(), frozen_below.clone());
        let task = tokio::spawn(async move {
            while let Ok((down, _)) = listener.accept().await {
                let Ok(up) = TcpStream::connect(("127.0.0.1", upstream_port)).await else { continue };
                let number = k.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(relay(down, up, c.clone(), n.clone(), (number, f.clone())));
            }
        });
        CuttingProxy { url, cut, cuts, conns, frozen_below, task }
    }

    /// Every connection open now stops delivering anything, without being closed.
    pub fn freeze_open_connections(&self) {
        self.frozen_below.store(self.connections(), Ordering::SeqCst);
    }

    pub fn cut_next_event(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> usize {
        self.conns.load(Ordering::SeqCst)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    down: TcpStream,
    up: TcpStream,
    cut: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
    (number, frozen_below): (usize, Arc<AtomicUsize>),
) {
    let (mut dr, mut dw) = down.into_split();
    let (mut ur, mut uw) = up.into_split();
    let to_up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut dr, &mut uw).await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match ur.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if number < frozen_below.load(Ordering::SeqCst) {
            // Half-open: both sockets stay open, nothing more reaches the client.
            std::future::pending::<()>().await;
        }
        let chunk = &buf[..n];
        let is_event = chunk.windows(5).any(|w| w == b"data:") && chunk.windows(4).any(|w| w == b"seq\"");
        if is_event && cut.swap(false, Ordering::SeqCst) {
            let _ = dw.write_all(&chunk[..n / 2]).await;
            let _ = dw.flush().await;
            cuts.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if dw.write_all(chunk).await.is_err() {
            break;
        }
    }
    to_up.abort();
    let _ = dw.shutdown().await;
}
