//! Cells to typed values, the French way, with a precise error for each refusal.
//! Parsing itself is the catalogue's (`money`, `vat`, `ean`, `Unit`), or comptoir-sheets'
//! where no rule of the shop's is involved (a cell's text, a whole quantity, a
//! percentage off, a date's serial number): this module only chooses which one applies
//! and words the error with its row and column.
//!
//! This module reads a row through the mapping ([`read_record`]): the reference, the
//! name, prices, VAT, EAN, categories, options, photos; its parts read the other kinds
//! of value:
//!
//! - `numbers`: a price cell, a stock count, a weight or a volume with or without its
//!   unit;
//! - `shop`: the shop's words: « sur commande 10 jours » / « illimité » in a stock
//!   cell, durations, délais, the Type cell, a service's sessions, the status;
//! - `food`: the food cells (ingredients, allergens, storage, origin, producer,
//!   labels, strength);
//! - `promo`: the promotion cells (« Prix promo », « Remise », « Début promo »,
//!   « Fin promo »).

mod food;
mod numbers;
mod promo;
mod shop;

use super::errors::RowError;
use super::map::{Field, Mapping, column_letter, header_unit_hint};
use super::read::{Cell, GridRow};
use crate::catalogue::{
    ProductKind, ProductStatus, ServiceSession, StockPolicy, Unit, VariantOption, format_duration, legacy_net_quantity,
    read_unit_cell,
};
use crate::vat::VatRate;
use crate::{ean, money};
use food::read_food;
pub use food::{FoodCells, food_cells_text};
// The pure ones are comptoir-sheets' (no rule of the shop's); their paths here are kept.
pub use comptoir_sheets::values::{cell_text, discount_text, parse_discount, parse_quantity};
use numbers::{parse_measure, written_quantity};
pub use promo::PromoCells;
use promo::read_promotion;
pub use shop::{days_text, kind_label, parse_sessions, policy_label, sessions_text, status_label};
use shop::{duration_in_words, parse_status, policy_note, read_kind, read_offer, read_policy_words};

/// One data row, read through the mapping. `None`: the column is absent or the cell
/// empty, meaning "leave as it is" for an update.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub row: u32,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub group: Option<String>,
    pub price_ttc: Option<i64>,
    pub price_ht: Option<i64>,
    pub vat: Option<VatRate>,
    pub stock: Option<i64>,
    /// Category path, root first (`Famille`, then `Sous-famille`).
    pub category: Vec<String>,
    pub ean: Option<String>,
    pub unit: Option<Unit>,
    /// The unit cell's word when it is not a selling unit (« bouteille »).
    pub packaging: Option<String>,
    /// The unit cell names a service (« séance »).
    pub service: bool,
    /// Canonical net quantity (« 75 cl »).
    pub net_quantity: Option<String>,
    /// `None` when no option column has a value on this row.
    pub options: Option<Vec<VariantOption>>,
    pub photos: Vec<String>,
    pub status: Option<ProductStatus>,
    /// Goods or service, as the Type cell says.
    pub kind: Option<ProductKind>,
    /// The Type cell says food (« produit alimentaire »): food even with no food cell.
    pub food_type: bool,
    /// A service's length, in minutes.
    pub duration_minutes: Option<u32>,
    /// A service's dated sessions, in the order written.
    pub sessions: Option<Vec<ServiceSession>>,
    /// From the « Gestion du stock » cell, the words of the Stock cell, or a lead time
    /// alone (made to order).
    pub stock_policy: Option<StockPolicy>,
    /// The policy was written in the Stock cell: the « stock et prix » mode applies it too.
    pub policy_in_stock_cell: bool,
    pub lead_time_days: Option<u16>,
    /// `None` when no food cell is filled (boxed: most rows have none, and a row is
    /// moved a few times on its way).
    pub food: Option<Box<FoodCells>>,
    /// The promotion cells, read; `None` when none is filled (most rows).
    pub promotion: Option<Box<PromoCells>>,
    /// What the row's words were understood as, for the simulation (« « bouteille » :
    /// vendu à la pièce, conditionnement bouteille »), with the column they explain (a
    /// mode that does not read the column drops its note).
    pub notes: Vec<(Field, String)>,
    /// Cells read with a doubt that do not refuse the row (a Type word not understood).
    pub warnings: Vec<RowError>,
    pub errors: Vec<RowError>,
}

