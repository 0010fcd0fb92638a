//! Text folding for search and sorting: lower case, no accents, so that "pate"
//! finds "Pâté" and lists sort the way a French reader expects.

use unicode_normalization::UnicodeNormalization;

/// `Pont-l'Évêque` → `pont-l'eveque`. Also folds œ/æ so "oeuf" finds "Œuf".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Words of a search query, folded; punctuation splits words like SQLite's
/// unicode61 tokenizer does, so both sides cut "Pont-l'Évêque" the same way.
pub fn search_terms(query: &str) -> Vec<String> {
    fold(query).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_ligatures() {
        assert_eq!(fold("Pont-l'Évêque"), "pont-l'eveque");
        assert_eq!(fold("PÂTÉ de campagne"), "pate de campagne");
        assert_eq!(fold("Œufs frais"), "oeufs frais");
        assert_eq!(search_terms("  Pont l'Évêque "), vec!["pont", "l", "eveque"]);
    }
}
