//! `POST /v1/catalog/batch` and `GET /v1/catalog/state`.
//!
//! Products and categories are sent as desired state, keyed by the shop's own
//! `external_id`, each with the `base_version` the client last saw (0 = create).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Upsert,
    Delete,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectType {
    Category,
    Product,
    #[serde(other)]
    Unknown,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Category => "category",
            ObjectType::Product => "product",
            ObjectType::Unknown => "unknown",
        }
    }
}

/// One operation of a batch. `data` is kept as raw JSON so that the server can
/// report a precise pointer for a bad field of one op without failing the others;
/// build it with [`CatalogOp::upsert_product`] / [`CatalogOp::upsert_category`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogOp {
    pub op: OpKind,
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub external_id: String,
    pub base_version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl CatalogOp {
    pub fn upsert_product(external_id: impl Into<String>, base_version: i64, data: &ProductData) -> Self {
        Self {
            op: OpKind::Upsert,
            object_type: ObjectType::Product,
            external_id: external_id.into(),
            base_version,
            data: serde_json::to_value(data).ok(),
        }
    }

    pub fn upsert_category(external_id: impl Into<String>, base_version: i64, data: &CategoryData) -> Self {
        Self {
            op: OpKind::Upsert,
            object_type: ObjectType::Category,
            external_id: external_id.into(),
            base_version,
            data: serde_json::to_value(data).ok(),
        }
    }

    pub fn delete(object_type: ObjectType, external_id: impl Into<String>, base_version: i64) -> Self {
        Self { op: OpKind::Delete, object_type, external_id: external_id.into(), base_version, data: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogBatchRequest {
    pub ops: Vec<CatalogOp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryData {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_external_id: Option<String>,
    #[serde(default)]
    pub position: i64,
}

/// A product's desired state.
///
/// The fields after `variants` (the shop's vocabulary: selling unit, packaging, services,
/// stock policy, food information) came later. Each is optional, absent when it says
/// nothing more than the default, and left out of the JSON when absent: a product that
/// does not use them serializes — and so hashes ([`crate::hash::content_hash`]) — exactly
/// as before they existed, and an older client's payload is still a valid one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductData {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category_external_ids: Vec<String>,
    /// Ordered sha256 of photos already uploaded with `PUT /v1/media/{sha256}`.
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub published: bool,
    pub variants: Vec<Variant>,
    /// What the price is for; absent: by the piece.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<SellingUnit>,
    /// What the goods come in, as the shop writes it (« bouteille », « pot »).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging: Option<String>,
    /// Goods or a service; absent: goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ProductKind>,
    /// How long a service lasts, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// A service's dated sessions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<Session>,
    /// How stock is kept; absent: counted (an order beyond it is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_policy: Option<StockPolicy>,
    /// For `made_to_order`: days between the order and the goods ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<u16>,
    /// Pre-packed food: what the buyer must be able to read before buying
    /// (Regulation (EU) No 1169/2011, art. 9 and 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub food: Option<FoodData>,
    /// Not to be sold to minors (alcoholic drinks: Code de la santé publique, art. L3342-1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adults_only: bool,
}

impl ProductData {
    pub fn unit_or_default(&self) -> SellingUnit {
        self.unit.unwrap_or(SellingUnit::Piece)
    }

    pub fn kind_or_default(&self) -> ProductKind {
        self.kind.unwrap_or(ProductKind::Goods)
    }

    pub fn stock_policy_or_default(&self) -> StockPolicy {
        self.stock_policy.unwrap_or(StockPolicy::Counted)
    }

    /// Whether an order takes stock: not for a service, nor for goods always available
    /// or made for each order.
    pub fn counts_stock(&self) -> bool {
        self.kind_or_default() != ProductKind::Service && self.stock_policy_or_default() == StockPolicy::Counted
    }

    /// An alcoholic beverage: stated strength above 1.2 % by volume (Regulation (EU)
    /// No 1169/2011, art. 9(1)(k)).
    pub fn is_alcoholic(&self) -> bool {
        self.food.as_ref().and_then(|f| f.abv_tenths).is_some_and(|t| t > ALCOHOL_THRESHOLD_TENTHS)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Price including VAT, in cents.
    pub price_ttc: i64,
    pub currency: String,
    /// French VAT rate as a decimal string: "20", "10", "5.5" or "2.1".
    pub vat_rate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
    pub stock: Stock,
    /// Net quantity in its canonical French form: « 75 cl », « 1,5 kg », « 6 × 125 g »
    /// (see [`crate::quantity::NetQuantity`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_quantity: Option<String>,
    /// Price per kg, l, m or m², from the selling unit or the net quantity, rounded
    /// half-up to the cent ([`crate::quantity::unit_price`]): the marketplace computes it
    /// again and refuses a value that differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<UnitPrice>,
    /// Announced price reductions of this variant, planned, running or over (MSP/1.1).
    /// The marketplace applies each one by its own clock from `starts_at` to `ends_at`,
    /// whether or not the shop is connected. Absent for a variant never on promotion,
    /// so such a product hashes as under MSP/1.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<Promotion>,
}

/// One announced price reduction of a variant (MSP/1.1).
///
/// Its price is fixed when the shop sets it, even when it was given as a percentage
/// off: a change of the regular price while it runs neither cuts it short nor moves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// The shop's id of the promotion, unique within the shop (« p12 »).
    pub id: String,
    /// The reduced price including VAT, in cents.
    pub price_ttc: i64,
    /// The price before the reduction that must be shown beside it (Code de la
    /// consommation, art. L112-1-1): the lowest price the shop applied during the 30 days
    /// before the reduction, or the one before the first reduction of the same campaign.
    /// The reduced price is below it. Absent only for perishable goods threatened by
    /// rapid deterioration, which the article exempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_price_ttc: Option<i64>,
    /// When the shop gave the reduction as a percentage off (1 to 99), for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_off: Option<u8>,
    pub starts_at: DateTime<Utc>,
    /// Absent: until the stock (or `quantity_limit`) runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Units sold at the reduced price at most; absent: not limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_limit: Option<u32>,
    /// The campaign it belongs to: one of the marketplace's (`GET /v1/campaigns`) or one
    /// of the shop's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<CampaignRef>,
}

impl Promotion {
    /// Whether it runs at `now`: started, and not yet ended (the end is exclusive).
    pub fn runs_at(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|end| now < end)
    }

    /// Whether two promotions share an instant.
    pub fn overlaps(&self, other: &Promotion) -> bool {
        let a_before_b_ends = other.ends_at.is_none_or(|end| self.starts_at < end);
        let b_before_a_ends = self.ends_at.is_none_or(|end| other.starts_at < end);
        a_before_b_ends && b_before_a_ends
    }
}

/// A campaign a promotion belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRef {
    /// The marketplace's campaign id (« noel-2026 ») or the shop's own (« shop-3 »).
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub available: i64,
}

/// What the price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SellingUnit {
    Piece,
    Kg,
    HundredGrams,
    Litre,
    Metre,
    SquareMetre,
    Lot,
    Dozen,
    #[serde(other)]
    Unknown,
}

