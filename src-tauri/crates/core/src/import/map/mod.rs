//! Which column is what: the header row under any title rows, and each header mapped
//! to a catalogue field through French and English synonyms.
//!
//! This module finds the header row, proposes a [`Mapping`] and identifies a file's
//! layout (the mapping confirmed for it is remembered); its parts:
//!
//! - `synonyms`: the fields, their French labels and the headers that name each;
//! - `matching`: a header to its field (normalised, the longest synonym, looser forms;
//!   « Prix au kg/l » recognised as derived and left), the unit a header gives.

mod matching;
mod synonyms;

use super::read::{Cell, GridRow};
pub use crate::model::import::{Field, Mapping};
pub use matching::{field_for_header, header_unit_hint, is_derived_header, normalise_header};

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
