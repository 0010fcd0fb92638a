//! What a buyer reads of a stored product at an instant, every text in French: the
//! price charged then (a running promotion's, with its reference price, reduction and
//! end), unit prices, durations and sessions, availability, food information and the
//! legal notices.

use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::{
    ALCOHOL_HEALTH_MESSAGE, Allergen, FoodData, ProductData, ProductKind, SellingUnit, Session, StockPolicy, UnitPrice,
    Variant,
};
use comptoir_protocol::paris;
use comptoir_protocol::storefront::{
    StorefrontFood, StorefrontProduct, StorefrontPromotion, StorefrontSession, StorefrontVariant,
};

use super::emphasise_allergens;
use crate::promotions::{self, Running, Usage};

// ---------------------------------------------------------------- what a buyer reads

/// The ban on sales of alcohol to minors, as the page shows it (Code de la santé
/// publique, art. L3342-1).
pub const MINORS_NOTICE: &str = "La vente d'alcool aux mineurs de moins de 18 ans est interdite.";

/// A stored product as the storefront shows it at `now`, every text in French; `used`
/// holds the units sold at the price of its running limited promotions.
pub fn storefront_product(external_id: String, d: ProductData, now: DateTime<Utc>, used: &Usage) -> StorefrontProduct {
    let alcoholic = d.is_alcoholic();
    let adults_only = d.adults_only || alcoholic;
    let mut legal_notices = Vec::new();
    if alcoholic {
        // Shown in the marketplace's own words whatever the client sent: it is the
        // text the law sets (art. L3323-4).
        legal_notices.push(ALCOHOL_HEALTH_MESSAGE.to_owned());
    }
    if adults_only {
        legal_notices.push(MINORS_NOTICE.to_owned());
    }
    let variants = d
        .variants
        .iter()
        .map(|v| {
            let running = promotions::running_at(v, now, used);
            let price = running.map_or(v.price_ttc, |r| r.promotion.price_ttc);
            // The unit price of what is charged: of the reduced price while it runs.
            let up = comptoir_protocol::quantity::unit_price(d.unit_or_default(), price, v.net_quantity.as_deref());
            StorefrontVariant {
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_ttc: price,
                currency: v.currency.clone(),
                available: v.stock.available,
                net_quantity: v.net_quantity.clone(),
                unit_price: up,
                unit_price_text: up.map(unit_price_text),
                promotion: running.map(|r| storefront_promotion(v, r)),
            }
        })
        .collect();
    let unit = d.unit.filter(|u| *u != SellingUnit::Piece);
    StorefrontProduct {
        external_id,
        sold_by: unit.and_then(sold_by).map(str::to_owned),
        unit,
        packaging: d.packaging.clone(),
        kind: d.kind.filter(|k| *k != ProductKind::Goods),
        duration: d.duration_minutes.map(|m| format!("Durée : {}", duration_text(m))),
        sessions: d.sessions.iter().map(session).collect(),
        stock_policy: d.stock_policy.filter(|p| *p != StockPolicy::Counted),
        availability: availability(&d),
        food: d.food.as_ref().map(food),
        adults_only,
        legal_notices,
        title: d.title,
        description: d.description,
        images: d.images,
        variants,
    }
}

/// A running promotion as a buyer reads it.
pub fn storefront_promotion(v: &Variant, r: Running<'_>) -> StorefrontPromotion {
    let p = r.promotion;
    StorefrontPromotion {
        id: p.id.clone(),
        regular_price_ttc: v.price_ttc,
        reference_price_ttc: p.reference_price_ttc,
        reference_price_text: p.reference_price_ttc.map(format_eur),
        discount_text: p.reference_price_ttc.and_then(|reference| discount_text(reference, p.price_ttc)),
        ends_at: p.ends_at,
        until_text: until_text(p.ends_at),
        campaign: p.campaign.as_ref().map(|c| c.name.clone()),
        remaining: r.remaining.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    }
}

