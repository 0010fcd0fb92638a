//! The shop's words: a stock policy in a stock or « Gestion du stock » cell (« sur
//! commande 10 jours », « illimité »), lead times and durations (with the header's
//! unit), the Type cell, a service's dated sessions, the status; and the words the
//! export writes them back with.

use super::{CellOf, Columns, Record, TextOf};
use crate::catalogue::{
    MAX_LEAD_TIME_DAYS, ProductKind, ProductStatus, ServiceSession, StockCell, StockPolicy, format_duration,
    lead_time_days, parse_duration, read_stock_words,
};
use crate::import::map::Field;
use crate::import::read::{Cell, number_to_string};
use crate::text::fold;

/// Words of a stock or « Gestion du stock » cell: the policy, the lead time written
/// with it (« sur commande 10 jours »), and the cell as written; `Ok(None)` when the
/// words are not a policy, `Err` for a lead time out of range. `counted_words`: also
/// read « compté », « oui »… (a « Gestion du stock » cell, not a stock count).
pub(super) fn read_policy_words(
    cell: &str,
    counted_words: bool,
) -> Result<Option<(StockPolicy, Option<u16>, String)>, String> {
    let written = cell.trim().to_owned();
    match read_stock_words(&written) {
        Some(StockCell::MadeToOrder(days)) => {
            if days.is_none() && written.chars().any(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "Délai de fabrication illisible : de 1 à {} jours (exemple : sur commande, 10 jours)",
                    MAX_LEAD_TIME_DAYS
                ));
            }
            Ok(Some((StockPolicy::MadeToOrder, days, written)))
        }
        Some(StockCell::Unlimited) => Ok(Some((StockPolicy::Unlimited, None, written))),
        Some(StockCell::Count(_)) => Ok(None),
        None if counted_words => Ok(match fold(&written).as_str() {
            "compte" | "comptee" | "suivi" | "gere" | "counted" | "en stock" | "stock" | "stock compte" | "oui"
            | "o" | "1" | "vrai" | "true" | "yes" => Some((StockPolicy::Counted, None, written)),
            "non" | "n" | "0" | "faux" | "false" | "no" | "non suivi" | "unlimited" => {
                Some((StockPolicy::Unlimited, None, written))
            }
            "made_to_order" => Some((StockPolicy::MadeToOrder, None, written)),
            _ => None,
        }),
        None => Ok(None),
    }
}

/// The length written after a service word: « atelier 2 h » → 120 minutes.
pub(super) fn duration_in_words(cell: &str) -> Option<u32> {
    let rest = cell.trim().split_once(char::is_whitespace)?.1;
    parse_duration(rest)
}

/// « 1 jour », « 10 jours ».
pub fn days_text(days: u16) -> String {
    if days == 1 { "1 jour".into() } else { format!("{days} jours") }
}

/// The words a stock policy is written with: the export's « Gestion du stock ».
pub fn policy_label(p: StockPolicy) -> &'static str {
    match p {
        StockPolicy::Counted => "compté",
        StockPolicy::Unlimited => "illimité",
        StockPolicy::MadeToOrder => "sur commande",
    }
}

pub(super) fn policy_note(written: &str, policy: StockPolicy, days: Option<u16>) -> String {
    match (policy, days) {
        (StockPolicy::Counted, _) => format!("« {written} » : stock compté"),
        (StockPolicy::Unlimited, _) => format!("« {written} » : stock non compté, toujours disponible"),
        (StockPolicy::MadeToOrder, Some(d)) => {
            format!("« {written} » : fabriqué sur commande, délai {}", days_text(d))
        }
        (StockPolicy::MadeToOrder, None) => format!("« {written} » : fabriqué sur commande"),
    }
}

/// The export's « Type »: « produit », « service », with « alimentaire » for food.
pub fn kind_label(kind: ProductKind, food: bool) -> &'static str {
    match (kind, food) {
        (ProductKind::Goods, false) => "produit",
        (ProductKind::Goods, true) => "produit alimentaire",
        (ProductKind::Service, false) => "service",
        (ProductKind::Service, true) => "service alimentaire",
    }
}

