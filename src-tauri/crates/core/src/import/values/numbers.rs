//! Numbers as the French write them, other than VAT and EAN: a price cell, a whole
//! quantity (a stock count), a weight or a volume with its unit or the header's.

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

/// A whole quantity: `12`, `1 234`, `12,0`, `-3`, or a whole number cell.
pub fn parse_quantity(cell: &Cell) -> Option<i64> {
    let n = match cell {
        Cell::Number(n) => *n,
        other => {
            let s: String = other
                .display()
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
                .map(|c| if c == ',' { '.' } else { c })
                .collect();
            if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    (n.is_finite() && n.fract() == 0.0 && n.abs() <= 1e9).then_some(n as i64)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity(&Cell::Text("12,0".into())), Some(12));
        assert_eq!(parse_quantity(&Cell::Text("-3".into())), Some(-3));
        assert_eq!(parse_quantity(&Cell::Text("2,5".into())), None);
        assert_eq!(parse_quantity(&Cell::Number(4.0)), Some(4));
    }
}
