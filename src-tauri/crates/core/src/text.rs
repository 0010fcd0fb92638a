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

/// The key lists sort names by: folded (case and accents ignored), and numbers in
/// numeric order, the way people read them: « Bol n° 2 » before « Bol n° 10 », « n° 1086 »
/// before « n° 10806 ». Each run of digits becomes its length on two digits followed by
/// the digits without leading zeros, so byte order (SQLite's, on an index) is numeric
/// order. `SORT_KEY_VERSION` names this formula: stored keys made by another are rebuilt.
pub fn sort_key(name: &str) -> String {
    let folded = fold(name.trim());
    if !folded.bytes().any(|b| b.is_ascii_digit()) {
        return folded;
    }
    let mut out = String::with_capacity(folded.len() + 8);
    let mut rest = folded.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let digits = &rest[start..];
        let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
        let significant = digits[..end].trim_start_matches('0');
        let significant = if significant.is_empty() { "0" } else { significant };
        // 99 digits is far beyond any product number; longer runs keep their order
        // among themselves by their digits.
        let n = significant.len().min(99) as u8;
        out.push(char::from(b'0' + n / 10));
        out.push(char::from(b'0' + n % 10));
        out.push_str(significant);
        rest = &digits[end..];
    }
    out.push_str(rest);
    out
}

/// Which formula [`sort_key`] is (stored with the keys; see `Db::open_file`).
pub const SORT_KEY_VERSION: &str = "2";

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

    #[test]
    fn sort_keys_put_numbers_in_numeric_order_and_ignore_case_and_accents() {
        let mut names =
            vec!["Bol n° 10", "bol n° 2", "n° 10806", "n° 1086", "n° 10926", "Écrin", "ecrin 007", "Zèbre", "Bol n° 1"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            ["Bol n° 1", "bol n° 2", "Bol n° 10", "Écrin", "ecrin 007", "n° 1086", "n° 10806", "n° 10926", "Zèbre"]
        );
        assert_eq!(sort_key("Cidre"), "cidre");
        assert_eq!(sort_key("Lot 0"), sort_key("lot 000"));
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
