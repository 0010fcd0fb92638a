//! Cells to typed values, the French way, with a precise error for each refusal.
//! Parsing itself is the catalogue's (`money`, `vat`, `ean`, `Unit`): this module
//! only chooses which one applies and words the error with its row and column.

use chrono::{DateTime, Utc};

use super::errors::RowError;
use super::map::{Field, Mapping, column_letter, header_unit_hint};
use super::read::{Cell, GridRow, number_to_string};
use crate::catalogue::food::{abv_text, allergens_text, parse_abv, parse_allergens, parse_labels};
use crate::catalogue::{
    Allergen, FoodInfo, MAX_LEAD_TIME_DAYS, NetQuantity, ProductKind, ProductStatus, ServiceSession, StockCell,
    StockPolicy, Unit, VariantOption, format_duration, lead_time_days, legacy_net_quantity, parse_duration,
    read_stock_words, read_unit_cell,
};
use crate::promotions::parse_local;
use crate::text::fold;
use crate::vat::VatRate;
use crate::{ean, money};

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

/// The food cells of a row; `None`: the column is absent or the cell empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoodCells {
    pub ingredients: Option<String>,
    pub allergens: Option<Vec<Allergen>>,
    pub storage: Option<String>,
    pub origin: Option<String>,
    pub producer: Option<String>,
    pub labels: Option<Vec<String>>,
    pub abv_tenths: Option<u16>,
}

impl FoodCells {
    pub fn is_empty(&self) -> bool {
        *self == FoodCells::default()
    }

    /// Cells only food has (ingredients, allergens, storage, strength). Origin, producer
    /// and labels alone do not make a product food: a potter's « Origine : Orne » must
    /// not turn his published pots into drafts awaiting allergens.
    pub fn says_food(&self) -> bool {
        self.ingredients.is_some() || self.allergens.is_some() || self.storage.is_some() || self.abv_tenths.is_some()
    }

    /// Each cell this row leaves empty taken from `other` (a later row of the product).
    pub fn or(&mut self, other: &FoodCells) {
        fn fill<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.ingredients, &other.ingredients);
        fill(&mut self.allergens, &other.allergens);
        fill(&mut self.storage, &other.storage);
        fill(&mut self.origin, &other.origin);
        fill(&mut self.producer, &other.producer);
        fill(&mut self.labels, &other.labels);
        fill(&mut self.abv_tenths, &other.abv_tenths);
    }

    /// Writes the filled cells over `food`; the empty ones leave what it holds.
    pub fn apply(&self, food: &mut FoodInfo) {
        if let Some(v) = &self.ingredients {
            food.ingredients.clone_from(v);
        }
        if let Some(v) = &self.allergens {
            food.allergens = Some(v.clone());
        }
        if let Some(v) = &self.storage {
            food.storage.clone_from(v);
        }
        if let Some(v) = &self.origin {
            food.origin.clone_from(v);
        }
        if let Some(v) = &self.producer {
            food.producer.clone_from(v);
        }
        if let Some(v) = &self.labels {
            food.labels.clone_from(v);
        }
        if let Some(v) = self.abv_tenths {
            food.abv_tenths = Some(v);
        }
    }
}

/// A row's promotion cells (« Prix promo », « Remise », « Début promo », « Fin promo »),
/// each `None` when empty or unreadable (the row then has an error on that cell).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoCells {
    pub price_cents: Option<i64>,
    /// Whole percent off, 1 to 99.
    pub percent: Option<u8>,
    pub starts: Option<DateTime<Utc>>,
    /// Exclusive: a date alone is read as the end of that day.
    pub ends: Option<DateTime<Utc>>,
}

/// A quantity cell written with its unit (« 75 cl », « 6 x 125 g »), kept in the shop's
/// unit rather than converted.
fn written_quantity(c: &Cell) -> Option<String> {
    match c {
        Cell::Number(_) => None,
        other => NetQuantity::parse(&other.display()).map(|q| q.to_string()),
    }
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

/// Text of a cell as typed; numbers whole when they are (a reference `1001`).
pub fn cell_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Cell::Number(n) => Some(number_to_string(*n)),
        other => Some(other.display()),
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

/// Words of a stock or « Gestion du stock » cell: the policy, the lead time written
/// with it (« sur commande 10 jours »), and the cell as written; `Ok(None)` when the
/// words are not a policy, `Err` for a lead time out of range. `counted_words`: also
/// read « compté », « oui »… (a « Gestion du stock » cell, not a stock count).
fn read_policy_words(cell: &str, counted_words: bool) -> Result<Option<(StockPolicy, Option<u16>, String)>, String> {
    let written = cell.trim().to_owned();
    match read_stock_words(&written) {
        Some(StockCell::MadeToOrder(days)) => {
            if days.is_none() && written.chars().any(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "Délai de fabrication illisible : de 1 à {} jours (exemple : sur commande, 10 jours)",
                    MAX_LEAD_TIME_DAYS
                ));
            }
            Ok(Some((StockPolicy::MadeToOrder, days, written)))
        }
        Some(StockCell::Unlimited) => Ok(Some((StockPolicy::Unlimited, None, written))),
        Some(StockCell::Count(_)) => Ok(None),
        None if counted_words => Ok(match fold(&written).as_str() {
            "compte" | "comptee" | "suivi" | "gere" | "counted" | "en stock" | "stock" | "stock compte" | "oui"
            | "o" | "1" | "vrai" | "true" | "yes" => Some((StockPolicy::Counted, None, written)),
            "non" | "n" | "0" | "faux" | "false" | "no" | "non suivi" | "unlimited" => {
                Some((StockPolicy::Unlimited, None, written))
            }
            "made_to_order" => Some((StockPolicy::MadeToOrder, None, written)),
            _ => None,
        }),
        None => Ok(None),
    }
}

