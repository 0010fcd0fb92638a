//! Which column is what: the header row under any title rows, and each header mapped
//! to a catalogue field through French and English synonyms.

use super::read::{Cell, GridRow};
pub use crate::model::import::{Field, Mapping};
use crate::text::fold;

impl Field {
    /// The food columns, in the export's order (Ingrédients … Degré).
    pub const FOOD: [Field; 7] = [
        Field::Ingredients,
        Field::Allergens,
        Field::Storage,
        Field::Origin,
        Field::Producer,
        Field::Labels,
        Field::Abv,
    ];

    /// The promotion columns, in the export's order (Prix promo … Fin promo).
    pub const PROMOTION: [Field; 4] = [Field::PromoPrice, Field::Discount, Field::PromoStart, Field::PromoEnd];

    pub const ALL: [Field; 36] = [
        Field::Sku,
        Field::Name,
        Field::PriceTtc,
        Field::PriceHt,
        Field::Vat,
        Field::Stock,
        Field::Category,
        Field::Subcategory,
        Field::Ean,
        Field::Description,
        Field::Unit,
        Field::Packaging,
        Field::Weight,
        Field::Volume,
        Field::Size,
        Field::Color,
        Field::Options,
        Field::Photo,
        Field::Status,
        Field::Group,
        Field::Kind,
        Field::Duration,
        Field::Sessions,
        Field::LeadTime,
        Field::StockPolicy,
        Field::Ingredients,
        Field::Allergens,
        Field::Storage,
        Field::Origin,
        Field::Producer,
        Field::Labels,
        Field::Abv,
        Field::PromoPrice,
        Field::Discount,
        Field::PromoStart,
        Field::PromoEnd,
    ];

    /// Index in [`Field::ALL`] (the order of the enum).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Columns whose value is the food information of the product: one filled makes
    /// the product food.
    pub fn is_food(self) -> bool {
        matches!(
            self,
            Field::Ingredients
                | Field::Allergens
                | Field::Storage
                | Field::Origin
                | Field::Producer
                | Field::Labels
                | Field::Abv
        )
    }

