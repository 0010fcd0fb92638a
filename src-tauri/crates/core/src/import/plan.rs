//! The simulation: every row checked against the catalogue as it is, giving what the
//! import would do (create, update with old → new values, leave, reject) and the
//! exact writes. Pure: the catalogue state comes in, a [`Plan`] goes out.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::errors::RowError;
use super::map::Field;
use super::values::{Columns, Record, status_label};
use crate::catalogue::{Category, ProductInput, ProductStatus, Unit, VariantInput, VariantOption, validate_product};
use crate::storage::imports::{CatalogueIndex, ProductSnapshot};
use crate::text::fold;
use crate::vat::VatRate;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Creates new references and updates every mapped field of known ones.
    #[default]
    Full,
    /// Only stock and price of known references; creates nothing.
    Stock,
    /// Only creates; known references are left as they are.
    Create,
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Full => "full",
            ImportMode::Stock => "stock",
            ImportMode::Create => "create",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "full" => Some(ImportMode::Full),
            "stock" => Some(ImportMode::Stock),
            "create" => Some(ImportMode::Create),
            _ => None,
        }
    }

    fn uses(self, f: Field) -> bool {
        match self {
            ImportMode::Stock => {
                matches!(f, Field::Sku | Field::Ean | Field::PriceTtc | Field::PriceHt | Field::Vat | Field::Stock)
            }
            _ => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Rejected,
}

/// One field's old → new value, as people read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Change {
    pub field: Field,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowOutcome {
    pub row: u32,
    /// The row's reference (SKU, or EAN when it has none).
    pub key: String,
    pub name: Option<String>,
    pub action: RowAction,
    pub changes: Vec<Change>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Counts {
    pub create: u32,
    pub update: u32,
    pub unchanged: u32,
    pub rejected: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategoryRef {
    None,
    Existing(i64),
    /// Index in [`Plan::new_categories`].
    New(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub parent: CategoryRef,
    pub path: String,
    /// The category as the file wrote it (`Fromages › Chèvre`): what the shopkeeper
    /// may map to an existing category instead ([`CategoryChoice::name`]).
    pub written: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantWrite {
    pub id: Option<i64>,
    pub sku: String,
    pub options: Vec<VariantOption>,
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    pub weight_g: Option<i64>,
    pub volume_ml: Option<i64>,
    pub position: i64,
    /// New, or different from the stored one.
    pub changed: bool,
    /// Stored EAN differs (the write parks it first so swaps pass the UNIQUE check).
    pub ean_changed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductWrite {
    /// `None`: created.
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub category: CategoryRef,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub product_changed: bool,
    /// Every variant of the product after the import, stored order.
    pub variants: Vec<VariantWrite>,
    pub search_changed: bool,
    pub before: Option<ProductSnapshot>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub outcomes: Vec<RowOutcome>,
    pub errors: Vec<RowError>,
    pub products: Vec<ProductWrite>,
    pub new_categories: Vec<NewCategory>,
    pub counts: Counts,
    /// Photo file names of each row that keeps its product (row, reference, names), for
    /// the photo library to attach.
    pub photos: Vec<PhotoCell>,
}

/// The Photo / Image cell of a row: file names to find in the photo library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoCell {
    pub row: u32,
    /// The row's reference (SKU, or EAN when it has none), as written.
    pub key: String,
    pub files: Vec<String>,
}

/// What the user chose beside the mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanOptions {
    pub mode: ImportMode,
    /// VAT of new products whose row has none (20 % unless told).
    pub default_vat: Option<VatRate>,
    /// Category names of the file (as written) mapped by the user to an existing
    /// category, or to none; the others are found by name or created.
    pub category_map: Vec<CategoryChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CategoryChoice {
    /// As written in the file, levels joined by ` › ` (`Fromages › Chèvre`).
    pub name: String,
    pub category_id: Option<i64>,
}

/// Rows matched to the catalogue: which stored variant each one is.
pub struct Resolved {
    pub records: Vec<Record>,
    /// Index into `CatalogueIndex::keys` of the variant the row updates.
    pub existing: Vec<Option<usize>>,
    keys: Vec<String>,
}

/// Keys every row (SKU, else EAN), finds duplicates in the file and the stored
/// variant each row designates.
pub fn resolve(mut records: Vec<Record>, cols: &Columns, index: &CatalogueIndex) -> Resolved {
    let mut first_key: HashMap<String, u32> = HashMap::with_capacity(records.len());
    let mut first_ean: HashMap<String, u32> = HashMap::new();
    let mut existing = Vec::with_capacity(records.len());
    let mut keys = Vec::with_capacity(records.len());
    for r in &mut records {
        let err = |f: Field, code: &str, msg: String| RowError {
            row: r.row,
            column: cols.mapping.column_of(f).map(super::map::column_letter),
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
            (Some(sku), _) => (sku.to_uppercase(), index.by_sku.get(&sku.to_uppercase()).copied()),
            (None, Some(ean)) => (format!("EAN {ean}"), index.by_ean.get(ean).copied()),
            (None, None) => {
                if !r.errors.iter().any(|e| e.field == Some(Field::Ean)) {
                    let e = err(Field::Sku, "sku_missing", "Référence manquante".into());
                    r.errors.push(e);
                }
                (String::new(), None)
            }
        };
        if !key.is_empty() {
            if let Some(first) = first_key.get(&key) {
                let e = if r.sku.is_some() {
                    err(Field::Sku, "sku_duplicate", format!("Référence en double : déjà ligne {first}"))
                } else {
                    err(Field::Ean, "ean_duplicate", format!("Code EAN en double : déjà ligne {first}"))
                };
                r.errors.push(e);
            } else {
                first_key.insert(key.clone(), r.row);
            }
        }
        if let (Some(ean), Some(_)) = (&r.ean, &r.sku) {
            if let Some(first) = first_ean.get(ean) {
                let e = err(Field::Ean, "ean_duplicate", format!("Code EAN en double : déjà ligne {first}"));
                r.errors.push(e);
            } else {
                first_ean.insert(ean.clone(), r.row);
            }
        }
        existing.push(found);
        keys.push(r.sku.clone().or_else(|| r.ean.clone()).unwrap_or_default());
    }
    Resolved { records, existing, keys }
}

/// Products the rows touch: their snapshots are needed to plan (and to undo).
pub fn touched_products(resolved: &Resolved, index: &CatalogueIndex) -> Vec<i64> {
    let mut ids: Vec<i64> = resolved.existing.iter().flatten().map(|&k| index.keys[k].product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Existing(i64),
    New(usize),
}

struct Draft<'a> {
    id: Option<i64>,
    name: Option<String>,
    description: String,
    category: CategoryRef,
    status: ProductStatus,
    vat: VatRate,
    unit: Unit,
    variants: Vec<VariantWrite>,
    /// Row (record index) of each variant the file touches.
    variant_rows: Vec<Option<usize>>,
    rows: Vec<usize>,
    before: Option<&'a ProductSnapshot>,
}

/// Builds the plan. `products`: snapshots of [`touched_products`].
pub fn build(
    resolved: Resolved,
    cols: &Columns,
    index: &CatalogueIndex,
    products: &HashMap<i64, ProductSnapshot>,
    options: &PlanOptions,
) -> Plan {
    let Resolved { mut records, existing, keys } = resolved;
    let mode = options.mode;
    let default_vat = options.default_vat.unwrap_or(VatRate::Normal);
    let n = records.len();
    let mut action: Vec<Option<RowAction>> = vec![None; n];
    let mut notes: Vec<Option<String>> = vec![None; n];
    let mut changes: Vec<Vec<Change>> = vec![Vec::new(); n];

    // 1. Errors that only matter in this mode, and mode rules.
    let leaving: HashMap<i64, String> = records
        .iter()
        .zip(&existing)
        .filter_map(|(r, e)| {
            let k = &index.keys[(*e)?];
            let new = r.ean.as_deref()?;
            (k.ean.as_deref() != Some(new)).then(|| (k.variant_id, new.to_owned()))
        })
        .collect();
    for (i, r) in records.iter_mut().enumerate() {
        r.errors.retain(|e| e.field.is_none_or(|f| mode.uses(f)));
        let found = existing[i].map(|k| &index.keys[k]);
        match (mode, found) {
            (ImportMode::Stock, None) if r.errors.is_empty() => r.errors.push(cols_error(
                cols,
                r,
                Field::Sku,
                "sku_unknown",
                "Référence inconnue : le mode « stock et prix » ne crée pas de produit",
            )),
            (ImportMode::Create, Some(_)) if r.errors.is_empty() => {
                action[i] = Some(RowAction::Unchanged);
                notes[i] = Some("Existe déjà : non modifié (mode création seule)".into());
            }
            _ => {}
        }
        // An EAN stored on another variant, which the file does not move away.
        if let (Some(ean), true) = (&r.ean, mode != ImportMode::Stock)
            && let Some(&owner) = index.by_ean.get(ean)
        {
            let owner = &index.keys[owner];
            let same = found.is_some_and(|f| f.variant_id == owner.variant_id);
            if !same && !leaving.contains_key(&owner.variant_id) && action[i].is_none() {
                let msg = format!("Code EAN déjà utilisé par la référence {}", owner.sku);
                let e = cols_error(cols, r, Field::Ean, "ean_taken", &msg);
                r.errors.push(e);
            }
        }
        if !r.errors.is_empty() {
            action[i] = Some(RowAction::Rejected);
        }
    }

    // 2. Rows to products: a row updates its own product; new rows join the product of
    //    their group (same "Code produit", or same name with options) or a new one.
    let mut targets: Vec<Target> = Vec::new();
    let mut target_of: HashMap<Target, usize> = HashMap::new();
    let mut group_target: HashMap<String, Target> = HashMap::new();
    let mut new_count = 0usize;
    let mut row_target: Vec<Option<usize>> = vec![None; n];
    // Groups first learn which existing product they belong to.
    let group_key = |r: &Record| -> Option<String> {
        if let Some(g) = &r.group {
            Some(format!("g\u{1}{}", fold(g)))
        } else if r.options.is_some() {
            r.name.as_ref().map(|nm| format!("n\u{1}{}\u{1}{}", fold(nm), fold(&r.category.join("/"))))
        } else {
            None
        }
    };
    for (i, r) in records.iter().enumerate() {
        if action[i].is_some() {
            continue;
        }
        if let (Some(k), Some(g)) = (existing[i], group_key(r)) {
            group_target.entry(g).or_insert(Target::Existing(index.keys[k].product_id));
        }
    }
    for (i, r) in records.iter().enumerate() {
        if action[i].is_some() {
            continue;
        }
        let t = match existing[i] {
            Some(k) => Target::Existing(index.keys[k].product_id),
            None => match group_key(r) {
                Some(g) => *group_target.entry(g).or_insert_with(|| {
                    new_count += 1;
                    Target::New(new_count - 1)
                }),
                None => {
                    new_count += 1;
                    Target::New(new_count - 1)
                }
            },
        };
        let ti = *target_of.entry(t).or_insert_with(|| {
            targets.push(t);
            targets.len() - 1
        });
        row_target[i] = Some(ti);
    }
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); targets.len()];
    for (i, t) in row_target.iter().enumerate() {
        if let Some(t) = t {
            rows_of[*t].push(i);
        }
    }

    // 3. Desired state of each product.
    let mut cats = CategoryResolver::new(&index.categories, &options.category_map);
    let mut plan = Plan::default();
    for (ti, target) in targets.iter().enumerate() {
        let rows = &rows_of[ti];
        let mut draft = match target {
            Target::Existing(pid) => {
                let Some(snap) = products.get(pid) else {
                    for &i in rows {
                        let e = cols_error(
                            cols,
                            &records[i],
                            Field::Sku,
                            "changed",
                            "Produit modifié pendant l'import : recommencez",
                        );
                        records[i].errors.push(e);
                        action[i] = Some(RowAction::Rejected);
                    }
                    continue;
                };
                draft_from_snapshot(snap, rows.clone())
            }
            Target::New(_) => Draft {
                id: None,
                name: None,
                description: String::new(),
                category: CategoryRef::None,
                status: ProductStatus::Draft,
                vat: default_vat,
                unit: Unit::Piece,
                variants: Vec::new(),
                variant_rows: Vec::new(),
                rows: rows.clone(),
                before: None,
            },
        };
        // Product fields from the first row that gives each.
        if mode != ImportMode::Stock {
            let is_new = draft.id.is_none();
            let apply_product_fields = is_new || mode == ImportMode::Full;
            if apply_product_fields {
                let first = |f: &dyn Fn(&Record) -> bool| rows.iter().copied().find(|&i| f(&records[i]));
                if let Some(i) = first(&|r| r.name.is_some()) {
                    draft.name.clone_from(&records[i].name);
                }
                if let Some(i) = first(&|r| r.description.is_some()) {
                    draft.description = records[i].description.clone().unwrap_or_default();
                }
                if let Some(i) = first(&|r| !r.category.is_empty()) {
                    draft.category = cats.resolve(&records[i].category, &mut plan.new_categories);
                }
                if let Some(i) = first(&|r| r.vat.is_some()) {
                    draft.vat = records[i].vat.unwrap_or(default_vat);
                }
                if let Some(i) = first(&|r| r.unit.is_some()) {
                    draft.unit = records[i].unit.unwrap_or(Unit::Piece);
                }
                if let Some(i) = first(&|r| r.status.is_some()) {
                    draft.status = records[i].status.unwrap_or(ProductStatus::Draft);
                }
            }
        }
        if draft.name.is_none() {
            for &i in rows {
                let e = cols_error(cols, &records[i], Field::Name, "name_missing", "Désignation manquante");
                records[i].errors.push(e);
                action[i] = Some(RowAction::Rejected);
            }
            continue;
        }
        let mut next_position = draft.variants.iter().map(|v| v.position + 1).max().unwrap_or(0);
        for &i in rows {
            let r = &records[i];
            let vat = if mode == ImportMode::Stock { r.vat.unwrap_or(draft.vat) } else { draft.vat };
            let price = r.price_ttc.or_else(|| r.price_ht.map(|ht| vat.ttc_from_ht(ht)));
            let found = existing[i].map(|k| index.keys[k].variant_id);
            let slot = found.and_then(|vid| draft.variants.iter().position(|v| v.id == Some(vid)));
            match slot {
                Some(s) => {
                    let v = &mut draft.variants[s];
                    draft.variant_rows[s] = Some(i);
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
                        if r.weight_g.is_some() {
                            v.weight_g = r.weight_g;
                        }
                        if r.volume_ml.is_some() {
                            v.volume_ml = r.volume_ml;
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
                        records[i].errors.push(e);
                        action[i] = Some(RowAction::Rejected);
                        continue;
                    };
                    draft.variants.push(VariantWrite {
                        id: None,
                        sku: keys[i].clone(),
                        options: r.options.clone().unwrap_or_default(),
                        price_cents: price,
                        stock: r.stock.unwrap_or(0),
                        ean: r.ean.clone(),
                        weight_g: r.weight_g,
                        volume_ml: r.volume_ml,
                        position: next_position,
                        changed: true,
                        ean_changed: r.ean.is_some(),
                    });
                    draft.variant_rows.push(Some(i));
                    next_position += 1;
                }
            }
        }
        // 4. The catalogue's own validation, errors sent back to their rows. Any failure
        //    rejects every row of the product: half a product is never written.
        if !draft.variant_rows.iter().any(Option::is_some) {
            continue;
        }
        match validate_product(&draft_input(&draft)) {
            Ok(valid) => {
                if let Some(w) = finish(&draft, valid, &mut changes, &index.categories, &plan.new_categories) {
                    plan.products.push(w);
                }
            }
            Err(e) => {
                let fields = match e {
                    crate::Error::Validation(f) => f,
                    other => vec![crate::FieldError::new("", "invalid", other.to_string())],
                };
                let rows_hit: Vec<usize> = draft.variant_rows.iter().flatten().copied().collect();
                for fe in fields {
                    let mut parts = fe.field.splitn(3, '.');
                    let (head, idx, rest) = (parts.next(), parts.next(), parts.next());
                    let (only, field) = match (head, idx.and_then(|x| x.parse::<usize>().ok())) {
                        (Some("variants"), Some(vi)) => (draft.variant_rows.get(vi).copied().flatten(), field_of(rest)),
                        _ => (None, field_of(head)),
                    };
                    for &ri in &rows_hit {
                        if only.is_none_or(|o| o == ri) {
                            let e = cols_error(cols, &records[ri], field, &fe.code, &fe.message);
                            records[ri].errors.push(e);
                        }
                    }
                }
                for &ri in &rows_hit {
                    if records[ri].errors.is_empty() {
                        let e = cols_error(
                            cols,
                            &records[ri],
                            Field::Sku,
                            "product_invalid",
                            "Produit refusé : une autre ligne du même produit est en erreur",
                        );
                        records[ri].errors.push(e);
                    }
                    action[ri] = Some(RowAction::Rejected);
                }
            }
        }
    }

    // 5. Outcomes per row, in file order.
    for (i, r) in records.iter().enumerate() {
        let act = match action[i] {
            Some(a) => a,
            None if existing[i].is_none() => RowAction::Create,
            None if changes[i].is_empty() => RowAction::Unchanged,
            None => RowAction::Update,
        };
        match act {
            RowAction::Create => plan.counts.create += 1,
            RowAction::Update => plan.counts.update += 1,
            RowAction::Unchanged => plan.counts.unchanged += 1,
            RowAction::Rejected => plan.counts.rejected += 1,
        }
        // Photos go with the product fields: not in "stock et prix", and not onto a product
        // that "création seule" leaves as it is.
        let keeps_photos = mode.uses(Field::Photo) && !(mode == ImportMode::Create && existing[i].is_some());
        if act != RowAction::Rejected && keeps_photos && !r.photos.is_empty() {
            plan.photos.push(PhotoCell { row: r.row, key: keys[i].clone(), files: r.photos.clone() });
        }
        plan.errors.extend(r.errors.iter().cloned());
        plan.outcomes.push(RowOutcome {
            row: r.row,
            key: keys[i].clone(),
            name: r.name.clone(),
            action: act,
            changes: std::mem::take(&mut changes[i]),
            note: notes[i].take(),
        });
    }
    prune_categories(&mut plan);
    plan
}

fn cols_error(cols: &Columns, r: &Record, f: Field, code: &str, msg: &str) -> RowError {
    let col = cols.mapping.column_of(f);
    RowError {
        row: r.row,
        column: col.map(super::map::column_letter),
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

fn field_of(path_rest: Option<&str>) -> Field {
    match path_rest.unwrap_or("") {
        "sku" => Field::Sku,
        "name" => Field::Name,
        "description" => Field::Description,
        "ean" => Field::Ean,
        "price_cents" => Field::PriceTtc,
        "stock" => Field::Stock,
        "options" => Field::Options,
        "weight_g" => Field::Weight,
        "volume_ml" => Field::Volume,
        "category_id" => Field::Category,
        _ => Field::Sku,
    }
}

fn draft_from_snapshot(s: &ProductSnapshot, rows: Vec<usize>) -> Draft<'_> {
    let variants: Vec<VariantWrite> = s
        .variants
        .iter()
        .map(|v| VariantWrite {
            id: Some(v.id),
            sku: v.sku.clone(),
            options: serde_json::from_str(&v.options).unwrap_or_default(),
            price_cents: v.price_cents,
            stock: v.stock,
            ean: v.ean.clone(),
            weight_g: v.weight_g,
            volume_ml: v.volume_ml,
            position: v.position,
            changed: false,
            ean_changed: false,
        })
        .collect();
    Draft {
        id: Some(s.id),
        name: Some(s.name.clone()),
        description: s.description.clone(),
        category: s.category_id.map_or(CategoryRef::None, CategoryRef::Existing),
        status: if s.status == "published" { ProductStatus::Published } else { ProductStatus::Draft },
        vat: VatRate::from_basis_points(s.vat_bp).unwrap_or(VatRate::Normal),
        unit: Unit::ALL.into_iter().find(|u| u.as_str() == s.unit).unwrap_or(Unit::Piece),
        variant_rows: vec![None; variants.len()],
        variants,
        rows,
        before: Some(s),
    }
}

fn draft_input(d: &Draft) -> ProductInput {
    ProductInput {
        id: d.id,
        name: d.name.clone().unwrap_or_default(),
        description: d.description.clone(),
        // Existence is the resolver's business; validation only needs a value.
        category_id: None,
        status: d.status,
        vat: d.vat,
        unit: d.unit,
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
                weight_g: v.weight_g,
                volume_ml: v.volume_ml,
            })
            .collect(),
    }
}

/// The write for a validated draft, with each row's changes; `None` when nothing changes.
fn finish(
    d: &Draft,
    valid: ProductInput,
    changes: &mut [Vec<Change>],
    categories: &[Category],
    new_categories: &[NewCategory],
) -> Option<ProductWrite> {
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
        let old_status = if before.status == "published" { ProductStatus::Published } else { ProductStatus::Draft };
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
        product_changed = search_changed
            || before.vat_bp != d.vat.basis_points()
            || before.unit != d.unit.as_str()
            || old_status != d.status;
        for (v, row) in variants.iter_mut().zip(&d.variant_rows) {
            let Some(old) = v.id.and_then(|id| before.variants.iter().find(|o| o.id == id)) else { continue };
            let old_opts: Vec<VariantOption> = serde_json::from_str(&old.options).unwrap_or_default();
            v.ean_changed = old.ean != v.ean;
            v.changed = old.price_cents != v.price_cents
                || old.stock != v.stock
                || v.ean_changed
                || old.weight_g != v.weight_g
                || old.volume_ml != v.volume_ml
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
                push(Field::Weight, old.weight_g.map(|g| format!("{g} g")), v.weight_g.map(|g| format!("{g} g")));
                push(Field::Volume, old.volume_ml.map(|m| format!("{m} ml")), v.volume_ml.map(|m| format!("{m} ml")));
                push(Field::Options, Some(options_text(&old_opts)), Some(options_text(&v.options)));
            }
        }
        if variants.iter().any(|v| v.id.is_none()) {
            search_changed = true;
        }
        if !product_changed && !variants.iter().any(|v| v.changed) {
            return None;
        }
    }
    Some(ProductWrite {
        id: d.id,
        name: valid.name,
        description: valid.description,
        category: d.category,
        status: d.status,
        vat: d.vat,
        unit: d.unit,
        product_changed,
        variants,
        search_changed,
        before: d.before.cloned(),
    })
}