/// « −20 % »: the reduction from the reference price (the one shown struck through,
/// Code de la consommation, art. L112-1-1), in whole percent rounded half-up with
/// integers only. `None` when it rounds to nothing; never « −100 % » for goods that
/// still cost something.
pub fn discount_text(reference: i64, price: i64) -> Option<String> {
    if reference <= 0 || price >= reference {
        return None;
    }
    let percent = ((reference - price) * 200 + reference) / (reference * 2);
    let percent = percent.min(99);
    (percent > 0).then(|| format!("\u{2212}{percent} %"))
}

/// Until when a promotion runs, in Paris time: « Jusqu'au jeudi 24 décembre 2026 à
/// 18 h 00 ». Its end is exclusive, so one ending at midnight runs the whole day
/// before: « Jusqu'au jeudi 24 décembre 2026 inclus ». No end: until the stock (or
/// the quantity at the reduced price) runs out.
pub fn until_text(ends_at: Option<DateTime<Utc>>) -> String {
    use chrono::Timelike;
    let Some(end) = ends_at else {
        return "Jusqu'à épuisement du stock".to_owned();
    };
    let local = paris::local(end);
    if local.time() == chrono::NaiveTime::MIN
        && let Some(day) = local.date().pred_opt()
    {
        return format!("Jusqu'au {} inclus", paris::day_text(day));
    }
    format!("Jusqu'au {} à {} h {:02}", paris::day_text(local.date()), local.hour(), local.minute())
}

/// The unit price of a variant, computed here from its price, the product's selling
/// unit and the variant's net quantity — never taken from the client.
pub fn unit_price(d: &ProductData, v: &Variant) -> Option<UnitPrice> {
    comptoir_protocol::quantity::unit_price(d.unit_or_default(), v.price_ttc, v.net_quantity.as_deref())
}

/// 123456 → « 1 234,56 € » (narrow no-break space between thousands, as French prints it).
pub fn format_eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

/// « 8,67 € / l ».
pub fn unit_price_text(up: UnitPrice) -> String {
    format!("{} / {}", format_eur(up.cents), up.per.label())
}

fn sold_by(unit: SellingUnit) -> Option<&'static str> {
    Some(match unit {
        SellingUnit::Kg => "le kg",
        SellingUnit::HundredGrams => "les 100 g",
        SellingUnit::Litre => "le litre",
        SellingUnit::Metre => "le mètre",
        SellingUnit::SquareMetre => "le m²",
        SellingUnit::Lot => "le lot",
        SellingUnit::Dozen => "la douzaine",
        SellingUnit::Piece | SellingUnit::Unknown => return None,
    })
}

