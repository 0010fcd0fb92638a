//! The planner's run: rows fed as the sheet is read (a row that creates a product on
//! its own planned at once), the others planned at the end of the file, product by
//! product, and the report given.

use std::collections::HashMap;

use super::categories::CategoryResolver;
use super::rows::cols_error;
use super::{
    Deferred, Field, Ids, ImportMode, NewCategory, PlanOptions, PlanSink, Planner, Report, RowAction, RowCtx, Target,
    WriteBatch,
};
use crate::import::read::GridRow;
use crate::import::values::{Columns, Record, read_record};
use crate::storage::imports::CatalogueIndex;
use crate::text::fold;
use crate::vat::VatRate;

impl<'a> Planner<'a> {
    pub fn new(
        cols: &'a Columns,
        index: &'a CatalogueIndex,
        options: &'a PlanOptions,
        library: Option<&'a HashMap<String, String>>,
        ids: Ids,
        writing: bool,
    ) -> Self {
        Self {
            cols,
            index,
            library,
            mode: options.mode,
            default_vat: options.default_vat.unwrap_or(VatRate::Normal),
            quantities_from_names: options.quantities_from_names,
            writing,
            ids,
            first_key: HashMap::new(),
            first_ean: HashMap::new(),
            leaving: HashMap::new(),
            deferred: Vec::new(),
            cats: CategoryResolver::new(&index.categories, &options.category_map),
            planned: Vec::new(),
            category_ids: Vec::new(),
            tree: index.categories.iter().map(|c| (c.id, (c.name.clone(), c.parent_id))).collect(),
            batch: WriteBatch::default(),
            rows_seen: 0,
            late: false,
            report: Report::default(),
        }
    }

    /// Data rows planned so far.
    pub fn rows_seen(&self) -> u64 {
        self.rows_seen
    }

    /// Plans the data rows `rows`, which sit at `first` in the sheet's rows; sends what
    /// they create.
    pub fn feed(&mut self, rows: &[GridRow], first: usize, sink: &mut dyn PlanSink) -> crate::Result<()> {
        for (k, row) in rows.iter().enumerate() {
            self.rows_seen += 1;
            let mut rec = read_record(row, self.cols);
            if is_noise(&rec, row) {
                continue;
            }
            let (key, existing) = self.resolve(&mut rec);
            let mut ctx = RowCtx::new(rec, existing, key);
            self.mode_rules(&mut ctx);
            if ctx.action.is_some() {
                self.conclude(ctx, None);
                continue;
            }
            let group = group_key(&ctx.rec);
            let ean_known = ctx.rec.ean.as_ref().is_some_and(|e| self.index.by_ean.contains_key(e));
            if let Some(k) = existing {
                let stored = &self.index.keys[k];
                if let Some(new) = &ctx.rec.ean
                    && stored.ean.as_deref() != Some(new)
                {
                    self.leaving.insert(stored.variant_id, new.clone());
                }
            }
            if existing.is_some() || group.is_some() || ean_known {
                self.deferred.push(Deferred { index: first + k, existing, ean: ctx.rec.ean.clone(), group });
                continue;
            }
            let mut one = [ctx];
            let write = self.plan_product(None, &mut one, None)?;
            let [ctx] = one;
            let id = write.and_then(|w| self.send_product(w));
            self.conclude(ctx, id);
        }
        self.batch.rows_done = self.rows_seen;
        self.flush(sink)
    }