fn vat_label(bp: i64) -> String {
    VatRate::from_basis_points(bp).map_or_else(|| format!("{bp}"), |v| v.label().to_owned())
}

fn unit_label(s: &str) -> Option<String> {
    Unit::ALL.into_iter().find(|u| u.as_str() == s).map(|u| u.label().to_owned())
}

/// `Taille : M | Couleur : Bleu`, the form the export writes and the import reads.
pub fn options_text(o: &[VariantOption]) -> String {
    o.iter().map(|o| format!("{} : {}", o.name, o.value)).collect::<Vec<_>>().join(" | ")
}

/// Finds categories by path (ignoring case and accents), or plans their creation
/// under the deepest existing ancestor the path names.
struct CategoryResolver<'a> {
    categories: Vec<(Vec<String>, &'a Category)>,
    user: HashMap<String, Option<i64>>,
    cache: HashMap<Vec<String>, CategoryRef>,
}

impl<'a> CategoryResolver<'a> {
    fn new(categories: &'a [Category], choices: &[CategoryChoice]) -> Self {
        let sep = crate::storage::PATH_SEP;
        Self {
            categories: categories.iter().map(|c| (c.path.split(sep).map(fold).collect(), c)).collect(),
            user: choices
                .iter()
                .map(|c| {
                    (c.name.split(['›', '>', '/']).map(|s| fold(s.trim())).collect::<Vec<_>>().join("/"), c.category_id)
                })
                .collect(),
            cache: HashMap::new(),
        }
    }

