//! What a price is for (the selling unit), what the goods come in (the packaging, free
//! text), how much is inside (the net quantity) and the unit price French rules derive
//! from them. Three separate things: « Cidre brut, bouteille 75 cl, 6,50 € » is sold by
//! the piece, packed in a bottle, holds 75 cl, and costs 8,67 € / l.

use std::fmt;

use crate::model::catalogue::{Unit, UnitPrice, UnitPricePer};
use crate::money::div_round_half_up;
use crate::text::fold;

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Piece => "pièce",
            Unit::Kg => "kg",
            Unit::HundredGrams => "100 g",
            Unit::Litre => "l",
            Unit::Metre => "m",
            Unit::SquareMetre => "m²",
            Unit::Lot => "lot",
            Unit::Dozen => "douzaine",
        }
    }

    /// Sold loose by measure: the price is already a unit price and there is no net
    /// quantity to declare.
    pub fn is_measured(self) -> bool {
        matches!(self, Unit::Kg | Unit::HundredGrams | Unit::Litre | Unit::Metre | Unit::SquareMetre)
    }

    /// The stored names and the ways spreadsheets write a selling unit; `None` for any
    /// other word (which [`read_unit_cell`] keeps as packaging).
    pub fn parse(s: &str) -> Option<Self> {
        let f = fold(s.trim());
        let f = f.trim_end_matches('.');
        let f =
            f.strip_prefix("au ").or_else(|| f.strip_prefix("a la ")).or_else(|| f.strip_prefix("par ")).unwrap_or(f);
        Some(match f {
            "piece" | "pieces" | "pce" | "pc" | "p" | "u" | "unite" | "unit" | "" | "l'unite" => Unit::Piece,
            "kg" | "kilo" | "kilogramme" | "le kg" | "poids" => Unit::Kg,
            "hundred_grams" | "100 g" | "100g" | "les 100 g" | "les 100g" => Unit::HundredGrams,
            "litre" | "l" | "le litre" | "litres" => Unit::Litre,
            "metre" | "m" | "le metre" | "metre lineaire" => Unit::Metre,
            "square_metre" | "m2" | "m²" | "metre carre" | "le m2" | "le m²" => Unit::SquareMetre,
            "lot" => Unit::Lot,
            "dozen" | "douzaine" | "dz" | "la douzaine" => Unit::Dozen,
            _ => return None,
        })
    }
}

/// Words that name a service rather than goods (« séance », « atelier »): written in a
/// unit or packaging column, they make the row a service.
const SERVICE_WORDS: &[&str] = &[
    "seance",
    "seances",
    "atelier",
    "ateliers",
    "cours",
    "stage",
    "location",
    "reparation",
    "degustation",
    "visite",
    "prestation",
    "heure",
    "forfait",
    "consultation",
    "soin",
    "massage",
];

/// How a unit cell of a spreadsheet was understood: a selling unit, the packaging word
/// the shop wrote, and whether that word names a service. Never a refusal: an unknown
/// word is a packaging label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitReading {
    pub unit: Unit,
    pub packaging: Option<String>,
    pub service: bool,
}

impl UnitReading {
    /// What the simulation says it understood: « « bouteille » : vendu à la pièce,
    /// conditionnement bouteille ».
    pub fn explain(&self, written: &str) -> String {
        let sold = match self.unit {
            Unit::Piece => "vendu à la pièce".to_owned(),
            Unit::Dozen => "vendu à la douzaine".to_owned(),
            Unit::Lot => "vendu au lot".to_owned(),
            u => format!("vendu au {}", u.label()),
        };
        let mut out = format!("« {} » : {sold}", written.trim());
        if let Some(p) = &self.packaging {
            out.push_str(&format!(", conditionnement {p}"));
        }
        if self.service {
            out.push_str(", prestation de service");
        }
        out
    }
}

