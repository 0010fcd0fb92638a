//! Validation of a product as the editor, the CLI or an import sends it. Every
//! problem is reported at once, each on its field, in French.

use std::collections::HashMap;

use super::offer::{MAX_DURATION_MINUTES, MAX_LEAD_TIME_DAYS};
use super::{ProductInput, ProductKind, ProductStatus, StockPolicy, VariantInput, normalise_net_quantity};
use crate::{Error, FieldError, Result};

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 20_000;
const MAX_SKU: usize = 64;
const MAX_LABEL: usize = 80;
const MAX_FOOD_TEXT: usize = 5_000;

/// Returns the input trimmed and normalised (EANs without spaces), or every field error.
pub fn validate_product(input: &ProductInput) -> Result<ProductInput> {
    let mut errors = Vec::new();
    let mut out = input.clone();
    out.name = input.name.trim().to_owned();
    out.description = input.description.trim().to_owned();
    if out.name.is_empty() {
        errors.push(FieldError::new("name", "required", "Le nom du produit est obligatoire"));
    } else if out.name.chars().count() > MAX_NAME {
        errors.push(FieldError::new("name", "too_long", format!("Nom trop long ({MAX_NAME} caractères au plus)")));
    }
    if out.description.chars().count() > MAX_DESCRIPTION {
        errors.push(FieldError::new("description", "too_long", "Description trop longue"));
    }
    if input.variants.is_empty() {
        errors.push(FieldError::new("variants", "required", "Il faut au moins une déclinaison (référence et prix)"));
    }
    let mut seen_skus: HashMap<String, usize> = HashMap::new();
    let mut seen_eans: HashMap<String, usize> = HashMap::new();
    for (i, v) in input.variants.iter().enumerate() {
        let (clean, errs) = validate_variant(i, v);
        errors.extend(errs);
        let key = clean.sku.to_uppercase();
        if !key.is_empty()
            && let Some(first) = seen_skus.insert(key, i)
        {
            errors.push(FieldError::new(
                format!("variants.{i}.sku"),
                "sku_duplicate",
                format!("Référence en double : déjà déclinaison {}", first + 1),
            ));
        }
        if let Some(ean) = &clean.ean
            && let Some(first) = seen_eans.insert(ean.clone(), i)
        {
            errors.push(FieldError::new(
                format!("variants.{i}.ean"),
                "ean_duplicate",
                format!("Code EAN en double : déjà déclinaison {}", first + 1),
            ));
        }
        out.variants[i] = clean;
    }
    errors.extend(validate_offer(&mut out));
    // A draft may be incomplete; what is published must carry what the law requires.
    if errors.is_empty() && out.status == ProductStatus::Published {
        errors.extend(publish_problems(&out));
    }
    if errors.is_empty() { Ok(out) } else { Err(Error::Validation(errors)) }
}

/// Normalises the offer in place (trims, canonical forms, a service's stock not counted)
/// and reports what is invalid whatever the status.
fn validate_offer(p: &mut ProductInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let o = &mut p.offer;
    o.packaging = o.packaging.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if o.packaging.as_ref().is_some_and(|s| s.chars().count() > MAX_LABEL || s.chars().any(char::is_control)) {
        errors.push(FieldError::new(
            "offer.packaging",
            "invalid",
            format!("Conditionnement trop long ({MAX_LABEL} caractères au plus, sur une ligne)"),
        ));
    }
    // A service is never counted: « illimité » unless made to order (a repair).
    if o.kind == ProductKind::Service && o.stock_policy == StockPolicy::Counted {
        o.stock_policy = StockPolicy::Unlimited;
    }
    match o.stock_policy {
        StockPolicy::MadeToOrder => match o.lead_time_days {
            None => errors.push(FieldError::new(
                "offer.lead_time_days",
                "required",
                "Délai de fabrication manquant pour un produit sur commande (en jours)",
            )),
            Some(d) if d == 0 || d > MAX_LEAD_TIME_DAYS => errors.push(FieldError::new(
                "offer.lead_time_days",
                "invalid",
                format!("Délai de fabrication invalide : de 1 à {MAX_LEAD_TIME_DAYS} jours"),
            )),
            Some(_) => {}
        },
        _ => o.lead_time_days = None,
    }
    if o.kind == ProductKind::Goods {
        o.duration_minutes = None;
        o.sessions.clear();
    }
    if o.duration_minutes.is_some_and(|m| m == 0 || m > MAX_DURATION_MINUTES) {
        errors.push(FieldError::new("offer.duration_minutes", "invalid", "Durée invalide (de 1 minute à 30 jours)"));
    }
    o.sessions.sort_by(|a, b| a.starts_at.cmp(&b.starts_at));
    for (i, s) in o.sessions.iter().enumerate() {
        if s.start().is_none() {
            errors.push(FieldError::new(
                format!("offer.sessions.{i}.starts_at"),
                "invalid",
                format!("Date de séance invalide « {} » (attendu : jour et heure)", s.starts_at),
            ));
        }
        if s.places == Some(0) {
            errors.push(FieldError::new(
                format!("offer.sessions.{i}.places"),
                "invalid",
                "Une séance offre au moins une place",
            ));
        }
    }
    if let Some(food) = &o.food {
        let food = food.normalised();
        for (field, value, name) in [
            ("ingredients", &food.ingredients, "Ingrédients"),
            ("storage", &food.storage, "Conservation"),
            ("origin", &food.origin, "Origine"),
            ("producer", &food.producer, "Producteur"),
        ] {
            if value.chars().count() > MAX_FOOD_TEXT {
                errors.push(FieldError::new(
                    format!("offer.food.{field}"),
                    "too_long",
                    format!("{name} : texte trop long ({MAX_FOOD_TEXT} caractères au plus)"),
                ));
            }
        }
        if food.abv_tenths.is_some_and(|t| t > 1000) {
            errors.push(FieldError::new("offer.food.abv_tenths", "invalid", "Degré d'alcool invalide (de 0 à 100 %)"));
        }
        o.food = Some(food);
    }
    errors
}

