//! Promotions (MSP/1.1): what the marketplace checks when a shop sends them, and the
//! price a variant sells at, at an instant.
//!
//! Nothing is scheduled. A promotion is part of the product's data, and the price is
//! decided each time it is read — storefront, page, order — from that data, the units
//! already sold at the reduced price and the server's own clock: a promotion starting
//! at midnight starts at midnight even when the shop's PC is switched off, and the
//! regular price is back at its end (exclusive) the same way.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::{ProductData, Promotion, Variant};
use comptoir_protocol::problem::codes;
use sqlx::SqliteConnection;

use crate::catalog::Invalid;
use crate::error::ApiResult;
use crate::storefront::format_eur;

/// Promotions a variant may carry (planned, running and over together).
pub const MAX_PER_VARIANT: usize = 100;
const MAX_ID: usize = 64;
const MAX_CAMPAIGN_NAME: usize = 200;
const MAX_PRICE: i64 = 100_000_000;

/// Units already sold at each promotion's reduced price, by promotion id.
pub type Usage = HashMap<String, u64>;

/// The promotion that sets a variant's price at an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Running<'a> {
    pub promotion: &'a Promotion,
    /// Units still to sell at the reduced price; `None` when not limited.
    pub remaining: Option<u64>,
}

/// The promotion of `v` running at `now`, if any: started and not ended (the end is
/// exclusive), below the variant's regular price — had the regular price since dropped
/// under it, the regular price is charged and no promotion is shown — and, when it is
/// limited, with units left at its price.
///
/// Promotions of one variant never overlap (checked on upsert); should two run at once
/// all the same, the first in the list wins.
pub fn running_at<'a>(v: &'a Variant, now: DateTime<Utc>, used: &Usage) -> Option<Running<'a>> {
    v.promotions.iter().filter(|p| p.runs_at(now) && p.price_ttc < v.price_ttc).find_map(|p| {
        let remaining = match p.quantity_limit {
            None => None,
            Some(limit) => {
                let left = u64::from(limit).saturating_sub(used.get(&p.id).copied().unwrap_or(0));
                if left == 0 {
                    return None;
                }
                Some(left)
            }
        };
        Some(Running { promotion: p, remaining })
    })
}

/// The price of one unit of `v` charged at `now`.
pub fn price_at(v: &Variant, now: DateTime<Utc>, used: &Usage) -> i64 {
    running_at(v, now, used).map_or(v.price_ttc, |r| r.promotion.price_ttc)
}

/// The ids whose units used decide whether a promotion of `d` runs at `now`: the
/// running ones with a quantity limit.
pub fn limited_running_ids(d: &ProductData, now: DateTime<Utc>) -> impl Iterator<Item = &str> {
    d.variants
        .iter()
        .flat_map(|v| &v.promotions)
        .filter(move |p| p.quantity_limit.is_some() && p.runs_at(now))
        .map(|p| p.id.as_str())
}

/// Units sold at the reduced price of each of `ids` in `shop` (absent: none).
pub async fn usage(conn: &mut SqliteConnection, shop: &str, ids: &[&str]) -> ApiResult<Usage> {
    if ids.is_empty() {
        return Ok(Usage::new());
    }
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT promotion_id, units FROM promotion_usage
          WHERE shop_id = ? AND promotion_id IN (SELECT value FROM json_each(?))",
    )
    .bind(shop)
    .bind(serde_json::to_string(ids)?)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id, units)| (id, units.max(0).unsigned_abs())).collect())
}

/// Count `delta` units (negative: given back) sold at promotion `id`'s price, in the
/// transaction of the order that moves them.
pub async fn add_units(conn: &mut SqliteConnection, shop: &str, id: &str, delta: i64) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO promotion_usage (shop_id, promotion_id, units) VALUES (?1, ?2, max(?3, 0))
         ON CONFLICT (shop_id, promotion_id) DO UPDATE SET units = max(units + ?3, 0)",
    )
    .bind(shop)
    .bind(id)
    .bind(delta)
    .execute(conn)
    .await?;
    Ok(())
}

