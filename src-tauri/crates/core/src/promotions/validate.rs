//! The checks of a promotion before anything is written: its period (Paris time, not
//! in the past), its discount, and each variant's reduced price against its regular
//! price, its reference price (art. L112-1-1) and its other promotions.

use chrono::{DateTime, Duration, Timelike, Utc};

use super::{
    Discount, PlannedPromotion, PromotionRequest, discount_percent, format_local, parse_local, reference,
    reference_text,
};
use crate::FieldError;
use crate::money::format_eur;
use crate::orders::time::paris;
use crate::storage::promotions::{NewPromotion, TargetVariant};

/// How far in the past a promotion may start: the time to fill in the form.
pub(super) const START_GRACE: Duration = Duration::minutes(15);

pub(super) struct Period {
    pub(super) starts: DateTime<Utc>,
    pub(super) ends: Option<DateTime<Utc>>,
}

pub(super) fn read_period(
    starts: &str,
    ends: Option<&str>,
    now: DateTime<Utc>,
    problems: &mut Vec<FieldError>,
) -> Option<Period> {
    let start = match parse_local(starts, false) {
        // Today's date alone: from now (to the minute), not from a midnight already past.
        Ok(t) if t < now && paris(t).date() == paris(now).date() && paris(t).time() == chrono::NaiveTime::MIN => {
            Some(now.with_second(0).and_then(|n| n.with_nanosecond(0)).unwrap_or(now))
        }
        Ok(t) => Some(t),
        Err(m) => {
            problems.push(FieldError::new("starts", "invalid", format!("Début : {m}")));
            None
        }
    };
    let end = match ends.map(str::trim).filter(|e| !e.is_empty()) {
        None => Some(None),
        Some(e) => match parse_local(e, true) {
            Ok(t) => Some(Some(t)),
            Err(m) => {
                problems.push(FieldError::new("ends", "invalid", format!("Fin : {m}")));
                None
            }
        },
    };
    let (start, end) = (start?, end?);
    if start < now - START_GRACE {
        problems.push(FieldError::new(
            "starts",
            "past",
            format!(
                "Le début, {}, est déjà passé : une promotion commence maintenant ou plus tard.",
                format_local(start, false)
            ),
        ));
    }
    if let Some(e) = end {
        if e <= start {
            problems.push(FieldError::new("ends", "before_start", "La fin doit venir après le début."));
        } else if e <= now {
            problems.push(FieldError::new("ends", "past", "La fin est déjà passée."));
        }
    }
    Some(Period { starts: start, ends: end })
}

pub(super) fn check_discount(d: Discount, problems: &mut Vec<FieldError>) {
    match d {
        Discount::NewPrice { cents } if cents < 1 => {
            problems.push(FieldError::new("discount", "invalid", "Le prix promo doit être d'au moins 0,01 €."))
        }
        Discount::NewPrice { cents } if cents > crate::money::MAX_CENTS => {
            problems.push(FieldError::new("discount", "invalid", "Prix promo trop élevé."))
        }
        Discount::PercentOff { percent } if !(1..=99).contains(&percent) => {
            problems.push(FieldError::new("discount", "invalid", "La remise est un pourcentage de 1 à 99."))
        }
        _ => {}
    }
}

pub(super) fn plan_variant(
    t: &TargetVariant,
    req: &PromotionRequest,
    period: Option<&Period>,
    campaign_id: Option<i64>,
    facts: Option<&reference::PriceFacts>,
) -> (PlannedPromotion, Option<NewPromotion>) {
    let price = req.discount.price_for(t.price_cents);
    let mut planned = PlannedPromotion {
        sku: t.sku.clone(),
        product_name: t.product_name.clone(),
        regular_cents: t.price_cents,
        price_cents: price,
        reference: None,
        discount_percent: None,
        problem: None,
    };
    let (Some(period), Some(facts)) = (period, facts) else { return (planned, None) };
    let reference = (!req.perishable).then(|| facts.reference(period.starts, campaign_id));
    planned.reference = reference;
    planned.discount_percent = reference.and_then(|r| discount_percent(r.cents, price));
    let problem = if price < 1 {
        Some(format!("{} : le prix promo serait de {} .", t.sku, format_eur(price)))
    } else if price >= t.price_cents {
        Some(format!(
            "{} : {} n'est pas moins cher que le prix actuel, {}.",
            t.sku,
            format_eur(price),
            format_eur(t.price_cents)
        ))
    } else if let Some(r) = reference.filter(|r| price >= r.cents) {
        Some(format!(
            "{} : {} n'est pas une réduction. Le prix de référence est {} ; une promotion annoncée doit être en dessous (Code de la consommation, art. L112-1-1).",
            t.sku,
            format_eur(price),
            reference_text(&r)
        ))
    } else {
        let candidate = comptoir_protocol::catalog::Promotion {
            id: String::new(),
            price_ttc: price,
            reference_price_ttc: None,
            percent_off: None,
            starts_at: period.starts,
            ends_at: period.ends,
            quantity_limit: None,
            campaign: None,
        };
        facts
            .promotions
            .iter()
            .find(|o| {
                candidate.overlaps(&comptoir_protocol::catalog::Promotion {
                    starts_at: o.starts_at,
                    ends_at: o.ends_at,
                    ..candidate.clone()
                })
            })
            .map(|o| {
                let until = o.ends_at.map(|e| format!(" au {}", format_local(e, true))).unwrap_or_default();
                // A promotion not saved yet (another row of the same file) has no id:
                // `reference::OtherPromotion::id` is then minus its row number.
                let other = if o.id > 0 {
                    format!("la promotion n° {}", o.id)
                } else {
                    format!("celle de la ligne {}", -o.id)
                };
                format!(
                    "{} : chevauche {other} (du {}{until}) ; une déclinaison n'a qu'une promotion à la fois.",
                    t.sku,
                    format_local(o.starts_at, false)
                )
            })
    };
    if problem.is_some() {
        planned.problem = problem;
        return (planned, None);
    }
    let row = NewPromotion {
        variant_id: t.variant_id,
        price_cents: price,
        percent: req.discount.percent(),
        reference_cents: reference.map(|r| r.cents),
        starts_at: period.starts,
        ends_at: period.ends,
        quantity_limit: req.quantity_limit,
    };
    (planned, Some(row))
}