/// The length written after a service word: « atelier 2 h » → 120 minutes.
fn duration_in_words(cell: &str) -> Option<u32> {
    let rest = cell.trim().split_once(char::is_whitespace)?.1;
    parse_duration(rest)
}

/// « 1 jour », « 10 jours ».
pub fn days_text(days: u16) -> String {
    if days == 1 { "1 jour".into() } else { format!("{days} jours") }
}

/// The words a stock policy is written with: the export's « Gestion du stock ».
pub fn policy_label(p: StockPolicy) -> &'static str {
    match p {
        StockPolicy::Counted => "compté",
        StockPolicy::Unlimited => "illimité",
        StockPolicy::MadeToOrder => "sur commande",
    }
}

fn policy_note(written: &str, policy: StockPolicy, days: Option<u16>) -> String {
    match (policy, days) {
        (StockPolicy::Counted, _) => format!("« {written} » : stock compté"),
        (StockPolicy::Unlimited, _) => format!("« {written} » : stock non compté, toujours disponible"),
        (StockPolicy::MadeToOrder, Some(d)) => {
            format!("« {written} » : fabriqué sur commande, délai {}", days_text(d))
        }
        (StockPolicy::MadeToOrder, None) => format!("« {written} » : fabriqué sur commande"),
    }
}

/// The export's « Type »: « produit », « service », with « alimentaire » for food.
pub fn kind_label(kind: ProductKind, food: bool) -> &'static str {
    match (kind, food) {
        (ProductKind::Goods, false) => "produit",
        (ProductKind::Goods, true) => "produit alimentaire",
        (ProductKind::Service, false) => "service",
        (ProductKind::Service, true) => "service alimentaire",
    }
}

/// A Type cell: the kind, and whether it says food (« produit alimentaire », « denrée »).
fn read_kind(cell: &str) -> Option<(ProductKind, bool)> {
    let f = fold(cell.trim());
    let is_food = |w: &str| w.starts_with("aliment") || w.starts_with("denree");
    let food = f.split_whitespace().any(is_food);
    let rest: Vec<&str> = f.split_whitespace().filter(|w| !is_food(w)).collect();
    let kind = ProductKind::parse(&rest.join(" "))
        .or_else(|| rest.first().and_then(|w| ProductKind::parse(w)))
        .or_else(|| (rest.first() == Some(&"services")).then_some(ProductKind::Service))?;
    Some((kind, food))
}

type CellOf<'r> = dyn Fn(Field) -> Option<&'r Cell> + 'r;
type TextOf<'r> = dyn Fn(Field) -> Option<String> + 'r;

/// The offer's own columns: « Gestion du stock », « Délai », « Durée ».
fn read_offer(
    r: &mut Record,
    cell: &CellOf<'_>,
    text: &TextOf<'_>,
    cols: &Columns,
    err: &mut dyn FnMut(Field, &str, String),
) {
    if let Some(t) = text(Field::StockPolicy) {
        match read_policy_words(&t, true) {
            Ok(Some((policy, days, written))) => {
                r.notes.push((Field::StockPolicy, policy_note(&written, policy, days)));
                r.stock_policy = Some(policy);
                r.lead_time_days = days;
            }
            Ok(None) => err(
                Field::StockPolicy,
                "stock_policy_invalid",
                "Gestion du stock inconnue : « compté », « illimité » ou « sur commande » est attendu".into(),
            ),
            Err(message) => err(Field::StockPolicy, "lead_time_invalid", message),
        }
    }
    if let Some(c) = cell(Field::LeadTime) {
        let written = with_hint(c, cols.lead_time_hint.as_deref());
        match lead_time_days(&written) {
            Some(d) => {
                let note = format!("« {} » : délai de fabrication {}", c.display(), days_text(d));
                r.notes.push((Field::LeadTime, note));
                r.lead_time_days = Some(d);
            }
            None => err(
                Field::LeadTime,
                "lead_time_invalid",
                format!(
                    "Délai illisible : un nombre de jours de 1 à {} est attendu (exemple : 10 jours)",
                    MAX_LEAD_TIME_DAYS
                ),
            ),
        }
    }
    if let Some(c) = cell(Field::Duration) {
        let minutes = match (c, cols.duration_hint.as_deref()) {
            // Without a unit in the header, a number below 1 is a time Excel holds as
            // a fraction of a day ([h]:mm).
            (Cell::Number(n), None) if *n > 0.0 && *n < 1.0 => Some((n * 1440.0).round() as u32).filter(|m| *m > 0),
            (other, hint) => parse_duration(&with_hint(other, hint)),
        };
        match minutes {
            Some(m) => {
                // A time cell is shown as Excel shows it (1:30), not as its fraction of a day.
                let written = match c {
                    Cell::Number(n) if cols.duration_hint.is_none() && *n < 1.0 => format!("{}:{:02}", m / 60, m % 60),
                    other => other.display(),
                };
                r.notes.push((Field::Duration, format!("« {written} » : durée {}", format_duration(m))));
                r.duration_minutes = Some(m);
            }
            None => err(Field::Duration, "duration_invalid", "Durée illisible (exemples : 1 h, 2 h 30, 90 min)".into()),
        }
    }
    if let Some(t) = text(Field::Sessions) {
        match parse_sessions(&t) {
            Ok(sessions) => r.sessions = Some(sessions),
            Err(part) => err(
                Field::Sessions,
                "sessions_invalid",
                format!(
                    "Séance illisible : « {part} » (exemple : 12/12/2026 14:00 (8 places) ; 19/12/2026 9h30, séparées par des points-virgules)"
                ),
            ),
        }
    }
}

