//! French VAT rates. Stored as basis points (5.5 % = 550) so no float is ever stored.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum VatRate {
    /// 20 %: most goods, alcohol (cidre, pommeau, calvados), services.
    Normal,
    /// 10 %: restaurant food, some services.
    Intermediate,
    /// 5,5 %: most food, books.
    Reduced,
    /// 2,1 %: press, some medicines.
    SuperReduced,
}

impl VatRate {
    pub const ALL: [VatRate; 4] = [VatRate::Normal, VatRate::Intermediate, VatRate::Reduced, VatRate::SuperReduced];

    pub fn basis_points(self) -> i64 {
        match self {
            VatRate::Normal => 2000,
            VatRate::Intermediate => 1000,
            VatRate::Reduced => 550,
            VatRate::SuperReduced => 210,
        }
    }

    pub fn from_basis_points(bp: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.basis_points() == bp)
    }

    /// `20`, `10`, `5.5`, `2.1`: the form used on the wire and in `--json`.
    pub fn as_decimal_str(self) -> &'static str {
        match self {
            VatRate::Normal => "20",
            VatRate::Intermediate => "10",
            VatRate::Reduced => "5.5",
            VatRate::SuperReduced => "2.1",
        }
    }

    /// `5,5 %`, for people.
    pub fn label(self) -> &'static str {
        match self {
            VatRate::Normal => "20 %",
            VatRate::Intermediate => "10 %",
            VatRate::Reduced => "5,5 %",
            VatRate::SuperReduced => "2,1 %",
        }
    }

    /// Accepts `5,5 %`, `5.5`, `5,5`, `0,055`, `0.055`, `20`, `20%`, `0,2`.
    /// Values under 1 are read as fractions (spreadsheets formatted as percentages
    /// store 5,5 % as 0,055).
    pub fn parse(input: &str) -> Result<Self, VatError> {
        let s: String = input
            .trim()
            .trim_end_matches('%')
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        if s.is_empty() {
            return Err(VatError::Empty);
        }
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 6
        {
            return Err(VatError::Invalid(input.trim().to_owned()));
        }
        // Exact arithmetic in millionths of a unit.
        let int_v: i64 =
            if int.is_empty() { 0 } else { int.parse().map_err(|_| VatError::Invalid(input.trim().to_owned()))? };
        if int_v > 100 {
            return Err(VatError::Unknown(input.trim().to_owned()));
        }
        let frac_v: i64 = format!("{frac:0<6}").parse().unwrap_or(0);
        let micro = int_v * 1_000_000 + frac_v;
        // Under 1 (i.e. 0.055) it is a fraction: 0.055 → 5.5 %.
        let bp_micro = if int_v == 0 { micro * 10_000 } else { micro * 100 };
        if bp_micro % 1_000_000 != 0 {
            return Err(VatError::Unknown(input.trim().to_owned()));
        }
        Self::from_basis_points(bp_micro / 1_000_000).ok_or_else(|| VatError::Unknown(input.trim().to_owned()))
    }

    /// A rate a spreadsheet stored as a number: `0.055` (cell formatted as a
    /// percentage) or `5.5`.
    pub fn from_number(n: f64) -> Result<Self, VatError> {
        if !n.is_finite() || n < 0.0 {
            return Err(VatError::Invalid(n.to_string()));
        }
        // Six decimals absorb float noise (0.055000000000000007) without inventing rates.
        let s = format!("{n:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        Self::parse(s)
    }

    /// The rate as a spreadsheet percentage (`0.055` for 5,5 %).
    pub fn as_fraction(self) -> f64 {
        self.basis_points() as f64 / 10_000.0
    }

    /// Price excluding tax → price including tax, rounded half-up to the cent.
    pub fn ttc_from_ht(self, ht_cents: i64) -> i64 {
        crate::money::div_round_half_up(i128::from(ht_cents) * i128::from(10_000 + self.basis_points()), 10_000) as i64
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VatError {
    Empty,
    Invalid(String),
    Unknown(String),
}

impl VatError {
    pub fn message(&self) -> String {
        match self {
            VatError::Empty => "Taux de TVA manquant".to_owned(),
            VatError::Invalid(v) => format!("Taux de TVA illisible « {v} » : 20, 10, 5,5 ou 2,1 %"),
            VatError::Unknown(v) => {
                let shown = v.trim_end_matches('%').trim().replace('.', ",");
                format!("Taux de TVA {shown} % inconnu : 20, 10, 5,5 ou 2,1 %")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (s, r) in [
            ("20", VatRate::Normal),
            ("20 %", VatRate::Normal),
            ("0,2", VatRate::Normal),
            ("10%", VatRate::Intermediate),
            ("5,5 %", VatRate::Reduced),
            ("5.5", VatRate::Reduced),
            ("0,055", VatRate::Reduced),
            ("0.055", VatRate::Reduced),
            ("5,50", VatRate::Reduced),
            ("2,1", VatRate::SuperReduced),
            ("0,021", VatRate::SuperReduced),
        ] {
            assert_eq!(VatRate::parse(s), Ok(r), "{s}");
        }
    }

    #[test]
    fn unknown_rates_say_which_are_allowed() {
        let e = VatRate::parse("7").unwrap_err();
        assert_eq!(e.message(), "Taux de TVA 7 % inconnu : 20, 10, 5,5 ou 2,1 %");
        assert_eq!(VatRate::parse(""), Err(VatError::Empty));
        assert!(matches!(VatRate::parse("cinq"), Err(VatError::Invalid(_))));
        assert!(matches!(VatRate::parse("19,6"), Err(VatError::Unknown(_))));
    }

    #[test]
    fn numbers_from_spreadsheets() {
        assert_eq!(VatRate::from_number(0.055), Ok(VatRate::Reduced));
        assert_eq!(VatRate::from_number(0.1 * 0.55), Ok(VatRate::Reduced));
        assert_eq!(VatRate::from_number(20.0), Ok(VatRate::Normal));
        assert_eq!(VatRate::from_number(0.2), Ok(VatRate::Normal));
        assert_eq!(VatRate::from_number(2.1), Ok(VatRate::SuperReduced));
        for r in VatRate::ALL {
            assert_eq!(VatRate::from_number(r.as_fraction()), Ok(r));
        }
        assert_eq!(VatRate::from_number(7.0).unwrap_err().message(), "Taux de TVA 7 % inconnu : 20, 10, 5,5 ou 2,1 %");
    }

    #[test]
    fn ttc_rounds_half_up_to_the_cent() {
        assert_eq!(VatRate::Normal.ttc_from_ht(1000), 1200);
        // 4,69 € HT × 1,055 = 4,94795 → 4,95 €
        assert_eq!(VatRate::Reduced.ttc_from_ht(469), 495);
        // 0,10 € HT × 1,055 = 0,1055 → 0,11 €
        assert_eq!(VatRate::Reduced.ttc_from_ht(10), 11);
        assert_eq!(VatRate::SuperReduced.ttc_from_ht(100), 102);
    }
}
