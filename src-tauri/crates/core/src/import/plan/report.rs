//! What the import found, row by row: the counts, the errors and warnings, and the
//! outcomes kept for the screen (the first rows of each action).

use super::{Counts, OUTCOMES_KEPT, QuantityProposal, RowError, RowOutcome, RowPromotion};
use crate::import::PhotoRef;

/// Everything the import found, row by row.
#[derive(Debug, Default)]
pub struct Report {
    pub counts: Counts,
    kept: [std::collections::BinaryHeap<ByRow>; 4],
    pub errors: Vec<RowError>,
    pub photos: Vec<PhotoRef>,
    pub row_warnings: Vec<RowError>,
    /// Paths of the categories the import creates, and the names the file gave them.
    pub new_categories: Vec<String>,
    pub unknown_categories: Vec<String>,
    /// Net quantities read in names, every one (the simulation keeps the first ones).
    pub proposals: Vec<QuantityProposal>,
    /// The promotions of the rows not refused, in file order.
    pub promotions: Vec<RowPromotion>,
}

#[derive(Debug)]
struct ByRow(RowOutcome);

impl PartialEq for ByRow {
    fn eq(&self, other: &Self) -> bool {
        self.0.row == other.0.row
    }
}
impl Eq for ByRow {}
impl PartialOrd for ByRow {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ByRow {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.row.cmp(&other.0.row)
    }
}

impl Report {
    pub(super) fn keep(&mut self, o: RowOutcome) {
        let heap = &mut self.kept[o.action as usize];
        if heap.len() < OUTCOMES_KEPT {
            heap.push(ByRow(o));
        } else if heap.peek().is_some_and(|top| top.0.row > o.row) {
            heap.pop();
            heap.push(ByRow(o));
        }
    }

    /// The kept outcomes in file order, and how many were left out.
    pub fn outcomes(&mut self) -> (Vec<RowOutcome>, u32) {
        let mut rows: Vec<RowOutcome> =
            self.kept.iter_mut().flat_map(|h| std::mem::take(h).into_vec()).map(|b| b.0).collect();
        rows.sort_by_key(|o| o.row);
        let total = self.counts.create + self.counts.update + self.counts.unchanged + self.counts.rejected;
        let omitted = total.saturating_sub(rows.len() as u32);
        (rows, omitted)
    }
}