/// A « Séances » cell: sessions separated by `;` or new lines, each `dd/mm/yyyy hh:mm`
/// or `dd/mm/yyyy 14h30` (« 14 h »), with its places if limited (« (8 places) »,
/// « 8 pl. »). `Err`: the first session not understood, as written.
pub fn parse_sessions(cell: &str) -> Result<Vec<ServiceSession>, String> {
    cell.split([';', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| parse_session(p).ok_or_else(|| p.to_owned()))
        .collect()
}

/// One session: « 12/12/2026 14:00 (8 places) », « 19/12/2026 à 9 h 30 ».
fn parse_session(part: &str) -> Option<ServiceSession> {
    let f = fold(part);
    let (date, rest) = f.trim().split_once(char::is_whitespace)?;
    let [d, m, y] = date.split('/').collect::<Vec<_>>()[..] else { return None };
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    let (d, m, y) = (number(d, 1..=2)?, number(m, 1..=2)?, number(y, 4..=4)?);
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("a ").unwrap_or(rest).trim_start();
    // Hours, then `:` or `h`, then the minutes (none after `h`: « 14 h »).
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let hn = digits(rest);
    if !(1..=2).contains(&hn) {
        return None;
    }
    let hour: u32 = rest[..hn].parse().ok()?;
    let after = rest[hn..].trim_start();
    let (minute, rest) = if let Some(m) = after.strip_prefix(':') {
        (m.get(..2).filter(|m| digits(m) == 2)?.parse().ok()?, &m[2..])
    } else if let Some(m) = after.strip_prefix('h') {
        let m = m.trim_start();
        match digits(m) {
            0 => (0, m),
            2 => (m[..2].parse().ok()?, &m[2..]),
            _ => return None,
        }
    } else {
        return None;
    };
    let time = chrono::NaiveTime::from_hms_opt(hour, minute, 0)?;
    let places = read_places(rest.trim().trim_start_matches([',', '-']).trim())?;
    Some(ServiceSession { starts_at: date.and_time(time).format("%Y-%m-%dT%H:%M").to_string(), places })
}

/// What follows a session's time: nothing (places not limited), « (8 places) », « 8 pl. »;
/// `None` when it is something else, or no place at all.
fn read_places(s: &str) -> Option<Option<u32>> {
    if s.is_empty() {
        return Some(None);
    }
    let s = match s.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')')?.trim(),
        None => s,
    };
    let n = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let places: u32 = s[..n].parse().ok().filter(|p| *p > 0)?;
    matches!(s[n..].trim(), "places" | "place" | "pl." | "pl").then_some(Some(places))
}

/// The export's « Séances »: « 12/12/2026 14:00 (8 places) ; 19/12/2026 09:30 ».
pub fn sessions_text(sessions: &[ServiceSession]) -> String {
    let one = |s: &ServiceSession| {
        let when = s.start().map_or_else(|| s.starts_at.clone(), |d| d.format("%d/%m/%Y %H:%M").to_string());
        match s.places {
            Some(1) => format!("{when} (1 place)"),
            Some(n) => format!("{when} ({n} places)"),
            None => when,
        }
    };
    sessions.iter().map(one).collect::<Vec<_>>().join(" ; ")
}

/// A cell's text, with the header's unit after a bare number (« Durée (min) » : 90 →
/// « 90 min »).
fn with_hint(c: &Cell, hint: Option<&str>) -> String {
    let t = match c {
        Cell::Number(n) => number_to_string(*n),
        other => other.display(),
    };
    match hint {
        Some(h) if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.') => {
            format!("{t} {h}")
        }
        _ => t,
    }
}

