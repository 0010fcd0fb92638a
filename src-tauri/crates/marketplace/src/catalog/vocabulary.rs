//! The shop's vocabulary on a product (selling unit, packaging, service, sessions,
//! stock policy, food information, net quantities, unit prices) and what the law asks
//! of a product put on sale: the last guard before a buyer reads the page.

use chrono::Datelike;
use comptoir_protocol::catalog::{
    ALCOHOL_HEALTH_MESSAGE, Allergen, ProductData, ProductKind, SellingUnit, StockPolicy, UnitPricePer,
};
use comptoir_protocol::problem::codes;
use comptoir_protocol::quantity::NetQuantity;

use super::Invalid;

const MAX_LABEL: usize = 80;
const MAX_LABELS: usize = 20;
const MAX_FOOD_TEXT: usize = 5_000;
const MAX_HEALTH_MESSAGE: usize = 500;
const MAX_SESSIONS: usize = 100;
const MAX_PLACES: u32 = 100_000;
const MAX_DURATION_MINUTES: u32 = 30 * 24 * 60;
const MAX_LEAD_TIME_DAYS: u16 = 365;
const MAX_ABV_TENTHS: u16 = 1000;

/// A text of the shop's vocabulary: `required` means present and not blank.
fn check_texte(inv: &mut Invalid, pointer: String, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        inv.add(codes::VALIDATION_FAILED, pointer, "ne doit pas être vide");
    } else if value.chars().count() > max {
        inv.add(codes::VALIDATION_FAILED, pointer, format!("{max} caractères au plus"));
    }
}

/// The shop's vocabulary on a product (selling unit, packaging, service, stock policy,
/// food information) and its variants (net quantity, unit price): the form first
/// (`validation_failed`, as the OpenAPI document states it), then what the law asks
/// of a product put on sale (`not_publishable`) and the unit price the marketplace
/// computes itself (`unit_price_mismatch`). This server is the last guard before a
/// buyer reads the page: a client that skips a check is still refused here.
pub(super) fn validate_vocabulary(inv: &mut Invalid, d: &ProductData, at: &str) {
    let form = codes::VALIDATION_FAILED;
    if d.unit == Some(SellingUnit::Unknown) {
        let all: Vec<&str> = SellingUnit::ALL.iter().map(|u| u.as_str()).collect();
        inv.add(form, format!("{at}/unit"), format!("unité de vente inconnue : {}", all.join(", ")));
    }
    if let Some(p) = &d.packaging {
        check_texte(inv, format!("{at}/packaging"), p, MAX_LABEL, true);
    }
    if d.kind == Some(ProductKind::Unknown) {
        inv.add(form, format!("{at}/kind"), "type inconnu : goods ou service");
    }
    if d.duration_minutes.is_some_and(|m| !(1..=MAX_DURATION_MINUTES).contains(&m)) {
        inv.add(form, format!("{at}/duration_minutes"), format!("durée en minutes, de 1 à {MAX_DURATION_MINUTES}"));
    }
    if d.sessions.len() > MAX_SESSIONS {
        inv.add(form, format!("{at}/sessions"), format!("{MAX_SESSIONS} séances au plus"));
    }
    for (j, s) in d.sessions.iter().enumerate() {
        // The document's pattern: a real date of 2000–2099, minutes, no seconds.
        if s.start().is_none_or(|t| !(2000..=2099).contains(&t.year())) {
            inv.add(
                form,
                format!("{at}/sessions/{j}/starts_at"),
                format!("date de séance invalide « {} » : attendu AAAA-MM-JJTHH:MM, heure de Paris", s.starts_at),
            );
        }
        if s.places.is_some_and(|p| !(1..=MAX_PLACES).contains(&p)) {
            inv.add(form, format!("{at}/sessions/{j}/places"), format!("places : de 1 à {MAX_PLACES}"));
        }
    }
    if d.stock_policy == Some(StockPolicy::Unknown) {
        inv.add(form, format!("{at}/stock_policy"), "gestion du stock inconnue : counted, unlimited ou made_to_order");
    }
    if d.lead_time_days.is_some_and(|l| !(1..=MAX_LEAD_TIME_DAYS).contains(&l)) {
        inv.add(
            form,
            format!("{at}/lead_time_days"),
            format!("délai de fabrication : de 1 à {MAX_LEAD_TIME_DAYS} jours"),
        );
    }
    if let Some(f) = &d.food {
        let fp = format!("{at}/food");
        for (name, value) in
            [("ingredients", &f.ingredients), ("storage", &f.storage), ("origin", &f.origin), ("producer", &f.producer)]
        {
            check_texte(inv, format!("{fp}/{name}"), value, MAX_FOOD_TEXT, false);
        }
        let allergens = f.allergens.as_deref().unwrap_or_default();
        if allergens.len() > Allergen::ALL.len() {
            inv.add(form, format!("{fp}/allergens"), format!("{} allergènes au plus", Allergen::ALL.len()));
        }
        for (j, a) in allergens.iter().enumerate() {
            if *a == Allergen::Unknown {
                let all: Vec<&str> = Allergen::ALL.iter().map(|a| a.as_str()).collect();
                inv.add(
                    form,
                    format!("{fp}/allergens/{j}"),
                    format!(
                        "allergène inconnu : l'un des 14 de l'annexe II du règlement (UE) 1169/2011 ({})",
                        all.join(", ")
                    ),
                );
            }
        }
        if f.labels.len() > MAX_LABELS {
            inv.add(form, format!("{fp}/labels"), format!("{MAX_LABELS} labels au plus"));
        }
        for (j, l) in f.labels.iter().enumerate() {
            check_texte(inv, format!("{fp}/labels/{j}"), l, MAX_LABEL, true);
        }
        if f.abv_tenths.is_some_and(|t| t > MAX_ABV_TENTHS) {
            inv.add(form, format!("{fp}/abv_tenths"), "degré d'alcool en dixièmes de % vol, de 0 à 1000");
        }
        if let Some(m) = &f.health_message {
            check_texte(inv, format!("{fp}/health_message"), m, MAX_HEALTH_MESSAGE, true);
        }
    }
    let unit = d.unit_or_default();
    for (j, v) in d.variants.iter().enumerate() {
        let vp = format!("{at}/variants/{j}");
        if let Some(q) = &v.net_quantity
            && NetQuantity::parse_canonical(q).is_none()
        {
            inv.add(
                form,
                format!("{vp}/net_quantity"),
                format!("quantité nette « {q} » : attendu la forme canonique, par ex. 75 cl, 1,5 kg ou 6 × 125 g"),
            );
        }
        let Some(sent) = v.unit_price else { continue };
        if sent.per == UnitPricePer::Unknown {
            inv.add(form, format!("{vp}/unit_price/per"), "unité du prix inconnue : kg, l, m ou m2");
        } else if sent.cents < 0 {
            inv.add(form, format!("{vp}/unit_price/cents"), "centimes, positif ou nul");
        } else if unit != SellingUnit::Unknown {
            match crate::storefront::unit_price(d, v) {
                Some(expected) if expected == sent => {}
                Some(expected) => inv.add(
                    codes::UNIT_PRICE_MISMATCH,
                    format!("{vp}/unit_price"),
                    format!(
                        "prix à l'unité de mesure incohérent : {} d'après le prix et la quantité nette",
                        crate::storefront::unit_price_text(expected)
                    ),
                ),
                None => inv.add(
                    codes::UNIT_PRICE_MISMATCH,
                    format!("{vp}/unit_price"),
                    "aucun prix à l'unité de mesure ne découle du prix, de l'unité de vente et de la quantité nette",
                ),
            }
        }
    }
    if d.published {
        publish_requirements(inv, d, at);
    }
}