/// What keeps a product from being published, each on its field, in French: the food
/// information of Regulation (EU) No 1169/2011 art. 9 and 14 for pre-packed food (a
/// draft may lack it; publishing may not). Empty when it can be sold online.
pub fn publish_problems(p: &ProductInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(food) = &p.offer.food else { return errors };
    // Drinks above 1.2 % vol need no list of ingredients (art. 16(4)); their allergens
    // (« contient des sulfites ») are still required (art. 21).
    if food.ingredients.trim().is_empty() && !food.is_alcoholic() {
        errors.push(FieldError::new(
            "offer.food.ingredients",
            "food_missing",
            "Liste des ingrédients manquante : obligatoire pour vendre un produit alimentaire en ligne",
        ));
    }
    if food.allergens.is_none() {
        errors.push(FieldError::new(
            "offer.food.allergens",
            "food_missing",
            "Allergènes non renseignés : cochez ceux que contient le produit, ou « aucun »",
        ));
    }
    if food.storage.trim().is_empty() {
        errors.push(FieldError::new(
            "offer.food.storage",
            "food_missing",
            "Conditions de conservation manquantes (ex. « à conserver entre 0 et 4 °C »)",
        ));
    }
    if !p.unit.is_measured() {
        for (i, v) in p.variants.iter().enumerate() {
            if v.net_quantity.as_deref().is_none_or(|q| q.trim().is_empty()) {
                errors.push(FieldError::new(
                    format!("variants.{i}.net_quantity"),
                    "food_missing",
                    format!("Quantité nette manquante pour {} (ex. 75 cl, 250 g)", v.sku.trim()),
                ));
            }
        }
    }
    errors
}

