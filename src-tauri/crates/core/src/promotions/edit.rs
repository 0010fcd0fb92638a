//! Changing a promotion (a started one keeps its start and its price), ending a running
//! one now or withdrawing a planned one, one or many at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::{check_discount, plan_variant, read_period};
use super::{
    Discount, PromotionRequest, PromotionState, PromotionTarget, PromotionView, format_local, one, parse_local,
    state_at,
};
use crate::storage::promotions::{NewPromotion, PromotionSelect, TargetVariant};
use crate::{Db, Error, FieldError, Result};

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
