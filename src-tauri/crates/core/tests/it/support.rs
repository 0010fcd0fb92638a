//! Shared helpers: a fresh data directory with an opened database, and a fixed clock.

use chrono::{DateTime, TimeZone, Utc};
use comptoir_core::Db;
use comptoir_core::catalogue::{ProductInput, ProductStatus, Unit, VariantInput};
use comptoir_core::vat::VatRate;

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
