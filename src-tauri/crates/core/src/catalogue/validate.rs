//! Validation of a product as the editor, the CLI or an import sends it. Every
//! problem is reported at once, each on its field, in French.

use std::collections::HashMap;

use super::{ProductInput, VariantInput};
use crate::{Error, FieldError, Result};

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 20_000;
const MAX_SKU: usize = 64;

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
    if errors.is_empty() { Ok(out) } else { Err(Error::Validation(errors)) }
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
    for (field, value) in [("weight_g", v.weight_g), ("volume_ml", v.volume_ml)] {
        if value.is_some_and(|x| x <= 0 || x > 10_000_000) {
            errors.push(FieldError::new(f(field), "invalid", "Quantité nette invalide"));
        }
    }
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
            weight_g: Some(250),
            volume_ml: None,
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
            variants,
        }
    }

    #[test]
    fn trims_and_normalises() {
        let ok = validate_product(&product(vec![variant(" CAM-250 ", Some("376 0123450010"))])).unwrap();
        assert_eq!(ok.name, "Camembert");
        assert_eq!(ok.variants[0].sku, "CAM-250");
        assert_eq!(ok.variants[0].ean.as_deref(), Some("3760123450010"));
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
