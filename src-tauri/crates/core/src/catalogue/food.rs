//! The food information a buyer must be able to read before a distance sale of
//! pre-packed food: Regulation (EU) No 1169/2011, article 14 (distance selling) with
//! the particulars of article 9 — name, ingredients with the allergens of Annex II
//! emphasised, net quantity, storage conditions, the operator, origin where required,
//! alcoholic strength above 1.2 % by volume — and, for alcoholic drinks, the French
//! health mention (Code de la santé publique, art. L3323-4) and the ban on sales to
//! minors (art. L3342-1).

pub use crate::model::catalogue::{Allergen, FoodInfo};
use crate::text::fold;

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
        }
    }

    /// The French name, as the list in the issue and on labels.
    pub fn label(self) -> &'static str {
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
        }
    }

    /// Words (folded) that name the allergen in a list or in an ingredients text.
    fn words(self) -> &'static [&'static str] {
        match self {
            Allergen::Gluten => &["gluten", "ble", "froment", "seigle", "orge", "avoine", "epeautre", "kamut"],
            Allergen::Crustaceans => {
                &["crustace", "crustaces", "crevette", "crevettes", "homard", "crabe", "langoustine"]
            }
            Allergen::Eggs => &["oeuf", "oeufs", "œuf", "œufs", "egg", "eggs"],
            Allergen::Fish => &["poisson", "poissons", "fish", "anchois", "thon", "saumon", "cabillaud", "sardine"],
            Allergen::Peanuts => &["arachide", "arachides", "cacahuete", "cacahuetes", "peanut", "peanuts"],
            Allergen::Soy => &["soja", "soy", "soya"],
            Allergen::Milk => {
                &["lait", "milk", "creme", "beurre", "fromage", "lactose", "lactoserum", "yaourt", "lactique"]
            }
            Allergen::Nuts => &[
                "fruits a coque",
                "fruit a coque",
                "nuts",
                "amande",
                "amandes",
                "noisette",
                "noisettes",
                "noix",
                "pistache",
                "pistaches",
                "cajou",
                "pecan",
                "macadamia",
            ],
            Allergen::Celery => &["celeri", "celery"],
            Allergen::Mustard => &["moutarde", "mustard"],
            Allergen::Sesame => &["sesame"],
            Allergen::Sulphites => &["sulfites", "sulfite", "sulphites", "anhydride sulfureux", "so2", "metabisulfite"],
            Allergen::Lupin => &["lupin"],
            Allergen::Molluscs => {
                &["mollusque", "mollusques", "moule", "moules", "huitre", "huitres", "calmar", "escargot"]
            }
        }
    }

    /// One allergen as written in an « Allergènes » cell: « lait », « Fruits à coque »,
    /// « œufs », the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        let f = fold(s.trim());
        Allergen::ALL.into_iter().find(|a| a.as_str() == f || fold(a.label()) == f || a.words().contains(&f.as_str()))
    }
}

