//! The catalogue: categories, products and their variants, and the rules that keep
//! them valid. Storage is in `storage::catalogue`; this module decides what is valid.

pub mod food;
mod offer;
mod preview;
mod units;
mod validate;

use serde::{Deserialize, Serialize};

pub use food::{Allergen, FoodInfo};
pub use offer::{
    MAX_LEAD_TIME_DAYS, ProductKind, ServiceSession, StockCell, StockPolicy, format_duration, lead_time_days,
    parse_duration, read_stock_words,
};
pub use preview::{IngredientRun, NotPublishable, ProductPreview, not_publishable, preview};
pub use units::{
    NetQuantity, Unit, UnitPrice, UnitPricePer, UnitReading, legacy_net_quantity, net_quantity_in_name,
    normalise_net_quantity, read_unit_cell, unit_price, unit_price_of,
};
pub use validate::{publish_problems, validate_product};

use crate::vat::VatRate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Only in Comptoir.
    Draft,
    /// Meant to be on the marketplace.
    Published,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Published => "published",
        }
    }
}

/// One option of a variant: `Taille` = `M`, `Contenance` = `75 cl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct VariantOption {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Category {
    pub id: i64,
    pub uid: String,
    pub parent_id: Option<i64>,
    pub name: String,
    /// Full path for display: `Alimentation › Crèmerie`.
    pub path: String,
    pub depth: u32,
    pub position: i64,
    /// Products directly in this category.
    pub product_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Variant {
    pub id: i64,
    pub sku: String,
    pub options: Vec<VariantOption>,
    /// Price including VAT, in cents.
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    /// Net quantity in its canonical form (« 75 cl », « 6 × 125 g »), see [`NetQuantity`].
    pub net_quantity: Option<String>,
    /// Price per kg, l, m or m², from the selling unit or the net quantity.
    pub unit_price: Option<UnitPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Product {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub category_path: Option<String>,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub offer: Offer,
    pub variants: Vec<Variant>,
    pub created_at: String,
    pub updated_at: String,
}

/// How a product is offered, beyond its price: the shop's packaging word, goods or
/// service, how stock is kept, and the food information. The same on a stored product
/// and on what the editor sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Offer {
    /// What the goods come in, as the shop writes it (bouteille, pot, barquette…).
    pub packaging: Option<String>,
    pub kind: ProductKind,
    pub stock_policy: StockPolicy,
    /// For [`StockPolicy::MadeToOrder`]: days between the order and the goods ready.
    pub lead_time_days: Option<u16>,
    /// For a service: how long it lasts.
    pub duration_minutes: Option<u32>,
    /// For a service: its dated sessions, if it has some.
    pub sessions: Vec<ServiceSession>,
    /// `Some` for pre-packed food: the information the buyer must read before buying.
    pub food: Option<FoodInfo>,
}

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
    /// Running or planned promotion (filled by [`crate::promotions::product_page`]).
    pub promotion: Option<crate::promotions::PromotionBadge>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProductFilter {
    /// Free text; accents and case are ignored, words are prefixes, all must match.
    pub search: Option<String>,
    /// This category and all its descendants.
    pub category_id: Option<i64>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProductPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<ProductRow>,
}

/// What the editor sends: a whole product with its variants (desired state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProductInput {
    /// `None` creates a product.
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub offer: Offer,
    pub variants: Vec<VariantInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct VariantInput {
    /// `None` adds a variant; variants of the product missing from the input are removed.
    pub id: Option<i64>,
    pub sku: String,
    pub options: Vec<VariantOption>,
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    /// As typed (« 75cl », « 6x125 g »); validation rewrites it canonically.
    pub net_quantity: Option<String>,
}

/// A partial change to one variant and its product, addressed by SKU (CLI `products edit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantPatch {
    pub name: Option<String>,
    pub price_cents: Option<i64>,
    pub stock: Option<i64>,
    pub vat: Option<VatRate>,
    pub ean: Option<Option<String>>,
    pub category_id: Option<Option<i64>>,
    pub status: Option<ProductStatus>,
    pub net_quantity: Option<Option<String>>,
    pub unit: Option<Unit>,
    pub packaging: Option<Option<String>>,
    pub kind: Option<ProductKind>,
    pub stock_policy: Option<StockPolicy>,
    pub lead_time_days: Option<Option<u16>>,
    pub duration_minutes: Option<Option<u32>>,
    pub food: FoodPatch,
}

/// A partial change to a product's food information: each `Some` replaces that part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoodPatch {
    /// `Some(true)` makes the product food (keeping what it had), `Some(false)` removes
    /// its food information altogether.
    pub is_food: Option<bool>,
    pub ingredients: Option<String>,
    pub allergens: Option<Option<Vec<Allergen>>>,
    pub storage: Option<String>,
    pub origin: Option<String>,
    pub producer: Option<String>,
    pub labels: Option<Vec<String>>,
    pub abv_tenths: Option<Option<u16>>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CategoryInput {
    /// `None` creates a category.
    pub id: Option<i64>,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CatalogueStats {
    pub products: i64,
    pub variants: i64,
    pub categories: i64,
}
