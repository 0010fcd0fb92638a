//! The rows' promotions (« Prix promo » or « Remise », « Début promo », « Fin promo »)
//! by the rules of the promotions screen: checked for a simulation, saved after the
//! import's commit; each one refused a warning on its row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::plan::{self, RowPromotion};
use super::{RowError, Simulation};
use crate::promotions::sheet::{SheetOutcome, from_sheet};
use crate::promotions::{self, PromotionQuery};
use crate::{Db, Result};

/// Checks (`batch` `None`) or saves (after the import's commit, recorded on the batch
/// so that [`undo`](super::undo) withdraws them) the rows' promotions: counted in `sim`, each one
/// refused a warning on its row, pointed at its Remise or Prix promo cell.
pub(super) async fn promote(
    db: &Db,
    sim: &mut Simulation,
    rows: Vec<RowPromotion>,
    batch: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut refused: Vec<RowError> = Vec::new();
    // A price and a discount that disagree are refused, unless the variant has that very
    // promotion (an exported row whose regular price changed since it was set).
    let stored = if rows.iter().any(|r| r.disagreement.is_some()) {
        promotions::list(db, &PromotionQuery { include_ended: true, ..PromotionQuery::default() }, now).await?
    } else {
        Vec::new()
    };
    let mut items = Vec::with_capacity(rows.len());
    let mut at: HashMap<u32, RowError> = HashMap::with_capacity(rows.len());
    for r in rows {
        if let Some(message) = r.disagreement {
            let percent = match r.item.discount {
                promotions::Discount::PercentOff { percent } => Some(percent),
                promotions::Discount::NewPrice { .. } => None,
            };
            let same = stored.iter().any(|p| {
                p.sku.to_lowercase() == r.item.sku.to_lowercase()
                    && DateTime::parse_from_rfc3339(&p.starts_at).is_ok_and(|s| s == r.item.starts)
                    && p.percent == percent
                    && r.given_price_cents == Some(p.price_cents)
            });
            if !same {
                refused.push(RowError { message, ..r.at });
                continue;
            }
        }
        at.insert(r.item.row, r.at);
        items.push(r.item);
    }
    let counts = &mut sim.promotions;
    for result in from_sheet(db, &items, batch, now).await? {
        match result.outcome {
            SheetOutcome::Created => counts.created += 1,
            SheetOutcome::Updated => counts.updated += 1,
            SheetOutcome::Unchanged => counts.unchanged += 1,
            SheetOutcome::Refused(message) => {
                if let Some(e) = at.remove(&result.row) {
                    refused.push(RowError { message, ..e });
                }
            }
        }
    }
    counts.refused = refused.len() as u32;
    // The row's note said what the promotion would be: it says it is refused instead.
    for e in &refused {
        if let Some(o) = sim.rows.iter_mut().find(|o| o.row == e.row)
            && let Some(note) = o.notes.iter_mut().find(|n| n.starts_with(plan::PROMOTION_NOTE))
        {
            *note = format!("{} refusée : {}", plan::PROMOTION_NOTE, e.message);
        }
    }
    sim.row_warnings.extend(refused);
    sim.row_warnings.sort_by_key(|e| e.row);
    Ok(())
}

/// [`promote`] after the import's commit: the import is saved whatever happens to its
/// promotions, so a failure is a warning of the result, not the import's error.
pub(super) async fn promote_after_commit(
    db: &Db,
    sim: &mut Simulation,
    rows: Vec<RowPromotion>,
    batch_id: i64,
    now: DateTime<Utc>,
) {
    if let Err(e) = promote(db, sim, rows, Some(batch_id), now).await {
        tracing::warn!("import {batch_id}, promotions: {e}");
        sim.warnings.push(format!("Les produits sont importés, mais pas les promotions du fichier : {e}"));
    }
}
