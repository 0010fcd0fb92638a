//! What the editor shows while the shopkeeper types, before anything is saved: the unit
//! price of each variant, what would keep the product from being published, and the
//! ingredients with their allergens picked out. One function, so the window never
//! re-implements a rule of the catalogue in TypeScript.

use serde::{Deserialize, Serialize};

use super::food::{Allergen, highlight};
use super::{ProductInput, UnitPrice, publish_problems, unit_price_of};
use crate::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ProductPreview {
    /// One per variant, in order; `None` where no unit price applies or the net
    /// quantity cannot be read yet.
    pub unit_prices: Vec<Option<UnitPrice>>,
    /// What publishing would be refused for, each on its field, in French (whatever
    /// the status chosen: the editor says it before the shopkeeper tries).
    pub publish_problems: Vec<FieldError>,
    /// The ingredients cut into runs, allergens marked (for emphasis, as the label and
    /// the marketplace show them).
    pub ingredients: Vec<IngredientRun>,
    /// Allergens the ingredients name that the checklist does not tick.
    pub unticked_allergens: Vec<Allergen>,
}

/// A run of the ingredients text; `allergen` set when the run names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IngredientRun {
    pub text: String,
    pub allergen: Option<Allergen>,
}

pub fn preview(p: &ProductInput) -> ProductPreview {
    let unit_prices = p
        .variants
        .iter()
        .map(|v| {
            let cents = v.price_cents;
            unit_price_of(p.unit, cents, v.net_quantity.as_deref().filter(|q| !q.trim().is_empty()))
        })
        .collect();
    let food = p.offer.food.as_ref();
    let ingredients = food
        .map(|f| {
            highlight(&f.ingredients).into_iter().map(|(text, allergen)| IngredientRun { text, allergen }).collect()
        })
        .unwrap_or_default();
    let unticked_allergens = food
        .map(|f| {
            let ticked = f.allergens.clone().unwrap_or_default();
            f.allergens_in_ingredients().into_iter().filter(|a| !ticked.contains(a)).collect()
        })
        .unwrap_or_default();
    ProductPreview { unit_prices, publish_problems: publish_problems(p), ingredients, unticked_allergens }
}

/// A product that cannot be published as it stands (`products check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct NotPublishable {
    pub id: i64,
    pub name: String,
    /// SKU of the first variant.
    pub sku: String,
    pub status: super::ProductStatus,
    pub problems: Vec<FieldError>,
}

/// Every product that could not be published as it stands, with why (`products check`):
/// published ones the rules now refuse (stored before them, or by another path) and
/// drafts that are not ready.
pub async fn not_publishable(db: &crate::Db) -> crate::Result<Vec<NotPublishable>> {
    let mut out = Vec::new();
    // Only food information can keep a product off the marketplace today.
    for id in db.food_product_ids().await? {
        let p = db.product(id).await?;
        let problems = publish_problems(&crate::storage::product_to_input(&p));
        if !problems.is_empty() {
            let sku = p.variants.first().map(|v| v.sku.clone()).unwrap_or_default();
            out.push(NotPublishable { id: p.id, name: p.name, sku, status: p.status, problems });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{FoodInfo, Offer, ProductStatus, Unit, VariantInput};
    use crate::vat::VatRate;

    #[test]
    fn previews_unit_prices_problems_and_allergens() {
        let p = ProductInput {
            id: None,
            name: "Cidre brut".into(),
            description: String::new(),
            category_id: None,
            status: ProductStatus::Draft,
            vat: VatRate::Normal,
            unit: Unit::Piece,
            offer: Offer {
                food: Some(FoodInfo { ingredients: "Pommes, sulfites".into(), ..Default::default() }),
                ..Offer::default()
            },
            variants: vec![
                VariantInput {
                    id: None,
                    sku: "CID".into(),
                    options: vec![],
                    price_cents: 650,
                    stock: 1,
                    ean: None,
                    net_quantity: Some("75cl".into()),
                },
                VariantInput {
                    id: None,
                    sku: "CID-X".into(),
                    options: vec![],
                    price_cents: 650,
                    stock: 1,
                    ean: None,
                    net_quantity: Some("75 xx".into()),
                },
            ],
        };
        let v = preview(&p);
        assert_eq!(v.unit_prices[0].map(UnitPrice::text).as_deref(), Some("8,67 € / l"));
        assert_eq!(v.unit_prices[1], None);
        let fields: Vec<&str> = v.publish_problems.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["offer.food.allergens", "offer.food.storage"]);
        assert_eq!(v.unticked_allergens, vec![Allergen::Sulphites]);
        assert_eq!(
            v.ingredients,
            vec![
                IngredientRun { text: "Pommes, ".into(), allergen: None },
                IngredientRun { text: "sulfites".into(), allergen: Some(Allergen::Sulphites) },
            ]
        );
    }
}