    /// French name, as the mapping screen and the error messages show it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Sku => "Référence",
            Field::Name => "Désignation",
            Field::PriceTtc => "Prix TTC",
            Field::PriceHt => "Prix HT",
            Field::Vat => "TVA",
            Field::Stock => "Stock",
            Field::Category => "Catégorie",
            Field::Subcategory => "Sous-catégorie",
            Field::Ean => "Code EAN",
            Field::Description => "Description",
            Field::Unit => "Unité",
            Field::Packaging => "Conditionnement",
            Field::Weight => "Poids",
            Field::Volume => "Contenance",
            Field::Size => "Taille",
            Field::Color => "Couleur",
            Field::Options => "Options",
            Field::Photo => "Photo",
            Field::Status => "Statut",
            Field::Group => "Code produit",
            Field::Kind => "Type",
            Field::Duration => "Durée",
            Field::Sessions => "Séances",
            Field::LeadTime => "Délai",
            Field::StockPolicy => "Gestion du stock",
            Field::Ingredients => "Ingrédients",
            Field::Allergens => "Allergènes",
            Field::Storage => "Conservation",
            Field::Origin => "Origine",
            Field::Producer => "Producteur",
            Field::Labels => "Label",
            Field::Abv => "Degré",
            Field::PromoPrice => "Prix promo",
            Field::Discount => "Remise",
            Field::PromoStart => "Début promo",
            Field::PromoEnd => "Fin promo",
        }
    }

    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Sku => &[
                "reference",
                "ref",
                "reference article",
                "ref article",
                "code article",
                "sku",
                "code",
                "code interne",
                "item code",
                "product code",
                "article code",
                "reference produit",
            ],
            Field::Name => &[
                "designation",
                "libelle",
                "produit",
                "nom",
                "nom du produit",
                "nom produit",
                "article",
                "intitule",
                "name",
                "product",
                "product name",
                "title",
                "libelle article",
                "designation article",
            ],
            Field::PriceTtc => &[
                "prix ttc",
                "prix de vente",
                "prix de vente ttc",
                "pv ttc",
                "pv",
                "prix",
                "prix vente",
                "prix vente ttc",
                "prix unitaire ttc",
                "prix public",
                "pvc",
                "tarif",
                "price",
                "unit price",
                "retail price",
            ],
            Field::PriceHt => &[
                "prix ht",
                "pv ht",
                "prix de vente ht",
                "prix vente ht",
                "prix unitaire ht",
                "tarif ht",
                "price excl tax",
                "price ex vat",
                "net price",
            ],
            Field::Vat => &["tva", "taux tva", "taux de tva", "tx tva", "vat", "vat rate", "tax", "tax rate"],
            Field::Stock => &[
                "quantite",
                "qte",
                "stock",
                "quantity",
                "qty",
                "stock actuel",
                "quantite en stock",
                "qte stock",
                "en stock",
                "inventaire",
            ],
            Field::Category => &["famille", "rayon", "categorie", "category", "categ", "departement", "department"],
            Field::Subcategory => {
                &["sous famille", "sous categorie", "sous rayon", "subcategory", "sub category", "sous categ"]
            }
            Field::Ean => &[
                "ean",
                "ean13",
                "ean 13",
                "code ean",
                "code barres",
                "code barre",
                "codes barres",
                "gtin",
                "barcode",
                "upc",
            ],
            Field::Description => &["description", "descriptif", "description longue", "details", "detail"],
            Field::Unit => &["unite", "unit", "unite de vente", "uv", "vendu au", "vendu a la", "vente au"],
            Field::Packaging => &["conditionnement", "emballage", "packaging", "contenant"],
            Field::Weight => &["poids", "weight", "poids net", "masse", "net weight", "poids net egoutte"],
            Field::Volume => &[
                "contenance",
                "volume",
                "capacite",
                "quantite nette",
                "qte nette",
                "net quantity",
                "volume net",
                "contenance nette",
            ],
            Field::Size => &["taille", "size", "pointure"],
            Field::Color => &["couleur", "color", "colour", "coloris", "teinte"],
            Field::Options => &["options", "option", "declinaison", "declinaisons", "variante", "variantes"],
            Field::Photo => &["photo", "photos", "image", "images", "visuel", "visuels", "picture"],
            Field::Status => &["statut", "status", "etat", "publication"],
            Field::Group => &["code produit", "produit parent", "parent", "groupe", "modele", "product id"],
            Field::Kind => &[
                "type",
                "type de produit",
                "type produit",
                "type d article",
                "nature",
                "produit ou service",
                "kind",
                "product type",
            ],
            Field::Duration => {
                &["duree", "duree de la seance", "duree seance", "duree de l atelier", "duree prestation", "duration"]
            }
            Field::Sessions => &["seances", "sessions", "creneaux", "dates des seances"],
            Field::LeadTime => &[
                "delai",
                "delai de fabrication",
                "delai fabrication",
                "delai de preparation",
                "delai preparation",
                "delai en jours",
                "delai jours",
                "lead time",
            ],
            Field::StockPolicy => &[
                "gestion du stock",
                "gestion stock",
                "gestion de stock",
                "suivi du stock",
                "suivi stock",
                "suivi de stock",
                "type de stock",
                "stock policy",
            ],
            Field::Ingredients => {
                // Not « composition »: a clothes shop's column (« 100 % coton ») would make
                // every garment food.
                &["ingredients", "ingredient", "liste des ingredients", "liste ingredients"]
            }
            Field::Allergens => {
                &["allergenes", "allergene", "allergenes majeurs", "allergens", "allergen", "allergies"]
            }
            Field::Storage => &[
                "conservation",
                "conditions de conservation",
                "condition de conservation",
                "mode de conservation",
                "a conserver",
                "storage",
                "storage conditions",
            ],
            Field::Origin => &["origine", "provenance", "pays d origine", "origin", "country of origin"],
            // Not « fabricant »: an artisan's column for what is not food.
            Field::Producer => &["producteur", "elaborateur", "exploitant", "transformateur", "producer"],
            Field::Labels => &[
                "label",
                "labels",
                "label qualite",
                "labels qualite",
                "signe de qualite",
                "signes de qualite",
                "signe officiel de qualite",
                "appellation",
            ],
            Field::Abv => &[
                "degre",
                "degre d alcool",
                "degre alcool",
                "degre alcoolique",
                "alcool",
                "alcool vol",
                "titre alcoometrique",
                "titre alcoometrique volumique",
                "tav",
                "abv",
                "alcohol",
            ],
            // Not « prix barré »: that is the price before the reduction.
            Field::PromoPrice => &[
                "prix promo",
                "prix promotionnel",
                "prix promotion",
                "prix en promotion",
                "prix en promo",
                "prix de promotion",
                "prix solde",
                "prix soldes",
                "prix remise",
                "prix reduit",
                "prix promo ttc",
                "promo",
                "promotion",
                "promo price",
                "sale price",
                "discounted price",
            ],
            Field::Discount => &[
                "remise",
                "reduction",
                "rabais",
                "ristourne",
                "de remise",
                "de reduction",
                "remise en",
                "reduction en",
                "pourcentage de remise",
                "pourcentage remise",
                "taux de remise",
                "taux remise",
                "remise promo",
                "promo en",
                "discount",
                "percent off",
            ],
            Field::PromoStart => &[
                "debut promo",
                "debut promotion",
                "debut de promo",
                "debut de la promo",
                "debut de promotion",
                "debut de la promotion",
                "date debut promo",
                "date de debut promo",
                "date debut promotion",
                "date de debut promotion",
                "date de debut de la promo",
                "date de debut de la promotion",
                "date promo",
                "promo du",
                "promotion du",
                "promo a partir du",
                "promo debut",
                "promo start",
                "sale start",
            ],
            Field::PromoEnd => &[
                "fin promo",
                "fin promotion",
                "fin de promo",
                "fin de la promo",
                "fin de promotion",
                "fin de la promotion",
                "date fin promo",
                "date de fin promo",
                "date fin promotion",
                "date de fin promotion",
                "date de fin de la promo",
                "date de fin de la promotion",
                "promo au",
                "promotion au",
                "promo jusqu au",
                "promo fin",
                "promo end",
                "sale end",
            ],
        }
    }
}

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

