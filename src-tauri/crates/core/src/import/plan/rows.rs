//! One row on its own: its key (SKU, else EAN) and the duplicates, what the mode
//! reads of it, its outcome counted and kept, its photos looked up in the library.

use super::{ImportMode, Planner, RowAction, RowCtx, RowOutcome};
use crate::import::errors::RowError;
use crate::import::map::Field;
use crate::import::read::GridRow;
use crate::import::values::{Columns, Record, read_record};
use crate::import::{PhotoFound, PhotoRef};
use crate::model::import::PhotoAttach;

impl Planner<'_> {
    /// The row's key (SKU, else EAN) and the stored variant it designates; duplicates of
    /// earlier rows and a missing key are row errors.
    pub(super) fn resolve(&mut self, r: &mut Record) -> (String, Option<usize>) {
        let cols = self.cols;
        let err = |r: &Record, f: Field, code: &str, msg: String| RowError {
            row: r.row,
            column: cols.mapping.column_of(f).map(crate::import::map::column_letter),
            header: cols.mapping.column_of(f).map(|c| cols.header(c)),
            field: Some(f),
            value: match f {
                Field::Sku => r.sku.clone().unwrap_or_default(),
                _ => r.ean.clone().unwrap_or_default(),
            },
            code: code.to_owned(),
            message: msg,
        };
        let (key, found) = match (&r.sku, &r.ean) {
            (Some(sku), _) => {
                let upper = sku.to_uppercase();
                let found = self.index.by_sku.get(&upper).copied();
                (upper, found)
            }
            (None, Some(ean)) => (format!("EAN {ean}"), self.index.by_ean.get(ean).copied()),
            (None, None) => {
                if !r.errors.iter().any(|e| e.field == Some(Field::Ean)) {
                    let e = err(r, Field::Sku, "sku_missing", "Référence manquante".into());
                    r.errors.push(e);
                }
                (String::new(), None)
            }
        };
        let mut duplicate = false;
        if !key.is_empty() {
            if let Some(first) = self.first_key.get(&key) {
                let e = if r.sku.is_some() {
                    err(r, Field::Sku, "sku_duplicate", format!("Référence en double : déjà ligne {first}"))
                } else {
                    err(r, Field::Ean, "ean_duplicate", format!("Code EAN en double : déjà ligne {first}"))
                };
                r.errors.push(e);
                duplicate = true;
            } else {
                self.first_key.insert(key, r.row);
            }
        }
        // Every EAN once in the file, whether the row has a reference or only the EAN (a
        // row keyed by its EAN must not take the EAN of an earlier row with a reference).
        if let Some(ean) = &r.ean {
            match self.first_ean.get(ean) {
                Some(first) if !duplicate => {
                    let e = err(r, Field::Ean, "ean_duplicate", format!("Code EAN en double : déjà ligne {first}"));
                    r.errors.push(e);
                }
                Some(_) => {}
                None => {
                    self.first_ean.insert(ean.clone(), r.row);
                }
            }
        }
        let key = r.sku.clone().or_else(|| r.ean.clone()).unwrap_or_default();
        (key, found)
    }

    /// A row that waited for the end of the file, read again as [`Planner::feed`] read
    /// it: what this mode does not read is left out.
    pub(super) fn reread(&self, row: &GridRow) -> Record {
        let mut rec = read_record(row, self.cols);
        self.mode_filter(&mut rec);
        rec
    }

    /// Leaves out the errors, warnings and notes of columns this mode does not read.
    fn mode_filter(&self, r: &mut Record) {
        let mode = self.mode;
        r.errors.retain(|e| e.field.is_none_or(|f| mode.uses(f)));
        r.warnings.retain(|e| e.field.is_none_or(|f| mode.uses(f)));
        r.notes.retain(|(f, _)| mode.uses(*f));
    }

    /// Errors that only matter in this mode, and the mode's own rules.
    pub(super) fn mode_rules(&self, ctx: &mut RowCtx) {
        let mode = self.mode;
        self.mode_filter(&mut ctx.rec);
        let r = &mut ctx.rec;
        match (mode, ctx.existing) {
            (ImportMode::Stock, None) if r.errors.is_empty() => {
                let e = cols_error(
                    self.cols,
                    r,
                    Field::Sku,
                    "sku_unknown",
                    "Référence inconnue : le mode « stock et prix » ne crée pas de produit",
                );
                r.errors.push(e);
            }
            (ImportMode::Create, Some(_)) if r.errors.is_empty() => {
                // Nothing of the row is read: no note on what its words mean.
                r.notes.clear();
                r.warnings.clear();
                ctx.action = Some(RowAction::Unchanged);
                ctx.note = Some("Existe déjà : non modifié (mode création seule)".into());
            }
            _ => {}
        }
        if !ctx.rec.errors.is_empty() {
            ctx.action = Some(RowAction::Rejected);
        }
    }

    /// The row's outcome, counted and kept; its photos go onto `product` (the product
    /// the row ends up on).
    pub(super) fn conclude(&mut self, ctx: RowCtx, product: Option<i64>) {
        let RowCtx { mut rec, existing, key, action, note, changes, notes, warnings, proposal, promotion } = ctx;
        let act = match action {
            Some(a) => a,
            None if existing.is_none() => RowAction::Create,
            None if changes.is_empty() => RowAction::Unchanged,
            None => RowAction::Update,
        };
        let c = &mut self.report.counts;
        match act {
            RowAction::Create => c.create += 1,
            RowAction::Update => c.update += 1,
            RowAction::Unchanged => c.unchanged += 1,
            RowAction::Rejected => c.rejected += 1,
        }
        // Photos go with the product fields: not in "stock et prix", and not onto a product
        // that "création seule" leaves as it is.
        let mode = self.mode;
        let keeps_photos = mode.uses(Field::Photo) && !(mode == ImportMode::Create && existing.is_some());
        if act != RowAction::Rejected && keeps_photos && !rec.photos.is_empty() {
            let found = self.match_photos(rec.row, &key, std::mem::take(&mut rec.photos));
            if let Some(pid) = product.filter(|_| !found.is_empty()) {
                self.batch.photos.push(PhotoAttach { product_id: pid, sha256: found });
            }
        }
        self.report.errors.append(&mut rec.errors);
        let mut all_notes: Vec<String> = std::mem::take(&mut rec.notes).into_iter().map(|(_, n)| n).collect();
        if act != RowAction::Rejected {
            self.report.row_warnings.append(&mut rec.warnings);
            self.report.row_warnings.extend(warnings);
            all_notes.extend(notes);
            self.report.proposals.extend(proposal.map(|p| *p));
            self.report.promotions.extend(promotion.map(|p| *p));
        }
        self.report.keep(RowOutcome {
            row: rec.row,
            key,
            name: rec.name,
            action: act,
            changes,
            note,
            notes: all_notes,
        });
    }

    /// The row's photo file names looked up in the library ([`crate::import::photo_name_key`] →
    /// sha256); the missing ones become row warnings naming the row, the column and the
    /// file. Gives the photos found, in cell order.
    fn match_photos(&mut self, row: u32, key: &str, files: Vec<String>) -> Vec<String> {
        let cols = self.cols;
        let column = cols.mapping.column_of(Field::Photo);
        let (mut found, mut missing) = (Vec::<PhotoFound>::new(), Vec::new());
        for f in &files {
            match self.library.and_then(|l| l.get(&crate::import::photo_name_key(f))) {
                Some(sha) if !found.iter().any(|x| &x.sha256 == sha) => {
                    found.push(PhotoFound { file: f.clone(), sha256: sha.clone() })
                }
                Some(_) => {}
                None => {
                    self.report.row_warnings.push(RowError {
                        row,
                        column: column.map(crate::import::map::column_letter),
                        header: column.map(|col| cols.header(col)),
                        field: Some(Field::Photo),
                        value: f.clone(),
                        code: "photo_missing".into(),
                        // The file name is the value: `describe` gives "Ligne 3, colonne H
                        // (Photo) « absent.jpg » : Photo introuvable dans la photothèque (…)".
                        message: "Photo introuvable dans la photothèque (importez-la dans le studio photo, puis relancez l'import)".into(),
                    });
                    missing.push(f.clone());
                }
            }
        }
        let shas = found.iter().map(|f| f.sha256.clone()).collect();
        self.report.photos.push(PhotoRef { row, sku: key.to_owned(), files, found, missing });
        shas
    }
}

pub(super) fn cols_error(cols: &Columns, r: &Record, f: Field, code: &str, msg: &str) -> RowError {
    let col = cols.mapping.column_of(f);
    RowError {
        row: r.row,
        column: col.map(crate::import::map::column_letter),
        header: col.map(|c| cols.header(c)),
        field: Some(f),
        value: match f {
            Field::Sku => r.sku.clone().unwrap_or_default(),
            Field::Ean => r.ean.clone().unwrap_or_default(),
            Field::Name => r.name.clone().unwrap_or_default(),
            _ => String::new(),
        },
        code: code.to_owned(),
        message: msg.to_owned(),
    }
}