fn validate_variant(i: usize, v: &VariantInput) -> (VariantInput, Vec<FieldError>) {
    let mut errors = Vec::new();
    let f = |name: &str| format!("variants.{i}.{name}");
    let mut clean = v.clone();
    clean.sku = v.sku.trim().to_owned();
    if clean.sku.is_empty() {
        errors.push(FieldError::new(f("sku"), "required", "Référence manquante"));
    } else if clean.sku.chars().count() > MAX_SKU || clean.sku.chars().any(char::is_control) {
        errors.push(FieldError::new(
            f("sku"),
            "invalid",
            "Référence invalide (64 caractères au plus, sans saut de ligne)",
        ));
    }
    if v.price_cents < 0 {
        errors.push(FieldError::new(f("price_cents"), "negative", "Le prix ne peut pas être négatif"));
    } else if v.price_cents > crate::money::MAX_CENTS {
        errors.push(FieldError::new(f("price_cents"), "too_large", "Prix trop élevé"));
    }
    if v.stock.abs() > 1_000_000_000 {
        errors.push(FieldError::new(f("stock"), "too_large", "Stock invalide"));
    }
    clean.ean = match v.ean.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => match crate::ean::validate(e) {
            Ok(e) => Some(e),
            Err(err) => {
                errors.push(FieldError::new(f("ean"), "ean_invalid", err.message()));
                None
            }
        },
    };
    clean.net_quantity = match v.net_quantity.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(q) => match normalise_net_quantity(q) {
            Ok(q) => Some(q),
            Err(message) => {
                errors.push(FieldError::new(f("net_quantity"), "invalid", message));
                None
            }
        },
    };
    clean.options = v
        .options
        .iter()
        .map(|o| super::VariantOption { name: o.name.trim().to_owned(), value: o.value.trim().to_owned() })
        .filter(|o| !(o.name.is_empty() && o.value.is_empty()))
        .collect();
    if clean.options.iter().any(|o| o.name.is_empty() || o.value.is_empty()) {
        errors.push(FieldError::new(
            f("options"),
            "incomplete",
            "Chaque option a un nom et une valeur (ex. Taille : M)",
        ));
    }
    (clean, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{ProductStatus, Unit};
    use crate::vat::VatRate;

    fn variant(sku: &str, ean: Option<&str>) -> VariantInput {
        VariantInput {
            id: None,
            sku: sku.into(),
            options: vec![],
            price_cents: 495,
            stock: 3,
            ean: ean.map(Into::into),
            net_quantity: Some("250g".into()),
        }
    }

    fn product(variants: Vec<VariantInput>) -> ProductInput {
        ProductInput {
            id: None,
            name: "  Camembert  ".into(),
            description: String::new(),
            category_id: None,
            status: ProductStatus::Draft,
            vat: VatRate::Reduced,
            unit: Unit::Piece,
            offer: Default::default(),
            variants,
        }
    }

    #[test]
    fn trims_and_normalises() {
        let ok = validate_product(&product(vec![variant(" CAM-250 ", Some("376 0123450010"))])).unwrap();
        assert_eq!(ok.name, "Camembert");
        assert_eq!(ok.variants[0].sku, "CAM-250");
        assert_eq!(ok.variants[0].ean.as_deref(), Some("3760123450010"));
        assert_eq!(ok.variants[0].net_quantity.as_deref(), Some("250 g"));
    }

    #[test]
    fn food_cannot_be_published_without_its_information_but_a_draft_can() {
        let mut p = product(vec![variant("CID", None)]);
        p.offer.food = Some(crate::catalogue::FoodInfo { ingredients: "Lait cru".into(), ..Default::default() });
        p.variants[0].net_quantity = None;
        assert!(validate_product(&p).is_ok(), "a draft may be incomplete");
        p.status = ProductStatus::Published;
        let Err(Error::Validation(errs)) = validate_product(&p) else { panic!("must fail") };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["offer.food.allergens", "offer.food.storage", "variants.0.net_quantity"]);
        assert!(errs[0].message.starts_with("Allergènes non renseignés"));
        // « aucun » is an answer.
        let food = p.offer.food.as_mut().unwrap();
        food.allergens = Some(vec![]);
        food.storage = "Entre 0 et 4 °C".into();
        p.variants[0].net_quantity = Some("250 g".into());
        assert!(validate_product(&p).is_ok());
        // A cider (5 % vol) needs no list of ingredients, but still its allergens.
        p.unit = Unit::Piece;
        p.variants[0].net_quantity = Some("75 cl".into());
        let food = p.offer.food.as_mut().unwrap();
        food.ingredients.clear();
        food.abv_tenths = Some(50);
        assert!(validate_product(&p).is_ok());
        p.offer.food.as_mut().unwrap().allergens = None;
        assert!(validate_product(&p).is_err());
        p.offer.food.as_mut().unwrap().allergens = Some(vec![]);
        // Sold by the kilo: no net quantity to declare.
        p.unit = Unit::Kg;
        p.variants[0].net_quantity = None;
        assert!(validate_product(&p).is_ok());
    }

    #[test]
    fn offers_are_made_consistent() {
        let mut p = product(vec![variant("ATL", None)]);
        p.offer.kind = crate::catalogue::ProductKind::Service;
        p.offer.duration_minutes = Some(120);
        let ok = validate_product(&p).unwrap();
        assert_eq!(ok.offer.stock_policy, StockPolicy::Unlimited, "a service's stock is not counted");
        p.offer.stock_policy = StockPolicy::MadeToOrder;
        let Err(Error::Validation(errs)) = validate_product(&p) else { panic!("must fail") };
        assert_eq!(errs[0].field, "offer.lead_time_days");
        p.offer.lead_time_days = Some(10);
        p.offer.sessions = vec![crate::catalogue::ServiceSession { starts_at: "12/12 14h".into(), places: Some(0) }];
        let Err(Error::Validation(errs)) = validate_product(&p) else { panic!("must fail") };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["offer.sessions.0.starts_at", "offer.sessions.0.places"]);
        p.variants[0].net_quantity = Some("75 xx".into());
        let Err(Error::Validation(errs)) = validate_product(&p) else { panic!("must fail") };
        assert!(errs.iter().any(|e| e.field == "variants.0.net_quantity" && e.message.contains("« 75 xx »")));
    }

    #[test]
    fn reports_every_problem_on_its_field() {
        let mut p = product(vec![variant("A", Some("3760123450011")), variant("a", None), variant("", None)]);
        p.name = " ".into();
        p.variants[1].price_cents = -1;
        let Err(Error::Validation(errs)) = validate_product(&p) else { panic!("must fail") };
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert!(fields.contains(&("name", "required")));
        assert!(fields.contains(&("variants.0.ean", "ean_invalid")));
        assert!(fields.contains(&("variants.1.price_cents", "negative")));
        assert!(fields.contains(&("variants.1.sku", "sku_duplicate")));
        assert!(fields.contains(&("variants.2.sku", "required")));
        assert!(errs.iter().any(|e| e.message == "Code EAN invalide (clé de contrôle)"));
    }

    #[test]
    fn needs_a_variant() {
        let Err(Error::Validation(errs)) = validate_product(&product(vec![])) else { panic!("must fail") };
        assert_eq!(errs[0].field, "variants");
    }
}
