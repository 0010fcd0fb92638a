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

pub mod dates;
pub mod reference;
pub mod remind;
pub mod sheet;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{div_round_half_up, format_eur};
use crate::orders::time::paris;
use crate::storage::promotions::{
    CampaignLink, NewPromotion, PromotionSelect, StoredCampaign, StoredPromotion, TargetVariant,
};
use crate::{Db, Error, FieldError, Result};
pub use dates::{format_local, parse_local};
pub use reference::{Reference, ReferenceRule};

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

/// What a promotion is set on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum PromotionTarget {
    Skus {
        skus: Vec<String>,
    },
    /// Every variant of these products (one product, or a selection of the list).
    Products {
        ids: Vec<i64>,
    },
    /// Every variant of every product of this category and its descendants.
    Category {
        id: i64,
    },
}

/// The campaign new promotions join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CampaignChoice {
    Existing {
        id: i64,
    },
    /// By name: the shop's campaign of that name, else the marketplace's campaign of
    /// that id or name (joined), else a new campaign of the shop's, created with the
    /// promotions over their period.
    Named {
        name: String,
    },
    /// One the marketplace announces, joined with these promotions.
    Market {
        id: String,
    },
}

/// A promotion to set on many variants at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionRequest {
    pub target: PromotionTarget,
    pub discount: Discount,
    /// Paris time: `2026-12-01`, `2026-12-01T08:00`, `01/12/2026` or `01/12/2026 08:00`.
    pub starts: String,
    /// The same; a date alone ends at the end of that day. Absent: until the stock runs out.
    pub ends: Option<String>,
    pub quantity_limit: Option<u32>,
    pub campaign: Option<CampaignChoice>,
    /// Perishable goods threatened by rapid deterioration: no reference price
    /// (Code de la consommation, art. L112-1-1, I, last paragraph).
    pub perishable: bool,
}

/// One variant of a request, as it would be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PlannedPromotion {
    pub sku: String,
    pub product_name: String,
    pub regular_cents: i64,
    pub price_cents: i64,
    pub reference: Option<Reference>,
    /// The reduction from the reference price, in whole percent (half-up).
    pub discount_percent: Option<u8>,
    /// Why it cannot be saved, in French; `None`: it can.
    pub problem: Option<String>,
}

/// What a request would do, shown while the shopkeeper fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PromotionPlan {
    /// The variants, at most [`PLAN_SHOWN`] of them (refused ones first).
    pub variants: Vec<PlannedPromotion>,
    pub count: u32,
    pub refused: u32,
    /// Problems of the request itself (dates, discount, campaign), per field.
    pub problems: Vec<FieldError>,
    /// The period read, in Paris time, as it will be saved.
    pub starts_text: Option<String>,
    pub ends_text: Option<String>,
    /// The campaign the promotions will join, as the request resolved it.
    pub campaign: Option<ResolvedCampaign>,
}

/// What a [`CampaignChoice`] turned out to be (a name may be the marketplace's campaign).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ResolvedCampaign {
    pub name: String,
    /// Created with the promotions (else it exists already).
    pub new: bool,
    /// The marketplace's campaign id, when it joins one.
    pub market_id: Option<String>,
}

