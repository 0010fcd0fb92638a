//! The grid a file is read into: cells as the file holds them, rows numbered as the
//! spreadsheet shows them; merged regions filled in; calamine's values converted.

use calamine::{Data, DataRef, Dimensions, Range};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// One cell as the file holds it. Text files only ever give `Text`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date cell, with its time of day (midnight for a date alone), to the second.
    Date(NaiveDateTime),
    Bool(bool),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// What a person sees in the cell (numbers the French way, dates `dd/mm/yyyy`, with
    /// `hh:mm` when they have a time of day: what comptoir-core's `promotions::parse_local`
    /// reads).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) => number_to_string(*n).replace('.', ","),
            Cell::Date(d) if d.time() == NaiveTime::MIN => d.format("%d/%m/%Y").to_string(),
            Cell::Date(d) if d.second() == 0 => d.format("%d/%m/%Y %H:%M").to_string(),
            Cell::Date(d) => d.format("%d/%m/%Y %H:%M:%S").to_string(),
            Cell::Bool(b) => if *b { "VRAI" } else { "FAUX" }.to_owned(),
        }
    }
}

/// Shortest exact decimal form, never in exponent notation: 3760123450010 stays
/// whole, 4.95 stays 4.95.
pub fn number_to_string(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{n:.0}")
    } else {
        let s = format!("{n}");
        if s.contains('e') { format!("{n:.10}").trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// Row number as the spreadsheet shows it (1-based).
    pub number: u32,
    /// Cells from column A; trailing empty cells are dropped.
    pub cells: Vec<Cell>,
}

impl GridRow {
    pub fn cell(&self, col: usize) -> &Cell {
        self.cells.get(col).unwrap_or(&Cell::Empty)
    }
}

/// Range → rows (XLS, ODS).
pub(super) fn grid(range: &Range<Data>, merges: &[Dimensions]) -> Vec<GridRow> {
    let Some((r0, c0)) = range.start() else { return Vec::new() };
    let mut rows: Vec<GridRow> = Vec::with_capacity(range.height());
    for (i, row) in range.rows().enumerate() {
        let mut cells = Vec::with_capacity(c0 as usize + row.len());
        cells.resize(c0 as usize, Cell::Empty);
        cells.extend(row.iter().map(convert));
        while cells.last().is_some_and(|c| *c == Cell::Empty) {
            cells.pop();
        }
        rows.push(GridRow { number: r0 + i as u32 + 1, cells });
    }
    finish(rows, merges)
}

/// [`Finisher`] over rows in sheet order.
pub(super) fn finish(rows: Vec<GridRow>, merges: &[Dimensions]) -> Vec<GridRow> {
    let mut f = Finisher::new(merges);
    for row in rows {
        f.push(row);
    }
    f.out
}

/// Rows in sheet order → the sheet's rows: every cell of a merged region holds the
/// region's value (a "Famille" merged down five rows applies to the five products), and
/// blank rows go. A region also fills the rows it covers that hold no cell, between the
/// first and the last rows that do.
pub(super) struct Finisher<'m> {
    /// Regions by top row; `next`: the first one not yet reached.
    merges: Vec<&'m Dimensions>,
    next: usize,
    /// Regions reached, with the value of their top-left cell.
    active: Vec<(&'m Dimensions, Cell)>,
    last: Option<u32>,
    pub(super) out: Vec<GridRow>,
}

impl<'m> Finisher<'m> {
    pub(super) fn new(merges: &'m [Dimensions]) -> Self {
        let mut merges: Vec<&Dimensions> = merges
            .iter()
            .filter(|m| {
                let ((top, left), (bottom, right)) = (m.start, m.end);
                // Guard against absurd regions in damaged files.
                bottom >= top && right >= left && u64::from(bottom - top + 1) * u64::from(right - left + 1) <= 1_000_000
            })
            .collect();
        merges.sort_by_key(|m| m.start.0);
        Self { merges, next: 0, active: Vec::new(), last: None, out: Vec::new() }
    }

    pub(super) fn push(&mut self, row: GridRow) {
        if let Some(prev) = self.last {
            let reach = self.active.iter().map(|(m, _)| m.end.0.saturating_add(1)).max().unwrap_or(0);
            for number in prev.saturating_add(1)..row.number.min(reach.saturating_add(1)) {
                if self.active.iter().any(|(m, _)| m.end.0.saturating_add(1) >= number) {
                    self.finish(GridRow { number, cells: Vec::new() });
                }
            }
        }
        self.last = Some(row.number);
        self.finish(row);
    }

    fn finish(&mut self, mut row: GridRow) {
        let number = row.number;
        self.active.retain(|(m, _)| m.end.0.saturating_add(1) >= number);
        while let Some(m) = self.merges.get(self.next).copied().filter(|m| m.start.0.saturating_add(1) <= number) {
            self.next += 1;
            // A region whose top-left cell is empty, or whose top row holds no cell, fills nothing.
            let value =
                if m.start.0.saturating_add(1) == number { row.cell(m.start.1 as usize).clone() } else { Cell::Empty };
            if !value.is_empty() && m.end.0.saturating_add(1) >= number {
                self.active.push((m, value));
            }
        }
        for (m, value) in &self.active {
            let (left, right) = (m.start.1 as usize, m.end.1 as usize);
            if row.cells.len() <= right {
                row.cells.resize(right + 1, Cell::Empty);
            }
            for c in left..=right {
                row.cells[c] = value.clone();
            }
        }
        if row.cells.iter().any(|c| !c.is_empty()) {
            self.out.push(row);
        }
    }
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            if dt.is_datetime() {
                dt.as_datetime().map(|d| Cell::Date(to_second(d))).unwrap_or(Cell::Number(dt.as_f64()))
            } else {
                Cell::Number(dt.as_f64())
            }
        }
        // ODS: `2026-12-01` or `2026-12-01T08:00:00`.
        Data::DateTimeIso(s) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .map(to_second)
            .ok()
            .or_else(|| {
                s.get(..10)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(|d| d.and_time(NaiveTime::MIN))
            })
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// A spreadsheet's time to the nearest second (Excel keeps a fraction of a day: 08:00
/// may come back as 07:59:59.999).
fn to_second(d: NaiveDateTime) -> NaiveDateTime {
    let whole = d.with_nanosecond(0).unwrap_or(d);
    if d.nanosecond() >= 500_000_000 { whole + chrono::Duration::seconds(1) } else { whole }
}

/// The same as [`convert`], from calamine's borrowed cell (a shared string is copied once, here).
pub(super) fn convert_ref(d: &DataRef) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => convert(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => convert(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cells_show_their_time_of_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let at = |h, m, sec| Cell::Date(day.and_hms_opt(h, m, sec).unwrap());
        assert_eq!(at(0, 0, 0).display(), "01/12/2026");
        assert_eq!(at(8, 30, 0).display(), "01/12/2026 08:30");
        assert_eq!(at(8, 30, 15).display(), "01/12/2026 08:30:15");
        // Excel's fraction of a day, to the second.
        let almost = day.and_hms_milli_opt(7, 59, 59, 999).unwrap();
        assert_eq!(to_second(almost), day.and_hms_opt(8, 0, 0).unwrap());
        assert_eq!(
            convert(&Data::DateTimeIso("2026-12-01T08:00:00".into())),
            Cell::Date(day.and_hms_opt(8, 0, 0).unwrap())
        );
        assert_eq!(convert(&Data::DateTimeIso("2026-12-01".into())), at(0, 0, 0));
    }

    #[test]
    fn numbers_print_whole() {
        assert_eq!(number_to_string(3_760_123_450_010.0), "3760123450010");
        assert_eq!(number_to_string(4.95), "4.95");
        assert_eq!(number_to_string(0.055), "0.055");
        assert_eq!(Cell::Number(12.5).display(), "12,5");
    }
}