/// How many of a sheet's first rows may hold the header row.
pub const HEADER_SEARCH: usize = 30;

/// Header row detection: among the first 30 non-blank rows, the first one whose
/// cells name the most known fields (two at least). Title rows ("Inventaire au
/// 31/12", a merged banner, the shop's address) name none.
pub fn find_header_row(rows: &[GridRow]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().take(HEADER_SEARCH).enumerate() {
        let score = row
            .cells
            .iter()
            .filter_map(|c| match c {
                Cell::Text(t) => field_for_header(t),
                _ => None,
            })
            .collect::<std::collections::HashSet<_>>()
            .len();
        if score >= 2 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

/// Proposed mapping of the header row at `index`: each header's field, first column
/// wins when two name the same field.
pub fn auto_mapping(header: &GridRow, width: usize) -> Mapping {
    let mut columns: Vec<Option<Field>> = Vec::with_capacity(width);
    for c in 0..width {
        let f = match header.cell(c) {
            Cell::Text(t) => field_for_header(t),
            _ => None,
        };
        columns.push(f.filter(|f| !columns.contains(&Some(*f))));
    }
    Mapping { header_row: header.number, columns }
}

/// Headers of a row as text.
pub fn headers(header: &GridRow, width: usize) -> Vec<String> {
    (0..width).map(|c| header.cell(c).display()).collect()
}

/// Identifies a file layout: the normalised header row, hashed (FNV-1a 64, stable
/// across versions, unlike std's hasher). Empty headers at the end do not count: they
/// only say how far some data row goes.
pub fn layout_hash(headers: &[String]) -> String {
    let used = headers.iter().rposition(|h| !normalise_header(h).is_empty()).map_or(0, |i| i + 1);
    let headers = &headers[..used];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, header) in headers.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in normalise_header(header).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// `A`, `B`, … `Z`, `AA`…
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
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

    #[test]
    fn fields_index_in_their_own_order() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f.index(), i, "{f:?}");
        }
    }

    #[test]
    fn letters_and_hashes() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        let a = layout_hash(&["Réf.".into(), "Prix TTC".into()]);
        assert_eq!(a, layout_hash(&["REF".into(), "prix  ttc".into()]));
        assert_ne!(a, layout_hash(&["Prix TTC".into(), "Réf.".into()]));
        // A data row reaching past the header adds empty headers, not a new layout.
        assert_eq!(a, layout_hash(&["Réf.".into(), "Prix TTC".into(), String::new(), " ".into()]));
        assert_ne!(a, layout_hash(&["Réf.".into(), String::new(), "Prix TTC".into()]));
    }
}
