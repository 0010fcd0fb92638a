//! The catalogue: categories, products and their variants, and the rules that keep
//! them valid. Storage is in `storage::catalogue`; this module decides what is valid.

mod validate;

use serde::{Deserialize, Serialize};

pub use validate::validate_product;

use crate::vat::VatRate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Sold by the piece (un camembert, un pot).
    Piece,
    /// Sold by the kilogram; the price is per kg.
    Kg,
    /// Sold by 100 g (charcuterie à la coupe); the price is per 100 g.
    HundredGrams,
    /// Sold by the litre (vrac); the price is per litre.
    Litre,
    /// A lot or box (coffret).
    Lot,
    /// A dozen (œufs).
    Dozen,
}

impl Unit {
    pub const ALL: [Unit; 6] = [Unit::Piece, Unit::Kg, Unit::HundredGrams, Unit::Litre, Unit::Lot, Unit::Dozen];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Piece => "piece",
            Unit::Kg => "kg",
            Unit::HundredGrams => "hundred_grams",
            Unit::Litre => "litre",
            Unit::Lot => "lot",
            Unit::Dozen => "dozen",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Unit::Piece => "pièce",
            Unit::Kg => "kg",
            Unit::HundredGrams => "100 g",
            Unit::Litre => "l",
            Unit::Lot => "lot",
            Unit::Dozen => "douzaine",
        }
    }

    /// Accepts the stored names and what people write in spreadsheets.
    pub fn parse(s: &str) -> Option<Self> {
        let f = crate::text::fold(s.trim());
        let f = f.trim_end_matches('.');
        Some(match f {
            "piece" | "pieces" | "pce" | "pc" | "p" | "u" | "unite" | "unit" | "" => Unit::Piece,
            "kg" | "kilo" | "kilogramme" | "le kg" => Unit::Kg,
            "hundred_grams" | "100 g" | "100g" | "les 100 g" | "les 100g" => Unit::HundredGrams,
            "litre" | "l" | "le litre" | "litres" => Unit::Litre,
            "lot" | "coffret" | "colis" => Unit::Lot,
            "dozen" | "douzaine" | "dz" => Unit::Dozen,
            _ => return None,
        })
    }
}

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

/// The price of a reference quantity, as French labelling requires for food sold by
/// weight or volume ("prix au kilo", "prix au litre").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UnitPrice {
    pub cents: i64,
    /// `kg` or `l`.
    pub per: UnitPricePer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum UnitPricePer {
    Kg,
    L,
}

/// Price per kg / per litre where the unit or the net quantity allows it.
pub fn unit_price(unit: Unit, price_cents: i64, weight_g: Option<i64>, volume_ml: Option<i64>) -> Option<UnitPrice> {
    use crate::money::div_round_half_up as div;
    let per_thousand = |qty: i64| div(i128::from(price_cents) * 1000, i128::from(qty)) as i64;
    match unit {
        Unit::Kg => Some(UnitPrice { cents: price_cents, per: UnitPricePer::Kg }),
        Unit::HundredGrams => Some(UnitPrice { cents: price_cents * 10, per: UnitPricePer::Kg }),
        Unit::Litre => Some(UnitPrice { cents: price_cents, per: UnitPricePer::L }),
        Unit::Piece | Unit::Lot | Unit::Dozen => match (weight_g, volume_ml) {
            (_, Some(ml)) if ml > 0 => Some(UnitPrice { cents: per_thousand(ml), per: UnitPricePer::L }),
            (Some(g), _) if g > 0 => Some(UnitPrice { cents: per_thousand(g), per: UnitPricePer::Kg }),
            _ => None,
        },
    }
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
    pub weight_g: Option<i64>,
    pub volume_ml: Option<i64>,
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
    pub variants: Vec<Variant>,
    pub created_at: String,
    pub updated_at: String,
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
    pub weight_g: Option<i64>,
    pub volume_ml: Option<i64>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_prices() {
        // Camembert 250 g at 4,95 € → 19,80 €/kg
        assert_eq!(
            unit_price(Unit::Piece, 495, Some(250), None),
            Some(UnitPrice { cents: 1980, per: UnitPricePer::Kg })
        );
        // Cidre 75 cl at 4,50 € → 6,00 €/l
        assert_eq!(unit_price(Unit::Piece, 450, None, Some(750)), Some(UnitPrice { cents: 600, per: UnitPricePer::L }));
        assert_eq!(
            unit_price(Unit::HundredGrams, 289, None, None),
            Some(UnitPrice { cents: 2890, per: UnitPricePer::Kg })
        );
        assert_eq!(unit_price(Unit::Kg, 2450, None, None), Some(UnitPrice { cents: 2450, per: UnitPricePer::Kg }));
        assert_eq!(unit_price(Unit::Piece, 1200, None, None), None);
        // 3 × 1/3: rounding half-up, 1 € for 300 g → 3,33 €/kg
        assert_eq!(unit_price(Unit::Piece, 100, Some(300), None).map(|u| u.cents), Some(333));
    }

    #[test]
    fn units_parse_what_people_write() {
        assert_eq!(Unit::parse("Pièce"), Some(Unit::Piece));
        assert_eq!(Unit::parse("le kg"), Some(Unit::Kg));
        assert_eq!(Unit::parse("100 g"), Some(Unit::HundredGrams));
        assert_eq!(Unit::parse("L"), Some(Unit::Litre));
        assert_eq!(Unit::parse("sac"), None);
    }
}
