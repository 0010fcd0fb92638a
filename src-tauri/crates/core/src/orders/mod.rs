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
//! - [`text`]: the French wording.
//! - [`connection`]: the marketplace client from the stored connection (issue 6).
//! - [`supervisor`]: keeps one feed running on the stored connection, for the app.
//!
//! The pick list and the order exports live in [`crate::export::orders`].

pub mod actions;
pub mod connection;
pub mod feed;
pub mod ingest;
pub mod notify;
pub mod settings;
pub mod supervisor;
pub mod text;
pub mod time;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
pub use comptoir_protocol::orders::OrderStatus;
use serde::{Deserialize, Serialize};

pub use actions::Action;
pub use connection::client_from_connection;
pub use ingest::StoreOutcome;
pub use notify::{Notification, NotificationKind, Notifier};

use crate::{Db, Result};

/// One order as stored locally: what the orders screen and the CLI show.
/// Times cross IPC as RFC 3339 strings (serde's chrono format), money as cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LocalOrder {
    pub id: i64,
    /// The marketplace's id (`ord_…`).
    pub server_id: String,
    /// Short number shown to people ("n° 1042"), given locally in order of arrival.
    pub number: i64,
    #[specta(type = OrderStatusName)]
    pub status: OrderStatus,
    pub version: i64,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    #[specta(type = Option<String>)]
    pub pickup_at: Option<DateTime<Utc>>,
    pub pickup_code: Option<String>,
    pub payment_status: String,
    pub total_cents: i64,
    #[specta(type = String)]
    pub accept_before: DateTime<Utc>,
    pub refusal_reason: Option<String>,
    #[specta(type = String)]
    pub created_at: DateTime<Utc>,
    #[specta(type = String)]
    pub updated_at: DateTime<Utc>,
    #[specta(type = String)]
    pub received_at: DateTime<Utc>,
    #[specta(type = Option<String>)]
    pub notified_at: Option<DateTime<Utc>>,
    pub lines: Vec<LocalLine>,
    /// Merchant actions not yet accepted by the marketplace.
    pub pending_actions: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LocalLine {
    pub line_id: String,
    pub sku: String,
    pub title: String,
    pub options: BTreeMap<String, String>,
    pub quantity: i64,
    /// The price charged for one unit: a running promotion's when there was one.
    pub unit_price_cents: i64,
    pub vat_rate: String,
    pub refused: bool,
    /// The marketplace's promotion (« p12 ») that set the price, and the regular price then.
    pub promotion_id: Option<String>,
    pub regular_price_cents: Option<i64>,
}

impl LocalLine {
    pub fn total_cents(&self) -> i64 {
        self.quantity * self.unit_price_cents
    }

    /// "Miel de fleurs (500 g)": the title with its options.
    pub fn label(&self) -> String {
        if self.options.is_empty() {
            self.title.clone()
        } else {
            let opts: Vec<&str> = self.options.values().map(String::as_str).collect();
            format!("{} ({})", self.title, opts.join(", "))
        }
    }
}

/// Filters of the order list; `None` means any. Days cross IPC as `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct OrderFilter {
    #[specta(type = Option<OrderStatusName>)]
    pub status: Option<OrderStatus>,
    /// Created on or after this day (Paris time).
    #[specta(type = Option<String>)]
    pub from: Option<NaiveDate>,
    /// Created on or before this day (Paris time).
    #[specta(type = Option<String>)]
    pub to: Option<NaiveDate>,
    /// Pickup day (Paris time) — see [`LocalOrder::pickup_day`].
    #[specta(type = Option<String>)]
    pub pickup_day: Option<NaiveDate>,
}

/// The TypeScript shape of [`OrderStatus`], which lives in comptoir-protocol (no
/// specta there). Only used as a type for the bindings; a test keeps the names equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusName {
    PendingAcceptance,
    Accepted,
    Refused,
    ReadyForPickup,
    Collected,
    Cancelled,
    Expired,
    Unknown,
}

/// The orders matching `filter`, newest first, with their lines (the orders screen).
pub async fn list(db: &Db, filter: &OrderFilter) -> Result<Vec<LocalOrder>> {
    db.orders(filter).await
}

/// One order by its marketplace id (`ord_…`) or its number (`1042`, `n° 1042`).
pub async fn get(db: &Db, reference: &str) -> Result<LocalOrder> {
    db.order(reference).await
}

impl LocalOrder {
    /// The day the order is collected: its pickup time when set, else the day it
    /// was placed (Paris time).
    pub fn pickup_day(&self) -> NaiveDate {
        time::paris(self.pickup_at.unwrap_or(self.created_at)).date()
    }

    /// Lines the shop supplies (not refused).
    pub fn kept_lines(&self) -> impl Iterator<Item = &LocalLine> {
        self.lines.iter().filter(|l| !l.refused)
    }
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
