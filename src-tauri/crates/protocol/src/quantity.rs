//! Net quantities as the wire carries them, and the unit price both sides derive from
//! them: the desktop sends it, the marketplace computes it again from the price, the
//! selling unit and the net quantity, and the two must agree to the cent.
//!
//! French rules (arrêté du 3 décembre 1987) want the price per kilogram, litre, metre or
//! square metre shown beside the price of goods sold by quantity; rounding is half-up
//! to the cent, in integers only.

use crate::catalog::{SellingUnit, UnitPrice, UnitPricePer};

/// The canonical forms [`NetQuantity::parse_canonical`] accepts, as the OpenAPI
/// document states them: an optional count of items (2 to 10,000) then one amount with
/// at most three decimals, no trailing zero, between 0,001 and 1,000,000, and a unit.
pub const NET_QUANTITY_PATTERN: &str = "^(?:(?:[2-9]|[1-9][0-9]{1,3}|10000) × )?(?:[1-9][0-9]{0,5}(?:,[0-9]{0,2}[1-9])?|0,[0-9]{0,2}[1-9]|1000000) (?:g|kg|ml|cl|l|cm|m|m²)$";

/// A session's start (`YYYY-MM-DDTHH:MM`, a real date of 2000–2099), as the OpenAPI
/// document states it.
pub const SESSION_START_PATTERN: &str = "^20(?:[0-9]{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[02468][048]|[13579][26])-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]$";

/// The unit a net quantity is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityUnit {
    G,
    Kg,
    Ml,
    Cl,
    L,
    Cm,
    M,
    M2,
}

impl QuantityUnit {
    pub const ALL: [QuantityUnit; 8] = [
        QuantityUnit::G,
        QuantityUnit::Kg,
        QuantityUnit::Ml,
        QuantityUnit::Cl,
        QuantityUnit::L,
        QuantityUnit::Cm,
        QuantityUnit::M,
        QuantityUnit::M2,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            QuantityUnit::G => "g",
            QuantityUnit::Kg => "kg",
            QuantityUnit::Ml => "ml",
            QuantityUnit::Cl => "cl",
            QuantityUnit::L => "l",
            QuantityUnit::Cm => "cm",
            QuantityUnit::M => "m",
            QuantityUnit::M2 => "m²",
        }
    }

    /// Thousandths of this unit in one reference unit (kg, l, m, m²).
    fn milli_per_reference(self) -> i128 {
        match self {
            QuantityUnit::G | QuantityUnit::Ml => 1_000_000,
            QuantityUnit::Cl | QuantityUnit::Cm => 100_000,
            QuantityUnit::Kg | QuantityUnit::L | QuantityUnit::M | QuantityUnit::M2 => 1_000,
        }
    }

    /// What the unit price of a quantity in this unit is per.
    pub fn per(self) -> UnitPricePer {
        match self {
            QuantityUnit::G | QuantityUnit::Kg => UnitPricePer::Kg,
            QuantityUnit::Ml | QuantityUnit::Cl | QuantityUnit::L => UnitPricePer::L,
            QuantityUnit::Cm | QuantityUnit::M => UnitPricePer::M,
            QuantityUnit::M2 => UnitPricePer::M2,
        }
    }
}

/// « 75 cl », « 1,5 kg », « 6 × 125 g ».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetQuantity {
    /// Items in the pack; 1 for a single item.
    pub count: u32,
    /// The quantity of one item, in thousandths of `unit` (1,5 kg = 1500).
    pub milli: i64,
    pub unit: QuantityUnit,
}

const MAX_COUNT: u32 = 10_000;
const MAX_MILLI: i64 = 1_000_000_000;

impl NetQuantity {
    /// Only the canonical form Comptoir writes (« 75 cl », not « 75cl » nor « 0,75 l »
    /// written « 0,750 l »): what the wire carries is exactly what a buyer reads.
    pub fn parse_canonical(s: &str) -> Option<Self> {
        let (count, rest) = match s.split_once(" × ") {
            Some((c, rest)) => {
                let count: u32 = digits(c)?.parse().ok()?;
                ((2..=MAX_COUNT).contains(&count).then_some(count)?, rest)
            }
            None => (1, s),
        };
        let (number, unit) = rest.split_once(' ')?;
        let unit = QuantityUnit::ALL.into_iter().find(|u| u.symbol() == unit)?;
        let (int, frac) = match number.split_once(',') {
            Some((i, f)) => (digits(i)?, Some(f)),
            None => (digits(number)?, None),
        };
        if int.len() > 7 {
            return None;
        }
        let frac_milli = match frac {
            None if int == "0" => return None,
            None => 0,
            Some(f) if f.is_empty() || f.len() > 3 || f.ends_with('0') || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return None;
            }
            Some(f) => format!("{f:0<3}").parse::<i64>().ok()?,
        };
        let milli = int.parse::<i64>().ok()? * 1000 + frac_milli;
        (1..=MAX_MILLI).contains(&milli).then_some(NetQuantity { count, milli, unit })
    }

    /// (total in thousandths of `unit`, thousandths of `unit` per reference unit).
    fn total_and_reference(self) -> (i128, i128) {
        (i128::from(self.count) * i128::from(self.milli), self.unit.milli_per_reference())
    }
}