    fn resolve(&mut self, path: &[String], new: &mut Vec<NewCategory>) -> CategoryRef {
        // "Épicerie/Confitures" is a path, unless a category is named so ("Boissons/Cave").
        let expanded: Vec<String>;
        let path = if path.iter().any(|s| s.contains('/')) {
            expanded = path
                .iter()
                .flat_map(|seg| {
                    let f = fold(seg);
                    if self.categories.iter().any(|(parts, _)| parts.last() == Some(&f)) {
                        vec![seg.clone()]
                    } else {
                        seg.split('/').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
                    }
                })
                .collect();
            &expanded[..]
        } else {
            path
        };
        let folded: Vec<String> = path.iter().map(|s| fold(s)).collect();
        if let Some(r) = self.cache.get(&folded) {
            return *r;
        }
        let r = if let Some(choice) = self.user.get(&folded.join("/")) {
            choice.map_or(CategoryRef::None, CategoryRef::Existing)
        } else {
            let mut found = (0, CategoryRef::None);
            for k in (1..=folded.len()).rev() {
                let prefix = &folded[..k];
                let matches: Vec<&&Category> =
                    self.categories.iter().filter(|(parts, _)| parts.ends_with(prefix)).map(|(_, c)| c).collect();
                let pick = match matches.as_slice() {
                    [] => None,
                    [one] => Some(one.id),
                    many => Some(many.iter().find(|c| c.depth as usize + 1 == k).map_or(many[0].id, |c| c.id)),
                };
                if let Some(id) = pick {
                    found = (k, CategoryRef::Existing(id));
                    break;
                }
            }
            let (k, mut parent) = found;
            let path_written = path.join(crate::storage::PATH_SEP);
            for name in path.iter().skip(k) {
                let folded_name = fold(name);
                let existing = new.iter().position(|c| c.parent == parent && fold(&c.name) == folded_name);
                parent = CategoryRef::New(existing.unwrap_or_else(|| {
                    let parent_path = match parent {
                        CategoryRef::None => String::new(),
                        CategoryRef::Existing(id) => self
                            .categories
                            .iter()
                            .find(|(_, c)| c.id == id)
                            .map(|(_, c)| c.path.clone())
                            .unwrap_or_default(),
                        CategoryRef::New(i) => new[i].path.clone(),
                    };
                    let path = if parent_path.is_empty() {
                        name.trim().to_owned()
                    } else {
                        format!("{parent_path}{}{}", crate::storage::PATH_SEP, name.trim())
                    };
                    let written = path_written.clone();
                    new.push(NewCategory { name: name.trim().to_owned(), parent, path, written });
                    new.len() - 1
                }));
            }
            parent
        };
        self.cache.insert(folded, r);
        r
    }
}

/// Drops planned categories no kept product uses (their rows were rejected).
fn prune_categories(plan: &mut Plan) {
    let mut used = vec![false; plan.new_categories.len()];
    for p in &plan.products {
        let mut c = p.category;
        while let CategoryRef::New(i) = c {
            if used[i] {
                break;
            }
            used[i] = true;
            c = plan.new_categories[i].parent;
        }
    }
    let mut remap = vec![None; used.len()];
    let mut kept = Vec::new();
    for (i, c) in plan.new_categories.iter().enumerate() {
        if used[i] {
            remap[i] = Some(kept.len());
            let mut c = c.clone();
            if let CategoryRef::New(p) = c.parent {
                c.parent = remap[p].map_or(CategoryRef::None, CategoryRef::New);
            }
            kept.push(c);
        }
    }
    plan.new_categories = kept;
    for p in &mut plan.products {
        if let CategoryRef::New(i) = p.category {
            p.category = remap[i].map_or(CategoryRef::None, CategoryRef::New);
        }
    }
}