/// A Type cell: the kind, and whether it says food (« produit alimentaire », « denrée »).
pub(super) fn read_kind(cell: &str) -> Option<(ProductKind, bool)> {
    let f = fold(cell.trim());
    let is_food = |w: &str| w.starts_with("aliment") || w.starts_with("denree");
    let food = f.split_whitespace().any(is_food);
    let rest: Vec<&str> = f.split_whitespace().filter(|w| !is_food(w)).collect();
    let kind = ProductKind::parse(&rest.join(" "))
        .or_else(|| rest.first().and_then(|w| ProductKind::parse(w)))
        .or_else(|| (rest.first() == Some(&"services")).then_some(ProductKind::Service))?;
    Some((kind, food))
}

/// The offer's own columns: « Gestion du stock », « Délai », « Durée ».
pub(super) fn read_offer(
    r: &mut Record,
    cell: &CellOf<'_>,
    text: &TextOf<'_>,
    cols: &Columns,
    err: &mut dyn FnMut(Field, &str, String),
) {
    if let Some(t) = text(Field::StockPolicy) {
        match read_policy_words(&t, true) {
            Ok(Some((policy, days, written))) => {
                r.notes.push((Field::StockPolicy, policy_note(&written, policy, days)));
                r.stock_policy = Some(policy);
                r.lead_time_days = days;
            }
            Ok(None) => err(
                Field::StockPolicy,
                "stock_policy_invalid",
                "Gestion du stock inconnue : « compté », « illimité » ou « sur commande » est attendu".into(),
            ),
            Err(message) => err(Field::StockPolicy, "lead_time_invalid", message),
        }
    }
    if let Some(c) = cell(Field::LeadTime) {
        let written = with_hint(c, cols.lead_time_hint.as_deref());
        match lead_time_days(&written) {
            Some(d) => {
                let note = format!("« {} » : délai de fabrication {}", c.display(), days_text(d));
                r.notes.push((Field::LeadTime, note));
                r.lead_time_days = Some(d);
            }
            None => err(
                Field::LeadTime,
                "lead_time_invalid",
                format!(
                    "Délai illisible : un nombre de jours de 1 à {} est attendu (exemple : 10 jours)",
                    MAX_LEAD_TIME_DAYS
                ),
            ),
        }
    }
    if let Some(c) = cell(Field::Duration) {
        let minutes = match (c, cols.duration_hint.as_deref()) {
            // Without a unit in the header, a number below 1 is a time Excel holds as
            // a fraction of a day ([h]:mm).
            (Cell::Number(n), None) if *n > 0.0 && *n < 1.0 => Some((n * 1440.0).round() as u32).filter(|m| *m > 0),
            (other, hint) => parse_duration(&with_hint(other, hint)),
        };
        match minutes {
            Some(m) => {
                // A time cell is shown as Excel shows it (1:30), not as its fraction of a day.
                let written = match c {
                    Cell::Number(n) if cols.duration_hint.is_none() && *n < 1.0 => format!("{}:{:02}", m / 60, m % 60),
                    other => other.display(),
                };
                r.notes.push((Field::Duration, format!("« {written} » : durée {}", format_duration(m))));
                r.duration_minutes = Some(m);
            }
            None => err(Field::Duration, "duration_invalid", "Durée illisible (exemples : 1 h, 2 h 30, 90 min)".into()),
        }
    }
    if let Some(t) = text(Field::Sessions) {
        match parse_sessions(&t) {
            Ok(sessions) => r.sessions = Some(sessions),
            Err(part) => err(
                Field::Sessions,
                "sessions_invalid",
                format!(
                    "Séance illisible : « {part} » (exemple : 12/12/2026 14:00 (8 places) ; 19/12/2026 9h30, séparées par des points-virgules)"
                ),
            ),
        }
    }
}

