use comptoir_protocol::catalog::OpStatus;
use comptoir_protocol::events::{EventType, StockChangeReason};
use comptoir_protocol::stock::{StockBatchRequest, StockOp};

use crate::support::*;

#[tokio::test]
async fn compare_and_set_and_adjustments() {
    let srv = start().await;
    let (_, client) = shop_with_stock(&srv).await;
    let ops = vec![
        StockOp::Set { sku: "CAM-250".to_owned(), available: 20, expected_available: Some(9) },
        StockOp::Set { sku: "CAM-500".to_owned(), available: 7, expected_available: Some(5) },
        StockOp::Adjust { sku: "CAM-250".to_owned(), delta: -11 },
        StockOp::Adjust { sku: "CAM-250".to_owned(), delta: -4 },
        StockOp::Adjust { sku: "NOPE".to_owned(), delta: 1 },
    ];
    let r = client.stock_batch(&key(), &StockBatchRequest { ops }).await.unwrap().value;
    let s: Vec<_> = r.results.iter().map(|r| r.status).collect();
    assert_eq!(s, [OpStatus::Conflict, OpStatus::Ok, OpStatus::Conflict, OpStatus::Ok, OpStatus::Invalid]);
    assert_eq!(r.results[0].current_available, Some(10));
    assert_eq!((r.results[1].available, r.results[1].product_version), (Some(7), Some(2)));
    assert_eq!(r.results[2].current_available, Some(10));
    assert_eq!((r.results[3].available, r.results[3].product_version), (Some(6), Some(3)));
    assert_eq!(r.results[4].problem.as_ref().unwrap().code, "unknown_sku");

    let evs = client.events(0, None, None).await.unwrap().events;
    assert_eq!(evs.len(), 2);
    let last = evs[1].stock().unwrap();
    assert_eq!(evs[1].event_type, EventType::StockChanged);
    assert_eq!((last.sku.as_str(), last.available, last.reason), ("CAM-250", 6, StockChangeReason::Merchant));
    let state = client.catalog_state(None, None).await.unwrap();
    assert_eq!(state.items[0].version, 3);
}