/// How many variants a plan lists (all of them are checked).
pub const PLAN_SHOWN: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AddedPromotions {
    pub created: u32,
    pub campaign_id: Option<i64>,
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PromotionState {
    Planned,
    Running,
    Ended,
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

/// How far in the past a promotion may start: the time to fill in the form.
const START_GRACE: Duration = Duration::minutes(15);

struct Period {
    starts: DateTime<Utc>,
    ends: Option<DateTime<Utc>>,
}

fn read_period(starts: &str, ends: Option<&str>, now: DateTime<Utc>, problems: &mut Vec<FieldError>) -> Option<Period> {
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

fn check_discount(d: Discount, problems: &mut Vec<FieldError>) {
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

struct Planned {
    plan: PromotionPlan,
    rows: Vec<NewPromotion>,
    campaign: CampaignLink,
}

/// Checks a request against the catalogue, its prices and its promotions, variant by
/// variant; nothing is written.
async fn plan(db: &Db, req: &PromotionRequest, now: DateTime<Utc>) -> Result<Planned> {
    let mut problems = Vec::new();
    check_discount(req.discount, &mut problems);
    if req.quantity_limit == Some(0) {
        problems.push(FieldError::new("quantity_limit", "invalid", "La quantité limitée doit être d'au moins 1."));
    }
    let period = read_period(&req.starts, req.ends.as_deref(), now, &mut problems);

    // The campaign: an existing one, a new one, or one the marketplace announces.
    let campaigns = db.campaigns().await?;
    let mut campaign = CampaignLink::None;
    let mut campaign_id = None;
    match &req.campaign {
        None => {}
        Some(CampaignChoice::Existing { id }) => match campaigns.iter().find(|c| c.id == *id) {
            Some(c) => {
                campaign = CampaignLink::Existing(c.id);
                campaign_id = Some(c.id);
            }
            None => problems.push(FieldError::new("campaign", "not_found", format!("Campagne n° {id} introuvable."))),
        },
        Some(CampaignChoice::Named { name }) => {
            let name = name.trim();
            let same = |other: &str| other.to_lowercase() == name.to_lowercase();
            let market = db.market_campaigns().await?.into_iter().find(|m| same(&m.id) || same(&m.name));
            if name.is_empty() {
                problems.push(FieldError::new("campaign", "required", "Donnez un nom à la campagne."));
            } else if let Some(c) = campaigns.iter().find(|c| same(&c.name)) {
                campaign = CampaignLink::Existing(c.id);
                campaign_id = Some(c.id);
            } else if let Some(m) = market {
                match campaigns.iter().find(|c| c.market_id.as_deref() == Some(m.id.as_str())) {
                    Some(c) => {
                        campaign = CampaignLink::Existing(c.id);
                        campaign_id = Some(c.id);
                    }
                    None => {
                        campaign = CampaignLink::New {
                            name: m.name,
                            starts_at: m.starts_at,
                            ends_at: m.ends_at,
                            market_id: Some(m.id),
                        }
                    }
                }
            } else if let Some(p) = &period {
                campaign =
                    CampaignLink::New { name: name.to_owned(), starts_at: p.starts, ends_at: p.ends, market_id: None };
            }
        }
        Some(CampaignChoice::Market { id }) => {
            if let Some(c) = campaigns.iter().find(|c| c.market_id.as_deref() == Some(id.as_str())) {
                campaign = CampaignLink::Existing(c.id);
                campaign_id = Some(c.id);
            } else {
                match db.market_campaigns().await?.into_iter().find(|c| c.id == *id) {
                    Some(m) => {
                        campaign = CampaignLink::New {
                            name: m.name,
                            starts_at: m.starts_at,
                            ends_at: m.ends_at,
                            market_id: Some(m.id),
                        }
                    }
                    None => problems.push(FieldError::new(
                        "campaign",
                        "not_found",
                        format!("La place de marché n'annonce pas (ou plus) la campagne « {id} »."),
                    )),
                }
            }
        }
    }
    // A marketplace campaign's promotions stay within its period.
    if let (Some(p), Some((name, c_start, c_end))) = (&period, market_period(&campaign, &campaigns))
        && (p.starts < c_start || c_end.is_some_and(|e| p.ends.is_none_or(|pe| pe > e)))
    {
        let until = c_end.map(|e| format!(" au {}", format_local(e, true))).unwrap_or_default();
        problems.push(FieldError::new(
            "starts",
            "outside_campaign",
            format!(
                "La campagne « {name} » va du {}{until} : la promotion doit tenir dans ces dates.",
                format_local(c_start, false)
            ),
        ));
    }

    let (skus, products, categories): (&[String], &[i64], Vec<i64>) = match &req.target {
        PromotionTarget::Skus { skus } => (skus, &[], Vec::new()),
        PromotionTarget::Products { ids } => (&[], ids, Vec::new()),
        PromotionTarget::Category { id } => (&[], &[], vec![*id]),
    };
    let (targets, missing) = db.promotion_targets(skus, products, &categories).await?;
    for sku in missing {
        problems.push(FieldError::new("target", "not_found", format!("Référence introuvable : {sku}.")));
    }
    if targets.is_empty() && problems.is_empty() {
        problems.push(FieldError::new("target", "empty", "Aucune déclinaison choisie."));
    }

    let ids: Vec<i64> = targets.iter().map(|t| t.variant_id).collect();
    let facts = db.price_facts(&ids).await?;
    let mut planned = Vec::with_capacity(targets.len());
    let mut rows = Vec::with_capacity(targets.len());
    for t in &targets {
        let (p, row) = plan_variant(t, req, period.as_ref(), campaign_id, facts.get(&t.variant_id));
        if let Some(row) = row {
            rows.push(row);
        }
        planned.push(p);
    }
    let refused = planned.iter().filter(|p| p.problem.is_some()).count();
    // Refused ones first, so the few to fix are never hidden behind thousands of fine ones.
    planned.sort_by_key(|p| p.problem.is_none());
    planned.truncate(PLAN_SHOWN);
    let plan = PromotionPlan {
        variants: planned,
        count: u32::try_from(targets.len()).unwrap_or(u32::MAX),
        refused: u32::try_from(refused).unwrap_or(u32::MAX),
        problems,
        starts_text: period.as_ref().map(|p| format_local(p.starts, false)),
        ends_text: period.as_ref().and_then(|p| p.ends).map(|e| format_local(e, true)),
        campaign: match &campaign {
            CampaignLink::None => None,
            CampaignLink::Existing(id) => campaigns.iter().find(|c| c.id == *id).map(|c| ResolvedCampaign {
                name: c.name.clone(),
                new: false,
                market_id: c.market_id.clone(),
            }),
            CampaignLink::New { name, market_id, .. } => {
                Some(ResolvedCampaign { name: name.clone(), new: true, market_id: market_id.clone() })
            }
        },
    };
    Ok(Planned { plan, rows, campaign })
}

fn market_period(
    link: &CampaignLink,
    campaigns: &[StoredCampaign],
) -> Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> {
    match link {
        CampaignLink::New { name, starts_at, ends_at, market_id: Some(_) } => {
            Some((name.clone(), *starts_at, *ends_at))
        }
        CampaignLink::Existing(id) => campaigns
            .iter()
            .find(|c| c.id == *id && c.market_id.is_some())
            .map(|c| (c.name.clone(), c.starts_at, c.ends_at)),
        _ => None,
    }
}

fn plan_variant(
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

/// What a request would do: every variant checked, nothing written.
pub async fn preview(db: &Db, req: &PromotionRequest, now: DateTime<Utc>) -> Result<PromotionPlan> {
    Ok(plan(db, req, now).await?.plan)
}

/// Sets a promotion on every variant of the request, in one transaction: all of them,
/// or none with every reason (per variant, naming its SKU).
pub async fn add(db: &Db, req: &PromotionRequest, now: DateTime<Utc>) -> Result<AddedPromotions> {
    let Planned { plan, rows, campaign } = plan(db, req, now).await?;
    let mut problems = plan.problems;
    problems.extend(
        plan.variants
            .iter()
            .filter_map(|v| v.problem.as_ref().map(|m| FieldError::new(format!("variants.{}", v.sku), "refused", m))),
    );
    if plan.refused as usize > plan.variants.iter().filter(|v| v.problem.is_some()).count() {
        problems.push(FieldError::new(
            "variants",
            "refused",
            format!("{} déclinaisons en tout ne peuvent pas être mises en promotion.", plan.refused),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let (campaign_id, ids) = db.insert_promotions(&campaign, &rows, now).await?;
    Ok(AddedPromotions { created: u32::try_from(ids.len()).unwrap_or(u32::MAX), campaign_id, ids })
}

/// Changes one promotion: its discount, dates or limit. One that has started keeps
/// its start and its price (buyers have seen them); only its end and limit move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionEdit {
    pub discount: Discount,
    pub starts: String,
    pub ends: Option<String>,
    pub quantity_limit: Option<u32>,
    pub perishable: bool,
}

pub async fn edit(db: &Db, id: i64, e: &PromotionEdit, now: DateTime<Utc>) -> Result<PromotionView> {
    let current = one(db, id).await?;
    let state = state_at(current.starts_at, current.ends_at, now);
    if state == PromotionState::Ended {
        return Err(Error::Conflict(format!("La promotion n° {id} est terminée : elle ne peut plus changer.")));
    }
    let mut problems = Vec::new();
    check_discount(e.discount, &mut problems);
    if e.quantity_limit == Some(0) {
        problems.push(FieldError::new("quantity_limit", "invalid", "La quantité limitée doit être d'au moins 1."));
    }
    let row = if state == PromotionState::Running {
        // Started: only the end and the limit may change; the end cannot go back before now.
        let ends = match e.ends.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match parse_local(s, true) {
                Ok(t) if t <= now => {
                    problems.push(FieldError::new("ends", "past", "La fin est déjà passée : terminez la promotion."));
                    None
                }
                Ok(t) => Some(t),
                Err(m) => {
                    problems.push(FieldError::new("ends", "invalid", format!("Fin : {m}")));
                    None
                }
            },
        };
        NewPromotion {
            variant_id: current.variant_id,
            price_cents: current.price_cents,
            percent: current.percent,
            reference_cents: current.reference_cents,
            starts_at: current.starts_at,
            ends_at: ends,
            quantity_limit: e.quantity_limit,
        }
    } else {
        let period = read_period(&e.starts, e.ends.as_deref(), now, &mut problems);
        let mut facts = db.price_facts(&[current.variant_id]).await?.remove(&current.variant_id);
        if let Some(f) = facts.as_mut() {
            f.promotions.retain(|p| p.id != id);
        }
        let target = TargetVariant {
            variant_id: current.variant_id,
            product_id: current.product_id,
            product_name: current.product_name.clone(),
            sku: current.sku.clone(),
            price_cents: current.regular_cents,
        };
        let req = PromotionRequest {
            target: PromotionTarget::Skus { skus: Vec::new() },
            discount: e.discount,
            starts: e.starts.clone(),
            ends: e.ends.clone(),
            quantity_limit: e.quantity_limit,
            campaign: None,
            perishable: e.perishable,
        };
        let (planned, row) = plan_variant(&target, &req, period.as_ref(), current.campaign_id, facts.as_ref());
        if let Some(m) = planned.problem {
            problems.push(FieldError::new("discount", "refused", m));
        }
        match row {
            Some(r) => r,
            None if problems.is_empty() => return Err(Error::not_found("Promotion", id)),
            None => return Err(Error::Validation(problems)),
        }
    };
    // Ending a running promotion must not make it overlap anything new: its start is
    // unchanged and a later end only matters against later promotions.
    if state == PromotionState::Running {
        let facts = db.price_facts(&[current.variant_id]).await?;
        if let Some(other) = facts.get(&current.variant_id).and_then(|f| {
            f.promotions
                .iter()
                .find(|o| o.id != id && o.starts_at >= row.starts_at && row.ends_at.is_none_or(|e| o.starts_at < e))
        }) {
            problems.push(FieldError::new(
                "ends",
                "overlap",
                format!(
                    "Cette fin chevaucherait la promotion n° {} qui commence le {}.",
                    other.id,
                    format_local(other.starts_at, false)
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    db.update_promotion(id, &row, now).await?;
    Ok(PromotionView::new(one(db, id).await?, now))
}

/// What ending a promotion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EndOutcome {
    /// It was running: it ends now.
    Ended,
    /// It had not started: it is withdrawn.
    Withdrawn,
}

/// Ends a running promotion now, or withdraws a planned one.
pub async fn end(db: &Db, id: i64, now: DateTime<Utc>) -> Result<EndOutcome> {
    let p = one(db, id).await?;
    match state_at(p.starts_at, p.ends_at, now) {
        PromotionState::Ended => Err(Error::Conflict(format!("La promotion n° {id} est déjà terminée."))),
        PromotionState::Planned => {
            db.delete_promotions(&[id]).await?;
            Ok(EndOutcome::Withdrawn)
        }
        PromotionState::Running => {
            db.set_promotion_ends(&[id], now, now).await?;
            Ok(EndOutcome::Ended)
        }
    }
}

/// What ending several promotions did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct EndSummary {
    pub ended: u32,
    pub withdrawn: u32,
    /// Already over: left as they were.
    pub already_over: u32,
}

/// Ends the running ones of `ids` now and withdraws the planned ones (a whole campaign's,
/// thousands at once): two statements.
pub async fn end_many(db: &Db, ids: &[i64], now: DateTime<Utc>) -> Result<EndSummary> {
    let found = db.promotions(&PromotionSelect { ids: Some(ids.to_vec()), ..Default::default() }).await?;
    if found.is_empty() && !ids.is_empty() {
        return Err(Error::not_found("Promotion", ids[0]));
    }
    let (mut running, mut planned, mut over) = (Vec::new(), Vec::new(), 0u32);
    for p in &found {
        match state_at(p.starts_at, p.ends_at, now) {
            PromotionState::Running => running.push(p.id),
            PromotionState::Planned => planned.push(p.id),
            PromotionState::Ended => over += 1,
        }
    }
    db.set_promotion_ends(&running, now, now).await?;
    db.delete_promotions(&planned).await?;
    let n = |v: &[i64]| u32::try_from(v.len()).unwrap_or(u32::MAX);
    Ok(EndSummary { ended: n(&running), withdrawn: n(&planned), already_over: over })
}

async fn one(db: &Db, id: i64) -> Result<StoredPromotion> {
    db.promotions(&PromotionSelect { ids: Some(vec![id]), ..Default::default() })
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Promotion", id))
}

/// Which promotions a screen lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionQuery {
    pub product_id: Option<i64>,
    pub campaign_id: Option<i64>,
    /// Include those over (the history); by default only running and planned ones.
    pub include_ended: bool,
}

pub async fn list(db: &Db, q: &PromotionQuery, now: DateTime<Utc>) -> Result<Vec<PromotionView>> {
    let select = PromotionSelect {
        ids: None,
        product_ids: q.product_id.map(|p| vec![p]),
        campaign_id: q.campaign_id,
        not_over_at: (!q.include_ended).then_some(now),
    };
    Ok(db.promotions(&select).await?.into_iter().map(|p| PromotionView::new(p, now)).collect())
}

/// What the catalogue list shows of a product's promotions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionBadge {
    /// Running if one of its variants is on promotion now, else planned.
    pub state: PromotionState,
    /// The lowest reduced price of those in that state.
    pub price_cents: i64,
    /// Paris time: when the running one ends, or when the planned one starts.
    pub when_text: Option<String>,
}

/// The catalogue list's page with each product's promotion badge.
pub async fn product_page(
    db: &Db,
    filter: &crate::catalogue::ProductFilter,
    now: DateTime<Utc>,
) -> Result<crate::catalogue::ProductPage> {
    let mut page = db.list_products(filter).await?;
    let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
    let select = PromotionSelect { product_ids: Some(ids), not_over_at: Some(now), ..Default::default() };
    let mut badges: HashMap<i64, PromotionBadge> = HashMap::new();
    for p in db.promotions(&select).await? {
        let state = state_at(p.starts_at, p.ends_at, now);
        let when_text = match state {
            PromotionState::Running => p.ends_at.map(|e| format_local(e, true)),
            _ => Some(format_local(p.starts_at, false)),
        };
        let candidate = PromotionBadge { state, price_cents: p.price_cents, when_text };
        badges
            .entry(p.product_id)
            .and_modify(|b| {
                let better = (candidate.state == PromotionState::Running && b.state != PromotionState::Running)
                    || (candidate.state == b.state && candidate.price_cents < b.price_cents);
                if better {
                    *b = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    for row in &mut page.items {
        row.promotion = badges.remove(&row.id);
    }
    Ok(page)
}

/// The promotion of each variant a row of a spreadsheet shows: the running one, else
/// the next planned one (by variant id).
pub async fn shown_by_variant(db: &Db, now: DateTime<Utc>) -> Result<HashMap<i64, PromotionView>> {
    let mut shown: HashMap<i64, PromotionView> = HashMap::new();
    let select = PromotionSelect { not_over_at: Some(now), ..Default::default() };
    for p in db.promotions(&select).await? {
        let variant = p.variant_id;
        // Ordered by start: the first not over is the running one or the next one.
        shown.entry(variant).or_insert_with(|| PromotionView::new(p, now));
    }
    Ok(shown)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub starts_at: String,
    pub ends_at: Option<String>,
    pub starts_text: String,
    pub ends_text: Option<String>,
    /// The marketplace's campaign it joins.
    pub market_id: Option<String>,
    pub promotion_count: i64,
    pub state: PromotionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MarketCampaignView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: Option<String>,
    pub starts_text: String,
    pub ends_text: Option<String>,
    /// The shop's campaign that joined it, if it did.
    pub joined: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Campaigns {
    pub own: Vec<CampaignView>,
    /// Announced by the marketplace (as of the last sync), not over.
    pub market: Vec<MarketCampaignView>,
}

pub async fn campaigns(db: &Db, now: DateTime<Utc>) -> Result<Campaigns> {
    let own_rows = db.campaigns().await?;
    let market = db
        .market_campaigns()
        .await?
        .into_iter()
        .filter(|m| m.ends_at.is_none_or(|e| e > now))
        .map(|m| MarketCampaignView {
            joined: own_rows.iter().find(|c| c.market_id.as_deref() == Some(m.id.as_str())).map(|c| c.id),
            starts_at: crate::storage::ts(m.starts_at),
            ends_at: m.ends_at.map(crate::storage::ts),
            starts_text: format_local(m.starts_at, false),
            ends_text: m.ends_at.map(|e| format_local(e, true)),
            id: m.id,
            name: m.name,
            description: m.description,
        })
        .collect();
    let own = own_rows
        .into_iter()
        .map(|c| CampaignView {
            state: state_at(c.starts_at, c.ends_at, now),
            starts_at: crate::storage::ts(c.starts_at),
            ends_at: c.ends_at.map(crate::storage::ts),
            starts_text: format_local(c.starts_at, false),
            ends_text: c.ends_at.map(|e| format_local(e, true)),
            id: c.id,
            name: c.name,
            market_id: c.market_id,
            promotion_count: c.promotion_count,
        })
        .collect();
    Ok(Campaigns { own, market })
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