/// The food columns of a row.
fn read_food(cell: &CellOf<'_>, text: &TextOf<'_>, err: &mut dyn FnMut(Field, &str, String)) -> FoodCells {
    let mut food = FoodCells {
        ingredients: text(Field::Ingredients),
        storage: text(Field::Storage),
        origin: text(Field::Origin),
        producer: text(Field::Producer),
        labels: text(Field::Labels).map(|t| parse_labels(&t)).filter(|l| !l.is_empty()),
        ..FoodCells::default()
    };
    if let Some(t) = text(Field::Allergens) {
        match parse_allergens(&t) {
            Ok(list) => food.allergens = Some(list),
            Err(unknown) => {
                let names: Vec<&str> = Allergen::ALL.iter().map(|a| a.label()).collect();
                err(
                    Field::Allergens,
                    "allergens_invalid",
                    format!(
                        "Allergène inconnu : {} (allergènes de la liste réglementaire : {}, ou « aucun »)",
                        unknown.iter().map(|u| format!("« {u} »")).collect::<Vec<_>>().join(", "),
                        names.join(", ")
                    ),
                );
            }
        }
    }
    if let Some(c) = cell(Field::Abv) {
        let tenths = match c {
            // « 12 % » typed in French Excel is the number 0,12 shown as a percentage.
            Cell::Number(n) if (0.0..1.0).contains(n) => parse_abv(&number_to_string(n * 100.0)),
            Cell::Number(n) => parse_abv(&number_to_string(*n)),
            other => parse_abv(&other.display()),
        };
        match tenths {
            Some(t) => food.abv_tenths = Some(t),
            None => err(Field::Abv, "abv_invalid", "Degré d'alcool illisible (exemples : 5,5 % vol, 12 %)".into()),
        }
    }
    food
}

/// The promotion cells of a row, `None` when all are empty. A row that fills any of
/// them must give the start and either the promotion's price or its discount: else the
/// row is refused on the missing cell. Whether the price and the discount agree is the
/// planner's to check (it knows the regular price).
fn read_promotion(cell: &CellOf<'_>, cols: &Columns, err: &mut dyn FnMut(Field, &str, String)) -> Option<PromoCells> {
    if !Field::PROMOTION.into_iter().any(|f| cell(f).is_some()) {
        return None;
    }
    let mut p = PromoCells::default();
    // A cell refused for what it says is not also « missing ».
    let mut unreadable = false;
    let discount_cell = cell(Field::Discount);
    if let Some(c) = cell(Field::PromoPrice) {
        match c {
            // « -20 % » in a « Promo » column: a discount (when no Remise cell gives one).
            Cell::Text(t) if t.contains('%') && discount_cell.is_none() => match parse_discount(c) {
                Ok(percent) => p.percent = Some(percent),
                Err(m) => {
                    err(Field::PromoPrice, "discount_invalid", m);
                    unreadable = true;
                }
            },
            _ => match read_price(c) {
                Ok(cents) if cents >= 1 => p.price_cents = Some(cents),
                Ok(_) => {
                    err(Field::PromoPrice, "promo_price_invalid", "Prix promo trop bas : 0,01 € au moins".into());
                    unreadable = true;
                }
                Err(_) => {
                    err(
                        Field::PromoPrice,
                        "promo_price_invalid",
                        "Prix promo illisible (exemple attendu : 12,50)".into(),
                    );
                    unreadable = true;
                }
            },
        }
    }
    if let Some(c) = discount_cell {
        match parse_discount(c) {
            Ok(percent) => p.percent = Some(percent),
            Err(m) => {
                err(Field::Discount, "discount_invalid", m);
                unreadable = true;
            }
        }
    }
    let mut start_unreadable = false;
    if let Some(c) = cell(Field::PromoStart) {
        match promo_date(c, false) {
            Ok(t) => p.starts = Some(t),
            Err(m) => {
                err(Field::PromoStart, "promo_start_invalid", m);
                start_unreadable = true;
            }
        }
    }
    if let Some(c) = cell(Field::PromoEnd) {
        match promo_date(c, true) {
            Ok(t) => p.ends = Some(t),
            Err(m) => err(Field::PromoEnd, "promo_end_invalid", m),
        }
    }
    if p.starts.is_none() && !start_unreadable {
        err(
            Field::PromoStart,
            "promo_start_missing",
            "Promotion sans date de début : indiquez le « Début promo » (exemple : 01/12/2026)".into(),
        );
    }
    if p.price_cents.is_none() && p.percent.is_none() && !unreadable {
        let f =
            if cols.has(Field::Discount) && !cols.has(Field::PromoPrice) { Field::Discount } else { Field::PromoPrice };
        err(
            f,
            "promo_price_missing",
            "Promotion sans prix promo ni remise : indiquez l'un des deux (exemples : 8,50 ou 20 %)".into(),
        );
    }
    Some(p)
}

/// A price cell: a number, or the text of one (« 12,50 € »).
fn read_price(c: &Cell) -> Result<i64, money::MoneyError> {
    match c {
        Cell::Number(n) => money::cents_from_number(*n),
        other => money::parse_cents(&other.display()),
    }
}