/// What a product must carry to be put on sale (`published`); an unpublished product
/// may lack it. The same rules as Comptoir's (`catalogue::publish_problems`).
fn publish_requirements(inv: &mut Invalid, d: &ProductData, at: &str) {
    let missing = codes::NOT_PUBLISHABLE;
    if let Some(f) = &d.food {
        // Pre-packed food sold at a distance: the particulars of Regulation (EU)
        // No 1169/2011 art. 9 must be available before the purchase (art. 14).
        // Drinks above 1.2 % vol are exempt from the list of ingredients (art. 16(4)),
        // not from their allergens (art. 21).
        if f.ingredients.trim().is_empty() && !d.is_alcoholic() {
            inv.add(
                missing,
                format!("{at}/food/ingredients"),
                "liste des ingrédients manquante : obligatoire pour vendre un produit alimentaire en ligne (règlement (UE) 1169/2011, art. 9 et 14)",
            );
        }
        if f.allergens.is_none() {
            inv.add(
                missing,
                format!("{at}/food/allergens"),
                "allergènes non renseignés : la liste (vide pour « aucun ») est obligatoire pour vendre en ligne (règlement (UE) 1169/2011, art. 9 et annexe II)",
            );
        }
        if f.storage.trim().is_empty() {
            inv.add(
                missing,
                format!("{at}/food/storage"),
                "conditions de conservation manquantes (règlement (UE) 1169/2011, art. 9)",
            );
        }
        if !d.unit_or_default().is_measured() {
            for (j, v) in d.variants.iter().enumerate() {
                if v.net_quantity.is_none() {
                    inv.add(
                        missing,
                        format!("{at}/variants/{j}/net_quantity"),
                        format!("quantité nette manquante pour {} (règlement (UE) 1169/2011, art. 9)", v.sku),
                    );
                }
            }
        }
    }
    if d.is_alcoholic() {
        if !d.adults_only {
            inv.add(
                missing,
                format!("{at}/adults_only"),
                "boisson alcoolisée : vente interdite aux mineurs, adults_only doit valoir true (Code de la santé publique, art. L3342-1)",
            );
        }
        let message = d.food.as_ref().and_then(|f| f.health_message.as_deref()).map(str::trim);
        if message != Some(ALCOHOL_HEALTH_MESSAGE) {
            inv.add(
                missing,
                format!("{at}/food/health_message"),
                format!(
                    "boisson alcoolisée : le message sanitaire « {ALCOHOL_HEALTH_MESSAGE} » est obligatoire (Code de la santé publique, art. L3323-4)"
                ),
            );
        }
    }
}
