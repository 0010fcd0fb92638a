//! Promotions from a spreadsheet: the columns « Prix promo » or « Remise », « Début
//! promo » and « Fin promo » of the import, which the catalogue export writes back.
//!
//! A row's promotion is matched to the variant's promotion that starts at the same
//! instant: the same again is left alone (an exported file imports as « inchangé »), a
//! planned one is changed, a running one may only get a new end; any other start adds a
//! promotion. The rules are those of [`super::add`] — reference price, no overlap — and a
//! promotion refused is a warning on its row: the row's product is imported all the same.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::reference::PastPrice;
use super::{Discount, Period, PromotionRequest, PromotionState, PromotionTarget, plan_variant, state_at};
use crate::storage::promotions::{NewPromotion, TargetVariant};
use crate::{Db, Result};

/// A row's promotion, read by the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetPromotion {
    /// Row number as the spreadsheet shows it.
    pub row: u32,
    pub sku: String,
    /// The regular price the row sets (it may change it, or create the product).
    pub row_price_cents: Option<i64>,
    pub discount: Discount,
    pub starts: DateTime<Utc>,
    pub ends: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "outcome", content = "message", rename_all = "snake_case")]
pub enum SheetOutcome {
    Unchanged,
    Created,
    Updated,
    /// Why, in French (the row's product is imported all the same).
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetResult {
    pub row: u32,
    pub sku: String,
    pub outcome: SheetOutcome,
}

/// Checks (`batch` `None`: the simulation) or saves (`Some(batch id)`, after the import's
/// commit: the promotions are recorded on the batch, which undo withdraws) the rows'
/// promotions.
pub async fn from_sheet(
    db: &Db,
    items: &[SheetPromotion],
    batch: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<SheetResult>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let skus: Vec<String> = items.iter().map(|i| i.sku.clone()).collect();
    let (targets, _) = db.promotion_targets(&skus, &[], &[]).await?;
    let ids: Vec<i64> = targets.iter().map(|t| t.variant_id).collect();
    let mut facts = db.price_facts(&ids).await?;
    let existing: Vec<_> = db.promotions_of_variants(&ids).await?.into_values().flatten().collect();

    let mut results = Vec::with_capacity(items.len());
    let mut created: Vec<(usize, NewPromotion)> = Vec::new();
    let mut updated: Vec<(i64, NewPromotion)> = Vec::new();
    for item in items {
        let target = targets.iter().find(|t| t.sku.to_lowercase() == item.sku.trim().to_lowercase());
        let (target, mut f) = match target {
            Some(t) => (t.clone(), facts.get(&t.variant_id).cloned()),
            // Not in the catalogue yet: the simulation of a row that creates it.
            None => match item.row_price_cents {
                Some(price) => (
                    TargetVariant {
                        variant_id: 0,
                        product_id: 0,
                        product_name: String::new(),
                        sku: item.sku.clone(),
                        price_cents: price,
                    },
                    Some(super::reference::PriceFacts {
                        current_cents: price,
                        since: now,
                        history: Vec::new(),
                        promotions: Vec::new(),
                    }),
                ),
                None => {
                    results.push(refused(item, format!("{} : référence introuvable.", item.sku)));
                    continue;
                }
            },
        };
        let mut target = target;
        // In the simulation, the row's new price is not saved yet: it will have replaced
        // the current one now.
        if let (Some(f), Some(price)) = (f.as_mut(), item.row_price_cents)
            && batch.is_none()
            && price != f.current_cents
            && target.variant_id != 0
        {
            f.history.push(PastPrice { price_cents: f.current_cents, until: now });
            f.current_cents = price;
            target.price_cents = price;
        }
        let same_start = existing.iter().find(|p| p.variant_id == target.variant_id && p.starts_at == item.starts);
        let req = PromotionRequest {
            target: PromotionTarget::Skus { skus: Vec::new() },
            discount: item.discount,
            starts: String::new(),
            ends: None,
            quantity_limit: same_start.and_then(|p| p.quantity_limit),
            campaign: None,
            perishable: same_start.is_some_and(|p| p.reference_cents.is_none()),
        };
        let outcome = match same_start {
            Some(p) => {
                let same_discount = match item.discount {
                    Discount::PercentOff { percent } => p.percent == Some(percent),
                    Discount::NewPrice { cents } => p.percent.is_none() && p.price_cents == cents,
                };
                if same_discount && p.ends_at == item.ends {
                    SheetOutcome::Unchanged
                } else {
                    match state_at(p.starts_at, p.ends_at, now) {
                        PromotionState::Ended => SheetOutcome::Refused(format!(
                            "{} : la promotion n° {} est terminée, elle ne peut plus changer.",
                            item.sku, p.id
                        )),
                        PromotionState::Running if !same_discount => SheetOutcome::Refused(format!(
                            "{} : la promotion n° {} a commencé, seule sa fin peut changer.",
                            item.sku, p.id
                        )),
                        PromotionState::Running => match item.ends {
                            Some(e) if e <= now => {
                                SheetOutcome::Refused(format!("{} : la nouvelle fin est déjà passée.", item.sku))
                            }
                            _ => {
                                updated.push((
                                    p.id,
                                    NewPromotion {
                                        variant_id: p.variant_id,
                                        price_cents: p.price_cents,
                                        percent: p.percent,
                                        reference_cents: p.reference_cents,
                                        starts_at: p.starts_at,
                                        ends_at: item.ends,
                                        quantity_limit: p.quantity_limit,
                                    },
                                ));
                                SheetOutcome::Updated
                            }
                        },
                        PromotionState::Planned => {
                            if let Some(f) = f.as_mut() {
                                f.promotions.retain(|o| o.id != p.id);
                            }
                            let period = Period { starts: item.starts, ends: item.ends };
                            let (planned, row) = plan_variant(&target, &req, Some(&period), p.campaign_id, f.as_ref());
                            match (planned.problem, row) {
                                (Some(m), _) => SheetOutcome::Refused(m),
                                (None, Some(row)) => {
                                    updated.push((p.id, row));
                                    SheetOutcome::Updated
                                }
                                (None, None) => SheetOutcome::Unchanged,
                            }
                        }
                    }
                }
            }
            None if item.starts < now - super::START_GRACE => SheetOutcome::Refused(format!(
                "{} : le début de la promotion, {}, est déjà passé.",
                item.sku,
                super::format_local(item.starts, false)
            )),
            None if item.ends.is_some_and(|e| e <= item.starts) => {
                SheetOutcome::Refused(format!("{} : la fin de la promotion vient avant son début.", item.sku))
            }
            None => {
                let period = Period { starts: item.starts, ends: item.ends };
                let (planned, row) = plan_variant(&target, &req, Some(&period), None, f.as_ref());
                match (planned.problem, row) {
                    (Some(m), _) => SheetOutcome::Refused(m),
                    (None, Some(row)) => {
                        // Two rows of the file for the same variant must not overlap either.
                        if let Some(f) = facts.get_mut(&target.variant_id) {
                            f.promotions.push(super::reference::OtherPromotion {
                                id: -i64::from(item.row),
                                price_cents: row.price_cents,
                                starts_at: row.starts_at,
                                ends_at: row.ends_at,
                                campaign_id: None,
                                reference_cents: row.reference_cents,
                            });
                        }
                        created.push((results.len(), row));
                        SheetOutcome::Created
                    }
                    (None, None) => SheetOutcome::Refused(format!("{} : promotion impossible.", item.sku)),
                }
            }
        };
        results.push(SheetResult { row: item.row, sku: item.sku.clone(), outcome });
    }

    if let Some(batch_id) = batch {
        let rows: Vec<NewPromotion> = created.iter().map(|(_, r)| r.clone()).collect();
        db.save_sheet_promotions(batch_id, &rows, &updated, now).await?;
    }
    Ok(results)
}

fn refused(item: &SheetPromotion, message: String) -> SheetResult {
    SheetResult { row: item.row, sku: item.sku.clone(), outcome: SheetOutcome::Refused(message) }
}
