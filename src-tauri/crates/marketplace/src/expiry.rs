//! Expires orders at their deadline. Sleeps until the earliest deadline, or until
//! a write announces a new one; never scans on a fixed period.

use std::time::Duration;

use crate::AppState;
use crate::orders::expire_due;

pub async fn run(st: AppState) {
    loop {
        if let Err(e) = expire_due(&st).await {
            eprintln!("order expiry failed: {:?}", e.problem);
        }
        let next: Result<Option<i64>, _> =
            sqlx::query_scalar("SELECT MIN(deadline) FROM orders WHERE deadline IS NOT NULL")
                .fetch_one(&st.db.reader)
                .await;
        let wait = match next {
            Ok(Some(deadline)) => Duration::from_millis((deadline - st.now_ms()).clamp(10, 3_600_000) as u64),
            Ok(None) => Duration::from_secs(3600),
            Err(_) => Duration::from_secs(1),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = st.expiry_wake.notified() => {}
        }
    }
}
