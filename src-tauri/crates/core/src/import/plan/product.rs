//! One product planned from its rows: the product's fields from the first row giving
//! each, a variant per row, the net quantities its names propose, each row's
//! promotion, and the catalogue's validation (a product to publish whose food
//! information is incomplete goes in as a draft, with a warning). Any failure rejects
//! every row of the product.

use chrono::{DateTime, Utc};

use super::draft::{draft_from_snapshot, draft_input, to_write};
use super::rows::cols_error;
use super::{
    CategoryRef, Change, Draft, ImportMode, Planner, ProductWrite, QuantityProposal, RowAction, RowCtx, RowPromotion,
    VariantWrite,
};
use crate::FieldError;
use crate::catalogue::{
    FoodInfo, Offer, ProductInput, ProductKind, ProductStatus, Unit, net_quantity_in_name, publish_problems,
    unit_price, validate_product,
};
use crate::import::map::Field;
use crate::import::values::{Columns, FoodCells, Record, discount_text};
use crate::money::format_eur;
use crate::promotions::sheet::SheetPromotion;
use crate::promotions::{Discount, format_local};
use crate::storage::imports::ProductSnapshot;

impl Planner<'_> {
    /// Net quantities read in the names of the product's variants that have none, when
    /// the file has no quantity column: proposed in the rows' notes, stored when the
    /// user said so. Not for what has no net quantity: a service, goods sold by measure.
    fn propose_quantities(&self, draft: &mut Draft, rows: &mut [RowCtx]) {
        let cols = self.cols;
        if self.mode == ImportMode::Stock
            || cols.has(Field::Weight)
            || cols.has(Field::Volume)
            || draft.unit.is_measured()
            || draft.offer.kind == ProductKind::Service
        {
            return;
        }
        for (v, row) in draft.variants.iter_mut().zip(&draft.variant_rows) {
            let Some(i) = *row else { continue };
            if v.net_quantity.is_some() {
                continue;
            }
            let ctx = &mut rows[i];
            let Some(name) = ctx.rec.name.as_deref().or(draft.name.as_deref()) else { continue };
            let Some(q) = net_quantity_in_name(name) else { continue };
            let quantity = q.to_string();
            let price = unit_price(draft.unit, v.price_cents, Some(&q)).map(|u| u.text());
            let shown = price.as_ref().map_or_else(|| quantity.clone(), |p| format!("{quantity}, soit {p}"));
            let applied = self.quantities_from_names;
            ctx.notes.push(if applied {
                format!("Quantité nette lue dans le nom : {shown}")
            } else {
                format!("Quantité nette proposée d'après le nom : {shown} (enregistrée seulement si vous l'acceptez)")
            });
            ctx.proposal = Some(Box::new(QuantityProposal {
                row: ctx.rec.row,
                key: ctx.key.clone(),
                name: name.to_owned(),
                quantity: quantity.clone(),
                unit_price: price,
                applied,
            }));
            if applied {
                v.net_quantity = Some(quantity);
                v.changed = true;
            }
        }
    }

    /// Each row's promotion, on its variant as validated (its SKU, its regular price
    /// after the row), with a note saying what it will be.
    fn promotions(&self, variant_of: &[Option<usize>], valid: &ProductInput, rows: &mut [RowCtx]) {
        let cols = self.cols;
        for (ctx, vi) in rows.iter_mut().zip(variant_of) {
            let Some(v) = vi.and_then(|vi| valid.variants.get(vi)) else { continue };
            let Some(p) = ctx.rec.promotion.as_deref() else { continue };
            let Some(starts) = p.starts else { continue };
            let regular = v.price_cents;
            let (discount, disagreement) = match (p.price_cents, p.percent) {
                (_, Some(percent)) => {
                    let off = Discount::PercentOff { percent };
                    let disagreement = p.price_cents.filter(|c| *c != off.price_for(regular)).map(|c| {
                        format!(
                            "Prix promo {} et remise {} ne s'accordent pas : {} de moins sur {} font {}. Laissez l'une des deux cases vide.",
                            format_eur(c),
                            discount_text(percent),
                            discount_text(percent),
                            format_eur(regular),
                            format_eur(off.price_for(regular))
                        )
                    });
                    (off, disagreement)
                }
                (Some(cents), None) => (Discount::NewPrice { cents }, None),
                (None, None) => continue,
            };
            let field =
                if p.percent.is_some() && cols.has(Field::Discount) { Field::Discount } else { Field::PromoPrice };
            let mut at = cols_error(cols, &ctx.rec, field, "promotion_refused", "");
            // The cell as read (`describe` shows it): « 20 % », « 8,00 € ».
            at.value = match (field, p.percent, p.price_cents) {
                (Field::Discount, Some(percent), _) => discount_text(percent),
                (_, _, Some(cents)) => format_eur(cents),
                (_, Some(percent), None) => discount_text(percent),
                _ => String::new(),
            };
            ctx.notes.push(promotion_note(discount, regular, starts, p.ends));
            ctx.promotion = Some(Box::new(RowPromotion {
                item: SheetPromotion {
                    row: ctx.rec.row,
                    sku: v.sku.clone(),
                    row_price_cents: Some(regular),
                    discount,
                    starts,
                    ends: p.ends,
                },
                at,
                disagreement,
                given_price_cents: p.price_cents,
            }));
        }
    }

    /// A product meant to be published whose food information is incomplete goes in as
    /// a draft: each problem is a warning on its cell (the variant's row for a net
    /// quantity, else the product's first row), and every row of the product says so in
    /// its note.
    fn warn_unpublished(&self, draft: &Draft, rows: &mut [RowCtx], problems: &[FieldError]) {
        let cols = self.cols;
        let first_row = draft.variant_rows.iter().flatten().copied().min();
        let mut missing: Vec<&str> = Vec::new();
        for fe in problems {
            let (ri, field) = match variant_path(&fe.field) {
                Some((vi, rest)) => (draft.variant_rows.get(vi).copied().flatten().or(first_row), field_at(cols, rest)),
                None => (first_row, field_at(cols, &fe.field)),
            };
            if let Some(ri) = ri {
                let message = format!("{} ; produit importé en brouillon", fe.message);
                let e = cols_error(cols, &rows[ri].rec, field, &fe.code, &message);
                rows[ri].warnings.push(e);
            }
            let word = missing_word(&fe.field);
            if !missing.contains(&word) {
                missing.push(word);
            }
        }
        let note = format!(
            "Importé en brouillon, pas en ligne : à compléter pour vendre ce produit alimentaire ({})",
            missing.join(", ")
        );
        // The row's note, which the import screen shows beside its outcome already.
        for &ri in draft.variant_rows.iter().flatten() {
            let n = &mut rows[ri].note;
            *n = Some(n.take().map_or_else(|| note.clone(), |n| format!("{n} ; {note}")));
        }
    }

    /// The desired state of one product from its rows (`pid`: the stored product they
    /// update, `snap` its stored rows), validated as the editor would. Any failure
    /// rejects every row of the product: half a product is never written. `None`: nothing
    /// to write. A stored value of `snap` that cannot be read back fails the whole import
    /// (`Error::Corrupt`, named), never read as a default.
    pub(super) fn plan_product(
        &mut self,
        pid: Option<i64>,
        rows: &mut [RowCtx],
        snap: Option<&ProductSnapshot>,
    ) -> crate::Result<Option<ProductWrite>> {
        let cols = self.cols;
        let mode = self.mode;
        let all: Vec<usize> = (0..rows.len()).collect();
        let mut draft = match pid {
            Some(_) => {
                let Some(snap) = snap else {
                    for ctx in rows.iter_mut() {
                        let e = cols_error(
                            cols,
                            &ctx.rec,
                            Field::Sku,
                            "changed",
                            "Produit modifié pendant l'import : recommencez",
                        );
                        ctx.rec.errors.push(e);
                        ctx.action = Some(RowAction::Rejected);
                    }
                    return Ok(None);
                };
                draft_from_snapshot(snap, all.clone())?
            }
            None => Draft {
                id: None,
                name: None,
                description: String::new(),
                category: CategoryRef::None,
                status: ProductStatus::Draft,
                vat: self.default_vat,
                unit: Unit::Piece,
                offer: Offer::default(),
                variants: Vec::new(),
                variant_rows: Vec::new(),
                rows: all.clone(),
                before: None,
            },
        };
        // Product fields from the first row that gives each.
        if mode != ImportMode::Stock {
            let is_new = draft.id.is_none();
            if is_new || mode == ImportMode::Full {
                let first = |f: &dyn Fn(&Record) -> bool| rows.iter().position(|c| f(&c.rec));
                if let Some(i) = first(&|r| r.name.is_some()) {
                    draft.name.clone_from(&rows[i].rec.name);
                }
                if let Some(i) = first(&|r| r.description.is_some()) {
                    draft.description = rows[i].rec.description.clone().unwrap_or_default();
                }
                if let Some(i) = first(&|r| !r.category.is_empty()) {
                    draft.category = self.cats.resolve(&rows[i].rec.category, &mut self.planned);
                }
                if let Some(i) = first(&|r| r.vat.is_some()) {
                    draft.vat = rows[i].rec.vat.unwrap_or(self.default_vat);
                }
                if let Some(i) = first(&|r| r.unit.is_some()) {
                    draft.unit = rows[i].rec.unit.unwrap_or(Unit::Piece);
                }
                if let Some(i) = first(&|r| r.packaging.is_some()) {
                    draft.offer.packaging.clone_from(&rows[i].rec.packaging);
                }
                // A Type cell says it; else a service word in the unit or packaging cell.
                if let Some(i) = first(&|r| r.kind.is_some()) {
                    draft.offer.kind = rows[i].rec.kind.unwrap_or_default();
                } else if rows.iter().any(|c| c.rec.service) {
                    draft.offer.kind = ProductKind::Service;
                }
                if let Some(i) = first(&|r| r.stock_policy.is_some()) {
                    draft.offer.stock_policy = rows[i].rec.stock_policy.unwrap_or_default();
                }
                if let Some(i) = first(&|r| r.lead_time_days.is_some()) {
                    draft.offer.lead_time_days = rows[i].rec.lead_time_days;
                }
                if let Some(i) = first(&|r| r.duration_minutes.is_some()) {
                    draft.offer.duration_minutes = rows[i].rec.duration_minutes;
                }
                // Dated sessions are a service's: on goods they are not stored.
                let mut sessions_on_goods = None;
                if let Some(i) = first(&|r| r.sessions.is_some()) {
                    if draft.offer.kind == ProductKind::Service {
                        draft.offer.sessions = rows[i].rec.sessions.clone().unwrap_or_default();
                    } else {
                        sessions_on_goods = Some(i);
                    }
                }
                // A cell only food has (or a Type saying so) makes the product food;
                // each cell from the first row that fills it, the others left as
                // stored. Origin, producer and labels alone apply to food already.
                let mut food = FoodCells::default();
                for ctx in rows.iter() {
                    if let Some(cells) = &ctx.rec.food {
                        food.or(cells);
                    }
                }
                let is_food = food.says_food() || rows.iter().any(|c| c.rec.food_type) || draft.offer.food.is_some();
                if is_food {
                    food.apply(draft.offer.food.get_or_insert_with(FoodInfo::default));
                }
                if let Some(i) = first(&|r| r.status.is_some()) {
                    draft.status = rows[i].rec.status.unwrap_or(ProductStatus::Draft);
                }
                if let Some(i) = sessions_on_goods {
                    rows[i].notes.push(
                        "Séances non enregistrées : des séances datées ne concernent qu'une prestation (Type « service »)"
                            .to_owned(),
                    );
                }
                if !is_food
                    && !food.is_empty()
                    && let Some(ctx) = rows.first_mut()
                {
                    ctx.notes.push(
                        "Origine, producteur et labels non enregistrés : ce sont des informations d'un produit alimentaire (ajoutez ses ingrédients, ou le Type « produit alimentaire »)"
                            .to_owned(),
                    );
                }
            }
        } else if let Some(i) = rows.iter().position(|c| c.rec.policy_in_stock_cell) {
            // « stock et prix »: what the stock cell says instead of a count.
            let r = &rows[i].rec;
            draft.offer.stock_policy = r.stock_policy.unwrap_or_default();
            if r.lead_time_days.is_some() {
                draft.offer.lead_time_days = r.lead_time_days;
            }
        }
        if draft.name.is_none() {
            for ctx in rows.iter_mut() {
                let e = cols_error(cols, &ctx.rec, Field::Name, "name_missing", "Désignation manquante");
                ctx.rec.errors.push(e);
                ctx.action = Some(RowAction::Rejected);
            }
            return Ok(None);
        }
        let mut next_position = draft.variants.iter().map(|v| v.position + 1).max().unwrap_or(0);
        // The variant of each row: two rows may name the same one (by SKU and by EAN).
        let mut variant_of: Vec<Option<usize>> = vec![None; rows.len()];
        for (i, ctx) in rows.iter_mut().enumerate() {
            let r = &ctx.rec;
            let vat = if mode == ImportMode::Stock { r.vat.unwrap_or(draft.vat) } else { draft.vat };
            let price = r.price_ttc.or_else(|| r.price_ht.map(|ht| vat.ttc_from_ht(ht)));
            let found = ctx.existing.map(|k| self.index.keys[k].variant_id);
            let slot = found.and_then(|vid| draft.variants.iter().position(|v| v.id == Some(vid)));
            match slot {
                Some(s) => {
                    let v = &mut draft.variants[s];
                    draft.variant_rows[s] = Some(i);
                    variant_of[i] = Some(s);
                    if let Some(p) = price {
                        v.price_cents = p;
                    }
                    if let Some(q) = r.stock {
                        v.stock = q;
                    }
                    if mode == ImportMode::Full {
                        if r.ean.is_some() {
                            v.ean.clone_from(&r.ean);
                        }
                        if r.net_quantity.is_some() {
                            v.net_quantity.clone_from(&r.net_quantity);
                        }
                        if let Some(o) = &r.options {
                            v.options.clone_from(o);
                        }
                    }
                }
                None => {
                    let Some(price) = price else {
                        let f = if cols.mapping.has(Field::PriceTtc) || !cols.mapping.has(Field::PriceHt) {
                            Field::PriceTtc
                        } else {
                            Field::PriceHt
                        };
                        let e = cols_error(cols, r, f, "price_missing", "Prix manquant");
                        ctx.rec.errors.push(e);
                        ctx.action = Some(RowAction::Rejected);
                        continue;
                    };
                    draft.variants.push(VariantWrite {
                        id: None,
                        sku: ctx.key.clone(),
                        options: r.options.clone().unwrap_or_default(),
                        price_cents: price,
                        stock: r.stock.unwrap_or(0),
                        ean: r.ean.clone(),
                        net_quantity: r.net_quantity.clone(),
                        position: next_position,
                        changed: true,
                        ean_changed: r.ean.is_some(),
                    });
                    draft.variant_rows.push(Some(i));
                    variant_of[i] = Some(draft.variants.len() - 1);
                    next_position += 1;
                }
            }
        }
        if !draft.variant_rows.iter().any(Option::is_some) {
            return Ok(None);
        }
        self.propose_quantities(&mut draft, rows);
        // The catalogue's own validation, errors sent back to their rows. A product to
        // publish is checked as a draft first: what only keeps it off the marketplace
        // (food information missing) imports it as a draft, with a warning; the « stock
        // et prix » mode leaves its status alone.
        let mut input = draft_input(&draft);
        let check_publish = input.status == ProductStatus::Published && mode != ImportMode::Stock;
        input.status = ProductStatus::Draft;
        match validate_product(&input) {
            Ok(valid) => {
                if check_publish {
                    let problems = publish_problems(&valid);
                    if !problems.is_empty() {
                        draft.status = ProductStatus::Draft;
                        self.warn_unpublished(&draft, rows, &problems);
                    }
                }
                self.promotions(&variant_of, &valid, rows);
                let mut changes: Vec<Vec<Change>> = vec![Vec::new(); rows.len()];
                let w = to_write(&draft, valid, &mut changes, &self.index.categories, &self.planned)?;
                for (ctx, c) in rows.iter_mut().zip(changes) {
                    ctx.changes = c;
                }
                Ok(w)
            }
            Err(e) => {
                let fields = match e {
                    crate::Error::Validation(f) => f,
                    other => vec![crate::FieldError::new("", "invalid", other.to_string())],
                };
                let rows_hit: Vec<usize> = draft.variant_rows.iter().flatten().copied().collect();
                for fe in fields {
                    let (only, field) = match variant_path(&fe.field) {
                        Some((vi, rest)) => (draft.variant_rows.get(vi).copied().flatten(), field_at(cols, rest)),
                        None => (None, field_at(cols, &fe.field)),
                    };
                    for &ri in &rows_hit {
                        if only.is_none_or(|o| o == ri) {
                            let e = cols_error(cols, &rows[ri].rec, field, &fe.code, &fe.message);
                            rows[ri].rec.errors.push(e);
                        }
                    }
                }
                for &ri in &rows_hit {
                    if rows[ri].rec.errors.is_empty() {
                        let e = cols_error(
                            cols,
                            &rows[ri].rec,
                            Field::Sku,
                            "product_invalid",
                            "Produit refusé : une autre ligne du même produit est en erreur",
                        );
                        rows[ri].rec.errors.push(e);
                    }
                    rows[ri].action = Some(RowAction::Rejected);
                }
                Ok(None)
            }
        }
    }
}