/// A « Séances » cell: sessions separated by `;` or new lines, each `dd/mm/yyyy hh:mm`
/// or `dd/mm/yyyy 14h30` (« 14 h »), with its places if limited (« (8 places) »,
/// « 8 pl. »). `Err`: the first session not understood, as written.
pub fn parse_sessions(cell: &str) -> Result<Vec<ServiceSession>, String> {
    cell.split([';', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| parse_session(p).ok_or_else(|| p.to_owned()))
        .collect()
}

/// One session: « 12/12/2026 14:00 (8 places) », « 19/12/2026 à 9 h 30 ».
fn parse_session(part: &str) -> Option<ServiceSession> {
    let f = fold(part);
    let (date, rest) = f.trim().split_once(char::is_whitespace)?;
    let [d, m, y] = date.split('/').collect::<Vec<_>>()[..] else { return None };
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    let (d, m, y) = (number(d, 1..=2)?, number(m, 1..=2)?, number(y, 4..=4)?);
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("a ").unwrap_or(rest).trim_start();
    // Hours, then `:` or `h`, then the minutes (none after `h`: « 14 h »).
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let hn = digits(rest);
    if !(1..=2).contains(&hn) {
        return None;
    }
    let hour: u32 = rest[..hn].parse().ok()?;
    let after = rest[hn..].trim_start();
    let (minute, rest) = if let Some(m) = after.strip_prefix(':') {
        (m.get(..2).filter(|m| digits(m) == 2)?.parse().ok()?, &m[2..])
    } else if let Some(m) = after.strip_prefix('h') {
        let m = m.trim_start();
        match digits(m) {
            0 => (0, m),
            2 => (m[..2].parse().ok()?, &m[2..]),
            _ => return None,
        }
    } else {
        return None;
    };
    let time = chrono::NaiveTime::from_hms_opt(hour, minute, 0)?;
    let places = read_places(rest.trim().trim_start_matches([',', '-']).trim())?;
    Some(ServiceSession { starts_at: date.and_time(time).format("%Y-%m-%dT%H:%M").to_string(), places })
}

/// What follows a session's time: nothing (places not limited), « (8 places) », « 8 pl. »;
/// `None` when it is something else, or no place at all.
fn read_places(s: &str) -> Option<Option<u32>> {
    if s.is_empty() {
        return Some(None);
    }
    let s = match s.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')')?.trim(),
        None => s,
    };
    let n = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let places: u32 = s[..n].parse().ok().filter(|p| *p > 0)?;
    matches!(s[n..].trim(), "places" | "place" | "pl." | "pl").then_some(Some(places))
}

/// The export's « Séances »: « 12/12/2026 14:00 (8 places) ; 19/12/2026 09:30 ».
pub fn sessions_text(sessions: &[ServiceSession]) -> String {
    let one = |s: &ServiceSession| {
        let when = s.start().map_or_else(|| s.starts_at.clone(), |d| d.format("%d/%m/%Y %H:%M").to_string());
        match s.places {
            Some(1) => format!("{when} (1 place)"),
            Some(n) => format!("{when} ({n} places)"),
            None => when,
        }
    };
    sessions.iter().map(one).collect::<Vec<_>>().join(" ; ")
}

/// A cell's text, with the header's unit after a bare number (« Durée (min) » : 90 →
/// « 90 min »).
fn with_hint(c: &Cell, hint: Option<&str>) -> String {
    let t = match c {
        Cell::Number(n) => number_to_string(*n),
        other => other.display(),
    };
    match hint {
        Some(h) if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.') => {
            format!("{t} {h}")
        }
        _ => t,
    }
}

pub(super) fn parse_status(s: &str) -> Option<ProductStatus> {
    match crate::text::fold(s.trim()).as_str() {
        "publie" | "published" | "en ligne" | "oui" | "o" | "yes" | "1" | "vrai" | "true" | "actif" => {
            Some(ProductStatus::Published)
        }
        "brouillon" | "draft" | "hors ligne" | "non" | "n" | "no" | "0" | "faux" | "false" | "inactif" => {
            Some(ProductStatus::Draft)
        }
        _ => None,
    }
}