/// A « Remise » cell: a whole percentage off, 1 to 99. `20 %`, `20%`, `-20 %`, `−20 %`
/// (the minus sign of typography), `20`; a number below 1 without `%` is a fraction, as
/// French Excel keeps a cell formatted as a percentage (`0,2` for 20 %). Refused: 0,
/// 100 and more, a part of a percent (`12,5 %`), an amount (`5 €`).
pub fn parse_discount(cell: &Cell) -> Result<u8, String> {
    const UNREADABLE: &str = "Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)";
    let (value, fraction) = match cell {
        Cell::Number(n) => (n.abs(), true),
        other => {
            let t: String = other.display().chars().filter(|c| !c.is_whitespace()).collect();
            let t = t.strip_prefix(['-', '\u{2212}', '\u{2013}']).unwrap_or(&t);
            let (t, sign) = match t.strip_suffix('%') {
                Some(rest) => (rest, true),
                None => (t, false),
            };
            let separators = t.chars().filter(|c| matches!(c, ',' | '.')).count();
            if t.is_empty() || separators > 1 || !t.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.')) {
                return Err(UNREADABLE.into());
            }
            (t.replace(',', ".").parse::<f64>().map_err(|_| UNREADABLE.to_owned())?, !sign)
        }
    };
    let percent = if fraction && value > 0.0 && value < 1.0 { value * 100.0 } else { value };
    let whole = percent.round();
    if !percent.is_finite() || (percent - whole).abs() > 1e-6 || !(1.0..=99.0).contains(&whole) {
        let shown = number_to_string((percent * 10_000.0).round() / 10_000.0).replace('.', ",");
        return Err(format!("Remise de {shown} % impossible : la remise est un pourcentage entier de 1 à 99 %"));
    }
    Ok(whole as u8)
}

/// The export's « Remise »: `20 %`, which [`parse_discount`] reads back.
pub fn discount_text(percent: u8) -> String {
    format!("{percent} %")
}

/// A promotion's date cell, Paris time: a date cell (with its time, if any), a date's
/// serial number (a cell Excel shows without a date format), or what
/// [`parse_local`] reads. `as_end`: a date alone is the end of that day.
fn promo_date(c: &Cell, as_end: bool) -> Result<DateTime<Utc>, String> {
    let text = match c {
        // 1 January 2000 to 1 January 2100, in Excel's days since 30 December 1899.
        Cell::Number(n) if (36_526.0..73_051.0).contains(n) => {
            let epoch =
                chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default().and_time(chrono::NaiveTime::MIN);
            let seconds = (n * 86_400.0).round() as i64;
            Cell::Date(epoch + chrono::Duration::seconds(seconds)).display()
        }
        other => other.display(),
    };
    parse_local(&text, as_end).map_err(|m| {
        if m.starts_with("heure") {
            "Heure illisible : HH:MM est attendu après la date (exemple : 01/12/2026 08:00)".to_owned()
        } else {
            "Date illisible : JJ/MM/AAAA est attendu, avec ou sans l'heure (exemples : 01/12/2026, 01/12/2026 08:00)"
                .to_owned()
        }
    })
}

/// The food information as the export writes it, cell by cell (the order of its
/// columns: Ingrédients, Allergènes, Conservation, Origine, Producteur, Label, Degré).
pub fn food_cells_text(food: Option<&FoodInfo>) -> [String; 7] {
    let Some(f) = food else { return Default::default() };
    [
        f.ingredients.clone(),
        f.allergens.as_deref().map(allergens_text).unwrap_or_default(),
        f.storage.clone(),
        f.origin.clone(),
        f.producer.clone(),
        f.labels.join(", "),
        f.abv_tenths.map(abv_text).unwrap_or_default(),
    ]
}

fn parse_status(s: &str) -> Option<ProductStatus> {
    match crate::text::fold(s.trim()).as_str() {
        "publie" | "published" | "en ligne" | "oui" | "o" | "yes" | "1" | "vrai" | "true" | "actif" => {
            Some(ProductStatus::Published)
        }
        "brouillon" | "draft" | "hors ligne" | "non" | "n" | "no" | "0" | "faux" | "false" | "inactif" => {
            Some(ProductStatus::Draft)
        }
        _ => None,
    }
}

/// Label written by the export and read back.
pub fn status_label(s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Draft => "Brouillon",
        ProductStatus::Published => "Publié",
    }
}