impl SellingUnit {
    pub const ALL: [SellingUnit; 8] = [
        SellingUnit::Piece,
        SellingUnit::Kg,
        SellingUnit::HundredGrams,
        SellingUnit::Litre,
        SellingUnit::Metre,
        SellingUnit::SquareMetre,
        SellingUnit::Lot,
        SellingUnit::Dozen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SellingUnit::Piece => "piece",
            SellingUnit::Kg => "kg",
            SellingUnit::HundredGrams => "hundred_grams",
            SellingUnit::Litre => "litre",
            SellingUnit::Metre => "metre",
            SellingUnit::SquareMetre => "square_metre",
            SellingUnit::Lot => "lot",
            SellingUnit::Dozen => "dozen",
            SellingUnit::Unknown => "unknown",
        }
    }

    /// Sold loose by measure: the price is already a unit price, no net quantity to declare.
    pub fn is_measured(self) -> bool {
        matches!(
            self,
            SellingUnit::Kg
                | SellingUnit::HundredGrams
                | SellingUnit::Litre
                | SellingUnit::Metre
                | SellingUnit::SquareMetre
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    Goods,
    /// An atelier, a course, a rental, a repair: no stock is counted.
    Service,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockPolicy {
    /// An order beyond the stock is refused.
    Counted,
    /// Always available: orders never take stock.
    Unlimited,
    /// Made for each order (ready after `lead_time_days`): orders never take stock.
    MadeToOrder,
    #[serde(other)]
    Unknown,
}

/// One dated session of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Local time of the shop (Europe/Paris), `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// Places offered; absent when not limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
}

impl Session {
    /// The start as a date and time, when it is a real one.
    pub fn start(&self) -> Option<chrono::NaiveDateTime> {
        let s = &self.starts_at;
        // Exactly the documented form: chrono alone also takes single digits.
        let form = s.len() == 16
            && s.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 => b == b':',
                _ => b.is_ascii_digit(),
            });
        form.then(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()).flatten()
    }
}

/// The allergens of Annex II of Regulation (EU) No 1169/2011, as stable wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
    #[serde(other)]
    Unknown,
}

