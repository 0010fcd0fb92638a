//! Shared helpers: a fresh data directory with an opened database, and a fixed clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use comptoir_core::Db;
use comptoir_core::catalogue::{ProductInput, ProductStatus, Unit, VariantInput};
use comptoir_core::vat::VatRate;
use comptoir_protocol::orders::{Customer, Order, OrderLine, OrderStatus};

pub struct TestDb {
    pub db: Db,
    pub dir: tempfile::TempDir,
}

pub async fn fresh_db() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open_in(dir.path()).await.expect("open database");
    TestDb { db, dir }
}

/// 28 November 2026, 10:00 UTC: tests never read the real clock.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()
}

pub fn product(name: &str, sku: &str, price_cents: i64) -> ProductInput {
    ProductInput {
        id: None,
        name: name.into(),
        description: String::new(),
        category_id: None,
        status: ProductStatus::Draft,
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Default::default(),
        variants: vec![VariantInput {
            id: None,
            sku: sku.into(),
            options: vec![],
            price_cents,
            stock: 0,
            ean: None,
            net_quantity: None,
        }],
    }
}

/// An order of `qty` 5,20 € camembert(s) `sku` by `customer`, placed three hours before
/// [`now`] (backups, the support report).
pub fn camembert_order(id: &str, customer: Customer, status: OrderStatus, sku: &str, qty: i64) -> Order {
    let at = now() - Duration::hours(3);
    Order {
        id: id.into(),
        shop_id: "shop_1".into(),
        version: 1,
        status,
        customer,
        lines: vec![OrderLine {
            line_id: "l1".into(),
            sku: sku.into(),
            product_external_id: format!("p-{sku}"),
            title: "Camembert".into(),
            options: BTreeMap::new(),
            quantity: qty,
            unit_price_ttc: 520,
            vat_rate: "5.5".into(),
            refused: false,
            promotion_id: None,
            regular_price_ttc: None,
        }],
        total_ttc: qty * 520,
        currency: "EUR".into(),
        created_at: at,
        updated_at: at,
        accept_before: at + Duration::hours(2),
        pickup: None,
        refusal_reason: None,
        cancellation: None,
    }
}
