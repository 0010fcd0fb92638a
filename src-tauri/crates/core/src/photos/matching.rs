//! Matching photos to products by file name: `CONF-FIG-250.jpg`, `CONF-FIG-250_2.jpg`,
//! `conf-fig-250 (3).JPG` → SKU CONF-FIG-250; `3760123450010-1.jpg` → EAN 3760123450010.
//! Case-insensitive. The result is a list of proposals reviewed before anything is attached.

use serde::{Deserialize, Serialize};

pub use crate::model::photos::{CodeMatch, MatchedBy};

/// A code to look up, and the photo's rank among the product's photos (1 = main).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCandidate {
    pub code: String,
    pub rank: u32,
}

/// Codes a file name may stand for, most specific first: the whole stem, then the stem
/// without a trailing photo number (`_2`, `-1`, ` (3)`).
pub fn candidates(file_name: &str) -> Vec<NameCandidate> {
    let stem = match file_name.rsplit_once('.') {
        Some((s, ext)) if !s.is_empty() && ext.len() <= 5 => s,
        _ => file_name,
    }
    .trim();
    let mut out = Vec::new();
    if stem.is_empty() {
        return out;
    }
    out.push(NameCandidate { code: stem.to_owned(), rank: 1 });
    if let Some((base, n)) = split_number(stem) {
        out.push(NameCandidate { code: base.to_owned(), rank: n });
    }
    out
}

/// `X_2`, `X-2`, `X 2`, `X (2)`, `X_02` → (`X`, 2); photo numbers have one or two digits.
fn split_number(stem: &str) -> Option<(&str, u32)> {
    let s = stem.trim_end();
    let (body, digits) = if let Some(inner) = s.strip_suffix(')') {
        let open = inner.rfind('(')?;
        (&inner[..open], &inner[open + 1..])
    } else {
        let pos = s.rfind(|c: char| !c.is_ascii_digit())?;
        let sep = s[pos..].chars().next()?;
        if !matches!(sep, '_' | '-' | ' ') {
            return None;
        }
        (&s[..pos + sep.len_utf8()], &s[pos + sep.len_utf8()..])
    };
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let base = body.trim_end().trim_end_matches(['_', '-', ' ']).trim_end();
    if base.is_empty() {
        return None;
    }
    Some((base, digits.parse().ok()?))
}

/// "Attach this photo to that product": shown for review, applied on confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MatchProposal {
    pub file_name: String,
    pub photo_sha: String,
    pub product_id: i64,
    pub product_name: String,
    pub code: String,
    pub matched_by: MatchedBy,
    /// 1 = main photo, then 2, 3…
    pub rank: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(name: &str) -> Vec<(String, u32)> {
        candidates(name).into_iter().map(|c| (c.code, c.rank)).collect()
    }

    #[test]
    fn file_names_give_codes_and_ranks() {
        assert_eq!(codes("CONF-FIG-250.jpg"), vec![("CONF-FIG-250".into(), 1)]);
        assert_eq!(codes("CONF-FIG-250_2.jpg"), vec![("CONF-FIG-250_2".into(), 1), ("CONF-FIG-250".into(), 2)]);
        assert_eq!(codes("3760123450010-1.jpeg"), vec![("3760123450010-1".into(), 1), ("3760123450010".into(), 1)]);
        assert_eq!(codes("conf-fig-250 (3).JPG")[1], ("conf-fig-250".into(), 3));
        assert_eq!(codes("IMG_20240501.jpg"), vec![("IMG_20240501".into(), 1)]);
        assert!(codes(".jpg").len() == 1 && candidates("").is_empty());
    }
}
