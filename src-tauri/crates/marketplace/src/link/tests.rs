//! Properties of the emulator itself (it is test equipment): rates, sharing,
//! latency, cuts, live changes. Each runs in a few seconds of real time.

use std::io::ErrorKind;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::line::Cutter;
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
        let (client_end, write_err) =
            tokio::time::timeout(Duration::from_secs(5), async { tokio::join!(read_until_closed(&mut r), writing) })
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
