//! The allergens of Annex II of Regulation (EU) No 1169/2011 set apart in an
//! ingredients list (art. 21): the words that name one, found whole, accents and case
//! aside.

use comptoir_protocol::storefront::TextRun;

/// Words (lower case, without accents) that name an allergen of Annex II of Regulation
/// (EU) No 1169/2011 in an ingredients list.
const ALLERGEN_WORDS: &[&str] = &[
    "gluten",
    "ble",
    "bles",
    "froment",
    "seigle",
    "orge",
    "avoine",
    "epeautre",
    "kamut",
    "crustace",
    "crustaces",
    "crevette",
    "crevettes",
    "homard",
    "homards",
    "crabe",
    "crabes",
    "langoustine",
    "langoustines",
    "ecrevisse",
    "ecrevisses",
    "oeuf",
    "oeufs",
    "poisson",
    "poissons",
    "anchois",
    "thon",
    "saumon",
    "cabillaud",
    "sardine",
    "sardines",
    "maquereau",
    "maquereaux",
    "truite",
    "truites",
    "arachide",
    "arachides",
    "cacahuete",
    "cacahuetes",
    "soja",
    "lait",
    "laits",
    "creme",
    "beurre",
    "fromage",
    "fromages",
    "lactose",
    "lactoserum",
    "yaourt",
    "yaourts",
    "fruits a coque",
    "fruit a coque",
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
    "celeri",
    "moutarde",
    "sesame",
    "sulfite",
    "sulfites",
    "anhydride sulfureux",
    "metabisulfite",
    "metabisulfites",
    "lupin",
    "mollusque",
    "mollusques",
    "moule",
    "moules",
    "huitre",
    "huitres",
    "calmar",
    "calmars",
    "escargot",
    "escargots",
    "seiche",
    "poulpe",
];

/// Phrases that contain such a word but name no allergen: left as they are.
const NOT_ALLERGENS: &[&str] =
    &["noix de coco", "noix de muscade", "beurre de cacao", "lait de coco", "creme de coco", "creme de marrons"];

/// Lower case without French accents, one original character index per folded character.
fn fold_chars(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut folded = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        for l in c.to_lowercase() {
            let plain: &str = match l {
                'à' | 'â' | 'ä' | 'á' => "a",
                'é' | 'è' | 'ê' | 'ë' => "e",
                'î' | 'ï' | 'í' => "i",
                'ô' | 'ö' | 'ó' => "o",
                'ù' | 'û' | 'ü' | 'ú' => "u",
                'ç' => "c",
                'ÿ' => "y",
                'œ' => "oe",
                'æ' => "ae",
                _ => {
                    folded.push(l);
                    origin.push(i);
                    continue;
                }
            };
            for p in plain.chars() {
                folded.push(p);
                origin.push(i);
            }
        }
    }
    (folded, origin)
}

/// The ingredients list in runs, the words naming an allergen emphasised: Regulation
/// (EU) No 1169/2011, art. 21(1)(b), wants them set apart from the rest of the list
/// (« Lait cru de vache, sel » → **Lait** cru de vache, sel). Whole words only
/// (« orge » but not « gorge »).
pub fn emphasise_allergens(ingredients: &str) -> Vec<TextRun> {
    let original: Vec<char> = ingredients.chars().collect();
    let (folded, origin) = fold_chars(ingredients);
    let terms = |list: &[&str]| -> Vec<Vec<char>> {
        let mut t: Vec<Vec<char>> = list.iter().map(|w| w.chars().collect()).collect();
        // Longest first: « fruits a coque » before « fruit », « noix de coco » before « noix ».
        t.sort_by_key(|w| std::cmp::Reverse(w.len()));
        t
    };
    let (skip, emphasise) = (terms(NOT_ALLERGENS), terms(ALLERGEN_WORDS));
    let boundary = |i: usize| i == 0 || !folded[i - 1].is_alphanumeric();
    let ends_word = |end: usize| end >= folded.len() || !folded[end].is_alphanumeric();
    let find = |i: usize, list: &[Vec<char>]| -> Option<usize> {
        list.iter().find(|w| folded[i..].starts_with(w) && ends_word(i + w.len())).map(Vec::len)
    };
    let mut spans: Vec<(usize, usize)> = Vec::new(); // original char ranges to emphasise
    let mut i = 0;
    while i < folded.len() {
        if !folded[i].is_alphanumeric() || !boundary(i) {
            i += 1;
            continue;
        }
        if let Some(n) = find(i, &skip) {
            i += n;
            continue;
        }
        if let Some(n) = find(i, &emphasise) {
            spans.push((origin[i], origin[i + n - 1] + 1));
            i += n;
            continue;
        }
        i += 1;
    }
    let mut runs = Vec::new();
    let mut at = 0;
    for (start, end) in spans {
        if start > at {
            runs.push(TextRun { text: original[at..start].iter().collect(), emphasis: false });
        }
        runs.push(TextRun { text: original[start..end].iter().collect(), emphasis: true });
        at = end;
    }
    if at < original.len() {
        runs.push(TextRun { text: original[at..].iter().collect(), emphasis: false });
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(runs: &[TextRun]) -> String {
        runs.iter().map(|r| if r.emphasis { format!("**{}**", r.text) } else { r.text.clone() }).collect()
    }

    #[test]
    fn allergens_are_emphasised_in_the_ingredients() {
        assert_eq!(
            shown(&emphasise_allergens("Lait cru de vache, sel, ferments lactiques, présure")),
            "**Lait** cru de vache, sel, ferments lactiques, présure"
        );
        assert_eq!(
            shown(&emphasise_allergens("Farine de BLÉ, Œufs frais, beurre, éclats de fruits à coque (noisettes)")),
            "Farine de **BLÉ**, **Œufs** frais, **beurre**, éclats de **fruits à coque** (**noisettes**)"
        );
        // Whole words only, and phrases that name no allergen are left alone.
        assert_eq!(shown(&emphasise_allergens("Sirop d'orgeat, gorge")), "Sirop d'orgeat, gorge");
        assert_eq!(shown(&emphasise_allergens("noix de coco, noix")), "noix de coco, **noix**");
        assert_eq!(shown(&emphasise_allergens("Pommes. Contient des sulfites")), "Pommes. Contient des **sulfites**");
        assert!(emphasise_allergens("").is_empty());
    }
}