/// Label written by the export and read back.
pub fn status_label(s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Draft => "Brouillon",
        ProductStatus::Published => "Publié",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Allergen, Unit};
    use crate::import::errors::RowError;
    use crate::import::map::Mapping;
    use crate::import::read::GridRow;
    use crate::import::values::read_record;
    use crate::import::values::tests::{cols, row};

    #[test]
    fn shop_words_are_read_with_what_they_mean() {
        let c =
            cols(&[Field::Sku, Field::Unit, Field::Stock, Field::Kind, Field::Allergens, Field::Abv, Field::Labels]);
        let r = read_record(
            &row(&[
                "CID",
                "Bouteille",
                "sur commande, 10 jours",
                "produit alimentaire",
                "Lait ; gluten",
                "5,5",
                "aop, bio",
            ]),
            &c,
        );
        assert!(r.errors.is_empty() && r.warnings.is_empty(), "{:?} {:?}", r.errors, r.warnings);
        assert_eq!((r.unit, r.packaging.as_deref(), r.service), (Some(Unit::Piece), Some("bouteille"), false));
        assert_eq!((r.stock, r.stock_policy, r.lead_time_days), (None, Some(StockPolicy::MadeToOrder), Some(10)));
        assert!(r.policy_in_stock_cell);
        assert_eq!((r.kind, r.food_type), (Some(ProductKind::Goods), true));
        let food = r.food.as_deref().unwrap();
        assert_eq!(food.allergens, Some(vec![Allergen::Gluten, Allergen::Milk]));
        assert_eq!(food.abv_tenths, Some(55));
        assert_eq!(food.labels, Some(vec!["AOP".to_owned(), "Agriculture Biologique".to_owned()]));
        let notes: Vec<&str> = r.notes.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            notes,
            [
                "« Bouteille » : vendu à la pièce, conditionnement bouteille",
                "« sur commande, 10 jours » : fabriqué sur commande, délai 10 jours"
            ]
        );

        // A service word with its length; « illimité »; « aucun » is an answer.
        let r = read_record(&row(&["ATL", "atelier 2 h", "illimité", "", "aucun", "", ""]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let notes: Vec<&str> = r.notes.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            notes,
            [
                "« atelier 2 h » : vendu à la pièce, conditionnement atelier 2 h, prestation de service",
                "« atelier 2 h » : durée 2 h",
                "« illimité » : stock non compté, toujours disponible",
            ]
        );
        assert!(r.service);
        assert_eq!((r.duration_minutes, r.stock_policy), (Some(120), Some(StockPolicy::Unlimited)));
        assert_eq!(r.food.unwrap().allergens, Some(vec![]));
        assert_eq!(r.kind, None);
    }

    #[test]
    fn offer_columns_numbers_and_header_units() {
        let mapping = Mapping {
            header_row: 1,
            columns: [Field::Sku, Field::Duration, Field::LeadTime, Field::Abv, Field::StockPolicy]
                .into_iter()
                .map(Some)
                .collect(),
        };
        let headers = ["Réf.", "Durée (min)", "Délai (semaines)", "Degré", "Suivi du stock"];
        let c = Columns::new(mapping, headers.iter().map(|h| (*h).to_owned()).collect());
        let cells = vec![
            Cell::Text("A".into()),
            Cell::Number(90.0),
            Cell::Number(2.0),
            // « 12 % » typed in French Excel.
            Cell::Number(0.12),
            Cell::Text("non".into()),
        ];
        let r = read_record(&GridRow { number: 4, cells }, &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let abv = r.food.and_then(|f| f.abv_tenths);
        assert_eq!((r.duration_minutes, r.lead_time_days, abv), (Some(90), Some(14), Some(120)));
        // « non » in « Suivi du stock »: not counted; the explicit policy wins over the délai.
        assert_eq!(r.stock_policy, Some(StockPolicy::Unlimited));

        // Without a unit in the header: a time Excel keeps as a fraction of a day, and a
        // délai alone, which makes the product made to order.
        let c = cols(&[Field::Sku, Field::Duration, Field::LeadTime]);
        let cells = vec![Cell::Text("B".into()), Cell::Number(0.0625), Cell::Text("10 jours".into())];
        let r = read_record(&GridRow { number: 5, cells }, &c);
        assert_eq!((r.duration_minutes, r.lead_time_days), (Some(90), Some(10)));
        assert_eq!(r.stock_policy, Some(StockPolicy::MadeToOrder));
        assert!(!r.policy_in_stock_cell);
    }

    #[test]
    fn unreadable_shop_words_are_errors_on_their_cell() {
        let c = cols(&[
            Field::Sku,
            Field::Stock,
            Field::Duration,
            Field::LeadTime,
            Field::Allergens,
            Field::Abv,
            Field::StockPolicy,
            Field::Kind,
        ]);
        let r = read_record(
            &row(&["A", "beaucoup", "longtemps", "bientôt", "lait, kryptonite", "fort", "parfois", "Fromage"]),
            &c,
        );
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne B (Stock) « beaucoup » : Stock illisible : un nombre entier, « illimité » ou « sur commande » est attendu",
                "Ligne 7, colonne G (Gestion du stock) « parfois » : Gestion du stock inconnue : « compté », « illimité » ou « sur commande » est attendu",
                "Ligne 7, colonne D (Délai) « bientôt » : Délai illisible : un nombre de jours de 1 à 365 est attendu (exemple : 10 jours)",
                "Ligne 7, colonne C (Durée) « longtemps » : Durée illisible (exemples : 1 h, 2 h 30, 90 min)",
                "Ligne 7, colonne E (Allergènes) « lait, kryptonite » : Allergène inconnu : « kryptonite » (allergènes de la liste réglementaire : gluten, crustacés, œufs, poissons, arachides, soja, lait, fruits à coque, céleri, moutarde, sésame, sulfites, lupin, mollusques, ou « aucun »)",
                "Ligne 7, colonne F (Degré) « fort » : Degré d'alcool illisible (exemples : 5,5 % vol, 12 %)",
            ]
        );
        // A Type word not understood does not refuse the row (« Type » is a common header).
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].code, "kind_unknown");
        assert_eq!(r.warnings[0].value, "Fromage");
        let r = read_record(&row(&["A", "sur commande 400 jours", "", "", "", "", "", ""]), &c);
        assert_eq!(r.errors[0].code, "lead_time_invalid");
    }

    #[test]
    fn sessions_are_read_the_french_way() {
        let at = |d: &str, p: Option<u32>| ServiceSession { starts_at: d.into(), places: p };
        assert_eq!(
            parse_sessions("12/12/2026 14:00 (8 places) ; 19/12/2026 09:30"),
            Ok(vec![at("2026-12-12T14:00", Some(8)), at("2026-12-19T09:30", None)])
        );
        assert_eq!(
            parse_sessions("5/1/2027 14h00 8 pl.\n6/01/2027 à 9 h 30, 1 place\r\n7/1/2027 14 h (12 pl.);"),
            Ok(vec![
                at("2027-01-05T14:00", Some(8)),
                at("2027-01-06T09:30", Some(1)),
                at("2027-01-07T14:00", Some(12))
            ])
        );
        assert_eq!(parse_sessions("  ;  "), Ok(vec![]));
        for bad in [
            "12/12/2026",
            "12/12 14h",
            "32/12/2026 14:00",
            "29/02/2026 14:00",
            "12/12/26 14:00",
            "12/12/2026 25:00",
            "12/12/2026 14:60",
            "12/12/2026 14h3",
            "12/12/2026 14",
            "12/12/2026 14:00 (0 places)",
            "12/12/2026 14:00 (places)",
            "12/12/2026 14:00 (8 personnes)",
            "12/12/2026 14:00 (8 places",
            "samedi 14h",
        ] {
            assert_eq!(parse_sessions(bad), Err(bad.to_owned()), "{bad}");
        }
        // The first part not understood is the one named.
        assert_eq!(parse_sessions("12/12/2026 14:00 ; bientôt ; jamais"), Err("bientôt".to_owned()));
        // What the export writes reads back the same.
        let sessions =
            vec![at("2026-12-12T14:00", Some(8)), at("2026-12-19T09:30", None), at("2027-01-02T10:00", Some(1))];
        let text = sessions_text(&sessions);
        assert_eq!(text, "12/12/2026 14:00 (8 places) ; 19/12/2026 09:30 ; 02/01/2027 10:00 (1 place)");
        assert_eq!(parse_sessions(&text), Ok(sessions));
    }

    #[test]
    fn unreadable_sessions_are_errors_on_their_cell() {
        let c = cols(&[Field::Sku, Field::Sessions]);
        let r = read_record(&row(&["ATL", "12/12/2026 14:00 (8 places)\n19/12/2026 9h30"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.sessions.as_ref().map(Vec::len), Some(2));
        let r = read_record(&row(&["ATL", ""]), &c);
        assert_eq!(r.sessions, None, "an empty cell leaves the sessions as they are");
        let r = read_record(&row(&["ATL", "12/12/2026 14:00 ; samedi après-midi"]), &c);
        assert_eq!(r.sessions, None);
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne B (Séances) « 12/12/2026 14:00 ; samedi après-midi » : Séance illisible : « samedi après-midi » (exemple : 12/12/2026 14:00 (8 places) ; 19/12/2026 9h30, séparées par des points-virgules)"
            ]
        );
        assert_eq!(r.errors[0].code, "sessions_invalid");
    }
}
