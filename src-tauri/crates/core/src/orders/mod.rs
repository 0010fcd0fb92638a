//! Click-and-collect orders received from the marketplace (issue 7).
//!
//! - [`ingest`]: one event or snapshot in, stored (with the local stock) in one
//!   transaction; duplicates and stale versions are ignored. The feed position is
//!   acknowledged only after the store.
//! - [`notify`]: what to show (one notification per new order, a grouped one for a
//!   burst, reminders) and the [`Notifier`] that shows it.
//! - [`feed`]: the network loop (SSE with `Last-Event-ID`, long-poll fallback,
//!   reconciliation through `orders?updated_since`).
//! - [`actions`]: merchant transitions with an Idempotency-Key, queued when offline.
//! - [`stock`]: what an order takes of the local stock and its number, the rules
//!   every path that stores an order (this module's, the sync pass's) hands storage.
//! - [`text`]: the French wording.
//! - [`connection`]: the marketplace client from the stored connection (issue 6).
//! - [`supervisor`]: keeps one feed running on the stored connection, for the app.
//!
//! The pick list and the order exports live in `export::orders`, above this module.

pub mod actions;
pub mod connection;
pub mod feed;
pub mod ingest;
pub mod notify;
pub mod settings;
pub mod stock;
pub mod supervisor;
pub mod text;
pub mod time;

pub use comptoir_protocol::orders::OrderStatus;

pub use crate::model::orders::{LocalLine, LocalOrder, OrderFilter, OrderStatusName};
pub use actions::Action;
pub use connection::client_from_connection;
pub use ingest::StoreOutcome;
pub use notify::{Notification, NotificationKind, Notifier};

use crate::{Db, Result};

/// The orders matching `filter`, newest first, with their lines (the orders screen).
pub async fn list(db: &Db, filter: &OrderFilter) -> Result<Vec<LocalOrder>> {
    db.orders(filter).await
}

/// One order by its marketplace id (`ord_…`) or its number (`1042`, `n° 1042`).
pub async fn get(db: &Db, reference: &str) -> Result<LocalOrder> {
    db.order(reference).await
}

/// French label of a status, for lists and exports.
pub fn status_label(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::PendingAcceptance => "Nouvelle",
        OrderStatus::Accepted => "À préparer",
        OrderStatus::ReadyForPickup => "Prête",
        OrderStatus::Collected => "Retirée",
        OrderStatus::Refused => "Refusée",
        OrderStatus::Cancelled => "Annulée",
        OrderStatus::Expired => "Expirée",
        OrderStatus::Unknown => "Inconnue",
    }
}

/// Parses `new`, `pending_acceptance`, `a-preparer`… for `--status`.
pub fn parse_status(s: &str) -> Option<OrderStatus> {
    let s = crate::text::fold(s).replace(['-', ' '], "_");
    Some(match s.as_str() {
        "new" | "nouvelle" | "pending" | "pending_acceptance" => OrderStatus::PendingAcceptance,
        "accepted" | "a_preparer" | "to_prepare" => OrderStatus::Accepted,
        "ready" | "prete" | "ready_for_pickup" => OrderStatus::ReadyForPickup,
        "collected" | "retiree" => OrderStatus::Collected,
        "refused" | "refusee" => OrderStatus::Refused,
        "cancelled" | "annulee" => OrderStatus::Cancelled,
        "expired" | "expiree" => OrderStatus::Expired,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn status_names_of_the_bindings_match_the_wire() {
        let names = [
            OrderStatusName::PendingAcceptance,
            OrderStatusName::Accepted,
            OrderStatusName::Refused,
            OrderStatusName::ReadyForPickup,
            OrderStatusName::Collected,
            OrderStatusName::Cancelled,
            OrderStatusName::Expired,
        ];
        for (status, name) in OrderStatus::ALL.into_iter().zip(names) {
            assert_eq!(serde_json::to_value(status).unwrap(), serde_json::to_value(name).unwrap());
        }
        assert_eq!(serde_json::to_value(OrderStatus::Unknown).unwrap(), "unknown");
        assert_eq!(serde_json::to_value(OrderStatusName::Unknown).unwrap(), "unknown");
    }

    #[test]
    fn filter_from_the_ui() {
        let f: OrderFilter = serde_json::from_str(r#"{"status":"accepted","pickup_day":"2026-11-28"}"#).unwrap();
        assert_eq!(f.status, Some(OrderStatus::Accepted));
        assert_eq!(f.pickup_day, NaiveDate::from_ymd_opt(2026, 11, 28));
        assert_eq!(f.from, None);
    }
}
