//! The catalogue's values: categories, products and their variants, the offer, the
//! selling unit and the food information, as storage reads and writes them. What makes
//! them valid, and what is derived from them (unit prices, the words a spreadsheet
//! uses), is in `catalogue`, which re-exports them.

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProductFilter {
    /// Free text; accents and case are ignored, words are prefixes, all must match.
    pub search: Option<String>,
    /// This category and all its descendants.
    pub category_id: Option<i64>,
    pub offset: u32,
    pub limit: u32,
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Something made or sold: the default.
    #[default]
    Goods,
    /// An atelier, a course, a session, a rental, a repair: no stock is counted.
    Service,
}

impl ProductKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Goods => "goods",
            ProductKind::Service => "service",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        [ProductKind::Goods, ProductKind::Service].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum StockPolicy {
    /// Stock is counted; an order beyond it is refused (today's behaviour).
    #[default]
    Counted,
    /// Always available (a service, a product the shop never runs out of).
    Unlimited,
    /// Made for each order, ready after the lead time.
    MadeToOrder,
}

impl StockPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            StockPolicy::Counted => "counted",
            StockPolicy::Unlimited => "unlimited",
            StockPolicy::MadeToOrder => "made_to_order",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        [StockPolicy::Counted, StockPolicy::Unlimited, StockPolicy::MadeToOrder].into_iter().find(|p| p.as_str() == s)
    }

    pub fn counts_stock(self) -> bool {
        self == StockPolicy::Counted
    }
}

/// One dated session of a service: « samedi 12 décembre 14 h, 8 places ».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ServiceSession {
    /// Local time in the shop (Europe/Paris), `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// Places offered; `None` when not limited.
    pub places: Option<u32>,
}

impl ServiceSession {
    /// The session's start as a date and time, if it is well formed.
    pub fn start(&self) -> Option<chrono::NaiveDateTime> {
        chrono::NaiveDateTime::parse_from_str(&self.starts_at, "%Y-%m-%dT%H:%M").ok()
    }
}

/// What the price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Sold by the piece (un camembert, une bouteille, une séance): the default.
    Piece,
    /// Sold by the kilogram; the price is per kg.
    Kg,
    /// Sold by 100 g (charcuterie à la coupe); the price is per 100 g.
    HundredGrams,
    /// Sold by the litre (vrac); the price is per litre.
    Litre,
    /// Sold by the metre (tissu, ruban); the price is per metre.
    Metre,
    /// Sold by the square metre (toile, parquet); the price is per m².
    SquareMetre,
    /// A lot or box (coffret).
    Lot,
    /// A dozen (œufs).
    Dozen,
}

impl Unit {
    pub const ALL: [Unit; 8] = [
        Unit::Piece,
        Unit::Kg,
        Unit::HundredGrams,
        Unit::Litre,
        Unit::Metre,
        Unit::SquareMetre,
        Unit::Lot,
        Unit::Dozen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Piece => "piece",
            Unit::Kg => "kg",
            Unit::HundredGrams => "hundred_grams",
            Unit::Litre => "litre",
            Unit::Metre => "metre",
            Unit::SquareMetre => "square_metre",
            Unit::Lot => "lot",
            Unit::Dozen => "dozen",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        Unit::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// The price of a reference quantity, as French labelling requires for goods sold by
/// quantity ("prix au kilo", "prix au litre", arrêté du 3 décembre 1987).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UnitPrice {
    pub cents: i64,
    pub per: UnitPricePer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum UnitPricePer {
    Kg,
    L,
    M,
    M2,
}

/// The 14 allergens of Annex II of Regulation (EU) No 1169/2011.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Allergen {
    Gluten,
    Crustaceans,
    Eggs,
    Fish,
    Peanuts,
    Soy,
    Milk,
    Nuts,
    Celery,
    Mustard,
    Sesame,
    Sulphites,
    Lupin,
    Molluscs,
}

/// The mandatory food information of one product. Present (`Some` on the product) means
/// the product is pre-packed food sold at a distance, and must be complete to be sold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FoodInfo {
    /// The list of ingredients, as on the label.
    #[serde(default)]
    pub ingredients: String,
    /// The allergens present; `None` until the shop has said (an empty list says
    /// « aucun »): "not filled in" and "none" are different answers.
    #[serde(default)]
    pub allergens: Option<Vec<Allergen>>,
    /// Storage conditions (« À conserver entre 0 et 4 °C »).
    #[serde(default)]
    pub storage: String,
    /// Origin (« Normandie », « France »), where required.
    #[serde(default)]
    pub origin: String,
    /// The producer or operator when it is not the shop (name and address).
    #[serde(default)]
    pub producer: String,
    /// Quality signs (AOP, Label Rouge, Agriculture Biologique…).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Alcoholic strength by volume in tenths of a percent (55 = 5,5 % vol).
    #[serde(default)]
    pub abv_tenths: Option<u16>,
}

/// The net quantity of a variant stored before schema 0011 (grams, millilitres), as
/// migration 0011 writes it: the volume if any, else the weight. Always a whole number
/// of the unit chosen, so it is written here as the catalogue's `NetQuantity` prints it
/// (a test in `catalogue::units` holds the two together).
pub fn legacy_net_quantity(weight_g: Option<i64>, volume_ml: Option<i64>) -> Option<String> {
    match (volume_ml.filter(|v| *v > 0), weight_g.filter(|g| *g > 0)) {
        (Some(ml), _) if ml % 1000 == 0 => Some(format!("{} l", ml / 1000)),
        (Some(ml), _) if ml % 10 == 0 => Some(format!("{} cl", ml / 10)),
        (Some(ml), _) => Some(format!("{ml} ml")),
        (None, Some(g)) if g % 1000 == 0 => Some(format!("{} kg", g / 1000)),
        (None, Some(g)) => Some(format!("{g} g")),
        (None, None) => None,
    }
}

/// The editable form of a stored product (what the editor would send back unchanged).
pub fn product_to_input(p: &Product) -> ProductInput {
    ProductInput {
        id: Some(p.id),
        name: p.name.clone(),
        description: p.description.clone(),
        category_id: p.category_id,
        status: p.status,
        vat: p.vat,
        unit: p.unit,
        offer: p.offer.clone(),
        variants: p
            .variants
            .iter()
            .map(|v| VariantInput {
                id: Some(v.id),
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_cents: v.price_cents,
                stock: v.stock,
                ean: v.ean.clone(),
                net_quantity: v.net_quantity.clone(),
            })
            .collect(),
    }
}
