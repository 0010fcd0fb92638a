//! A header to the field it names: normalised (accents, punctuation, parenthesised
//! hints gone), matched against the synonyms (the longest wins), then looser forms;
//! the columns the export derives (« Prix au kg/l ») recognised and left.

use super::Field;
use crate::text::fold;

/// A header reduced to compare with synonyms: folded, punctuation to spaces,
/// parenthesised hints and currency/percent signs dropped, spaces collapsed.
pub fn normalise_header(h: &str) -> String {
    let folded = fold(h);
    let mut out = String::with_capacity(folded.len());
    let mut depth = 0;
    for c in folded.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            // "Réf." → "ref", "H.T." → "ht", "N°" → "n".
            '.' | '°' => {}
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    // "Réf." / "N°" / "€" leave nothing useful behind; units keep their words.
    words.join(" ")
}

/// Headers of columns Comptoir's export derives from others (the unit price, « Prix au
/// kg/l »): recognised so they are never taken for the price, and never imported.
pub fn is_derived_header(header: &str) -> bool {
    let n = normalise_header(header);
    let words: Vec<&str> = n.split(' ').collect();
    let has = |w: &str| words.contains(&w);
    (has("prix") || has("price") || has("tarif"))
        && ["kg", "kilo", "kilogramme", "litre", "l", "m", "m2", "metre"].iter().any(|w| has(w))
}

/// The field a header names, if any.
pub fn field_for_header(header: &str) -> Option<Field> {
    let n = normalise_header(header);
    if n.is_empty() || is_derived_header(header) {
        return None;
    }
    // The longest synonym wins ("code produit" before "code", "prix ht" before "prix").
    let mut best: Option<(usize, Field)> = None;
    for f in Field::ALL {
        for s in f.synonyms() {
            if n == *s && best.is_none_or(|(len, _)| s.len() > len) {
                best = Some((s.len(), f));
            }
        }
    }
    // « Promo (%) », « % promo »: a percentage, not a price.
    let percent = header.contains('%');
    if let Some((_, f)) = best {
        return Some(if f == Field::PromoPrice && percent { Field::Discount } else { f });
    }
    // Looser forms: "Prix de vente TTC (€)", "Prix unitaire HT", "Quantité dispo".
    let words: Vec<&str> = n.split(' ').collect();
    let has = |w: &str| words.contains(&w);
    // A promotion's columns before the price's: « Prix promo TTC (€) » is not the price.
    if let Some(f) = promotion_field(&has, percent) {
        return Some(f);
    }
    if has("prix") || has("price") || has("tarif") {
        return Some(if has("ht") { Field::PriceHt } else { Field::PriceTtc });
    }
    if has("tva") || has("vat") {
        return Some(Field::Vat);
    }
    if has("ean") || has("gtin") || n.starts_with("code barre") {
        return Some(Field::Ean);
    }
    if has("stock") || has("qte") || has("quantite") {
        return Some(Field::Stock);
    }
    None
}

/// The promotion column a header not among the synonyms names: « Date de début de
/// la promo (Paris) » is covered by the parenthesis, « Prix promo TTC (€) », « Promo
/// jusqu'au », « Remise accordée (%) » are not.
fn promotion_field(has: &dyn Fn(&str) -> bool, percent: bool) -> Option<Field> {
    // A coupon's code is not a promotion of the catalogue.
    if has("code") {
        return None;
    }
    let promo = ["promo", "promotion", "promotions", "promotionnel", "promotionnelle"].iter().any(|w| has(w));
    let off = ["remise", "reduction", "rabais", "ristourne"].iter().any(|w| has(w));
    let price = has("prix") || has("price") || has("tarif");
    // « Solde » alone is also an account's balance: only « prix soldé » says a sale.
    let promo = promo || (price && (has("solde") || has("soldes")));
    if promo && !price {
        if ["debut", "du", "depuis", "start", "from"].iter().any(|w| has(w)) {
            return Some(Field::PromoStart);
        }
        if ["fin", "au", "jusqu", "jusque", "end", "until"].iter().any(|w| has(w)) {
            return Some(Field::PromoEnd);
        }
    }
    if (off && !price) || ((promo || off) && percent) {
        return Some(Field::Discount);
    }
    (promo || (off && price)).then_some(Field::PromoPrice)
}