/// A whole quantity: `12`, `1 234`, `12,0`, `-3`, or a whole number cell.
pub fn parse_quantity(cell: &Cell) -> Option<i64> {
    let n = match cell {
        Cell::Number(n) => *n,
        other => {
            let s: String = other
                .display()
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
                .map(|c| if c == ',' { '.' } else { c })
                .collect();
            if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    (n.is_finite() && n.fract() == 0.0 && n.abs() <= 1e9).then_some(n as i64)
}

/// `250 g`, `1,2 kg`, `75 cl` or a bare number in the header's unit (`Poids (kg)`),
/// else in the smallest unit listed first among `units`' factor 1.
fn parse_measure(cell: &Cell, units: &[(&str, f64)], hint: Option<&str>) -> Option<i64> {
    let (number, unit) = match cell {
        Cell::Number(n) => (*n, None),
        other => {
            let t = crate::text::fold(&other.display()).replace(',', ".");
            let t = t.trim();
            let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c.is_whitespace())).unwrap_or(t.len());
            let (num, unit) = t.split_at(split);
            let num: String = num.chars().filter(|c| !c.is_whitespace()).collect();
            let unit = unit.trim().trim_end_matches('.');
            (num.parse::<f64>().ok()?, (!unit.is_empty()).then(|| unit.to_owned()))
        }
    };
    let unit = unit.or_else(|| hint.map(str::to_owned));
    let factor = match unit {
        None => 1.0,
        Some(u) => units.iter().find(|(name, _)| *name == u)?.1,
    };
    let v = (number * factor).round();
    (number.is_finite() && v > 0.0 && v <= 10_000_000.0).then_some(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> GridRow {
        GridRow { number: 7, cells: cells.iter().map(|c| Cell::Text((*c).to_owned())).collect() }
    }

    fn cols(fields: &[Field]) -> Columns {
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

    #[test]
    fn shop_words_are_read_with_what_they_mean() {
        let c =
            cols(&[Field::Sku, Field::Unit, Field::Stock, Field::Kind, Field::Allergens, Field::Abv, Field::Labels]);
        let r = read_record(
            &row(&[
                "CID",
                "Bouteille",
                "sur commande, 10 jours",
                "produit alimentaire",
                "Lait ; gluten",
                "5,5",
                "aop, bio",
            ]),
            &c,
        );
        assert!(r.errors.is_empty() && r.warnings.is_empty(), "{:?} {:?}", r.errors, r.warnings);
        assert_eq!((r.unit, r.packaging.as_deref(), r.service), (Some(Unit::Piece), Some("bouteille"), false));
        assert_eq!((r.stock, r.stock_policy, r.lead_time_days), (None, Some(StockPolicy::MadeToOrder), Some(10)));
        assert!(r.policy_in_stock_cell);
        assert_eq!((r.kind, r.food_type), (Some(ProductKind::Goods), true));
        let food = r.food.as_deref().unwrap();
        assert_eq!(food.allergens, Some(vec![Allergen::Gluten, Allergen::Milk]));
        assert_eq!(food.abv_tenths, Some(55));
        assert_eq!(food.labels, Some(vec!["AOP".to_owned(), "Agriculture Biologique".to_owned()]));
        let notes: Vec<&str> = r.notes.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            notes,
            [
                "« Bouteille » : vendu à la pièce, conditionnement bouteille",
                "« sur commande, 10 jours » : fabriqué sur commande, délai 10 jours"
            ]
        );

        // A service word with its length; « illimité »; « aucun » is an answer.
        let r = read_record(&row(&["ATL", "atelier 2 h", "illimité", "", "aucun", "", ""]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let notes: Vec<&str> = r.notes.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            notes,
            [
                "« atelier 2 h » : vendu à la pièce, conditionnement atelier 2 h, prestation de service",
                "« atelier 2 h » : durée 2 h",
                "« illimité » : stock non compté, toujours disponible",
            ]
        );
        assert!(r.service);
        assert_eq!((r.duration_minutes, r.stock_policy), (Some(120), Some(StockPolicy::Unlimited)));
        assert_eq!(r.food.unwrap().allergens, Some(vec![]));
        assert_eq!(r.kind, None);
    }

    #[test]
    fn offer_columns_numbers_and_header_units() {
        let mapping = Mapping {
            header_row: 1,
            columns: [Field::Sku, Field::Duration, Field::LeadTime, Field::Abv, Field::StockPolicy]
                .into_iter()
                .map(Some)
                .collect(),
        };
        let headers = ["Réf.", "Durée (min)", "Délai (semaines)", "Degré", "Suivi du stock"];
        let c = Columns::new(mapping, headers.iter().map(|h| (*h).to_owned()).collect());
        let cells = vec![
            Cell::Text("A".into()),
            Cell::Number(90.0),
            Cell::Number(2.0),
            // « 12 % » typed in French Excel.
            Cell::Number(0.12),
            Cell::Text("non".into()),
        ];
        let r = read_record(&GridRow { number: 4, cells }, &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let abv = r.food.and_then(|f| f.abv_tenths);
        assert_eq!((r.duration_minutes, r.lead_time_days, abv), (Some(90), Some(14), Some(120)));
        // « non » in « Suivi du stock »: not counted; the explicit policy wins over the délai.
        assert_eq!(r.stock_policy, Some(StockPolicy::Unlimited));

        // Without a unit in the header: a time Excel keeps as a fraction of a day, and a
        // délai alone, which makes the product made to order.
        let c = cols(&[Field::Sku, Field::Duration, Field::LeadTime]);
        let cells = vec![Cell::Text("B".into()), Cell::Number(0.0625), Cell::Text("10 jours".into())];
        let r = read_record(&GridRow { number: 5, cells }, &c);
        assert_eq!((r.duration_minutes, r.lead_time_days), (Some(90), Some(10)));
        assert_eq!(r.stock_policy, Some(StockPolicy::MadeToOrder));
        assert!(!r.policy_in_stock_cell);
    }

    #[test]
    fn unreadable_shop_words_are_errors_on_their_cell() {
        let c = cols(&[
            Field::Sku,
            Field::Stock,
            Field::Duration,
            Field::LeadTime,
            Field::Allergens,
            Field::Abv,
            Field::StockPolicy,
            Field::Kind,
        ]);
        let r = read_record(
            &row(&["A", "beaucoup", "longtemps", "bientôt", "lait, kryptonite", "fort", "parfois", "Fromage"]),
            &c,
        );
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne B (Stock) « beaucoup » : Stock illisible : un nombre entier, « illimité » ou « sur commande » est attendu",
                "Ligne 7, colonne G (Gestion du stock) « parfois » : Gestion du stock inconnue : « compté », « illimité » ou « sur commande » est attendu",
                "Ligne 7, colonne D (Délai) « bientôt » : Délai illisible : un nombre de jours de 1 à 365 est attendu (exemple : 10 jours)",
                "Ligne 7, colonne C (Durée) « longtemps » : Durée illisible (exemples : 1 h, 2 h 30, 90 min)",
                "Ligne 7, colonne E (Allergènes) « lait, kryptonite » : Allergène inconnu : « kryptonite » (allergènes de la liste réglementaire : gluten, crustacés, œufs, poissons, arachides, soja, lait, fruits à coque, céleri, moutarde, sésame, sulfites, lupin, mollusques, ou « aucun »)",
                "Ligne 7, colonne F (Degré) « fort » : Degré d'alcool illisible (exemples : 5,5 % vol, 12 %)",
            ]
        );
        // A Type word not understood does not refuse the row (« Type » is a common header).
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].code, "kind_unknown");
        assert_eq!(r.warnings[0].value, "Fromage");
        let r = read_record(&row(&["A", "sur commande 400 jours", "", "", "", "", "", ""]), &c);
        assert_eq!(r.errors[0].code, "lead_time_invalid");
    }

    #[test]
    fn sessions_are_read_the_french_way() {
        let at = |d: &str, p: Option<u32>| ServiceSession { starts_at: d.into(), places: p };
        assert_eq!(
            parse_sessions("12/12/2026 14:00 (8 places) ; 19/12/2026 09:30"),
            Ok(vec![at("2026-12-12T14:00", Some(8)), at("2026-12-19T09:30", None)])
        );
        assert_eq!(
            parse_sessions("5/1/2027 14h00 8 pl.\n6/01/2027 à 9 h 30, 1 place\r\n7/1/2027 14 h (12 pl.);"),
            Ok(vec![
                at("2027-01-05T14:00", Some(8)),
                at("2027-01-06T09:30", Some(1)),
                at("2027-01-07T14:00", Some(12))
            ])
        );
        assert_eq!(parse_sessions("  ;  "), Ok(vec![]));
        for bad in [
            "12/12/2026",
            "12/12 14h",
            "32/12/2026 14:00",
            "29/02/2026 14:00",
            "12/12/26 14:00",
            "12/12/2026 25:00",
            "12/12/2026 14:60",
            "12/12/2026 14h3",
            "12/12/2026 14",
            "12/12/2026 14:00 (0 places)",
            "12/12/2026 14:00 (places)",
            "12/12/2026 14:00 (8 personnes)",
            "12/12/2026 14:00 (8 places",
            "samedi 14h",
        ] {
            assert_eq!(parse_sessions(bad), Err(bad.to_owned()), "{bad}");
        }
        // The first part not understood is the one named.
        assert_eq!(parse_sessions("12/12/2026 14:00 ; bientôt ; jamais"), Err("bientôt".to_owned()));
        // What the export writes reads back the same.
        let sessions =
            vec![at("2026-12-12T14:00", Some(8)), at("2026-12-19T09:30", None), at("2027-01-02T10:00", Some(1))];
        let text = sessions_text(&sessions);
        assert_eq!(text, "12/12/2026 14:00 (8 places) ; 19/12/2026 09:30 ; 02/01/2027 10:00 (1 place)");
        assert_eq!(parse_sessions(&text), Ok(sessions));
    }

    #[test]
    fn unreadable_sessions_are_errors_on_their_cell() {
        let c = cols(&[Field::Sku, Field::Sessions]);
        let r = read_record(&row(&["ATL", "12/12/2026 14:00 (8 places)\n19/12/2026 9h30"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.sessions.as_ref().map(Vec::len), Some(2));
        let r = read_record(&row(&["ATL", ""]), &c);
        assert_eq!(r.sessions, None, "an empty cell leaves the sessions as they are");
        let r = read_record(&row(&["ATL", "12/12/2026 14:00 ; samedi après-midi"]), &c);
        assert_eq!(r.sessions, None);
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne B (Séances) « 12/12/2026 14:00 ; samedi après-midi » : Séance illisible : « samedi après-midi » (exemple : 12/12/2026 14:00 (8 places) ; 19/12/2026 9h30, séparées par des points-virgules)"
            ]
        );
        assert_eq!(r.errors[0].code, "sessions_invalid");
    }

    #[test]
    fn discounts_are_whole_percentages() {
        let text = |t: &str| parse_discount(&Cell::Text(t.into()));
        for t in ["20 %", "20%", "-20 %", "\u{2212}20 %", "\u{2212} 20\u{a0}%", "20", "20,0", "0,2", "0.20"] {
            assert_eq!(text(t), Ok(20), "{t}");
        }
        assert_eq!(text("1 %"), Ok(1));
        assert_eq!(text("99"), Ok(99));
        // French Excel keeps « 20 % » as 0,2; « -20 % » as -0,2.
        assert_eq!(parse_discount(&Cell::Number(0.2)), Ok(20));
        assert_eq!(parse_discount(&Cell::Number(-0.07)), Ok(7));
        assert_eq!(parse_discount(&Cell::Number(35.0)), Ok(35));
        assert_eq!(
            text("12,5 %"),
            Err("Remise de 12,5 % impossible : la remise est un pourcentage entier de 1 à 99 %".into())
        );
        assert_eq!(
            text("0,5 %"),
            Err("Remise de 0,5 % impossible : la remise est un pourcentage entier de 1 à 99 %".into())
        );
        assert_eq!(
            text("100 %"),
            Err("Remise de 100 % impossible : la remise est un pourcentage entier de 1 à 99 %".into())
        );
        assert_eq!(text("0"), Err("Remise de 0 % impossible : la remise est un pourcentage entier de 1 à 99 %".into()));
        for bad in ["douze %", "5 €", "20 % sur tout", "1,2,3", "%", "+20 %"] {
            assert_eq!(
                text(bad),
                Err("Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)".into()),
                "{bad}"
            );
        }
        // What the export writes reads back.
        assert_eq!(text(&discount_text(15)), Ok(15));
    }

    #[test]
    fn promotion_cells() {
        use chrono::TimeZone;
        let utc = |d, h, m| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).single().unwrap();
        let c = cols(&[Field::Sku, Field::PromoPrice, Field::Discount, Field::PromoStart, Field::PromoEnd]);
        // A date alone: from midnight, until the end of that day (Paris time).
        let r = read_record(&row(&["A", "8,50 €", "", "01/12/2026", "24/12/2026"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let p = r.promotion.as_deref().unwrap();
        assert_eq!((p.price_cents, p.percent), (Some(850), None));
        assert_eq!((p.starts, p.ends), (Some(utc(1, 0, 0) - chrono::Duration::hours(1)), Some(utc(24, 23, 0))));
        // With a time; no end: until the stock runs out.
        let r = read_record(&row(&["A", "", "-20 %", "1/12/2026 8h30", ""]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let p = r.promotion.as_deref().unwrap();
        assert_eq!((p.price_cents, p.percent, p.starts, p.ends), (None, Some(20), Some(utc(1, 7, 30)), None));
        // Date cells of a spreadsheet, with their time, and a date's serial number.
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let cells = vec![
            Cell::Text("A".into()),
            Cell::Number(8.5),
            Cell::Empty,
            Cell::Date(day.and_hms_opt(8, 0, 0).unwrap()),
            Cell::Number(46_380.0), // 24/12/2026
        ];
        let r = read_record(&GridRow { number: 3, cells }, &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let p = r.promotion.as_deref().unwrap();
        assert_eq!((p.price_cents, p.starts, p.ends), (Some(850), Some(utc(1, 7, 0)), Some(utc(24, 23, 0))));
        // No promotion cell: no promotion.
        assert_eq!(read_record(&row(&["A", "", "", "", ""]), &c).promotion, None);

        // Unreadable cells and missing ones, each on its cell.
        let r = read_record(&row(&["A", "", "douze %", "31/02/2026", "24/12/2026 25:00"]), &c);
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne C (Remise) « douze % » : Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)",
                "Ligne 7, colonne D (Début promo) « 31/02/2026 » : Date illisible : JJ/MM/AAAA est attendu, avec ou sans l'heure (exemples : 01/12/2026, 01/12/2026 08:00)",
                "Ligne 7, colonne E (Fin promo) « 24/12/2026 25:00 » : Heure illisible : HH:MM est attendu après la date (exemple : 01/12/2026 08:00)",
            ]
        );
        let codes: Vec<&str> = r.errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["discount_invalid", "promo_start_invalid", "promo_end_invalid"]);
        let r = read_record(&row(&["A", "", "", "", "24/12/2026"]), &c);
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne D (Début promo) : Promotion sans date de début : indiquez le « Début promo » (exemple : 01/12/2026)",
                "Ligne 7, colonne B (Prix promo) : Promotion sans prix promo ni remise : indiquez l'un des deux (exemples : 8,50 ou 20 %)",
            ]
        );
        let r = read_record(&row(&["A", "0", "", "01/12/2026", ""]), &c);
        assert_eq!(r.errors[0].message, "Prix promo trop bas : 0,01 € au moins");
        // « -20 % » in a « Promo » column is a discount.
        let c = cols(&[Field::Sku, Field::PromoPrice, Field::PromoStart]);
        let r = read_record(&row(&["A", "-20 %", "01/12/2026"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.promotion.as_deref().map(|p| (p.price_cents, p.percent)), Some((None, Some(20))));
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity(&Cell::Text("12,0".into())), Some(12));
        assert_eq!(parse_quantity(&Cell::Text("-3".into())), Some(-3));
        assert_eq!(parse_quantity(&Cell::Text("2,5".into())), None);
        assert_eq!(parse_quantity(&Cell::Number(4.0)), Some(4));
    }
}