/// ASCII digits without a leading zero (a lone « 0 » is one).
fn digits(s: &str) -> Option<&str> {
    let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    ok.then_some(s)
}

impl std::fmt::Display for NetQuantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.count > 1 {
            write!(f, "{} × ", self.count)?;
        }
        let (int, frac) = (self.milli / 1000, self.milli % 1000);
        if frac == 0 {
            write!(f, "{int} {}", self.unit.symbol())
        } else {
            let frac = format!("{frac:03}");
            write!(f, "{int},{} {}", frac.trim_end_matches('0'), self.unit.symbol())
        }
    }
}

/// `numerator / denominator` rounded half away from zero, in integers.
fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    let (n, d) = if denominator < 0 { (-numerator, -denominator) } else { (numerator, denominator) };
    if n >= 0 { (n * 2 + d) / (2 * d) } else { -((-n * 2 + d) / (2 * d)) }
}

/// The unit price of a variant: its price itself when sold by the kg, litre, metre or
/// m² (×10 by 100 g); otherwise the price over the net quantity, half-up to the cent
/// (6,50 € for 75 cl → 8,67 € / l). `None` when neither says (by the piece with no
/// quantity, a quantity not in canonical form, an unknown unit).
pub fn unit_price(unit: SellingUnit, price_ttc: i64, net_quantity: Option<&str>) -> Option<UnitPrice> {
    let price = |cents, per| Some(UnitPrice { cents, per });
    match unit {
        SellingUnit::Kg => price(price_ttc, UnitPricePer::Kg),
        SellingUnit::HundredGrams => price(price_ttc.checked_mul(10)?, UnitPricePer::Kg),
        SellingUnit::Litre => price(price_ttc, UnitPricePer::L),
        SellingUnit::Metre => price(price_ttc, UnitPricePer::M),
        SellingUnit::SquareMetre => price(price_ttc, UnitPricePer::M2),
        SellingUnit::Piece | SellingUnit::Lot | SellingUnit::Dozen => {
            let q = NetQuantity::parse_canonical(net_quantity?)?;
            let (total, per) = q.total_and_reference();
            let cents = i64::try_from(div_round_half_up(i128::from(price_ttc) * per, total)).ok()?;
            price(cents, q.unit.per())
        }
        SellingUnit::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_quantities_only() {
        for ok in ["75 cl", "250 g", "1,5 kg", "6 × 125 g", "0,001 g", "1000000 g", "10000 × 1 m²", "2,25 m"] {
            let q = NetQuantity::parse_canonical(ok).unwrap_or_else(|| panic!("{ok}"));
            assert_eq!(q.to_string(), ok);
        }
        for bad in [
            "",
            "75cl",
            "75  cl",
            "0,75 L",
            "1,50 kg",
            "1,5000 kg",
            "01 kg",
            "0 g",
            "1 × 75 cl",
            "6 x 125 g",
            "10001 × 1 g",
            "1000000,5 g",
            "1000001 g",
            "75 cL",
            "3 oz",
            "-5 g",
            "1, g",
            ",5 g",
            "0,000 g",
        ] {
            assert_eq!(NetQuantity::parse_canonical(bad), None, "{bad}");
        }
    }

    #[test]
    fn unit_prices_agree_with_the_issue() {
        let up = |price, q: &str| unit_price(SellingUnit::Piece, price, Some(q)).unwrap();
        assert_eq!(up(650, "75 cl"), UnitPrice { cents: 867, per: UnitPricePer::L });
        assert_eq!(up(495, "250 g"), UnitPrice { cents: 1980, per: UnitPricePer::Kg });
        assert_eq!(up(399, "6 × 125 g"), UnitPrice { cents: 532, per: UnitPricePer::Kg });
        // Exactly half a cent goes up.
        assert_eq!(up(1, "2 kg").cents, 1);
        assert_eq!(up(1500, "2 m"), UnitPrice { cents: 750, per: UnitPricePer::M });
        assert_eq!(unit_price(SellingUnit::HundredGrams, 289, None).unwrap().cents, 2890);
        assert_eq!(
            unit_price(SellingUnit::Kg, 2450, Some("75 cl")).unwrap(),
            UnitPrice { cents: 2450, per: UnitPricePer::Kg }
        );
        assert_eq!(unit_price(SellingUnit::Piece, 650, None), None);
        assert_eq!(unit_price(SellingUnit::Piece, 650, Some("75cl")), None);
        assert_eq!(unit_price(SellingUnit::Unknown, 650, Some("75 cl")), None);
    }
}