/// The columns of a file once mapped: where each field is and what its header says.
#[derive(Debug, Clone)]
pub struct Columns {
    pub mapping: Mapping,
    pub headers: Vec<String>,
    /// The column of each field, by [`Field::index`]: every cell of every row is looked
    /// up through it, so it is worked out once.
    column: [Option<usize>; Field::ALL.len()],
    weight_hint: Option<String>,
    volume_hint: Option<String>,
    duration_hint: Option<String>,
    lead_time_hint: Option<String>,
}

impl Columns {
    pub fn new(mapping: Mapping, headers: Vec<String>) -> Self {
        let column = Field::ALL.map(|f| mapping.column_of(f));
        let hint = |f: Field| column[f.index()].and_then(|c| headers.get(c)).and_then(|h| header_unit_hint(h));
        let (weight_hint, volume_hint) = (hint(Field::Weight), hint(Field::Volume));
        let (duration_hint, lead_time_hint) = (hint(Field::Duration), hint(Field::LeadTime));
        Self { column, weight_hint, volume_hint, duration_hint, lead_time_hint, mapping, headers }
    }

    /// The column `field` is read from, if mapped.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.column[field.index()]
    }

    pub fn has(&self, field: Field) -> bool {
        self.column(field).is_some()
    }

    pub fn header(&self, col: usize) -> String {
        self.headers.get(col).cloned().unwrap_or_default()
    }

    /// An error on `field`'s column of `row`.
    pub fn error(&self, row: &GridRow, field: Field, code: &str, message: impl Into<String>) -> RowError {
        match self.column(field) {
            Some(col) => RowError {
                row: row.number,
                column: Some(column_letter(col)),
                header: Some(self.header(col)),
                field: Some(field),
                value: row.cell(col).display(),
                code: code.to_owned(),
                message: message.into(),
            },
            None => RowError {
                row: row.number,
                column: None,
                header: None,
                field: Some(field),
                value: String::new(),
                code: code.to_owned(),
                message: message.into(),
            },
        }
    }
}

