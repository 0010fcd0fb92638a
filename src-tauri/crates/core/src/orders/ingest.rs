//! Events and snapshots in; orders stored.
//!
//! Order of durability: the snapshot (and the stock it moves) is committed first,
//! then the event's sequence is acknowledged. A crash in between replays the event
//! on the next start, and the replay is ignored because its version is already
//! stored: no order lost, none counted twice.

use chrono::{DateTime, Utc};
use comptoir_protocol::events::Event;
use comptoir_protocol::orders::Order;

pub use crate::model::orders::StoreOutcome;
use crate::{Db, Result};

/// Stores the order an event carries (other events only move the position).
/// Does **not** acknowledge: call [`acknowledge`] once this returned.
pub async fn store_event(db: &Db, ev: &Event, now: DateTime<Utc>) -> Result<Option<StoreOutcome>> {
    match ev.order() {
        Some(order) => Ok(Some(db.store_order(&order, now).await?)),
        None => Ok(None),
    }
}

/// Records that every event up to `seq` is stored. Never moves backwards.
pub async fn acknowledge(db: &Db, seq: i64) -> Result<()> {
    db.ack_order_feed(seq).await
}

/// Store then acknowledge one event.
pub async fn apply_event(db: &Db, ev: &Event, now: DateTime<Utc>) -> Result<Option<StoreOutcome>> {
    let r = store_event(db, ev, now).await?;
    acknowledge(db, ev.seq).await?;
    Ok(r)
}

/// A snapshot from `GET /v1/orders` or a transition's answer.
pub async fn apply_snapshot(db: &Db, order: &Order, now: DateTime<Utc>) -> Result<StoreOutcome> {
    db.store_order(order, now).await
}
