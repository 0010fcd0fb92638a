//! The background worker against the real marketplace: it drains the outbox by itself
//! when the server comes back, and "Synchroniser maintenant" cuts a backoff wait short.
//! Every wait is on a condition with a deadline, never a fixed sleep.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use comptoir_core::sync::worker::{self, WorkerHandle, WorkerState};
use comptoir_core::sync::{Backoff, SyncOptions};

use crate::support::{now, product};
use crate::sync::{Setup, assert_same_catalogue, setup};

/// Polls `cond` until it holds; panics with `what` after `limit`.
pub(crate) async fn eventually<F, Fut>(limit: Duration, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !cond().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits for a worker state matching `pred`.
async fn state_where(h: &WorkerHandle, limit: Duration, what: &str, pred: impl FnMut(&WorkerState) -> bool) {
    let mut rx = h.state();
    tokio::time::timeout(limit, rx.wait_for(pred))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for: {what}; state {:?}", h.state().borrow().clone()))
        .unwrap();
}

fn start(s: &Setup, backoff: Backoff) -> WorkerHandle {
    let opts = SyncOptions { backoff, ..SyncOptions::default() };
    worker::spawn(s.t.db.clone(), s.t.dir.path().to_path_buf(), s.keychain.clone(), opts, Arc::new(now))
}

async fn outbox_empty(s: &Setup) -> bool {
    s.t.db.outbox_len().await.unwrap() == 0
}

#[tokio::test]
async fn worker_drains_the_outbox_by_itself_when_the_server_comes_back() {
    let mut s = setup(None).await;
    // Short backoff: the test waits for the worker's own retry, not for a button.
    let h = start(&s, Backoff { base: Duration::from_millis(100), max: Duration::from_millis(400), breaker_after: 6 });
    eventually(Duration::from_secs(20), "initial sync of the default categories", || outbox_empty(&s)).await;
    state_where(&h, Duration::from_secs(5), "first report", |st| st.last_report.is_some() && !st.running).await;

    s.server.stop();
    let mut ids = Vec::new();
    for i in 0..20 {
        let p = s.t.db.save_product(&product(&format!("Pommeau {i}"), &format!("POM-{i}"), 1200), now()).await.unwrap();
        ids.push(p.id);
        h.changed();
    }
    state_where(&h, Duration::from_secs(20), "offline seen", |st| {
        st.last_error.is_some() && st.next_retry_in_secs.is_some()
    })
    .await;
    assert!(s.t.db.outbox_len().await.unwrap() >= 20);
    // More edits while offline, then the line comes back: nobody presses anything.
    s.t.db.delete_product(ids[0]).await.unwrap();
    h.changed();
    s.server.restart();
    eventually(Duration::from_secs(30), "worker drains the outbox", || outbox_empty(&s)).await;
    state_where(&h, Duration::from_secs(10), "success reported", |st| {
        st.last_error.is_none() && !st.running && st.next_retry_in_secs.is_none()
    })
    .await;
    assert_same_catalogue(&s).await;
    h.stop();
    eventually(Duration::from_secs(5), "worker ended", || async { h.is_stopped() }).await;
}

#[tokio::test]
async fn sync_now_cuts_a_long_backoff_short() {
    let mut s = setup(None).await;
    // A backoff far longer than the test's deadlines: only sync_now can make it pass.
    let h = start(&s, Backoff { base: Duration::from_secs(600), max: Duration::from_secs(600), breaker_after: 6 });
    eventually(Duration::from_secs(20), "initial sync", || outbox_empty(&s)).await;
    s.server.stop();
    s.t.db.save_product(&product("Calvados", "CAL-1", 3500), now()).await.unwrap();
    h.sync_now();
    state_where(&h, Duration::from_secs(20), "offline seen", |st| st.next_retry_in_secs.is_some_and(|n| n >= 300))
        .await;
    s.server.restart();
    // A local edit does not shorten the wait (the server is not hammered)…
    h.changed();
    // …"Synchroniser maintenant" does.
    h.sync_now();
    eventually(Duration::from_secs(20), "outbox drained after sync_now", || outbox_empty(&s)).await;
    assert_same_catalogue(&s).await;
    h.stop();
}

#[tokio::test]
async fn worker_idles_when_not_connected() {
    let t = crate::support::fresh_db().await;
    let keychain = Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default());
    let h = worker::spawn(t.db.clone(), t.dir.path().to_path_buf(), keychain, SyncOptions::default(), Arc::new(now));
    t.db.save_product(&product("Camembert", "CAM-1", 495), now()).await.unwrap();
    h.changed();
    h.sync_now();
    // Each signal gives one cheap look at the state; nothing is reported as an error.
    let mut rx = h.state();
    tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|st| !st.running)).await.unwrap().unwrap();
    assert!(h.state().borrow().last_error.is_none());
    assert!(h.state().borrow().last_report.is_none());
    assert_eq!(t.db.outbox_len().await.unwrap(), 1, "the edit waits for a connection");
    h.stop();
    eventually(Duration::from_secs(5), "worker ended", || async { h.is_stopped() }).await;
}