/// An « Allergènes » cell: « lait, gluten », « lait ; œufs », « aucun ». Returns the
/// sorted set, or the words not understood (for a French error naming them).
pub fn parse_allergens(cell: &str) -> Result<Vec<Allergen>, Vec<String>> {
    let f = fold(cell.trim());
    if matches!(f.as_str(), "aucun" | "aucune" | "neant" | "sans" | "sans allergene" | "none" | "-") {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for part in cell.split([',', ';', '/', '+', '\n']).flat_map(|p| p.split(" et ")) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match Allergen::parse(part) {
            Some(a) => found.push(a),
            None => unknown.push(part.to_owned()),
        }
    }
    if !unknown.is_empty() {
        return Err(unknown);
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The allergens written in a stored list, as a cell: « lait, gluten », or « aucun ».
pub fn allergens_text(list: &[Allergen]) -> String {
    if list.is_empty() { "aucun".into() } else { list.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ") }
}

/// Quality signs of origin and quality (Code rural, art. L640-2) the marketplace shows.
pub const QUALITY_LABELS: &[&str] =
    &["AOP", "AOC", "IGP", "Label Rouge", "Agriculture Biologique", "STG", "Bio Cohérence", "Nature & Progrès", "HVE"];

/// « ab », « bio », « label rouge » → the label's proper name; other words are kept as
/// written (a shop may hold a sign we do not list).
pub fn normalise_label(s: &str) -> String {
    let f = fold(s.trim());
    let known = match f.as_str() {
        "ab" | "bio" | "agriculture biologique" | "agriculture bio" => Some("Agriculture Biologique"),
        "label rouge" | "lr" => Some("Label Rouge"),
        _ => QUALITY_LABELS.iter().copied().find(|l| fold(l) == f),
    };
    known.map_or_else(|| s.trim().to_owned(), str::to_owned)
}

/// A « Label » cell: « AOP, Agriculture Biologique ».
pub fn parse_labels(cell: &str) -> Vec<String> {
    let mut out: Vec<String> =
        cell.split([',', ';', '/', '+']).map(str::trim).filter(|s| !s.is_empty()).map(normalise_label).collect();
    out.dedup();
    out
}

/// Alcoholic strength above which the strength must be shown and the drink is an
/// alcoholic beverage (1.2 % vol, Regulation 1169/2011 art. 9(1)(k)): in tenths of a %.
pub const ALCOHOL_THRESHOLD_TENTHS: u16 = 12;

/// « 5,5 », « 5,5 % », « 12 % vol », « 12°» → tenths of a percent by volume.
pub fn parse_abv(s: &str) -> Option<u16> {
    let f = fold(s.trim()).replace(' ', "");
    let f = f.trim_end_matches("vol").trim_end_matches('.').trim_end_matches(['%', '°']).replace(',', ".");
    let v: f64 = f.parse().ok()?;
    (0.0..=100.0).contains(&v).then(|| (v * 10.0).round() as u16)
}

/// 55 → « 5,5 % vol ».
pub fn abv_text(tenths: u16) -> String {
    if tenths.is_multiple_of(10) {
        format!("{} % vol", tenths / 10)
    } else {
        format!("{},{} % vol", tenths / 10, tenths % 10)
    }
}

/// The health message French law requires on alcohol advertising and sales pages.
pub const ALCOHOL_HEALTH_MESSAGE: &str = "L'abus d'alcool est dangereux pour la santé, à consommer avec modération.";

impl FoodInfo {
    /// An alcoholic beverage: more than 1.2 % by volume.
    pub fn is_alcoholic(&self) -> bool {
        self.abv_tenths.is_some_and(|t| t > ALCOHOL_THRESHOLD_TENTHS)
    }

    /// Trimmed, labels normalised, allergens sorted without repeats.
    pub fn normalised(&self) -> FoodInfo {
        FoodInfo {
            ingredients: self.ingredients.trim().to_owned(),
            allergens: self.allergens.as_ref().map(|a| {
                let mut a = a.clone();
                a.sort();
                a.dedup();
                a
            }),
            storage: self.storage.trim().to_owned(),
            origin: self.origin.trim().to_owned(),
            producer: self.producer.trim().to_owned(),
            labels: {
                let mut l: Vec<String> =
                    self.labels.iter().map(|l| normalise_label(l)).filter(|l| !l.is_empty()).collect();
                l.dedup();
                l
            },
            abv_tenths: self.abv_tenths,
        }
    }

    /// Allergens named in the ingredients text that the checklist does not tick: a
    /// contradiction worth a warning (« farine de blé » but no gluten ticked).
    pub fn allergens_in_ingredients(&self) -> Vec<Allergen> {
        let text = format!(" {} ", fold(&self.ingredients).replace(|c: char| !c.is_alphanumeric() && c != ' ', " "));
        Allergen::ALL.into_iter().filter(|a| a.words().iter().any(|w| text.contains(&format!(" {w} ")))).collect()
    }
}

/// The ingredients text cut into runs, each word that names an allergen marked with
/// it, so labels and the marketplace can emphasise them (Reg. 1169/2011 art. 21(1)(b):
/// allergens stand out from the rest of the list). Matching is on whole words, accents
/// and case ignored; the text is given back exactly, runs concatenated.
pub fn highlight(ingredients: &str) -> Vec<(String, Option<Allergen>)> {
    // Words with their byte ranges in the original text.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in ingredients.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, ingredients.len()));
    }
    let mut marks: Vec<(usize, usize, Allergen)> = Vec::new();
    let mut w = 0;
    while w < words.len() {
        // The longest phrase of up to three words that names an allergen
        // (« fruits à coque » before « fruits »).
        let found = (1..=3usize.min(words.len() - w)).rev().find_map(|n| {
            let (s, e) = (words[w].0, words[w + n - 1].1);
            let phrase = fold(&ingredients[s..e])
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Allergen::ALL.into_iter().find(|a| a.words().contains(&phrase.as_str())).map(|a| (n, s, e, a))
        });
        match found {
            Some((n, s, e, a)) => {
                marks.push((s, e, a));
                w += n;
            }
            None => w += 1,
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e, a) in marks {
        if s > at {
            out.push((ingredients[at..s].to_owned(), None));
        }
        out.push((ingredients[s..e].to_owned(), Some(a)));
        at = e;
    }
    if at < ingredients.len() {
        out.push((ingredients[at..].to_owned(), None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allergen_cells() {
        assert_eq!(parse_allergens("lait, gluten"), Ok(vec![Allergen::Gluten, Allergen::Milk]));
        assert_eq!(
            parse_allergens("Lait ; Œufs et fruits à coque"),
            Ok(vec![Allergen::Eggs, Allergen::Milk, Allergen::Nuts])
        );
        assert_eq!(parse_allergens("aucun"), Ok(vec![]));
        assert_eq!(parse_allergens("sulfites"), Ok(vec![Allergen::Sulphites]));
        assert_eq!(parse_allergens("lait, kryptonite"), Err(vec!["kryptonite".into()]));
        for a in Allergen::ALL {
            assert_eq!(Allergen::parse(a.label()), Some(a));
            assert_eq!(Allergen::parse(a.as_str()), Some(a));
        }
        assert_eq!(allergens_text(&[Allergen::Gluten, Allergen::Milk]), "gluten, lait");
        assert_eq!(
            parse_allergens(&allergens_text(&[Allergen::Nuts, Allergen::Eggs])),
            Ok(vec![Allergen::Eggs, Allergen::Nuts])
        );
    }

    #[test]
    fn strengths_and_labels() {
        assert_eq!(parse_abv("5,5"), Some(55));
        assert_eq!(parse_abv("12 % vol"), Some(120));
        assert_eq!(parse_abv("4,5°"), Some(45));
        assert_eq!(parse_abv("fort"), None);
        assert_eq!(abv_text(55), "5,5 % vol");
        assert_eq!(abv_text(120), "12 % vol");
        assert!(FoodInfo { abv_tenths: Some(13), ..Default::default() }.is_alcoholic());
        assert!(!FoodInfo { abv_tenths: Some(12), ..Default::default() }.is_alcoholic());
        assert_eq!(parse_labels("aop, bio, Fermier"), vec!["AOP", "Agriculture Biologique", "Fermier"]);
    }

    #[test]
    fn highlights_keep_the_text_and_mark_whole_words() {
        let text = "Farine de blé, œufs frais, lait ; éclats de fruits à coque. Sel.";
        let runs = highlight(text);
        assert_eq!(runs.iter().map(|(t, _)| t.as_str()).collect::<String>(), text);
        let marked: Vec<(&str, Allergen)> = runs.iter().filter_map(|(t, a)| a.map(|a| (t.as_str(), a))).collect();
        assert_eq!(
            marked,
            [
                ("blé", Allergen::Gluten),
                ("œufs", Allergen::Eggs),
                ("lait", Allergen::Milk),
                ("fruits à coque", Allergen::Nuts)
            ]
        );
        // « laitue » is not « lait ».
        assert!(highlight("Laitue, sel").iter().all(|(_, a)| a.is_none()));
        assert!(highlight("").is_empty());
    }

    #[test]
    fn ingredients_name_their_allergens() {
        let f = FoodInfo {
            ingredients: "Lait cru de vache, sel, ferments lactiques, présure".into(),
            ..Default::default()
        };
        assert_eq!(f.allergens_in_ingredients(), vec![Allergen::Milk]);
        let f = FoodInfo { ingredients: "Farine de blé, œufs, beurre, sucre".into(), ..Default::default() };
        assert_eq!(f.allergens_in_ingredients(), vec![Allergen::Gluten, Allergen::Eggs, Allergen::Milk]);
    }
}
