//! Text folding for search and sorting: lower case, no accents, so that "pate"
//! finds "Pâté" and lists sort the way a French reader expects.

/// `Pont-l'Évêque` → `pont-l'eveque`. Also folds œ/æ so "oeuf" finds "Œuf".
///
/// Char by char rather than through a full NFD pass: an import folds every name and
/// search text it writes, and most characters are ASCII, which need no decomposition.
/// Dropping the combining marks makes the two the same (NFD only reorders marks).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
        return out;
    }
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| push_folded(&mut out, d));
        }
    }
    out
}

fn push_folded(out: &mut String, c: char) {
    if unicode_normalization::char::is_combining_mark(c) {
        return;
    }
    match c {
        'œ' | 'Œ' => out.push_str("oe"),
        'æ' | 'Æ' => out.push_str("ae"),
        'ß' => out.push_str("ss"),
        _ => out.extend(c.to_lowercase()),
    }
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

    /// The definition `fold` must keep: NFD of the whole string, marks dropped.
    fn fold_by_nfd(s: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let mut out = String::new();
        for c in s.nfd() {
            push_folded(&mut out, c);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn char_by_char_folding_is_nfd_folding(s in "\\PC{0,40}") {
            proptest::prop_assert_eq!(fold(&s), fold_by_nfd(&s));
        }

        #[test]
        fn latin_text_with_stacked_marks_folds_like_nfd(s in "[a-zA-Zàâäéèêëïîôöùûüÿçœæß\u{0300}-\u{036f}\u{1e00}-\u{1eff} '-]{0,40}") {
            proptest::prop_assert_eq!(fold(&s), fold_by_nfd(&s));
        }
    }
}