    /// Plans the rows that waited for the end of the sheet (`rows`: all of its rows),
    /// sends the last writes and gives the report.
    pub fn finish(mut self, rows: &[GridRow], sink: &mut dyn PlanSink) -> crate::Result<Report> {
        let deferred = std::mem::take(&mut self.deferred);
        self.late = true;
        // 1. An EAN stored on another variant, which the file does not move away.
        let mut live: Vec<&Deferred> = Vec::with_capacity(deferred.len());
        for d in &deferred {
            if let (Some(ean), true) = (&d.ean, self.mode != ImportMode::Stock)
                && let Some(&owner) = self.index.by_ean.get(ean)
            {
                let owner = &self.index.keys[owner];
                let same = d.existing.is_some_and(|k| self.index.keys[k].variant_id == owner.variant_id);
                if !same && !self.leaving.contains_key(&owner.variant_id) {
                    let mut rec = self.reread(&rows[d.index]);
                    let msg = format!("Code EAN déjà utilisé par la référence {}", owner.sku);
                    let e = cols_error(self.cols, &rec, Field::Ean, "ean_taken", &msg);
                    rec.errors.push(e);
                    let key = rec.sku.clone().or_else(|| rec.ean.clone()).unwrap_or_default();
                    let mut ctx = RowCtx::new(rec, d.existing, key);
                    ctx.action = Some(RowAction::Rejected);
                    self.conclude(ctx, None);
                    continue;
                }
            }
            live.push(d);
        }
        // 2. Rows to products: a row updates its own product; new rows join the product of
        //    their group (same "Code produit", or same name with options) or a new one.
        //    Groups first learn which stored product they belong to.
        let mut group_target: HashMap<&str, Target> = HashMap::new();
        for d in &live {
            if let (Some(k), Some(g)) = (d.existing, &d.group) {
                group_target.entry(g.as_str()).or_insert(Target::Existing(self.index.keys[k].product_id));
            }
        }
        let mut targets: Vec<Target> = Vec::new();
        let mut rows_of: Vec<Vec<&Deferred>> = Vec::new();
        let mut target_of: HashMap<Target, usize> = HashMap::new();
        let mut new_count = 0usize;
        for d in &live {
            let t = match (d.existing, &d.group) {
                (Some(k), _) => Target::Existing(self.index.keys[k].product_id),
                (None, Some(g)) => *group_target.entry(g.as_str()).or_insert_with(|| {
                    new_count += 1;
                    Target::New(new_count - 1)
                }),
                (None, None) => {
                    new_count += 1;
                    Target::New(new_count - 1)
                }
            };
            let ti = *target_of.entry(t).or_insert_with(|| {
                targets.push(t);
                rows_of.push(Vec::new());
                targets.len() - 1
            });
            rows_of[ti].push(d);
        }
        // 3. Product by product, a few hundred at a time: their stored rows, then the plan.
        let mut start = 0;
        while start < targets.len() {
            let mut end = start;
            let mut n_rows = 0;
            while end < targets.len() && (end == start || (end - start < 512 && n_rows < 4096)) {
                n_rows += rows_of[end].len();
                end += 1;
            }
            let ids: Vec<i64> = targets[start..end]
                .iter()
                .filter_map(|t| match t {
                    Target::Existing(id) => Some(*id),
                    Target::New(_) => None,
                })
                .collect();
            let snapshots = if ids.is_empty() { HashMap::new() } else { sink.snapshots(&ids)? };
            for ti in start..end {
                let mut group: Vec<RowCtx> = rows_of[ti]
                    .iter()
                    .map(|d| {
                        let rec = self.reread(&rows[d.index]);
                        let key = rec.sku.clone().or_else(|| rec.ean.clone()).unwrap_or_default();
                        RowCtx::new(rec, d.existing, key)
                    })
                    .collect();
                let (pid, snap) = match targets[ti] {
                    Target::Existing(pid) => (Some(pid), snapshots.get(&pid)),
                    Target::New(_) => (None, None),
                };
                let write = self.plan_product(pid, &mut group, snap)?;
                let id = write.and_then(|w| self.send_product(w)).or(pid);
                for ctx in group {
                    self.conclude(ctx, id);
                }
            }
            self.flush(sink)?;
            start = end;
        }
        self.batch.rows_done = self.rows_seen;
        self.flush(sink)?;
        let mut report = self.report;
        report.errors.sort_by_key(|e| e.row);
        report.row_warnings.sort_by_key(|e| e.row);
        report.photos.sort_by_key(|p| p.row);
        report.proposals.sort_by_key(|p| p.row);
        report.promotions.sort_by_key(|p| p.item.row);
        let used: Vec<&NewCategory> =
            self.planned.iter().zip(&self.category_ids).filter(|(_, id)| id.is_some()).map(|(c, _)| c).collect();
        report.new_categories = used.iter().map(|c| c.path.clone()).collect();
        let mut seen = std::collections::BTreeSet::new();
        report.unknown_categories =
            used.iter().filter(|c| seen.insert(c.written.clone())).map(|c| c.written.clone()).collect();
        Ok(report)
    }

    fn flush(&mut self, sink: &mut dyn PlanSink) -> crate::Result<()> {
        let rows_done = self.batch.rows_done;
        let batch = std::mem::take(&mut self.batch);
        self.batch.rows_done = rows_done;
        if self.writing && (!batch.is_empty() || rows_done > 0) { sink.write(batch) } else { Ok(()) }
    }
}

/// Rows of one product (same "Code produit", or same name and category with options).
fn group_key(r: &Record) -> Option<String> {
    if let Some(g) = &r.group {
        Some(format!("g\u{1}{}", fold(g)))
    } else if r.options.is_some() {
        r.name.as_ref().map(|nm| format!("n\u{1}{}\u{1}{}", fold(nm), fold(&r.category.join("/"))))
    } else {
        None
    }
}

/// Rows that are not products: nothing mapped filled in, or a "Total" line.
fn is_noise(r: &Record, row: &GridRow) -> bool {
    let mapped_empty = r.sku.is_none()
        && r.ean.is_none()
        && r.name.is_none()
        && r.price_ttc.is_none()
        && r.price_ht.is_none()
        && r.stock.is_none()
        && r.errors.is_empty();
    let total_line = r.ean.is_none()
        && r.name.is_none()
        && row.cells.iter().find(|c| !c.is_empty()).is_some_and(|c| {
            let t = fold(&c.display());
            t.starts_with("total") || t.starts_with("sous-total") || t.starts_with("sous total")
        });
    mapped_empty || total_line
}
