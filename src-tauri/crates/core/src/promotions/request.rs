//! A request on many variants at once (SKUs, products or a category), all or none: what
//! it would do while the shopkeeper types ([`preview`]) and saving it ([`add`]), with
//! the campaign it joins resolved — the shop's, a new one, or the marketplace's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::{check_discount, plan_variant, read_period};
use super::{Discount, Reference, format_local};
use crate::storage::promotions::{CampaignLink, NewPromotion, StoredCampaign};
use crate::{Db, Error, FieldError, Result};

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
