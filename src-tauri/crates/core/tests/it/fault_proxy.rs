//! A TCP relay in front of the marketplace that injects HTTP faults at the byte level,
//! per request matched on its request line ("POST /v1/catalog/batch", "PUT /v1/media"):
//! - [`Fault::Status`]: answer 429/503 with `Retry-After` without forwarding (a storm);
//! - [`Fault::SwallowResponse`]: forward the request — the server commits — then drop
//!   the answer and keep the connection silent, so the client times out;
//! - [`Fault::CutRequest`]: forward the head and half the body, then cut both sides
//!   (a line dropping in the middle of a photo upload).
//!
//! It parses just enough HTTP/1.1 to find request boundaries on keep-alive
//! connections (Content-Length bodies, which is what the sync client sends).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug)]
pub enum Fault {
    Status { status: u16, retry_after_secs: u64 },
    SwallowResponse,
    CutRequest,
}

struct Rule {
    prefix: String,
    fault: Fault,
    /// Matching requests let through before the fault.
    skip: usize,
    remaining: usize,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    applied: AtomicUsize,
    /// Every request seen: its request line and body.
    seen: Mutex<Vec<(String, Vec<u8>)>>,
}

impl Shared {
    fn take(&self, request_line: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules.iter_mut().find(|r| r.remaining > 0 && request_line.starts_with(&r.prefix))?;
        if rule.skip > 0 {
            rule.skip -= 1;
            return None;
        }
        rule.remaining -= 1;
        self.applied.fetch_add(1, Ordering::SeqCst);
        Some(rule.fault.clone())
    }
}

pub struct FaultProxy {
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let sh = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((down, _)) = listener.accept().await {
                tokio::spawn(connection(down, upstream_port, sh.clone()));
            }
        });
        FaultProxy { url, shared, task }
    }

    /// The next `times` requests whose request line starts with `prefix` get `fault`.
    pub fn arm(&self, prefix: &str, fault: Fault, times: usize) {
        self.arm_after(prefix, fault, 0, times);
    }

    /// Same, once `skip` matching requests went through untouched.
    pub fn arm_after(&self, prefix: &str, fault: Fault, skip: usize, times: usize) {
        self.shared.rules.lock().unwrap().push(Rule { prefix: prefix.to_owned(), fault, skip, remaining: times });
    }

    /// The bodies of the requests seen so far whose request line starts with `prefix`.
    pub fn bodies(&self, prefix: &str) -> Vec<String> {
        let seen = self.shared.seen.lock().unwrap();
        seen.iter()
            .filter(|(l, _)| l.starts_with(prefix))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    /// Faults injected so far.
    pub fn applied(&self) -> usize {
        self.shared.applied.load(Ordering::SeqCst)
    }

    /// Armed faults not yet used.
    pub fn pending(&self) -> usize {
        self.shared.rules.lock().unwrap().iter().map(|r| r.remaining).sum()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn connection(down: TcpStream, upstream_port: u16, shared: Arc<Shared>) {
    let Ok(up) = TcpStream::connect(("127.0.0.1", upstream_port)).await else { return };
    let (mut dr, dw) = down.into_split();
    let (mut ur, mut uw) = up.into_split();
    let dw = Arc::new(tokio::sync::Mutex::new(dw));
    let swallow = Arc::new(AtomicBool::new(false));
    let (dw2, sw2) = (dw.clone(), swallow.clone());
    // Answers back to the client, unless the current one is to be swallowed.
    let back = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match ur.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if sw2.load(Ordering::SeqCst) {
                continue;
            }
            if dw2.lock().await.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    'requests: loop {
        // Read one request head.
        let end = loop {
            if let Some(e) = head_end(&pending) {
                break e;
            }
            match dr.read(&mut buf).await {
                Ok(0) | Err(_) => break 'requests,
                Ok(n) => pending.extend_from_slice(&buf[..n]),
            }
        };
        let head = String::from_utf8_lossy(&pending[..end]).into_owned();
        let body_len = content_length(&head);
        let fault = shared.take(head.lines().next().unwrap_or(""));
        // Read the whole body (the client sends it right after the head).
        while pending.len() < end + body_len {
            match dr.read(&mut buf).await {
                Ok(0) | Err(_) => break 'requests,
                Ok(n) => pending.extend_from_slice(&buf[..n]),
            }
        }
        let request: Vec<u8> = pending.drain(..end + body_len).collect();
        let line = head.lines().next().unwrap_or("").to_owned();
        shared.seen.lock().unwrap().push((line, request[end..].to_vec()));
        match fault {
            None => {
                if uw.write_all(&request).await.is_err() {
                    break;
                }
            }
            Some(Fault::Status { status, retry_after_secs }) => {
                let body = format!(
                    r#"{{"type":"about:blank","title":"injected","status":{status},"code":"{}"}}"#,
                    if status == 429 { "rate_limited" } else { "unavailable" }
                );
                let reason = if status == 429 { "Too Many Requests" } else { "Service Unavailable" };
                let resp = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\nretry-after: {retry_after_secs}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let mut w = dw.lock().await;
                let _ = w.write_all(resp.as_bytes()).await;
                let _ = w.shutdown().await;
                break;
            }
            Some(Fault::SwallowResponse) => {
                swallow.store(true, Ordering::SeqCst);
                let _ = uw.write_all(&request).await;
                // Keep the client's side open and silent until it gives up.
                let mut sink = vec![0u8; 1024];
                while matches!(dr.read(&mut sink).await, Ok(n) if n > 0) {}
                break;
            }
            Some(Fault::CutRequest) => {
                let cut = end + body_len / 2;
                let _ = uw.write_all(&request[..cut]).await;
                let _ = uw.flush().await;
                break;
            }
        }
    }
    back.abort();
    let _ = uw.shutdown().await;
    shutdown(&dw).await;
}

async fn shutdown(dw: &tokio::sync::Mutex<OwnedWriteHalf>) {
    let _ = dw.lock().await.shutdown().await;
}