/// The checks of one variant's promotions on upsert; `vp` points at the variant,
/// `seen` holds the promotion ids of the product's earlier variants.
///
/// What the schema states (lengths, bounds) is `validation_failed` like any form
/// error; what it cannot — prices against each other, dates against each other,
/// promotions against each other — is `promotion_invalid`.
pub(crate) fn check_variant<'a>(inv: &mut Invalid, v: &'a Variant, vp: &str, seen: &mut HashSet<&'a str>) {
    let form = codes::VALIDATION_FAILED;
    let rule = codes::PROMOTION_INVALID;
    if v.promotions.len() > MAX_PER_VARIANT {
        inv.add(form, format!("{vp}/promotions"), format!("{MAX_PER_VARIANT} promotions au plus par variante"));
    }
    for (k, p) in v.promotions.iter().enumerate() {
        let pp = format!("{vp}/promotions/{k}");
        if p.id.trim().is_empty() {
            inv.add(form, format!("{pp}/id"), "identifiant de la promotion : ne doit pas être vide");
        } else if p.id.chars().count() > MAX_ID {
            inv.add(form, format!("{pp}/id"), format!("identifiant de la promotion : {MAX_ID} caractères au plus"));
        } else if !seen.insert(p.id.as_str()) {
            inv.add(
                rule,
                format!("{pp}/id"),
                format!("identifiant « {} » déjà pris par une autre promotion de ce produit", p.id),
            );
        }
        if !(1..=MAX_PRICE).contains(&p.price_ttc) {
            inv.add(form, format!("{pp}/price_ttc"), format!("prix réduit en centimes, de 1 à {MAX_PRICE}"));
        }
        match p.reference_price_ttc {
            Some(r) if !(1..=MAX_PRICE).contains(&r) => {
                inv.add(
                    form,
                    format!("{pp}/reference_price_ttc"),
                    format!("prix de référence en centimes, de 1 à {MAX_PRICE}"),
                );
            }
            // A "reduction" that is not below the reference price is none: the price
            // shown struck through must be the one the reduction is made from (Code de
            // la consommation, art. L112-1-1). Absent, for perishable goods, it is
            // exempt and the reduced price is only compared with the regular one when
            // it is read.
            Some(r) if p.price_ttc >= r => inv.add(
                rule,
                format!("{pp}/price_ttc"),
                format!(
                    "le prix réduit ({}) doit être inférieur au prix de référence ({}) : sans quoi ce n'est pas une réduction (Code de la consommation, art. L112-1-1)",
                    format_eur(p.price_ttc),
                    format_eur(r)
                ),
            ),
            _ => {}
        }
        if p.percent_off.is_some_and(|pct| !(1..=99).contains(&pct)) {
            inv.add(form, format!("{pp}/percent_off"), "pourcentage de réduction : de 1 à 99");
        }
        if p.ends_at.is_some_and(|end| end <= p.starts_at) {
            inv.add(rule, format!("{pp}/ends_at"), "la fin de la promotion doit suivre son début");
        }
        if p.quantity_limit == Some(0) {
            inv.add(form, format!("{pp}/quantity_limit"), "quantité au prix réduit : au moins 1");
        }
        if let Some(c) = &p.campaign {
            if c.id.trim().is_empty() {
                inv.add(form, format!("{pp}/campaign/id"), "identifiant de l'opération : ne doit pas être vide");
            } else if c.id.chars().count() > MAX_ID {
                inv.add(
                    form,
                    format!("{pp}/campaign/id"),
                    format!("identifiant de l'opération : {MAX_ID} caractères au plus"),
                );
            }
            if c.name.trim().is_empty() {
                inv.add(form, format!("{pp}/campaign/name"), "nom de l'opération : ne doit pas être vide");
            } else if c.name.chars().count() > MAX_CAMPAIGN_NAME {
                inv.add(
                    form,
                    format!("{pp}/campaign/name"),
                    format!("nom de l'opération : {MAX_CAMPAIGN_NAME} caractères au plus"),
                );
            }
        }
    }
    // Two promotions of one variant at the same instant would leave the price to
    // chance. The later of the two (by start, then by place in the list) is named,
    // with the id of the one it meets.
    let dated = |p: &Promotion| p.ends_at.is_none_or(|end| end > p.starts_at);
    let mut clashes: Vec<(usize, usize)> = Vec::new();
    for (a, pa) in v.promotions.iter().enumerate().filter(|(_, p)| dated(p)) {
        for (b, pb) in v.promotions.iter().enumerate().skip(a + 1).filter(|(_, p)| dated(p)) {
            if pa.overlaps(pb) {
                clashes.push(if pb.starts_at >= pa.starts_at { (b, a) } else { (a, b) });
            }
        }
    }
    clashes.sort_unstable();
    for (later, earlier) in clashes {
        inv.add(
            rule,
            format!("{vp}/promotions/{later}"),
            format!(
                "chevauche la promotion « {} » : deux promotions d'une même variante ne peuvent avoir cours en même temps",
                v.promotions[earlier].id
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use comptoir_protocol::catalog::Stock;

    use super::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
    }

    fn promo(id: &str, price: i64, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Promotion {
        Promotion {
            id: id.to_owned(),
            price_ttc: price,
            reference_price_ttc: Some(1200),
            percent_off: None,
            starts_at: from,
            ends_at: to,
            quantity_limit: None,
            campaign: None,
        }
    }

    fn variant(price: i64, promotions: Vec<Promotion>) -> Variant {
        Variant {
            sku: "S".into(),
            price_ttc: price,
            currency: "EUR".into(),
            vat_rate: "20".into(),
            stock: Stock { available: 5 },
            promotions,
            ..Default::default()
        }
    }

    #[test]
    fn the_price_follows_the_clock_the_regular_price_and_the_units_left() {
        let mut v = variant(1200, vec![promo("p1", 960, at(1, 0), Some(at(25, 0)))]);
        let none = Usage::new();
        assert_eq!(price_at(&v, at(1, 0) - Duration::milliseconds(1), &none), 1200);
        assert_eq!(price_at(&v, at(1, 0), &none), 960);
        assert_eq!(price_at(&v, at(25, 0) - Duration::milliseconds(1), &none), 960);
        assert_eq!(price_at(&v, at(25, 0), &none), 1200);
        // The regular price dropped under the reduced one: the regular price is charged.
        v.price_ttc = 900;
        assert_eq!((price_at(&v, at(2, 0), &none), running_at(&v, at(2, 0), &none)), (900, None));
        v.price_ttc = 1200;
        v.promotions[0].quantity_limit = Some(3);
        let used = |n| Usage::from([("p1".to_owned(), n)]);
        assert_eq!(running_at(&v, at(2, 0), &used(1)).unwrap().remaining, Some(2));
        assert_eq!(running_at(&v, at(2, 0), &used(3)), None);
        assert_eq!(price_at(&v, at(2, 0), &used(7)), 1200);
    }

    fn problems(v: &Variant) -> Vec<(&'static str, String, String)> {
        let mut inv = Invalid::default();
        check_variant(&mut inv, v, "/variants/0", &mut HashSet::new());
        inv.errors
    }

    #[test]
    fn each_rule_is_told_at_its_pointer() {
        let ok = variant(1200, vec![promo("p1", 960, at(1, 0), Some(at(25, 0)))]);
        assert!(problems(&ok).is_empty());
        let mut bad = promo("p2", 1200, at(26, 0), Some(at(26, 0)));
        bad.percent_off = Some(0);
        bad.quantity_limit = Some(0);
        let errs = problems(&variant(1200, vec![promo("p1", 960, at(1, 0), Some(at(25, 0))), bad]));
        let at_: Vec<(&str, &str)> = errs.iter().map(|(c, p, _)| (*c, p.as_str())).collect();
        assert_eq!(
            at_,
            [
                ("promotion_invalid", "/variants/0/promotions/1/price_ttc"),
                ("validation_failed", "/variants/0/promotions/1/percent_off"),
                ("promotion_invalid", "/variants/0/promotions/1/ends_at"),
                ("validation_failed", "/variants/0/promotions/1/quantity_limit"),
            ]
        );
        assert!(errs[0].2.contains("12,00 €") && errs[0].2.contains("L112-1-1"), "{}", errs[0].2);
    }

    #[test]
    fn overlaps_name_the_later_promotion_and_the_other_id() {
        // Listed out of order: the later by start is named, wherever it sits.
        let v = variant(1200, vec![promo("tard", 900, at(20, 0), None), promo("tot", 960, at(1, 0), Some(at(21, 0)))]);
        let errs = problems(&v);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].0, errs[0].1.as_str()), ("promotion_invalid", "/variants/0/promotions/0"));
        assert!(errs[0].2.contains("« tot »"), "{}", errs[0].2);
        // Back to back is fine; the same id twice is not.
        let v = variant(1200, vec![promo("a", 960, at(1, 0), Some(at(10, 0))), promo("a", 900, at(10, 0), None)]);
        let errs = problems(&v);
        assert_eq!(errs.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["/variants/0/promotions/1/id"]);
    }
}