/// How a row's note on its promotion starts.
pub(crate) const PROMOTION_NOTE: &str = "Promotion";

/// « Promotion −20 % (9,60 €) du 01/12/2026 au 24/12/2026 », as the row's note.
fn promotion_note(d: Discount, regular: i64, starts: DateTime<Utc>, ends: Option<DateTime<Utc>>) -> String {
    let what = match d {
        Discount::PercentOff { percent } => {
            format!("−{} ({})", discount_text(percent), format_eur(d.price_for(regular)))
        }
        Discount::NewPrice { cents } => format_eur(cents),
    };
    let start = format_local(starts, false);
    match ends {
        Some(e) => format!("{PROMOTION_NOTE} {what} du {start} au {}", format_local(e, true)),
        None => format!("{PROMOTION_NOTE} {what} à partir du {start}, jusqu'à épuisement du stock"),
    }
}

/// `variants.3.ean` → (3, `ean`).
fn variant_path(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("variants.")?;
    let (idx, rest) = rest.split_once('.').unwrap_or((rest, ""));
    Some((idx.parse().ok()?, rest))
}

/// The column a field of the catalogue's validation (`name`, `offer.food.storage`, a
/// variant's `net_quantity`) was read from: of the fields that fill it, the one mapped.
fn field_at(cols: &Columns, path: &str) -> Field {
    let pick = |fields: &[Field]| fields.iter().copied().find(|f| cols.has(*f)).unwrap_or(fields[0]);
    match path {
        "sku" => Field::Sku,
        "name" => Field::Name,
        "description" => Field::Description,
        "ean" => Field::Ean,
        "price_cents" => pick(&[Field::PriceTtc, Field::PriceHt]),
        "stock" => Field::Stock,
        "options" => pick(&[Field::Options, Field::Size, Field::Color]),
        "net_quantity" => pick(&[Field::Volume, Field::Weight, Field::Name]),
        "category_id" => pick(&[Field::Category, Field::Subcategory]),
        "offer.packaging" => pick(&[Field::Packaging, Field::Unit]),
        "offer.lead_time_days" => pick(&[Field::LeadTime, Field::StockPolicy, Field::Stock]),
        "offer.duration_minutes" => pick(&[Field::Duration, Field::Unit]),
        "offer.food.ingredients" => Field::Ingredients,
        "offer.food.allergens" => Field::Allergens,
        "offer.food.storage" => Field::Storage,
        "offer.food.origin" => Field::Origin,
        "offer.food.producer" => Field::Producer,
        "offer.food.labels" => Field::Labels,
        "offer.food.abv_tenths" => Field::Abv,
        p if p.starts_with("offer.sessions") => pick(&[Field::Sessions, Field::Kind]),
        _ => Field::Sku,
    }
}

/// What a publish problem is about, in a word for the row's note.
fn missing_word(path: &str) -> &'static str {
    match variant_path(path).map_or(path, |(_, rest)| rest) {
        "offer.food.ingredients" => "ingrédients",
        "offer.food.allergens" => "allergènes",
        "offer.food.storage" => "conservation",
        "net_quantity" => "quantité nette",
        _ => "informations obligatoires",
    }
}
