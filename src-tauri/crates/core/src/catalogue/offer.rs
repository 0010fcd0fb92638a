//! What is offered and how it is available: goods or a service, and whether stock is
//! counted, not counted, or the product is made to order with a lead time.

use crate::model::catalogue::ProductKind;
use crate::text::fold;

impl ProductKind {
    /// « service », « prestation », « atelier »… or « produit », « article ».
    pub fn parse(s: &str) -> Option<Self> {
        match fold(s.trim()).as_str() {
            "" | "produit" | "article" | "bien" | "goods" | "marchandise" => Some(ProductKind::Goods),
            "service" | "prestation" | "atelier" | "cours" | "seance" | "location" | "reparation" | "degustation" => {
                Some(ProductKind::Service)
            }
            _ => None,
        }
    }
}

/// A stock cell as tills and shops write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockCell {
    Count(i64),
    Unlimited,
    /// « sur commande », optionally with the lead time written in the same cell
    /// (« sur commande 10 jours »).
    MadeToOrder(Option<u16>),
}

/// Reads the words a stock cell may hold instead of a number; `None` when it is
/// neither a word we know nor an integer (the caller reports the cell).
pub fn read_stock_words(cell: &str) -> Option<StockCell> {
    let f = fold(cell.trim());
    if f.starts_with("sur commande") || f.starts_with("a la commande") || f == "commande" || f == "fabrication" {
        return Some(StockCell::MadeToOrder(lead_time_days(&f)));
    }
    match f.as_str() {
        "illimite" | "illimitee" | "infini" | "toujours" | "disponible" | "non gere" | "non compte" | "∞" => {
            Some(StockCell::Unlimited)
        }
        _ => None,
    }
}

/// « 10 jours », « 10 j », « 2 semaines », « 10 » → days; `None` otherwise.
pub fn lead_time_days(s: &str) -> Option<u16> {
    let f = fold(s.trim());
    let digits: String = f.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    let n: u16 = digits.parse().ok()?;
    let after = f[f.find(&digits)? + digits.len()..].trim();
    let days = if after.starts_with("sem") {
        n.checked_mul(7)?
    } else if after.starts_with("mois") {
        n.checked_mul(30)?
    } else {
        n
    };
    (1..=MAX_LEAD_TIME_DAYS).contains(&days).then_some(days)
}

pub const MAX_LEAD_TIME_DAYS: u16 = 365;

/// « 1 h », « 2 h 30 », « 90 min », « 1h30 », « 45 minutes », « 1,5 h » → minutes.
pub fn parse_duration(s: &str) -> Option<u32> {
    let f = fold(s.trim()).replace(' ', "");
    if f.is_empty() {
        return None;
    }
    let minutes = if let Some((h, m)) = f.split_once('h') {
        let h = h.replace(',', ".");
        let m =
            m.trim_start_matches("eures").trim_start_matches("eure").trim_start_matches("rs").trim_start_matches('r');
        let m: u32 = if m.is_empty() { 0 } else { m.trim_end_matches("min").parse().ok()? };
        let hours: f64 = h.parse().ok()?;
        if m >= 60 || !(0.0..=24.0 * 30.0).contains(&hours) {
            return None;
        }
        (hours * 60.0).round() as u32 + m
    } else if let Some(m) = f.strip_suffix("minutes").or_else(|| f.strip_suffix("min")).or_else(|| f.strip_suffix("mn"))
    {
        m.parse().ok()?
    } else if let Some(d) = f.strip_suffix("jours").or_else(|| f.strip_suffix("jour")).or_else(|| f.strip_suffix('j')) {
        d.parse::<u32>().ok()?.checked_mul(24 * 60)?
    } else {
        return None;
    };
    (1..=MAX_DURATION_MINUTES).contains(&minutes).then_some(minutes)
}

pub const MAX_DURATION_MINUTES: u32 = 30 * 24 * 60;

/// 150 → « 2 h 30 », 60 → « 1 h », 45 → « 45 min ».
pub fn format_duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, m) in [
            ("1 h", 60),
            ("2 h 30", 150),
            ("2h30", 150),
            ("1h30min", 90),
            ("90 min", 90),
            ("45 minutes", 45),
            ("1,5 h", 90),
            ("3 heures", 180),
            ("2 jours", 2880),
        ] {
            assert_eq!(parse_duration(s), Some(m), "{s}");
        }
        for bad in ["", "longtemps", "2 h 75", "0 min"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(format_duration(150), "2 h 30");
        assert_eq!(format_duration(60), "1 h");
        assert_eq!(format_duration(45), "45 min");
        assert_eq!(format_duration(65), "1 h 05");
    }

    #[test]
    fn stock_words() {
        assert_eq!(read_stock_words("Sur commande"), Some(StockCell::MadeToOrder(None)));
        assert_eq!(read_stock_words("sur commande, 10 jours"), Some(StockCell::MadeToOrder(Some(10))));
        assert_eq!(read_stock_words("sur commande (2 semaines)"), Some(StockCell::MadeToOrder(Some(14))));
        assert_eq!(read_stock_words("Illimité"), Some(StockCell::Unlimited));
        assert_eq!(read_stock_words("beaucoup"), None);
        assert_eq!(lead_time_days("10 j"), Some(10));
        assert_eq!(lead_time_days("0"), None);
        assert_eq!(lead_time_days("400 jours"), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(ProductKind::parse("Prestation"), Some(ProductKind::Service));
        assert_eq!(ProductKind::parse(""), Some(ProductKind::Goods));
        assert_eq!(ProductKind::parse("truc"), None);
    }
}