pub fn read_record(row: &GridRow, cols: &Columns) -> Record {
    let mut r = Record { row: row.number, ..Record::default() };
    let cell = |f: Field| cols.column(f).map(|c| row.cell(c)).filter(|c| !c.is_empty());
    let text = |f: Field| cell(f).and_then(cell_text);
    let mut errors = Vec::new();
    let mut err = |f: Field, code: &str, msg: String| errors.push(cols.error(row, f, code, msg));

    r.sku = text(Field::Sku);
    if let Some(sku) = &r.sku
        && (sku.chars().count() > 64 || sku.chars().any(char::is_control))
    {
        err(Field::Sku, "sku_invalid", "Référence invalide (64 caractères au plus, sans saut de ligne)".into());
    }
    r.name = text(Field::Name);
    if r.name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        err(Field::Name, "too_long", "Nom trop long (200 caractères au plus)".into());
    }
    r.description = text(Field::Description);
    if r.description.as_ref().is_some_and(|d| d.chars().count() > 20_000) {
        err(Field::Description, "too_long", "Description trop longue".into());
    }
    r.group = text(Field::Group);
    for (f, slot) in [(Field::PriceTtc, &mut r.price_ttc), (Field::PriceHt, &mut r.price_ht)] {
        if let Some(c) = cell(f) {
            let parsed = match c {
                Cell::Number(n) => money::cents_from_number(*n),
                other => money::parse_cents(&other.display()),
            };
            match parsed {
                Ok(v) => *slot = Some(v),
                Err(e) => err(f, "price_invalid", e.message().to_owned()),
            }
        }
    }
    if let Some(c) = cell(Field::Vat) {
        let parsed = match c {
            Cell::Number(n) => VatRate::from_number(*n),
            other => VatRate::parse(&other.display()),
        };
        match parsed {
            Ok(v) => r.vat = Some(v),
            Err(e) => err(Field::Vat, "vat_invalid", e.message()),
        }
    }
    // Tills write what is not counted in the stock column itself (« sur commande »,
    // « illimité »): read as the stock policy, the stock left as it is.
    let mut stock_words = None;
    if let Some(c) = cell(Field::Stock) {
        match parse_quantity(c) {
            Some(q) => r.stock = Some(q),
            None => match read_policy_words(&c.display(), false) {
                Ok(Some(words)) => stock_words = Some(words),
                Ok(None) => err(
                    Field::Stock,
                    "stock_invalid",
                    "Stock illisible : un nombre entier, « illimité » ou « sur commande » est attendu".into(),
                ),
                Err(message) => err(Field::Stock, "lead_time_invalid", message),
            },
        }
    }
    r.category = [Field::Category, Field::Subcategory]
        .into_iter()
        .filter_map(text)
        .flat_map(|t| t.split(['›', '>']).map(|s| s.trim().to_owned()).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(c) = cell(Field::Ean) {
        let parsed = match c {
            Cell::Number(n) => ean::from_number(*n),
            other => ean::validate(&other.display()),
        };
        match parsed {
            Ok(e) => r.ean = Some(e),
            Err(e) => err(Field::Ean, "ean_invalid", e.message().to_owned()),
        }
    }
    if let Some(t) = text(Field::Unit) {
        // Never a refusal: an unknown word is the packaging, sold by the piece.
        let reading = read_unit_cell(&t);
        if reading.packaging.is_some() {
            r.notes.push((Field::Unit, reading.explain(&t)));
        }
        r.unit = Some(reading.unit);
        r.packaging = reading.packaging;
        r.service = reading.service;
    }
    // « Poids » and « Contenance » both give the net quantity: written with its unit
    // (« 250 g », « 75 cl », « 6 x 125 g ») it is kept as written; a bare number takes the
    // header's unit (« Poids (kg) ») or the column's usual one.
    if let Some(c) = cell(Field::Weight) {
        match written_quantity(c).or_else(|| {
            parse_measure(c, &[("kg", 1000.0), ("g", 1.0), ("gr", 1.0), ("grammes", 1.0)], cols.weight_hint.as_deref())
                .and_then(|g| legacy_net_quantity(Some(g), None))
        }) {
            Some(q) => r.net_quantity = Some(q),
            None => err(Field::Weight, "weight_invalid", "Poids illisible (exemples : 250 g, 1,2 kg)".into()),
        }
    }
    if let Some(c) = cell(Field::Volume) {
        match written_quantity(c).or_else(|| {
            parse_measure(
                c,
                &[("ml", 1.0), ("cl", 10.0), ("dl", 100.0), ("l", 1000.0), ("litre", 1000.0), ("litres", 1000.0)],
                cols.volume_hint.as_deref(),
            )
            .and_then(|ml| legacy_net_quantity(None, Some(ml)))
        }) {
            Some(q) => r.net_quantity = Some(q),
            None => err(
                Field::Volume,
                "volume_invalid",
                "Contenance illisible (exemples : 75 cl, 1 l, 250 g, 6 × 125 g)".into(),
            ),
        }
    }
    if let Some(t) = text(Field::Packaging) {
        // A packaging column says it better than a unit cell's word, and as the shop
        // wrote it (an export of « Bouteille » imports as « Bouteille »); a service word
        // (« séance ») makes the row a service.
        let service = read_unit_cell(&t).service;
        let note = if service {
            format!("« {t} » : conditionnement {t}, prestation de service")
        } else {
            format!("« {t} » : conditionnement {t}")
        };
        r.notes.push((Field::Packaging, note));
        r.service |= service;
        r.packaging = Some(t);
    }
    read_offer(&mut r, &cell, &text, cols, &mut err);
    // « atelier 2 h » in a unit or packaging cell: a service, and how long it lasts
    // (unless a Durée cell says it).
    if r.service && r.duration_minutes.is_none() {
        for f in [Field::Packaging, Field::Unit] {
            let Some(t) = text(f) else { continue };
            if let Some(m) = duration_in_words(&t) {
                r.notes.push((f, format!("« {t} » : durée {}", format_duration(m))));
                r.duration_minutes = Some(m);
                break;
            }
        }
    }
    let food = read_food(&cell, &text, &mut err);
    r.food = (!food.is_empty()).then(|| Box::new(food));
    let mut options = Vec::new();
    if let Some(t) = text(Field::Options) {
        for part in t.split(['|', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once([':', '=']) {
                Some((n, v)) if !n.trim().is_empty() && !v.trim().is_empty() => {
                    options.push(VariantOption { name: n.trim().to_owned(), value: v.trim().to_owned() })
                }
                _ => err(
                    Field::Options,
                    "options_invalid",
                    format!("Option « {part} » illisible (exemple : Taille : M)"),
                ),
            }
        }
    }
    for (f, name) in [(Field::Size, "Taille"), (Field::Color, "Couleur")] {
        if let Some(v) = text(f)
            && !options.iter().any(|o| o.name.eq_ignore_ascii_case(name))
        {
            options.push(VariantOption { name: name.to_owned(), value: v });
        }
    }
    r.options = (!options.is_empty()).then_some(options);
    if let Some(t) = text(Field::Photo) {
        r.photos = t.split([',', ';', '|', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    }
    if let Some(c) = cell(Field::Status) {
        let parsed = match c {
            Cell::Bool(b) => Some(if *b { ProductStatus::Published } else { ProductStatus::Draft }),
            other => parse_status(&other.display()),
        };
        match parsed {
            Some(s) => r.status = Some(s),
            None => err(Field::Status, "status_invalid", "Statut inconnu : « Publié » ou « Brouillon »".into()),
        }
    }
    r.promotion = read_promotion(&cell, cols, &mut err).map(Box::new);
    r.errors = errors;
    if let Some(t) = text(Field::Kind) {
        match read_kind(&t) {
            Some((kind, food)) => {
                r.kind = Some(kind);
                r.food_type = food;
            }
            None => r.warnings.push(cols.error(
                row,
                Field::Kind,
                "kind_unknown",
                "Type non reconnu (produit, produit alimentaire ou service) : ligne importée sans changer le type",
            )),
        }
    }
    if let Some((policy, days, written)) = stock_words {
        r.notes.push((Field::Stock, policy_note(&written, policy, days)));
        if r.stock_policy.is_none() {
            r.stock_policy = Some(policy);
            r.policy_in_stock_cell = true;
        }
        if r.lead_time_days.is_none() {
            r.lead_time_days = days;
        }
    }
    // A lead time alone says the product is made to order.
    if r.stock_policy.is_none() && r.lead_time_days.is_some() {
        r.stock_policy = Some(StockPolicy::MadeToOrder);
    }
    r
}

type CellOf<'r> = dyn Fn(Field) -> Option<&'r Cell> + 'r;
type TextOf<'r> = dyn Fn(Field) -> Option<String> + 'r;

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn row(cells: &[&str]) -> GridRow {
        GridRow { number: 7, cells: cells.iter().map(|c| Cell::Text((*c).to_owned())).collect() }
    }

    pub(super) fn cols(fields: &[Field]) -> Columns {
        let mapping = Mapping { header_row: 1, columns: fields.iter().copied().map(Some).collect() };
        Columns::new(mapping, fields.iter().map(|f| f.label().to_owned()).collect())
    }

    #[test]
    fn french_values() {
        let c = cols(&[Field::Sku, Field::PriceTtc, Field::Vat, Field::Stock, Field::Volume]);
        let r = read_record(&row(&["CAM-1", "1\u{202f}234,50 €", "5,5 %", "1 200", "75 cl"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.price_ttc, Some(123_450));
        assert_eq!(r.vat, Some(VatRate::Reduced));
        assert_eq!(r.stock, Some(1200));
        assert_eq!(r.net_quantity.as_deref(), Some("75 cl"));
    }

    #[test]
    fn errors_name_row_column_and_value() {
        let c = cols(&[Field::Sku, Field::PriceTtc, Field::Vat, Field::Ean]);
        let r = read_record(&row(&["A", "douze", "7", "3760123450011"]), &c);
        let msgs: Vec<(&str, &str, &str)> =
            r.errors.iter().map(|e| (e.column.as_deref().unwrap(), e.value.as_str(), e.message.as_str())).collect();
        assert_eq!(
            msgs,
            vec![
                ("B", "douze", "Prix illisible (exemple attendu : 12,50)"),
                ("C", "7", "Taux de TVA 7 % inconnu : 20, 10, 5,5 ou 2,1 %"),
                ("D", "3760123450011", "Code EAN invalide (clé de contrôle)"),
            ]
        );
        assert!(r.errors.iter().all(|e| e.row == 7));
    }

    #[test]
    fn options_and_photos() {
        let c = cols(&[Field::Options, Field::Size, Field::Photo, Field::Status]);
        let r = read_record(&row(&["Couleur : Bleu | Matière: lin", "M", "a.jpg, b.jpg", "Publié"]), &c);
        let opts = r.options.unwrap();
        assert_eq!(opts.len(), 3);
        assert_eq!(opts[2], VariantOption { name: "Taille".into(), value: "M".into() });
        assert_eq!(r.photos, vec!["a.jpg", "b.jpg"]);
        assert_eq!(r.status, Some(ProductStatus::Published));
    }
}