/// 150 → « 2 h 30 », 60 → « 1 h », 45 → « 45 min ».
pub fn duration_text(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

fn availability(d: &ProductData) -> Option<String> {
    match d.stock_policy_or_default() {
        StockPolicy::MadeToOrder => Some(match d.lead_time_days {
            Some(1) => "Fabriqué à la commande : prêt sous 1 jour".to_owned(),
            Some(n) => format!("Fabriqué à la commande : prêt sous {n} jours"),
            None => "Fabriqué à la commande".to_owned(),
        }),
        StockPolicy::Unlimited => Some("Toujours disponible".to_owned()),
        StockPolicy::Counted | StockPolicy::Unknown => None,
    }
}

/// « samedi 12 décembre 2026 à 14 h 00, 8 places ».
fn session(s: &Session) -> StorefrontSession {
    use chrono::{Datelike, Timelike};
    let mut text = match s.start() {
        Some(t) => format!(
            "{} {} {} {} à {} h {:02}",
            paris::weekday(t.weekday()),
            t.day(),
            paris::month(t.month0()),
            t.year(),
            t.hour(),
            t.minute()
        ),
        None => s.starts_at.clone(),
    };
    match s.places {
        Some(1) => text.push_str(", 1 place"),
        Some(n) => text.push_str(&format!(", {n} places")),
        None => {}
    }
    StorefrontSession { starts_at: s.starts_at.clone(), places: s.places, text }
}

fn food(f: &FoodData) -> StorefrontFood {
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let allergens = match &f.allergens {
        None => "Allergènes : non renseignés".to_owned(),
        Some(list) => {
            let mut list: Vec<Allergen> = list.iter().copied().filter(|a| *a != Allergen::Unknown).collect();
            list.sort();
            list.dedup();
            if list.is_empty() {
                "Allergènes : aucun".to_owned()
            } else {
                let names: Vec<&str> = list.iter().map(|a| a.label_fr()).collect();
                format!("Allergènes : {}", names.join(", "))
            }
        }
    };
    StorefrontFood {
        ingredients: emphasise_allergens(&f.ingredients),
        allergens,
        storage: non_empty(&f.storage),
        origin: non_empty(&f.origin),
        producer: non_empty(&f.producer),
        labels: f.labels.clone(),
        alcohol: f.abv_tenths.filter(|t| *t > 0).map(abv_text),
    }
}

/// 55 → « 5,5 % vol ».
pub fn abv_text(tenths: u16) -> String {
    if tenths.is_multiple_of(10) {
        format!("{} % vol", tenths / 10)
    } else {
        format!("{},{} % vol", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_durations_read_the_french_way() {
        use comptoir_protocol::catalog::UnitPricePer;
        assert_eq!(unit_price_text(UnitPrice { cents: 867, per: UnitPricePer::L }), "8,67 € / l");
        assert_eq!(unit_price_text(UnitPrice { cents: 480_000, per: UnitPricePer::Kg }), "4\u{202f}800,00 € / kg");
        assert_eq!(unit_price_text(UnitPrice { cents: 1250, per: UnitPricePer::M2 }), "12,50 € / m²");
        assert_eq!(duration_text(150), "2 h 30");
        assert_eq!(duration_text(60), "1 h");
        assert_eq!(duration_text(45), "45 min");
        assert_eq!(abv_text(55), "5,5 % vol");
        assert_eq!(abv_text(120), "12 % vol");
        let s = session(&Session { starts_at: "2026-12-12T14:00".into(), places: Some(8) });
        assert_eq!(s.text, "samedi 12 décembre 2026 à 14 h 00, 8 places");
    }

    #[test]
    fn promotions_read_the_french_way() {
        use chrono::TimeZone;
        assert_eq!(discount_text(1200, 960).as_deref(), Some("\u{2212}20 %"));
        // 12.5 % rounds half-up; 0.1 % is no reduction to boast of; never « −100 % ».
        assert_eq!(discount_text(800, 700).as_deref(), Some("\u{2212}13 %"));
        assert_eq!(discount_text(1000, 999), None);
        assert_eq!(discount_text(100_000, 1).as_deref(), Some("\u{2212}99 %"));
        assert_eq!(discount_text(1000, 1000), None);
        let utc = |mo, d, h, mi| Utc.with_ymd_and_hms(2026, mo, d, h, mi, 0).unwrap();
        // Midnight Paris ends the day before, whole; any other end is told to the minute.
        assert_eq!(until_text(Some(utc(12, 24, 23, 0))), "Jusqu'au jeudi 24 décembre 2026 inclus");
        assert_eq!(until_text(Some(utc(12, 24, 22, 59))), "Jusqu'au jeudi 24 décembre 2026 à 23 h 59");
        assert_eq!(until_text(Some(utc(7, 14, 22, 0))), "Jusqu'au mardi 14 juillet 2026 inclus");
        assert_eq!(until_text(Some(utc(7, 14, 16, 30))), "Jusqu'au mardi 14 juillet 2026 à 18 h 30");
        assert_eq!(until_text(Some(utc(11, 30, 23, 0))), "Jusqu'au lundi 30 novembre 2026 inclus");
        assert_eq!(until_text(Some(utc(12, 1, 23, 0))), "Jusqu'au mardi 1er décembre 2026 inclus");
        assert_eq!(until_text(None), "Jusqu'à épuisement du stock");
    }
}
