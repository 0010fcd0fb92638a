//! The minimal public storefront of the reference server (customers, simulator).
//! Not part of the merchant API; lives under `/storefront/v1`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{ProductKind, SellingUnit, StockPolicy, UnitPrice};
use crate::orders::Customer;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorefrontVariant {
    pub sku: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    pub price_ttc: i64,
    pub currency: String,
    pub available: i64,
    /// « 75 cl », « 6 × 125 g ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_quantity: Option<String>,
    /// The price per kg, l, m or m², computed by the marketplace from the price, the
    /// selling unit and the net quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<UnitPrice>,
    /// The same, as shown: « 8,67 € / l ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price_text: Option<String>,
    /// The promotion running now, when there is one: `price_ttc` above is then its
    /// reduced price (and the unit price is that of the reduced price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<StorefrontPromotion>,
}

/// A running promotion as a buyer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorefrontPromotion {
    pub id: String,
    /// The variant's regular price now.
    pub regular_price_ttc: i64,
    /// The reference price (Code de la consommation, art. L112-1-1), shown struck
    /// through beside the reduced price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_price_ttc: Option<i64>,
    /// « 12,00 € », to be shown struck through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_price_text: Option<String>,
    /// « −20 % »: the reduction from the reference price, in whole percent rounded
    /// half-up; absent without a reference price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// In Paris time: « Jusqu'au jeudi 24 décembre 2026 à 18 h 00 »; « Jusqu'au jeudi
    /// 24 décembre 2026 inclus » when it ends at midnight (the end is exclusive); « Jusqu'à
    /// épuisement du stock » when it has no end.
    pub until_text: String,
    /// The campaign's name (« Noël en Orne »).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// Units still to sell at the reduced price, when the promotion is limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
}

/// A piece of the ingredients list; the allergens are emphasised (Regulation (EU)
/// No 1169/2011, art. 21: set apart from the rest of the list by the typeface).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextRun {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emphasis: bool,
}

/// The food information a buyer reads before buying (Regulation (EU) No 1169/2011,
/// art. 14), worded in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorefrontFood {
    /// The ingredients list, the allergens it names emphasised.
    pub ingredients: Vec<TextRun>,
    /// « Allergènes : lait, œufs » or « Allergènes : aucun ».
    pub allergens: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// « 12 % vol ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alcohol: Option<String>,
}

/// A dated session of a service, with its French wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorefrontSession {
    pub starts_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// « samedi 12 décembre 2026 à 14 h 00, 8 places ».
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorefrontProduct {
    pub external_id: String,
    pub title: String,
    pub description: String,
    pub images: Vec<String>,
    pub variants: Vec<StorefrontVariant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<SellingUnit>,
    /// How the price reads when it is not for one piece: « le kg », « la douzaine ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ProductKind>,
    /// « Durée : 2 h 30 ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<StorefrontSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_policy: Option<StockPolicy>,
    /// « Fabriqué à la commande : prêt sous 10 jours », « Toujours disponible ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub food: Option<StorefrontFood>,
    /// Not sold to minors (Code de la santé publique, art. L3342-1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adults_only: bool,
    /// Mentions the page must show as they are: the health message of an alcoholic
    /// drink (art. L3323-4) and the ban on sales to minors (art. L3342-1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_notices: Vec<String>,
}

pub type StorefrontPage = crate::Page<StorefrontProduct>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLineRequest {
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceOrderRequest {
    pub customer: Customer,
    pub lines: Vec<OrderLineRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerCancelRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
