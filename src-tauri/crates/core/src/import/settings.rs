//! What the mapping screen shows and confirms: a read file's header row and columns
//! with samples, the mapping proposed (the one remembered for this layout, if any), what
//! a mapping leaves out, and the settings an import runs with.

use serde::{Deserialize, Serialize};

use super::plan::PlanOptions;
use super::{Field, FileFormat, GridRow, Mapping, Source, column_letter, map, values};
use crate::{Db, Error, Result};

/// One detected column for the mapping screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ColumnPreview {
    pub index: u32,
    pub letter: String,
    pub header: String,
    /// First non-empty values under the header, as displayed.
    pub samples: Vec<String>,
    /// Field in the proposed mapping (`None`: "ne pas importer").
    pub field: Option<Field>,
    /// What the header alone suggests.
    pub suggested: Option<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FilePreview {
    pub file_name: String,
    pub format: FileFormat,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheets: Vec<String>,
    pub sheet: String,
    pub header_row: u32,
    pub data_rows: u32,
    pub columns: Vec<ColumnPreview>,
    pub layout_hash: String,
    pub mapping: Mapping,
    /// The mapping is the one confirmed for this layout before.
    pub remembered: bool,
    pub warnings: Vec<String>,
}

/// What the shopkeeper confirmed on the mapping screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ImportSettings {
    pub mapping: Mapping,
    pub options: PlanOptions,
}

/// Header row and proposed mapping of a read file.
pub async fn preview(db: &Db, source: &Source) -> Result<FilePreview> {
    let width = source.width();
    let header_index = map::find_header_row(&source.rows).unwrap_or(0);
    let Some(header) = source.rows.get(header_index) else {
        return Err(Error::invalid("file", "empty", "Le fichier ne contient aucune ligne"));
    };
    let headers = map::headers(header, width);
    let layout_hash = map::layout_hash(&headers);
    let auto = map::auto_mapping(header, width);
    // The remembered mapping is for this header row wherever it sits now (next month's
    // file may have one more title line above it), and for this sheet's width (a note
    // typed right of the table adds a column, not a layout).
    let remembered = db.import_mapping(&layout_hash).await?.and_then(|mut m| {
        if m.columns.iter().skip(width).any(Option::is_some) {
            return None;
        }
        m.columns.resize(width, None);
        m.header_row = header.number;
        Some(m)
    });
    let mapping = remembered.clone().unwrap_or_else(|| auto.clone());
    let data: Vec<&GridRow> = source.rows.iter().filter(|r| r.number > mapping.header_row).collect();
    let columns = (0..width)
        .map(|c| ColumnPreview {
            index: c as u32,
            letter: column_letter(c),
            header: headers[c].clone(),
            samples: data
                .iter()
                .map(|r| r.cell(c))
                .filter(|v| !v.is_empty())
                .take(5)
                .map(|v| values::cell_text(v).unwrap_or_default())
                .collect(),
            field: mapping.columns.get(c).copied().flatten(),
            suggested: auto.columns.get(c).copied().flatten(),
        })
        .collect();
    Ok(FilePreview {
        file_name: source.file_name.clone(),
        format: source.format,
        encoding: source.encoding.clone(),
        delimiter: source.delimiter.map(|d| if d == '\t' { "tabulation".into() } else { d.to_string() }),
        sheets: source.sheets.clone(),
        sheet: source.sheet.clone(),
        header_row: mapping.header_row,
        data_rows: data.len() as u32,
        columns,
        layout_hash,
        warnings: mapping_warnings(&mapping),
        remembered: remembered.is_some(),
        mapping,
    })
}

/// What a mapping leaves out, in French.
pub fn mapping_warnings(m: &Mapping) -> Vec<String> {
    let mut w = Vec::new();
    if !m.has(Field::Sku) && !m.has(Field::Ean) {
        w.push("Aucune colonne Référence ni Code EAN : indiquez laquelle identifie les produits".into());
    }
    if !m.has(Field::Name) {
        w.push("Pas de colonne Désignation : seuls les produits existants pourront être mis à jour".into());
    }
    if !m.has(Field::PriceTtc) && !m.has(Field::PriceHt) {
        w.push("Pas de colonne Prix : seuls les produits existants pourront être mis à jour".into());
    }
    if !m.has(Field::Vat) {
        w.push("Pas de colonne TVA : les nouveaux produits seront à 20 % (modifiable)".into());
    }
    w
}

/// The preview's mapping as import settings (full mode, default VAT 20 %).
pub fn default_settings(p: &FilePreview) -> ImportSettings {
    ImportSettings { mapping: p.mapping.clone(), options: PlanOptions::default() }
}

pub(super) fn check_settings(s: &ImportSettings) -> Result<()> {
    if !s.mapping.has(Field::Sku) && !s.mapping.has(Field::Ean) {
        return Err(Error::invalid(
            "mapping",
            "key_missing",
            "Indiquez la colonne Référence (ou Code EAN) qui identifie les produits",
        ));
    }
    Ok(())
}