/// Reads a unit cell as shops write it: « kg », « le litre » are selling units;
/// « bouteille », « pot », « sachet de 250 g » are packagings sold by the piece;
/// « coffret », « colis » are lots; « séance » is a service.
pub fn read_unit_cell(cell: &str) -> UnitReading {
    let written = cell.trim();
    if let Some(unit) = Unit::parse(written) {
        return UnitReading { unit, packaging: None, service: false };
    }
    let folded = fold(written);
    let first = folded.split_whitespace().next().unwrap_or_default();
    let service = SERVICE_WORDS.contains(&first);
    let unit = match first {
        "coffret" | "colis" | "panier" | "assortiment" => Unit::Lot,
        _ => Unit::Piece,
    };
    // Kept as written, lower-cased the French way (« Bouteille » → « bouteille »), with
    // any quantity (« sachet 250 g ») left in: the net quantity is a separate column.
    let packaging = lowercase_first(written);
    UnitReading { unit, packaging: Some(packaging), service }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Only the first letter, and only when the second is lower case: « Bouteille » →
        // « bouteille », but « AOP » and « L'Atelier » stay.
        Some(c) if c.is_uppercase() && chars.clone().next().is_some_and(char::is_lowercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_owned(),
    }
}

/// The unit a net quantity is written in, kept as the shop wrote it (« 75 cl » stays
/// 75 cl, not 0,75 l).
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

/// What a quantity measures, and so what its unit price is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Mass,
    Volume,
    Length,
    Area,
}

impl QuantityUnit {
    fn symbol(self) -> &'static str {
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

    fn parse(s: &str) -> Option<Self> {
        Some(match fold(s).trim_end_matches('.') {
            "g" | "gr" | "grs" | "gramme" | "grammes" => QuantityUnit::G,
            "kg" | "kgs" | "kilo" | "kilos" | "kilogramme" | "kilogrammes" => QuantityUnit::Kg,
            "ml" | "millilitre" | "millilitres" => QuantityUnit::Ml,
            "cl" | "centilitre" | "centilitres" => QuantityUnit::Cl,
            "l" | "litre" | "litres" | "lt" => QuantityUnit::L,
            "cm" => QuantityUnit::Cm,
            "m" | "metre" | "metres" => QuantityUnit::M,
            "m2" | "m²" => QuantityUnit::M2,
            _ => return None,
        })
    }

    fn dimension(self) -> Dimension {
        match self {
            QuantityUnit::G | QuantityUnit::Kg => Dimension::Mass,
            QuantityUnit::Ml | QuantityUnit::Cl | QuantityUnit::L => Dimension::Volume,
            QuantityUnit::Cm | QuantityUnit::M => Dimension::Length,
            QuantityUnit::M2 => Dimension::Area,
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
}

/// A net quantity: « 75 cl », « 250 g », « 1,5 kg », « 6 × 125 g ».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetQuantity {
    /// Items in the pack (« 6 × 125 g »); 1 for a single item.
    pub count: u32,
    /// The quantity of one item, in thousandths of `unit` (1,5 kg = 1500).
    pub milli: i64,
    pub unit: QuantityUnit,
}

/// Largest count and amount accepted: beyond them a cell is a typing mistake.
const MAX_COUNT: u32 = 10_000;
const MAX_MILLI: i64 = 1_000_000_000;

impl NetQuantity {
    /// Reads what people write: « 75 cl », « 75cl », « 1,5 kg », « 1.5 L », « 6 x 125 g »,
    /// « 6×125g », « 250 grammes ». `None` when it is not a quantity.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (count, rest) = match s.find(['×', 'x', 'X', '*']) {
            Some(i) if s[..i].trim().chars().all(|c| c.is_ascii_digit()) && !s[..i].trim().is_empty() => {
                let sep_len = s[i..].chars().next().map_or(1, char::len_utf8);
                (s[..i].trim().parse::<u32>().ok()?, s[i + sep_len..].trim())
            }
            _ => (1, s),
        };
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.' || c == ' ' || c == '\u{a0}'))?;
        let (number, unit) = (rest[..split].trim(), rest[split..].trim());
        let unit = QuantityUnit::parse(unit)?;
        let milli = parse_milli(number)?;
        let q = NetQuantity { count, milli, unit };
        ((1..=MAX_COUNT).contains(&count) && (1..=MAX_MILLI).contains(&milli)).then_some(q)
    }

    fn dimension(self) -> Dimension {
        self.unit.dimension()
    }

    /// Total in thousandths of the reference unit × 1000 (micro-kg, micro-litres…), for
    /// an exact unit price.
    fn total_micro_reference(self) -> (i128, i128) {
        (i128::from(self.count) * i128::from(self.milli), self.unit.milli_per_reference())
    }

    /// The weight in grams when it is a mass (for orders and pick lists).
    pub fn grams(self) -> Option<i64> {
        (self.dimension() == Dimension::Mass).then(|| {
            let (n, per) = self.total_micro_reference();
            div_round_half_up(n * 1000, per) as i64
        })
    }

    /// The volume in millilitres when it is a volume.
    pub fn millilitres(self) -> Option<i64> {
        (self.dimension() == Dimension::Volume).then(|| {
            let (n, per) = self.total_micro_reference();
            div_round_half_up(n * 1000, per) as i64
        })
    }
}

