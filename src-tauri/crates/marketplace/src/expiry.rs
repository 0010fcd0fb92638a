//! Expires orders at their deadline. Sleeps until the earliest deadline, or until
//! a write announces a new one; never scans on a fixed period.

use std::time::Duration;

use crate::AppState;
use crate::orders::expire_due;

pub async fn run(st: AppState) {
    loop {
        let next: Result<Option<i64>, _> =
            sqlx::query_scalar("SELECT MIN(deadline) FROM orders WHERE deadline IS NOT NULL")
                .fetch_one(&st.db.reader)
                .await;
        let wait = match next {
            Ok(Some(deadline)) if deadline <= st.now_ms() => {
                if let Err(e) = expire_due(&st).await {
                    eprintln!("order expiry failed: {:?}", e.problem);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                continue;
            }
            // Re-check at least hourly so that a wall-clock jump is caught up.
            Ok(Some(deadline)) => Duration::from_millis((deadline - st.now_ms()).clamp(1, 3_600_000) as u64),
            Ok(None) => Duration::from_secs(3600),
            Err(_) => Duration::from_secs(1),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = st.expiry_wake.notified() => {}
        }
    }
}
