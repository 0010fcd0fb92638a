//! What an order takes of the local stock, and how orders are numbered: the rules
//! storage stores orders under, whoever stores them (the orders feed, a merchant
//! action's answer, the sync pass that meets an order among its events).
//!
//! The local stock an order takes moves with its lines (`order_lines.stock_taken`) and
//! only there, so a sale counts once whoever sees it first.

use chrono::{DateTime, Utc};
use comptoir_protocol::orders::{Order, OrderStatus};

use crate::model::catalogue::{ProductKind, StockPolicy};
use crate::model::orders::StoreOutcome;
use crate::storage::sync::{Moderation, RemoteStock};
use crate::storage::{LineStock, OrderRules, ProductStock};
use crate::{Db, Result};

/// The rules every path that stores an order passes to storage.
pub const RULES: OrderRules = OrderRules { first_number: FIRST_NUMBER, stock_taken };

/// The shop's first order is n° 1001: a number that looks like a shop's, not a test's.
pub const FIRST_NUMBER: i64 = 1001;

/// Whether an order in this status still holds its goods.
fn holds_stock(s: OrderStatus) -> bool {
    !matches!(s, OrderStatus::Refused | OrderStatus::Cancelled | OrderStatus::Expired)
}

/// Whether orders of a product with this stored offer take stock (see
/// [`StockPolicy::counts_stock`]): not a service, nor goods always available or made
/// to order. A SKU no product has any more counts (the stock update then finds no row
/// to move anyway), and so does a kind or policy this version does not know.
fn counts_stock(product: Option<ProductStock>) -> bool {
    product
        .is_none_or(|(kind, policy)| kind != Some(ProductKind::Service) && policy.is_none_or(StockPolicy::counts_stock))
}

/// The stock a line takes once stored: its quantity while the order holds its goods
/// and the line is not refused, else none.
///
/// A service, or goods always available or made to order, has no stock for an order
/// to take (the marketplace took none either): such a line never takes any, and only
/// gives back, when released, what it took while the product still counted its stock.
pub fn stock_taken(line: &LineStock) -> i64 {
    let want = if holds_stock(line.status) && !line.refused { line.quantity } else { 0 };
    if counts_stock(line.product) { want } else { want.min(line.taken) }
}

impl Db {
    /// Stores one order snapshot, its lines and the stock they take, in one transaction;
    /// an older or equal version is ignored.
    pub async fn store_order(&self, o: &Order, now: DateTime<Utc>) -> Result<StoreOutcome> {
        self.store_order_with(o, &RULES, now).await
    }

    /// Records the outcome of one attempt of a merchant action: `Ok` done (with the
    /// answer stored in the same transaction), `Err((message, permanent))` still
    /// pending or failed.
    pub async fn finish_transition(
        &self,
        id: i64,
        outcome: std::result::Result<&Order, (&str, bool)>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.finish_transition_with(id, outcome, &RULES, now).await
    }

    /// What a page of the marketplace's events changed, merged in one transaction (see
    /// `Db::apply_remote_events`): the orders it carries are stored under the same
    /// rules as the orders feed's, so the stock they take moves once.
    pub async fn apply_remote_stock(
        &self,
        orders: &[Order],
        changes: &[RemoteStock],
        moderations: &[Moderation],
        last_seq: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.apply_remote_events(orders, &RULES, changes, moderations, last_seq, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(status: OrderStatus, refused: bool, taken: i64, product: Option<ProductStock>) -> i64 {
        stock_taken(&LineStock { status, refused, quantity: 3, taken, product })
    }

    const GOODS: Option<ProductStock> = Some((Some(ProductKind::Goods), Some(StockPolicy::Counted)));

    #[test]
    fn a_line_takes_its_quantity_while_its_order_holds_the_goods() {
        assert_eq!(line(OrderStatus::PendingAcceptance, false, 0, GOODS), 3);
        assert_eq!(line(OrderStatus::Collected, false, 3, GOODS), 3);
        assert_eq!(line(OrderStatus::Accepted, true, 3, GOODS), 0, "a refused line gives back");
        for released in [OrderStatus::Refused, OrderStatus::Cancelled, OrderStatus::Expired] {
            assert_eq!(line(released, false, 3, GOODS), 0, "{released:?}");
        }
        assert_eq!(line(OrderStatus::Accepted, false, 0, None), 3, "a SKU no product has counts");
    }

    #[test]
    fn a_line_of_a_product_without_counted_stock_takes_none_and_only_gives_back() {
        let service = Some((Some(ProductKind::Service), Some(StockPolicy::Counted)));
        let unlimited = Some((Some(ProductKind::Goods), Some(StockPolicy::Unlimited)));
        for product in [service, unlimited] {
            assert_eq!(line(OrderStatus::PendingAcceptance, false, 0, product), 0);
            assert_eq!(line(OrderStatus::Accepted, false, 2, product), 2, "kept while held");
            assert_eq!(line(OrderStatus::Cancelled, false, 2, product), 0, "given back");
        }
    }
}