/// Unit hint of a header: "Poids (kg)" → `kg`.
pub fn header_unit_hint(header: &str) -> Option<String> {
    let f = fold(header);
    let start = f.find(['(', '['])?;
    let end = f[start..].find([')', ']'])? + start;
    let hint = f[start + 1..end].trim().to_owned();
    (!hint.is_empty()).then_some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_in_both_languages() {
        for (h, f) in [
            ("Référence", Field::Sku),
            ("Réf.", Field::Sku),
            ("Code article", Field::Sku),
            ("SKU", Field::Sku),
            ("Désignation", Field::Name),
            ("Libellé", Field::Name),
            ("Produit", Field::Name),
            ("Nom", Field::Name),
            ("Prix TTC", Field::PriceTtc),
            ("Prix de vente", Field::PriceTtc),
            ("PV TTC", Field::PriceTtc),
            ("Prix de vente TTC (€)", Field::PriceTtc),
            ("Prix HT", Field::PriceHt),
            ("Prix unitaire H.T.", Field::PriceHt),
            ("Quantité", Field::Stock),
            ("Qté", Field::Stock),
            ("Stock", Field::Stock),
            ("Famille", Field::Category),
            ("Rayon", Field::Category),
            ("Catégorie", Field::Category),
            ("Sous-famille", Field::Subcategory),
            ("EAN", Field::Ean),
            ("Code-barres", Field::Ean),
            ("GTIN", Field::Ean),
            ("Taux TVA (%)", Field::Vat),
            ("Poids (g)", Field::Weight),
            ("Unité", Field::Unit),
            ("Taille", Field::Size),
            ("Couleur", Field::Color),
            ("Photo", Field::Photo),
            ("Image", Field::Photo),
            ("Code produit", Field::Group),
        ] {
            assert_eq!(field_for_header(h), Some(f), "{h}");
        }
        for (h, f) in [
            ("Type", Field::Kind),
            ("Durée", Field::Duration),
            ("Durée (min)", Field::Duration),
            ("Séances", Field::Sessions),
            ("Seances", Field::Sessions),
            ("Dates des séances", Field::Sessions),
            ("Sessions", Field::Sessions),
            ("Créneaux", Field::Sessions),
            ("Délai de fabrication", Field::LeadTime),
            ("Délai (jours)", Field::LeadTime),
            ("Gestion du stock", Field::StockPolicy),
            ("Conservation", Field::Storage),
            ("Ingrédients", Field::Ingredients),
            ("Allergènes", Field::Allergens),
            ("Origine", Field::Origin),
            ("Producteur", Field::Producer),
            ("Labels", Field::Labels),
            ("Label", Field::Labels),
            ("Degré (% vol)", Field::Abv),
            ("Alcool % vol", Field::Abv),
            ("Contenance", Field::Volume),
            ("Poids net", Field::Weight),
            ("Volume", Field::Volume),
            ("Quantité nette", Field::Volume),
            ("Conditionnement", Field::Packaging),
        ] {
            assert_eq!(field_for_header(h), Some(f), "{h}");
        }
        // A unit price is derived: never taken for the price, never imported.
        for h in ["Prix au kg/l", "Prix au kilo", "Prix/kg", "Prix au litre (€)", "Price per kg"] {
            assert!(is_derived_header(h), "{h}");
            assert_eq!(field_for_header(h), None, "{h}");
        }
        for h in ["Prix TTC", "Prix de vente TTC (€)", "Prix HT", "Prix"] {
            assert!(!is_derived_header(h), "{h}");
        }
        assert_eq!(field_for_header("Remarque"), None);
        // What a clothes shop or an artisan writes does not make food.
        assert_eq!(field_for_header("Composition"), None);
        assert_eq!(field_for_header("Fabricant"), None);
        // A bare « Dates » column (of creation, of arrival…) is not taken for sessions.
        assert_eq!(field_for_header("Dates"), None);
        assert_eq!(header_unit_hint("Poids (kg)").as_deref(), Some("kg"));
    }

    #[test]
    fn promotion_headers_and_the_price_kept_apart() {
        for (h, f) in [
            ("Prix promo", Field::PromoPrice),
            ("Prix promotionnel", Field::PromoPrice),
            ("Prix soldé", Field::PromoPrice),
            ("Prix remisé", Field::PromoPrice),
            ("Promo", Field::PromoPrice),
            ("Prix promo TTC (€)", Field::PromoPrice),
            ("Prix de vente promo", Field::PromoPrice),
            ("Remise", Field::Discount),
            ("Réduction", Field::Discount),
            ("% remise", Field::Discount),
            ("Remise (%)", Field::Discount),
            ("% de réduction", Field::Discount),
            ("Rabais", Field::Discount),
            ("Promo (%)", Field::Discount),
            ("Promo %", Field::Discount),
            ("Remise accordée", Field::Discount),
            ("Début promo", Field::PromoStart),
            ("Promo du", Field::PromoStart),
            ("Date début promo", Field::PromoStart),
            ("Date de début de la promotion", Field::PromoStart),
            ("Début de la promo (heure de Paris)", Field::PromoStart),
            ("Promotion à partir du", Field::PromoStart),
            ("Fin promo", Field::PromoEnd),
            ("Promo au", Field::PromoEnd),
            ("Date fin promo", Field::PromoEnd),
            ("Promo jusqu'au", Field::PromoEnd),
            ("Fin de la promotion", Field::PromoEnd),
        ] {
            assert_eq!(field_for_header(h), Some(f), "{h}");
        }
        // The price's own headers are still the price, and words near a promotion's are
        // not taken for one.
        for (h, f) in [
            ("Prix", Some(Field::PriceTtc)),
            ("Prix TTC", Some(Field::PriceTtc)),
            ("Prix de vente TTC (€)", Some(Field::PriceTtc)),
            ("Prix public", Some(Field::PriceTtc)),
            ("Prix HT", Some(Field::PriceHt)),
            ("Code promo", None),
            ("Solde", None),
            ("Début", None),
            ("Fin", None),
            ("Date", None),
            ("Prix barré", Some(Field::PriceTtc)),
        ] {
            assert_eq!(field_for_header(h), f, "{h}");
        }
        assert_eq!(Field::PROMOTION.map(Field::label), ["Prix promo", "Remise", "Début promo", "Fin promo"]);
    }
}
