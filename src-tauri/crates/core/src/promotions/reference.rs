//! The reference price of an announced reduction.
//!
//! Code de la consommation, art. L112-1-1 (ordonnance n° 2021-1734 du 22 décembre 2021,
//! transposing directive (EU) 2019/2161, in force since 28 May 2022):
//!
//! > I.- Toute annonce d'une réduction de prix indique le prix antérieur pratiqué par le
//! > professionnel avant l'application de la réduction de prix.
//! > Ce prix antérieur correspond au prix le plus bas pratiqué par le professionnel à
//! > l'égard de tous les consommateurs au cours des trente derniers jours précédant
//! > l'application de la réduction de prix.
//! > Par exception au deuxième alinéa, en cas de réductions de prix successives pendant
//! > une période déterminée, le prix antérieur est celui pratiqué avant l'application de
//! > la première réduction de prix.
//! > Le présent I ne s'applique pas aux annonces de réduction de prix portant sur des
//! > produits périssables menacés d'une altération rapide.
//!
//! So the reference is the lowest price *applied* (promotions included: a reduction
//! that ran last week lowers it) over the 30 days before the start; for a second
//! reduction of the same campaign — the « période déterminée » — it is the first one's;
//! perishable goods have none. A product on sale for less than 30 days has only the
//! prices it had since (the article counts prices « pratiqués »: there were no others).
//! The 30 days are days of the calendar in Paris: the window opens at the same Paris
//! wall-clock time 30 days before the start (midnight 6 October for a start at midnight
//! 5 November), so when the clocks go back in October it holds one hour more than
//! 30 × 24 h, and one hour less across the change of March.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use crate::model::promotions::{OtherPromotion, PastPrice, PriceFacts};
use crate::orders::time::{paris, paris_to_utc};

/// How many days back the reference price looks (art. L112-1-1, I, second paragraph).
pub const REFERENCE_DAYS: i64 = 30;

