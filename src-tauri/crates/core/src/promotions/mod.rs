//! Promotions and campaigns (issue 20).
//!
//! A promotion is a reduced price of one variant over a period (Paris time; the end is
//! exclusive, absent « jusqu'à épuisement du stock »), optionally limited to a quantity,
//! optionally part of a campaign — the shop's own (« Noël 2026 ») or one the marketplace
//! announces. It is set on SKUs, products or whole categories at once, all or nothing.
//!
//! Its price is fixed when it is set, even when given as a percentage off, and so is its
//! reference price ([`reference`]): what the shop announced is what the buyer sees, and
//! a change of the regular price while it runs does not cut it short. The schedule is
//! data: it travels inside the product's data to the marketplace, which switches the
//! price at the start and back at the end by its own clock, PC on or off.
//!
//! This module holds what every part shares: the [`Discount`], a promotion's
//! [`PromotionState`] and the [`PromotionView`] every screen shows. Its parts:
//!
//! - `request`: a request on SKUs, products or a category, all or none — [`preview`]
//!   while typing, [`add`] to save; the campaign it joins resolved;
//! - `validate`: the checks of a request — its period, its discount, and each variant's
//!   price against its reference price and its other promotions (also for [`sheet`]);
//! - `edit`: changing one promotion, ending or withdrawing one or many;
//! - `list`: the lists with state and whether the marketplace has it, the catalogue
//!   list's badge, the promotion a spreadsheet row shows;
//! - `campaigns`: the shop's campaigns and those the marketplace announces.

pub mod dates;
pub mod reference;
pub mod remind;
pub mod sheet;

mod campaigns;
mod edit;
mod list;
mod request;
mod validate;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::model::promotions::{PromotionBadge, PromotionState};
use crate::money::{div_round_half_up, format_eur};
use crate::storage::promotions::{PromotionSelect, StoredPromotion};
use crate::{Db, Error, Result};
pub use campaigns::{CampaignView, Campaigns, MarketCampaignView, campaigns};
pub use dates::{format_local, parse_local};
pub use edit::{EndOutcome, EndSummary, PromotionEdit, edit, end, end_many};
pub use list::{PromotionQuery, list, product_page, shown_by_variant};
pub use reference::{Reference, ReferenceRule};
pub use request::{
    AddedPromotions, CampaignChoice, PLAN_SHOWN, PlannedPromotion, PromotionPlan, PromotionRequest, PromotionTarget,
    ResolvedCampaign, add, preview,
};
use validate::{Period, START_GRACE, plan_variant};

/// How the reduced price is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Discount {
    /// The new price including VAT, in cents.
    NewPrice { cents: i64 },
    /// A percentage off the regular price (1 to 99), rounded half-up to the cent.
    PercentOff { percent: u8 },
}

impl Discount {
    /// The reduced price of a variant whose regular price is `regular`.
    pub fn price_for(self, regular: i64) -> i64 {
        match self {
            Discount::NewPrice { cents } => cents,
            Discount::PercentOff { percent } => {
                div_round_half_up(i128::from(regular) * i128::from(100 - percent.min(100)), 100) as i64
            }
        }
    }

    fn percent(self) -> Option<u8> {
        match self {
            Discount::PercentOff { percent } => Some(percent),
            Discount::NewPrice { .. } => None,
        }
    }
}

/// A promotion as every screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PromotionView {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub sku: String,
    /// The variant's regular price now.
    pub regular_cents: i64,
    pub price_cents: i64,
    pub percent: Option<u8>,
    pub reference_cents: Option<i64>,
    pub discount_percent: Option<u8>,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: Option<String>,
    /// Paris time, `01/12/2026 00:00`; an end at midnight reads as the day before, `24/12/2026`.
    pub starts_text: String,
    pub ends_text: Option<String>,
    pub quantity_limit: Option<u32>,
    /// Set as perishable goods: no reference price (art. L112-1-1, I, last paragraph).
    pub perishable: bool,
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    pub state: PromotionState,
    /// Its product, as it is now, is on the marketplace.
    pub on_market: bool,
}

impl PromotionView {
    fn new(p: StoredPromotion, now: DateTime<Utc>) -> Self {
        let state = state_at(p.starts_at, p.ends_at, now);
        Self {
            id: p.id,
            product_id: p.product_id,
            product_name: p.product_name,
            sku: p.sku,
            regular_cents: p.regular_cents,
            price_cents: p.price_cents,
            percent: p.percent,
            reference_cents: p.reference_cents,
            discount_percent: p.reference_cents.and_then(|r| discount_percent(r, p.price_cents)),
            starts_at: crate::storage::ts(p.starts_at),
            ends_at: p.ends_at.map(crate::storage::ts),
            starts_text: format_local(p.starts_at, false),
            ends_text: p.ends_at.map(|e| format_local(e, true)),
            quantity_limit: p.quantity_limit,
            perishable: p.reference_cents.is_none(),
            campaign_id: p.campaign_id,
            campaign_name: p.campaign_name,
            state,
            on_market: p.on_market,
        }
    }
}

pub fn state_at(starts: DateTime<Utc>, ends: Option<DateTime<Utc>>, now: DateTime<Utc>) -> PromotionState {
    if now < starts {
        PromotionState::Planned
    } else if ends.is_some_and(|e| e <= now) {
        PromotionState::Ended
    } else {
        PromotionState::Running
    }
}

/// The reduction from `reference` to `price`, in whole percent rounded half-up.
pub fn discount_percent(reference: i64, price: i64) -> Option<u8> {
    (reference > 0 && price < reference)
        .then(|| div_round_half_up(i128::from(reference - price) * 100, i128::from(reference)))
        .and_then(|p| u8::try_from(p).ok())
}

/// The French sentence that says why a reference price is what it is.
pub fn reference_text(r: &Reference) -> String {
    let price = format_eur(r.cents);
    match r.rule {
        ReferenceRule::Lowest30Days => {
            format!("{price}, le prix le plus bas pratiqué dans les 30 jours avant le début")
        }
        ReferenceRule::LowestSinceOnSale => {
            format!("{price}, le prix le plus bas pratiqué depuis la mise en vente (moins de 30 jours)")
        }
        ReferenceRule::FirstOfCampaign { promotion_id } => {
            format!("{price}, le prix d'avant la première réduction de la campagne (promotion n° {promotion_id})")
        }
    }
}

async fn one(db: &Db, id: i64) -> Result<StoredPromotion> {
    db.promotions(&PromotionSelect { ids: Some(vec![id]), ..Default::default() })
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Promotion", id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_off_is_rounded_half_up_to_the_cent() {
        assert_eq!(Discount::PercentOff { percent: 20 }.price_for(1299), 1039); // 10,392
        assert_eq!(Discount::PercentOff { percent: 15 }.price_for(1010), 859); // 8,585 → 8,59
        assert_eq!(Discount::PercentOff { percent: 33 }.price_for(1), 1); // 0,0067 → 0,01
        assert_eq!(Discount::NewPrice { cents: 990 }.price_for(1200), 990);
    }

    #[test]
    fn discount_from_the_reference() {
        assert_eq!(discount_percent(3000, 2400), Some(20));
        assert_eq!(discount_percent(1299, 1039), Some(20));
        assert_eq!(discount_percent(1000, 1000), None);
        assert_eq!(discount_percent(1000, 1100), None);
    }
}
