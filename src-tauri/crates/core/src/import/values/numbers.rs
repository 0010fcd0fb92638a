//! Numbers as the French write them, other than VAT and EAN: a price cell, a weight or a
//! volume with its unit or the header's. A whole quantity (a stock count) is
//! comptoir-sheets' `parse_quantity`: it needs no rule of the shop's.

use crate::catalogue::NetQuantity;
use crate::import::read::Cell;
use crate::money;

/// A quantity cell written with its unit (« 75 cl », « 6 x 125 g »), kept in the shop's
/// unit rather than converted.
pub(super) fn written_quantity(c: &Cell) -> Option<String> {
    match c {
        Cell::Number(_) => None,
        other => NetQuantity::parse(&other.display()).map(|q| q.to_string()),
    }
}

/// A price cell: a number, or the text of one (« 12,50 € »).
pub(super) fn read_price(c: &Cell) -> Result<i64, money::MoneyError> {
    match c {
        Cell::Number(n) => money::cents_from_number(*n),
        other => money::parse_cents(&other.display()),
    }
}

/// `250 g`, `1,2 kg`, `75 cl` or a bare number in the header's unit (`Poids (kg)`),
/// else in the smallest unit listed first among `units`' factor 1.
pub(super) fn parse_measure(cell: &Cell, units: &[(&str, f64)], hint: Option<&str>) -> Option<i64> {
    let (number, unit) = match cell {
        Cell::Number(n) => (*n, None),
        other => {
            let t = crate::text::fold(&other.display()).replace(',', ".");
            let t = t.trim();
            let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c.is_whitespace())).unwrap_or(t.len());
            let (num, unit) = t.split_at(split);
            let num: String = num.chars().filter(|c| !c.is_whitespace()).collect();
            let unit = unit.trim().trim_end_matches('.');
            (num.parse::<f64>().ok()?, (!unit.is_empty()).then(|| unit.to_owned()))
        }
    };
    let unit = unit.or_else(|| hint.map(str::to_owned));
    let factor = match unit {
        None => 1.0,
        Some(u) => units.iter().find(|(name, _)| *name == u)?.1,
    };
    let v = (number * factor).round();
    (number.is_finite() && v > 0.0 && v <= 10_000_000.0).then_some(v as i64)
}