/// Why the reference price is what it is, for the sentence shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ReferenceRule {
    /// The lowest price applied over the 30 days before the start.
    Lowest30Days,
    /// On sale for less than 30 days: the lowest price since it was put on sale.
    LowestSinceOnSale,
    /// A later reduction of the same campaign keeps the first one's reference.
    FirstOfCampaign { promotion_id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Reference {
    pub cents: i64,
    #[serde(flatten)]
    pub rule: ReferenceRule,
}

impl PriceFacts {
    /// The regular price in force at `t`.
    pub fn regular_at(&self, t: DateTime<Utc>) -> i64 {
        // The price at t is the one whose period ends first after t: past prices are
        // recorded with the instant they stopped; the current one has not stopped.
        self.history
            .iter()
            .filter(|h| h.until > t)
            .min_by_key(|h| h.until)
            .map_or(self.current_cents, |h| h.price_cents)
    }

    /// The price a buyer paid at `t`: the regular one, or a running promotion's when lower.
    pub fn applied_at(&self, t: DateTime<Utc>) -> i64 {
        let regular = self.regular_at(t);
        self.promotions
            .iter()
            .filter(|p| p.starts_at <= t && p.ends_at.is_none_or(|end| t < end))
            .map(|p| p.price_cents)
            .fold(regular, i64::min)
    }

    /// The reference price of a reduction starting at `start`, in `campaign` if any.
    pub fn reference(&self, start: DateTime<Utc>, campaign: Option<i64>) -> Reference {
        if let Some(c) = campaign {
            // Successive reductions of one campaign: the price before the first one.
            let first = self
                .promotions
                .iter()
                .filter(|p| p.campaign_id == Some(c) && p.starts_at < start)
                .min_by_key(|p| (p.starts_at, p.id));
            if let Some(first) = first {
                let cents = first.reference_cents.unwrap_or_else(|| self.lowest_before(first.starts_at).0);
                return Reference { cents, rule: ReferenceRule::FirstOfCampaign { promotion_id: first.id } };
            }
        }
        let (cents, since_on_sale) = self.lowest_before(start);
        Reference {
            cents,
            rule: if since_on_sale { ReferenceRule::LowestSinceOnSale } else { ReferenceRule::Lowest30Days },
        }
    }

    /// The lowest applied price over the 30 days before `start`, and whether the window
    /// was cut short by the variant's creation.
    fn lowest_before(&self, start: DateTime<Utc>) -> (i64, bool) {
        let thirty = paris_to_utc(paris(start) - Duration::days(REFERENCE_DAYS));
        let from = thirty.max(self.since);
        if from >= start {
            // Created at the very instant: the only price it ever had is the one then.
            return (self.regular_at(start), true);
        }
        // The applied price is constant between two of these instants, so its minimum
        // over the window is its minimum at them.
        let mut instants = vec![from];
        instants.extend(self.history.iter().map(|h| h.until));
        for p in &self.promotions {
            instants.push(p.starts_at);
            instants.extend(p.ends_at);
        }
        let lowest = instants
            .into_iter()
            .filter(|t| *t >= from && *t < start)
            .map(|t| self.applied_at(t))
            .min()
            .unwrap_or_else(|| self.regular_at(from));
        (lowest, thirty < self.since)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
    }

    fn facts(current: i64, since: DateTime<Utc>) -> PriceFacts {
        PriceFacts { current_cents: current, since, history: Vec::new(), promotions: Vec::new() }
    }

    fn promo(
        id: i64,
        price: i64,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        campaign: Option<i64>,
    ) -> OtherPromotion {
        OtherPromotion {
            id,
            price_cents: price,
            starts_at: from,
            ends_at: to,
            campaign_id: campaign,
            reference_cents: None,
        }
    }

    #[test]
    fn one_price_for_months_is_the_reference() {
        let f = facts(1200, at(2026, 1, 5, 9, 0));
        assert_eq!(
            f.reference(at(2026, 11, 30, 23, 0), None),
            Reference { cents: 1200, rule: ReferenceRule::Lowest30Days }
        );
    }

    #[test]
    fn a_raise_just_before_the_reduction_does_not_count() {
        // 10,00 € until 20 November, then raised to 15,00 €: a « −20 % » from 1 December
        // is announced against 10,00 €, the lowest price of the 30 days — 12,00 € is no
        // reduction at all.
        let mut f = facts(1500, at(2026, 3, 1, 8, 0));
        f.history.push(PastPrice { price_cents: 1000, until: at(2026, 11, 20, 10, 0) });
        assert_eq!(f.reference(at(2026, 11, 30, 23, 0), None).cents, 1000);
    }

    #[test]
    fn prices_older_than_thirty_days_do_not_count() {
        // 8,00 € until 31 October, 9,50 € until 25 November, 11,00 € since.
        let mut f = facts(1100, at(2025, 6, 1, 8, 0));
        f.history.push(PastPrice { price_cents: 800, until: at(2026, 10, 31, 12, 0) });
        f.history.push(PastPrice { price_cents: 950, until: at(2026, 11, 25, 12, 0) });
        let start = at(2026, 11, 30, 23, 0);
        assert_eq!(f.reference(start, None).cents, 950);
        // The window opens at midnight Paris on 1 November (31 October 23:00 UTC), after
        // 8,00 € ended.
        assert_eq!(f.regular_at(start - Duration::days(30)), 950);
        // One hour earlier the 8,00 € would still have been in the window.
        assert_eq!(f.reference(at(2026, 11, 30, 11, 59), None).cents, 800);
    }

    #[test]
    fn several_changes_and_an_earlier_promotion() {
        // Regular 20,00 € then 18,00 € (5 Nov) then 22,00 € (15 Nov); a promotion at
        // 15,00 € ran 8–12 November. The lowest applied price of the 30 days before
        // 1 December is the promotion's.
        let mut f = facts(2200, at(2025, 1, 1, 0, 0));
        f.history.push(PastPrice { price_cents: 2000, until: at(2026, 11, 5, 9, 0) });
        f.history.push(PastPrice { price_cents: 1800, until: at(2026, 11, 15, 9, 0) });
        f.promotions.push(promo(7, 1500, at(2026, 11, 8, 0, 0), Some(at(2026, 11, 12, 0, 0)), None));
        assert_eq!(f.applied_at(at(2026, 11, 10, 0, 0)), 1500);
        assert_eq!(f.applied_at(at(2026, 11, 12, 0, 0)), 1800, "the end is exclusive");
        assert_eq!(f.reference(at(2026, 11, 30, 23, 0), None).cents, 1500);
        // From 13 December the promotion is more than 30 days old: 18,00 € remains.
        assert_eq!(f.reference(at(2026, 12, 13, 0, 0), None).cents, 1800);
        // From 16 December only 22,00 €.
        assert_eq!(f.reference(at(2026, 12, 16, 0, 0), None).cents, 2200);
    }

    #[test]
    fn the_october_daylight_saving_change_is_inside_the_window() {
        // Summer time ends on 25 October 2026 at 01:00 UTC. A reduction from Thursday
        // 5 November 00:00 Paris (4 Nov 23:00 UTC) looks back to 6 October 00:00 Paris,
        // still summer time: 5 October 22:00 UTC — an hour more than 30 × 24 h.
        let start = at(2026, 11, 4, 23, 0);
        let ended = |until| {
            let mut f = facts(1000, at(2026, 1, 1, 0, 0));
            f.history.push(PastPrice { price_cents: 700, until });
            f.reference(start, None).cents
        };
        assert_eq!(ended(at(2026, 10, 5, 21, 59)), 1000, "ended before midnight Paris, 6 October");
        assert_eq!(ended(at(2026, 10, 5, 22, 30)), 700, "in force at 00:30 Paris on 6 October");
        // The same across the change of March: from 15 April 00:00 Paris (14 Apr 22:00
        // UTC) back to 16 March 00:00 Paris, winter time: 15 March 23:00 UTC.
        let april = at(2026, 4, 14, 22, 0);
        let mut f = facts(1000, at(2025, 1, 1, 0, 0));
        f.history.push(PastPrice { price_cents: 700, until: at(2026, 3, 15, 22, 59) });
        assert_eq!(f.reference(april, None).cents, 1000);
        f.history[0].until = at(2026, 3, 15, 23, 1);
        assert_eq!(f.reference(april, None).cents, 700);
    }

    #[test]
    fn across_the_year_end() {
        // Sales from 7 January 2027 (Paris midnight, 6 Jan 23:00 UTC); a Christmas
        // promotion at 24,00 € ran until 25 December 2026 00:00 Paris.
        let mut f = facts(3000, at(2026, 2, 1, 0, 0));
        f.promotions.push(promo(1, 2400, at(2026, 11, 30, 23, 0), Some(at(2026, 12, 24, 23, 0)), Some(4)));
        let sales = at(2027, 1, 6, 23, 0);
        assert_eq!(f.reference(sales, None), Reference { cents: 2400, rule: ReferenceRule::Lowest30Days });
        // 30 days after the promotion ended, the regular price is the reference again.
        assert_eq!(f.reference(at(2027, 1, 23, 23, 0), None).cents, 3000);
    }

    #[test]
    fn successive_reductions_of_one_campaign_keep_the_first_reference() {
        // « −20 % » from 1 December (24,00 € against 30,00 €), then « −40 % » from
        // 15 December in the same campaign: its reference is still 30,00 €, not the
        // 24,00 € applied since the 1st.
        let mut f = facts(3000, at(2026, 2, 1, 0, 0));
        let mut first = promo(1, 2400, at(2026, 11, 30, 23, 0), Some(at(2026, 12, 14, 23, 0)), Some(4));
        first.reference_cents = Some(3000);
        f.promotions.push(first);
        let second = at(2026, 12, 14, 23, 0);
        assert_eq!(
            f.reference(second, Some(4)),
            Reference { cents: 3000, rule: ReferenceRule::FirstOfCampaign { promotion_id: 1 } }
        );
        // Outside the campaign, the 24,00 € counts.
        assert_eq!(f.reference(second, None).cents, 2400);
        assert_eq!(f.reference(second, Some(5)).cents, 2400);
    }

    #[test]
    fn a_new_product_has_only_the_prices_it_had() {
        let mut f = facts(900, at(2026, 11, 20, 10, 0));
        assert_eq!(
            f.reference(at(2026, 11, 30, 23, 0), None),
            Reference { cents: 900, rule: ReferenceRule::LowestSinceOnSale }
        );
        f.history.push(PastPrice { price_cents: 990, until: at(2026, 11, 25, 10, 0) });
        assert_eq!(f.reference(at(2026, 11, 30, 23, 0), None).cents, 900);
        // Created at the very instant of the start.
        let g = facts(900, at(2026, 11, 30, 23, 0));
        assert_eq!(g.reference(at(2026, 11, 30, 23, 0), None).cents, 900);
    }

    #[test]
    fn a_planned_future_start_assumes_todays_price_until_then() {
        let mut f = facts(1250, at(2026, 1, 1, 0, 0));
        f.history.push(PastPrice { price_cents: 1100, until: at(2026, 12, 7, 17, 0) });
        // Planned today (7 December) for 1 February: the 11,00 € of last week is out of
        // its window, today's 12,50 € is the reference.
        assert_eq!(f.reference(at(2027, 1, 31, 23, 0), None).cents, 1250);
    }
}