impl Allergen {
    pub const ALL: [Allergen; 14] = [
        Allergen::Gluten,
        Allergen::Crustaceans,
        Allergen::Eggs,
        Allergen::Fish,
        Allergen::Peanuts,
        Allergen::Soy,
        Allergen::Milk,
        Allergen::Nuts,
        Allergen::Celery,
        Allergen::Mustard,
        Allergen::Sesame,
        Allergen::Sulphites,
        Allergen::Lupin,
        Allergen::Molluscs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Allergen::Gluten => "gluten",
            Allergen::Crustaceans => "crustaceans",
            Allergen::Eggs => "eggs",
            Allergen::Fish => "fish",
            Allergen::Peanuts => "peanuts",
            Allergen::Soy => "soy",
            Allergen::Milk => "milk",
            Allergen::Nuts => "nuts",
            Allergen::Celery => "celery",
            Allergen::Mustard => "mustard",
            Allergen::Sesame => "sesame",
            Allergen::Sulphites => "sulphites",
            Allergen::Lupin => "lupin",
            Allergen::Molluscs => "molluscs",
            Allergen::Unknown => "unknown",
        }
    }

    /// The wire name back to the allergen; `None` for any other word.
    pub fn from_wire(s: &str) -> Option<Self> {
        Allergen::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The French name a buyer reads.
    pub fn label_fr(self) -> &'static str {
        match self {
            Allergen::Gluten => "gluten",
            Allergen::Crustaceans => "crustacés",
            Allergen::Eggs => "œufs",
            Allergen::Fish => "poissons",
            Allergen::Peanuts => "arachides",
            Allergen::Soy => "soja",
            Allergen::Milk => "lait",
            Allergen::Nuts => "fruits à coque",
            Allergen::Celery => "céleri",
            Allergen::Mustard => "moutarde",
            Allergen::Sesame => "sésame",
            Allergen::Sulphites => "sulfites",
            Allergen::Lupin => "lupin",
            Allergen::Molluscs => "mollusques",
            Allergen::Unknown => "allergène inconnu",
        }
    }
}

/// Strength above which a drink is alcoholic, in tenths of a % by volume (1.2 % vol,
/// Regulation (EU) No 1169/2011, art. 9(1)(k)).
pub const ALCOHOL_THRESHOLD_TENTHS: u16 = 12;

/// The health message French law requires beside any offer of an alcoholic drink
/// (Code de la santé publique, art. L3323-4).
pub const ALCOHOL_HEALTH_MESSAGE: &str = "L'abus d'alcool est dangereux pour la santé, à consommer avec modération.";

/// The food information of a pre-packed food sold at a distance (Regulation (EU)
/// No 1169/2011, art. 14 with the particulars of art. 9). Empty texts are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoodData {
    /// The list of ingredients, as on the label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ingredients: String,
    /// The allergens present; absent: not stated yet (an empty list states « none »).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allergens: Option<Vec<Allergen>>,
    /// Storage conditions.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage: String,
    /// Origin, where required.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    /// The producer or operator when it is not the shop.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub producer: String,
    /// Quality signs (AOP, Label Rouge, Agriculture Biologique…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Alcoholic strength by volume, in tenths of a percent (55 = 5,5 % vol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abv_tenths: Option<u16>,
    /// For an alcoholic drink: [`ALCOHOL_HEALTH_MESSAGE`] (Code de la santé publique,
    /// art. L3323-4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_message: Option<String>,
}

/// The price of a reference quantity (« 8,67 € / l »).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPrice {
    pub cents: i64,
    pub per: UnitPricePer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitPricePer {
    Kg,
    L,
    M,
    M2,
    #[serde(other)]
    Unknown,
}

impl UnitPricePer {
    /// As a French price reads it: « kg », « l », « m », « m² ».
    pub fn label(self) -> &'static str {
        match self {
            UnitPricePer::Kg => "kg",
            UnitPricePer::L => "l",
            UnitPricePer::M => "m",
            UnitPricePer::M2 => "m²",
            UnitPricePer::Unknown => "?",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    Ok,
    Conflict,
    Invalid,
    #[serde(other)]
    Unknown,
}

/// One result per op, in request order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub external_id: String,
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub status: OpStatus,
    /// On `ok`: the version now stored (0 after deleting something that never existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// On `conflict`: the version the server holds (0 = absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// On `invalid`, pointers relative to the whole request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogBatchResponse {
    pub results: Vec<OpResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationStatus {
    Approved,
    Rejected,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    pub status: ModerationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One object of `GET /v1/catalog/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateItem {
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub external_id: String,
    pub version: i64,
    pub deleted: bool,
    /// [`crate::hash::content_hash`] of the stored data; absent once deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
    pub updated_at: DateTime<Utc>,
}

/// One page of `GET /v1/catalog/state`.
pub type StatePage = crate::Page<StateItem>;

/// One live object of `GET /v1/catalog/content`: the data the marketplace holds for it,
/// exactly as stored (stock as the marketplace counts it, images as sha256 of media the
/// shop can read back with `GET /v1/media/{sha256}`). What a shop with no backup needs to
/// rebuild its catalogue on a new PC; deleted objects are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentItem {
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub external_id: String,
    pub version: i64,
    /// [`crate::hash::content_hash`] of the data.
    pub hash: String,
    /// Set when `type` is `category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<CategoryData>,
    /// Set when `type` is `product`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
}

/// One page of `GET /v1/catalog/content`, ordered by (type, external_id).
pub type ContentPage = crate::Page<ContentItem>;
