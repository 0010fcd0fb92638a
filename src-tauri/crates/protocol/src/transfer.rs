//! How request bodies travel over slow lines (feature `client`).
//!
//! A shop's uplink can be 40 KB/s: a 1 MiB catalogue batch then takes 25 s and a
//! photo several seconds, and both are fine as long as bytes keep moving. A timeout
//! on the whole request would cut them off (and the next pass would start again from
//! zero, forever), while no timeout at all would wait forever on a dead line. So the
//! client measures *inactivity*: every request body is handed to the connection in
//! small slices, each slice marks the request as alive, and a request fails with
//! [`ClientError::Stalled`](crate::client::ClientError::Stalled) only when nothing
//! moved for [`Transfer::idle`]: no slice taken by the connection while the body is
//! sent, then no complete answer within `idle` of the last slice.
//!
//! The same slices feed an optional byte counter, so an upload can show its progress.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Instant;

/// Size of the slices a body is handed out in. Small enough that a slice crosses a
/// 40 KB/s line in well under a second (so progress is smooth and a stall is seen
/// early), large enough that a fast line is not slowed by per-slice overhead.
pub const SLICE: usize = 16 * 1024;

/// Called with the size of each slice the connection takes.
pub type ByteMeter = Arc<dyn Fn(u64) + Send + Sync>;

/// A client's transfer settings.
#[derive(Clone, Default)]
pub struct Transfer {
    /// Fail a request when no byte moved for this long (`None`: wait as long as it takes).
    pub idle: Option<Duration>,
    /// Told about every slice of every request body this client sends.
    pub meter: Option<ByteMeter>,
}

impl std::fmt::Debug for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transfer").field("idle", &self.idle).field("meter", &self.meter.is_some()).finish()
    }
}

/// When the request last moved, shared by its body and its watchdog.
#[derive(Clone)]
pub(crate) struct Activity {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last movement.
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self { epoch: Instant::now(), last_ms: Arc::new(AtomicU64::new(0)) }
    }

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// A body handed out in [`SLICE`]s, each one marking the request alive and counted.
/// Its size hint is exact, so the request carries a `Content-Length` (not chunked).
pub(crate) struct SlicedBody {
    rest: Bytes,
    activity: Activity,
    meter: Option<ByteMeter>,
}

impl SlicedBody {
    pub(crate) fn new(bytes: Bytes, activity: Activity, meter: Option<ByteMeter>) -> Self {
        Self { rest: bytes, activity, meter }
    }
}

impl Body for SlicedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.rest.is_empty() {
            return Poll::Ready(None);
        }
        // Asked for the next slice: the previous one was taken by the connection.
        this.activity.touch();
        let slice = this.rest.split_to(this.rest.len().min(SLICE));
        if let Some(m) = &this.meter {
            m(slice.len() as u64);
        }
        Poll::Ready(Some(Ok(Frame::data(slice))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

/// Runs `fut` (one whole exchange: request sent, answer read) and gives up with
/// `on_stall` once nothing moved for `idle`.
pub(crate) async fn watched<T, E>(
    idle: Option<Duration>,
    activity: &Activity,
    fut: impl Future<Output = Result<T, E>>,
    on_stall: impl FnOnce(Duration) -> E,
) -> Result<T, E> {
    let Some(idle) = idle else { return fut.await };
    activity.touch();
    tokio::pin!(fut);
    loop {
        let deadline = activity.last() + idle;
        tokio::select! {
            r = &mut fut => return r,
            () = tokio::time::sleep_until(deadline) => {
                if activity.last() + idle <= Instant::now() {
                    return Err(on_stall(idle));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_moving_request_is_never_cut_a_silent_one_is() {
        let act = Activity::new();
        // Moves every 3 s for 30 s with a 5 s idle limit: completes.
        let a2 = act.clone();
        let moving = async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(3)).await;
                a2.touch();
            }
            Ok::<_, Duration>(42)
        };
        assert_eq!(watched(Some(Duration::from_secs(5)), &act, moving, |d| d).await, Ok(42));
        // Silent for 6 s: cut after 5.
        let act = Activity::new();
        let silent = async {
            tokio::time::sleep(Duration::from_secs(6)).await;
            Ok::<_, Duration>(0)
        };
        let started = Instant::now();
        assert_eq!(watched(Some(Duration::from_secs(5)), &act, silent, |d| d).await, Err(Duration::from_secs(5)));
        assert_eq!(started.elapsed().as_secs(), 5);
    }

    #[test]
    fn slices_are_counted_and_sized_exactly() {
        let seen = Arc::new(AtomicU64::new(0));
        let s2 = seen.clone();
        let meter: ByteMeter = Arc::new(move |n| {
            s2.fetch_add(n, Ordering::Relaxed);
        });
        let mut body = SlicedBody::new(Bytes::from(vec![7u8; SLICE * 2 + 5]), Activity::new(), Some(meter));
        assert_eq!(body.size_hint().exact(), Some((SLICE * 2 + 5) as u64));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut sizes = Vec::new();
        while let Poll::Ready(Some(Ok(f))) = Pin::new(&mut body).poll_frame(&mut cx) {
            sizes.push(f.into_data().map(|d| d.len()).unwrap_or(0));
        }
        assert_eq!(sizes, [SLICE, SLICE, 5]);
        assert_eq!(seen.load(Ordering::Relaxed), (SLICE * 2 + 5) as u64);
    }
}