/// « 1,5 » → 1500 (thousandths); at most three decimals.
fn parse_milli(number: &str) -> Option<i64> {
    let number: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    let number = number.replace(',', ".");
    let (int, frac) = number.split_once('.').unwrap_or((&number, ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 3 || int.len() > 9 {
        return None;
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_milli: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().ok()? };
    Some(int * 1000 + frac_milli)
}

impl fmt::Display for NetQuantity {
    /// The canonical French form: « 75 cl », « 1,5 kg », « 6 × 125 g ».
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// A net quantity as the editor and the import send it: parsed and rewritten in the
/// canonical form, or the French reason it cannot be read.
pub fn normalise_net_quantity(s: &str) -> Result<String, String> {
    NetQuantity::parse(s).map(|q| q.to_string()).ok_or_else(|| {
        format!("Quantité nette « {} » illisible : écrivez par exemple 75 cl, 250 g, 1,5 kg ou 6 × 125 g", s.trim())
    })
}

/// A quantity at the end of a product name (« Cidre brut 75 cl » → 75 cl), proposed when
/// the file has no quantity column: shown for confirmation, never stored unasked.
pub fn net_quantity_in_name(name: &str) -> Option<NetQuantity> {
    let words: Vec<&str> = name.split_whitespace().collect();
    // Try the longest tail first (« 6 x 125 g » before « 125 g »), up to four words.
    for take in (1..=words.len().min(4)).rev() {
        let tail = words[words.len() - take..].join(" ");
        let tail = tail.trim_matches(|c: char| c == '(' || c == ')' || c == '-');
        if let Some(q) = NetQuantity::parse(tail) {
            return Some(q);
        }
    }
    // Also « Miel de fleurs 500 g bio »: a quantity anywhere, two words.
    words
        .windows(2)
        .find_map(|w| NetQuantity::parse(&w.join(" ")))
        .or_else(|| words.iter().find_map(|w| NetQuantity::parse(w)))
}

impl UnitPricePer {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitPricePer::Kg => "kg",
            UnitPricePer::L => "l",
            UnitPricePer::M => "m",
            UnitPricePer::M2 => "m2",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitPricePer::Kg => "kg",
            UnitPricePer::L => "l",
            UnitPricePer::M => "m",
            UnitPricePer::M2 => "m²",
        }
    }
}

impl UnitPrice {
    /// « 8,67 € / l ».
    pub fn text(self) -> String {
        format!("{} / {}", crate::money::format_eur(self.cents), self.per.label())
    }
}

/// Price per kg, l, m or m², rounded half-up to the cent, where the selling unit or the
/// net quantity allows it: 6,50 € for 75 cl → 8,67 € / l.
pub fn unit_price(unit: Unit, price_cents: i64, net: Option<&NetQuantity>) -> Option<UnitPrice> {
    match unit {
        Unit::Kg => Some(UnitPrice { cents: price_cents, per: UnitPricePer::Kg }),
        Unit::HundredGrams => Some(UnitPrice { cents: price_cents * 10, per: UnitPricePer::Kg }),
        Unit::Litre => Some(UnitPrice { cents: price_cents, per: UnitPricePer::L }),
        Unit::Metre => Some(UnitPrice { cents: price_cents, per: UnitPricePer::M }),
        Unit::SquareMetre => Some(UnitPrice { cents: price_cents, per: UnitPricePer::M2 }),
        Unit::Piece | Unit::Lot | Unit::Dozen => {
            let q = net?;
            let (total, per) = q.total_micro_reference();
            let cents = div_round_half_up(i128::from(price_cents) * per, total) as i64;
            let per = match q.dimension() {
                Dimension::Mass => UnitPricePer::Kg,
                Dimension::Volume => UnitPricePer::L,
                Dimension::Length => UnitPricePer::M,
                Dimension::Area => UnitPricePer::M2,
            };
            Some(UnitPrice { cents, per })
        }
    }
}

/// [`unit_price`] from a stored net quantity text.
pub fn unit_price_of(unit: Unit, price_cents: i64, net_quantity: Option<&str>) -> Option<UnitPrice> {
    unit_price(unit, price_cents, net_quantity.and_then(NetQuantity::parse).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalogue::legacy_net_quantity;

    fn q(s: &str) -> NetQuantity {
        NetQuantity::parse(s).unwrap_or_else(|| panic!("{s} must parse"))
    }

    #[test]
    fn net_quantities_read_as_written_and_print_canonically() {
        for (written, canonical) in [
            ("75 cl", "75 cl"),
            ("75cl", "75 cl"),
            ("250 g", "250 g"),
            ("250g", "250 g"),
            ("1 l", "1 l"),
            ("1 L", "1 l"),
            ("1,5 kg", "1,5 kg"),
            ("1.5 Kg", "1,5 kg"),
            ("6 × 125 g", "6 × 125 g"),
            ("6x125g", "6 × 125 g"),
            ("6 X 125 g", "6 × 125 g"),
            ("2,5 g", "2,5 g"),
            ("500 grammes", "500 g"),
            ("0,75 litre", "0,75 l"),
            ("3 m", "3 m"),
            ("1,20 m²", "1,2 m²"),
        ] {
            assert_eq!(q(written).to_string(), canonical, "{written}");
        }
        for bad in ["", "75", "cl", "douze g", "0 g", "-5 g", "1,2345 kg", "x 125 g", "bouteille"] {
            assert_eq!(NetQuantity::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn unit_prices_half_up_to_the_cent() {
        let up = |price, net: &str| unit_price(Unit::Piece, price, Some(&q(net))).map(UnitPrice::text);
        // The issue's own examples.
        assert_eq!(up(650, "75 cl").as_deref(), Some("8,67 € / l"));
        assert_eq!(up(495, "250 g").as_deref(), Some("19,80 € / kg"));
        assert_eq!(up(450, "75 cl").as_deref(), Some("6,00 € / l"));
        assert_eq!(up(1290, "1,5 kg").as_deref(), Some("8,60 € / kg"));
        assert_eq!(up(399, "6 × 125 g").as_deref(), Some("5,32 € / kg"));
        assert_eq!(up(1200, "2,5 g").as_deref(), Some("4\u{202f}800,00 € / kg"));
        // 1 € for 300 g = 3,3333 € → 3,33; 0,05 € for 3 g = 16,6667 € → 16,67.
        assert_eq!(up(100, "300 g").map(|_| ()), Some(()));
        assert_eq!(unit_price(Unit::Piece, 100, Some(&q("300 g"))).unwrap().cents, 333);
        assert_eq!(unit_price(Unit::Piece, 5, Some(&q("3 g"))).unwrap().cents, 1667);
        // Exactly half a cent rounds up: 0,01 € for 2 kg = 0,005 €/kg → 0,01.
        assert_eq!(unit_price(Unit::Piece, 1, Some(&q("2 kg"))).unwrap().cents, 1);
        assert_eq!(up(1500, "2 m").as_deref(), Some("7,50 € / m"));
        // Measured units are their own unit price; no quantity, no unit price.
        assert_eq!(unit_price(Unit::HundredGrams, 289, None).map(UnitPrice::text).as_deref(), Some("28,90 € / kg"));
        assert_eq!(unit_price(Unit::Kg, 2450, None).unwrap().cents, 2450);
        assert_eq!(unit_price(Unit::Piece, 1200, None), None);
    }

    #[test]
    fn unit_cells_are_understood_never_refused() {
        let r = read_unit_cell("Bouteille");
        assert_eq!((r.unit, r.packaging.as_deref(), r.service), (Unit::Piece, Some("bouteille"), false));
        assert_eq!(r.explain("Bouteille"), "« Bouteille » : vendu à la pièce, conditionnement bouteille");
        for word in ["pot", "sachet", "boîte", "barquette", "botte", "filet", "flacon", "paire", "bidon", "bocal"] {
            let r = read_unit_cell(word);
            assert_eq!((r.unit, r.packaging.as_deref()), (Unit::Piece, Some(word)), "{word}");
        }
        assert_eq!(read_unit_cell("coffret").unit, Unit::Lot);
        assert!(read_unit_cell("Séance").service);
        assert!(read_unit_cell("atelier 2 h").service);
        assert_eq!(read_unit_cell("le kg"), UnitReading { unit: Unit::Kg, packaging: None, service: false });
        assert_eq!(read_unit_cell("au mètre").unit, Unit::Metre);
        assert_eq!(read_unit_cell("AOP").packaging.as_deref(), Some("AOP"));
    }

    #[test]
    fn legacy_quantities_read_as_the_migration_writes_them() {
        assert_eq!(legacy_net_quantity(None, Some(750)).as_deref(), Some("75 cl"));
        assert_eq!(legacy_net_quantity(None, Some(1000)).as_deref(), Some("1 l"));
        assert_eq!(legacy_net_quantity(None, Some(333)).as_deref(), Some("333 ml"));
        assert_eq!(legacy_net_quantity(Some(250), None).as_deref(), Some("250 g"));
        assert_eq!(legacy_net_quantity(Some(2000), None).as_deref(), Some("2 kg"));
        assert_eq!(legacy_net_quantity(Some(1200), Some(750)).as_deref(), Some("75 cl"));
        assert_eq!(legacy_net_quantity(None, None), None);
        // Written without `NetQuantity` (it lives in `model`, below the catalogue), the
        // same text as the net quantity of that volume or weight prints.
        let q = |milli: i64, unit| NetQuantity { count: 1, milli, unit }.to_string();
        for n in [1, 5, 10, 75, 100, 250, 333, 750, 1000, 1500, 2000, 12_345, 1_000_000] {
            let volume = if n % 1000 == 0 {
                q(n, QuantityUnit::L)
            } else if n % 10 == 0 {
                q(n * 100, QuantityUnit::Cl)
            } else {
                q(n * 1000, QuantityUnit::Ml)
            };
            assert_eq!(legacy_net_quantity(Some(7), Some(n)), Some(volume), "{n} ml");
            let weight = if n % 1000 == 0 { q(n, QuantityUnit::Kg) } else { q(n * 1000, QuantityUnit::G) };
            assert_eq!(legacy_net_quantity(Some(n), None), Some(weight), "{n} g");
        }
    }

    #[test]
    fn names_propose_their_quantity() {
        assert_eq!(net_quantity_in_name("Cidre brut 75 cl").map(|q| q.to_string()).as_deref(), Some("75 cl"));
        assert_eq!(
            net_quantity_in_name("Yaourts nature 6 x 125 g").map(|q| q.to_string()).as_deref(),
            Some("6 × 125 g")
        );
        assert_eq!(net_quantity_in_name("Miel de fleurs 500g bio").map(|q| q.to_string()).as_deref(), Some("500 g"));
        assert_eq!(net_quantity_in_name("Camembert (250 g)").map(|q| q.to_string()).as_deref(), Some("250 g"));
        assert_eq!(net_quantity_in_name("Bol n° 10"), None);
        assert_eq!(net_quantity_in_name("Atelier poterie"), None);
    }

    #[test]
    fn units_parse_what_people_write() {
        assert_eq!(Unit::parse("Pièce"), Some(Unit::Piece));
        assert_eq!(Unit::parse("le kg"), Some(Unit::Kg));
        assert_eq!(Unit::parse("100 g"), Some(Unit::HundredGrams));
        assert_eq!(Unit::parse("L"), Some(Unit::Litre));
        assert_eq!(Unit::parse("m²"), Some(Unit::SquareMetre));
        assert_eq!(Unit::parse("sac"), None);
        for u in Unit::ALL {
            assert_eq!(Unit::from_stored(u.as_str()), Some(u));
            assert_eq!(Unit::parse(u.as_str()), Some(u));
        }
    }
}
