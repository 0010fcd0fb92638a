//! The catalogue: categories, products and their variants, and the rules that keep
//! them valid. The values themselves are in `model::catalogue` (re-exported here), their
//! SQL in `storage`; this module decides what is valid and what is derived from them,
//! and its `Db` methods (`db`, `categories`) apply that on the way in and out of storage.

mod categories;
mod db;
pub mod food;
mod offer;
mod preview;
mod units;
mod validate;

use serde::{Deserialize, Serialize};

pub use crate::model::catalogue::{
    Allergen, CatalogueStats, Category, CategoryInput, FoodInfo, FoodPatch, Offer, Product, ProductFilter,
    ProductInput, ProductKind, ProductStatus, ServiceSession, StockPolicy, Unit, UnitPrice, UnitPricePer, Variant,
    VariantInput, VariantOption, VariantPatch, legacy_net_quantity, product_to_input,
};
pub use offer::{MAX_LEAD_TIME_DAYS, StockCell, format_duration, lead_time_days, parse_duration, read_stock_words};
pub use preview::{IngredientRun, NotPublishable, ProductPreview, not_publishable, preview};
pub use units::{
    NetQuantity, UnitReading, net_quantity_in_name, normalise_net_quantity, read_unit_cell, unit_price, unit_price_of,
};
pub use validate::{publish_problems, validate_product};

use crate::vat::VatRate;

/// A line of the catalogue list: enough to show and sort, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub category_path: Option<String>,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub variant_count: i64,
    /// SKU of the first variant.
    pub sku: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub total_stock: i64,
    pub kind: ProductKind,
    pub stock_policy: StockPolicy,
    pub packaging: Option<String>,
    /// The first variant's unit price (what the list shows beside the price).
    pub unit_price: Option<UnitPrice>,
    /// Running or planned promotion (filled by `promotions::product_page`).
    pub promotion: Option<crate::model::promotions::PromotionBadge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProductPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<ProductRow>,
}

impl FoodPatch {
    pub fn is_empty(&self) -> bool {
        *self == FoodPatch::default()
    }

    /// The food information after the patch: any food field given makes it food.
    pub fn apply(&self, food: Option<FoodInfo>) -> Option<FoodInfo> {
        if self.is_food == Some(false) {
            return None;
        }
        if self.is_empty() {
            return food;
        }
        let mut f = food.unwrap_or_default();
        if let Some(v) = &self.ingredients {
            f.ingredients.clone_from(v);
        }
        if let Some(v) = &self.allergens {
            f.allergens.clone_from(v);
        }
        if let Some(v) = &self.storage {
            f.storage.clone_from(v);
        }
        if let Some(v) = &self.origin {
            f.origin.clone_from(v);
        }
        if let Some(v) = &self.producer {
            f.producer.clone_from(v);
        }
        if let Some(v) = &self.labels {
            f.labels.clone_from(v);
        }
        if let Some(v) = self.abv_tenths {
            f.abv_tenths = v;
        }
        Some(f)
    }
}
