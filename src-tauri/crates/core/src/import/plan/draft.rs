//! A product's desired state (a [`Draft`]): from its stored rows, to the catalogue's
//! input for validation, and once valid to its write, with each row's old → new values.

use super::{CategoryRef, Change, Draft, NewCategory, ProductWrite, VariantWrite};
use crate::Result;
use crate::catalogue::{Category, Offer, ProductInput, Unit, VariantInput, VariantOption, format_duration};
use crate::import::map::Field;
use crate::import::values::{days_text, food_cells_text, kind_label, policy_label, sessions_text, status_label};
use crate::storage::imports::ProductSnapshot;
use crate::vat::VatRate;

/// The draft of a stored product, from its rows as they are. A stored value that cannot
/// be read back is `Error::Corrupt` naming its table, row and column: the import fails
/// rather than writing a default over it (issue 19).
pub(super) fn draft_from_snapshot(s: &ProductSnapshot, rows: Vec<usize>) -> Result<Draft<'_>> {
    let variants = s
        .variants
        .iter()
        .map(|v| {
            Ok(VariantWrite {
                id: Some(v.id),
                sku: v.sku.clone(),
                options: v.stored_options()?,
                price_cents: v.price_cents,
                stock: v.stock,
                ean: v.ean.clone(),
                net_quantity: v
                    .net_quantity
                    .clone()
                    .or_else(|| crate::catalogue::legacy_net_quantity(v.weight_g, v.volume_ml)),
                position: v.position,
                changed: false,
                ean_changed: false,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Draft {
        id: Some(s.id),
        name: Some(s.name.clone()),
        description: s.description.clone(),
        category: s.category_id.map_or(CategoryRef::None, CategoryRef::Existing),
        status: s.stored_status()?,
        vat: s.stored_vat()?,
        unit: s.stored_unit()?,
        offer: s.stored_offer()?,
        variant_rows: vec![None; variants.len()],
        variants,
        rows,
        before: Some(s),
    })
}

pub(super) fn draft_input(d: &Draft) -> ProductInput {
    ProductInput {
        id: d.id,
        name: d.name.clone().unwrap_or_default(),
        description: d.description.clone(),
        // Existence is the resolver's business; validation only needs a value.
        category_id: None,
        status: d.status,
        vat: d.vat,
        unit: d.unit,
        offer: d.offer.clone(),
        variants: d
            .variants
            .iter()
            .map(|v| VariantInput {
                id: v.id,
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_cents: v.price_cents,
                stock: v.stock,
                ean: v.ean.clone(),
                net_quantity: v.net_quantity.clone(),
            })
            .collect(),
    }
}

/// The write for a validated draft, with each row's changes; `None` when nothing changes.
/// The stored values were read by [`draft_from_snapshot`]: a damaged one is its error.
pub(super) fn to_write(
    d: &Draft,
    valid: ProductInput,
    changes: &mut [Vec<Change>],
    categories: &[Category],
    new_categories: &[NewCategory],
) -> Result<Option<ProductWrite>> {
    let cat_path = |c: CategoryRef| match c {
        CategoryRef::None => None,
        CategoryRef::Existing(id) => categories.iter().find(|x| x.id == id).map(|x| x.path.clone()),
        CategoryRef::New(i) => new_categories.get(i).map(|x| x.path.clone()),
    };
    let mut variants = d.variants.clone();
    for (v, clean) in variants.iter_mut().zip(&valid.variants) {
        v.sku.clone_from(&clean.sku);
        v.options.clone_from(&clean.options);
        v.ean.clone_from(&clean.ean);
        v.net_quantity.clone_from(&clean.net_quantity);
    }
    let mut search_changed = d.before.is_none();
    let mut product_changed = d.before.is_none();
    if let Some(before) = d.before {
        // The first row of the file touching this product carries the product's changes.
        let first_row = d.variant_rows.iter().flatten().copied().min().or_else(|| d.rows.first().copied());
        let mut push = |f: Field, old: Option<String>, new: Option<String>| {
            if old != new
                && let Some(r) = first_row
            {
                changes[r].push(Change { field: f, old, new });
            }
        };
        let old_status = before.stored_status()?;
        let old_cat = before.category_id.map_or(CategoryRef::None, CategoryRef::Existing);
        if before.name != valid.name {
            search_changed = true;
        }
        if before.description != valid.description {
            search_changed = true;
        }
        if old_cat != d.category {
            search_changed = true;
        }
        push(Field::Name, Some(before.name.clone()), Some(valid.name.clone()));
        push(Field::Description, Some(before.description.clone()), Some(valid.description.clone()));
        push(Field::Category, cat_path(old_cat), cat_path(d.category));
        push(Field::Vat, Some(vat_label(before.vat_bp)), Some(d.vat.label().to_owned()));
        push(Field::Unit, unit_label(&before.unit), Some(d.unit.label().to_owned()));
        push(Field::Status, Some(status_label(old_status).to_owned()), Some(status_label(d.status).to_owned()));
        let offer = crate::storage::offer::StoredOffer::from_offer(&valid.offer);
        if before.offer != offer {
            let old = before.stored_offer()?;
            offer_changes(&old, &valid.offer, &mut push);
        }
        product_changed = search_changed
            || before.vat_bp != d.vat.basis_points()
            || before.unit != d.unit.as_str()
            || before.offer != offer
            || old_status != d.status;
        for (v, row) in variants.iter_mut().zip(&d.variant_rows) {
            let Some(old) = v.id.and_then(|id| before.variants.iter().find(|o| o.id == id)) else { continue };
            let old_opts = old.stored_options()?;
            v.ean_changed = old.ean != v.ean;
            v.changed = old.price_cents != v.price_cents
                || old.stock != v.stock
                || v.ean_changed
                || old.net_quantity != v.net_quantity
                || old_opts != v.options;
            if v.ean_changed || old_opts != v.options {
                search_changed = true;
            }
            if let Some(r) = *row {
                let c = &mut changes[r];
                let mut push = |f: Field, o: Option<String>, n: Option<String>| {
                    if o != n {
                        c.push(Change { field: f, old: o, new: n });
                    }
                };
                push(
                    Field::PriceTtc,
                    Some(crate::money::format_eur(old.price_cents)),
                    Some(crate::money::format_eur(v.price_cents)),
                );
                push(Field::Stock, Some(old.stock.to_string()), Some(v.stock.to_string()));
                push(Field::Ean, old.ean.clone(), v.ean.clone());
                push(Field::Volume, old.net_quantity.clone(), v.net_quantity.clone());
                push(Field::Options, Some(options_text(&old_opts)), Some(options_text(&v.options)));
            }
        }
        if variants.iter().any(|v| v.id.is_none()) {
            search_changed = true;
        }
        if !product_changed && !variants.iter().any(|v| v.changed) {
            return Ok(None);
        }
    }
    Ok(Some(ProductWrite {
        id: d.id,
        name: valid.name,
        description: valid.description,
        category: d.category,
        status: d.status,
        vat: d.vat,
        unit: d.unit,
        offer: valid.offer,
        product_changed,
        variants,
        search_changed,
        before: d.before.cloned(),
    }))
}

/// The offer's old → new values, as the export writes them.
fn offer_changes(old: &Offer, new: &Offer, push: &mut dyn FnMut(Field, Option<String>, Option<String>)) {
    push(Field::Packaging, old.packaging.clone(), new.packaging.clone());
    let kind = |o: &Offer| Some(kind_label(o.kind, o.food.is_some()).to_owned());
    push(Field::Kind, kind(old), kind(new));
    push(
        Field::StockPolicy,
        Some(policy_label(old.stock_policy).to_owned()),
        Some(policy_label(new.stock_policy).to_owned()),
    );
    push(Field::LeadTime, old.lead_time_days.map(days_text), new.lead_time_days.map(days_text));
    push(Field::Duration, old.duration_minutes.map(format_duration), new.duration_minutes.map(format_duration));
    let sessions = |o: &Offer| Some(sessions_text(&o.sessions)).filter(|s| !s.is_empty());
    push(Field::Sessions, sessions(old), sessions(new));
    let food = Field::FOOD;
    let (a, b) = (food_cells_text(old.food.as_ref()), food_cells_text(new.food.as_ref()));
    for ((f, o), n) in food.into_iter().zip(a).zip(b) {
        push(f, Some(o).filter(|s| !s.is_empty()), Some(n).filter(|s| !s.is_empty()));
    }
}

fn vat_label(bp: i64) -> String {
    VatRate::from_basis_points(bp).map_or_else(|| format!("{bp}"), |v| v.label().to_owned())
}

fn unit_label(s: &str) -> Option<String> {
    Unit::from_stored(s).map(|u| u.label().to_owned())
}

/// `Taille : M | Couleur : Bleu`, the form the export writes and the import reads.
pub fn options_text(o: &[VariantOption]) -> String {
    o.iter().map(|o| format!("{} : {}", o.name, o.value)).collect::<Vec<_>>().join(" | ")
}
