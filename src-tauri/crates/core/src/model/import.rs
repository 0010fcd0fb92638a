//! An import's values: the mapping of a file's columns to fields, remembered per
//! layout, and what the planner hands the import's transaction to write (every id
//! assigned already). The planner that makes them is `import::plan`.

use serde::{Deserialize, Serialize};

use super::catalogue::{Offer, ProductStatus, Unit, VariantOption};
use super::stored::{ProductSnapshot, StoredOffer};
use crate::vat::VatRate;

/// A catalogue field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Sku,
    Name,
    PriceTtc,
    PriceHt,
    Vat,
    Stock,
    Category,
    Subcategory,
    Ean,
    Description,
    Unit,
    /// What the goods come in, as the shop writes it (bouteille, pot…).
    Packaging,
    Weight,
    Volume,
    Size,
    Color,
    Options,
    Photo,
    Status,
    /// Rows sharing this value are variants of one product.
    Group,
    /// Goods or service (« produit », « prestation »); « alimentaire » makes it food.
    Kind,
    /// How long a service lasts (« 1 h », « 2 h 30 »).
    Duration,
    /// Dated sessions of a service.
    Sessions,
    /// Days to make a product made to order.
    LeadTime,
    /// Counted, unlimited or made to order (« illimité », « sur commande »).
    StockPolicy,
    Ingredients,
    Allergens,
    /// Storage conditions (« À conserver entre 2 et 6 °C »).
    Storage,
    Origin,
    Producer,
    /// Quality signs: AOP, Label Rouge, Agriculture Biologique…
    Labels,
    /// Alcoholic strength (% vol).
    Abv,
    /// The reduced price of a promotion (« Prix promo »).
    PromoPrice,
    /// A promotion as a percentage off (« Remise », « -20 % »).
    Discount,
    /// When the promotion starts (« Début promo »), Paris time.
    PromoStart,
    /// When it ends (« Fin promo »); a date alone is the end of that day.
    PromoEnd,
}

/// How a file's columns map to fields. Remembered per layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Mapping {
    /// Spreadsheet row number of the header row.
    pub header_row: u32,
    /// One entry per column from A; `None`: "ne pas importer".
    pub columns: Vec<Option<Field>>,
}

impl Mapping {
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|f| *f == Some(field))
    }

    pub fn has(&self, field: Field) -> bool {
        self.column_of(field).is_some()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Counts {
    pub create: u32,
    pub update: u32,
    pub unchanged: u32,
    pub rejected: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategoryRef {
    None,
    Existing(i64),
    /// Index in [`Plan::new_categories`].
    New(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantWrite {
    pub id: Option<i64>,
    pub sku: String,
    pub options: Vec<VariantOption>,
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    pub net_quantity: Option<String>,
    pub position: i64,
    /// New, or different from the stored one.
    pub changed: bool,
    /// Stored EAN differs (the write parks it first so swaps pass the UNIQUE check).
    pub ean_changed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductWrite {
    /// `None`: created.
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub category: CategoryRef,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub offer: Offer,
    pub product_changed: bool,
    /// Every variant of the product after the import, stored order.
    pub variants: Vec<VariantWrite>,
    pub search_changed: bool,
    pub before: Option<ProductSnapshot>,
}

/// What one write carries to the storage layer: every id is assigned already (the
/// import holds the write lock, so the next free ids are known when it starts).
#[derive(Debug, Default)]
pub struct WriteBatch {
    /// Data rows of the file dealt with so far, this batch included (progress).
    pub rows_done: u64,
    /// Categories to create before the products, parents first.
    pub categories: Vec<CategoryRow>,
    pub created: Vec<CreatedProduct>,
    pub updated: Vec<UpdatedProduct>,
    /// Library photos to show on products, after their current photos.
    pub photos: Vec<PhotoAttach>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
}

/// A product the import creates, with what its rows and search entry hold.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedProduct {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub sort_key: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub offer: StoredOffer,
    /// With their options as the JSON text stored.
    pub variants: Vec<(VariantWrite, String)>,
    pub search_body: String,
    /// Its EANs are set once every batch is written: planned at the end of the file, it
    /// may take an EAN that a stored variant gives up in a later batch.
    pub ean_later: bool,
}

/// A stored product the import changes.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatedProduct {
    pub id: i64,
    pub write: ProductWrite,
    pub category_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoAttach {
    pub product_id: i64,
    pub sha256: Vec<String>,
}

/// The name a photo is known by: the last path component (a cell may hold
/// `C:\Photos\camembert.jpg`), without case.
pub fn photo_name_key(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim().to_lowercase()
}
