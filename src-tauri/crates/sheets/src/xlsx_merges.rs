//! The merged regions of an XLSX sheet, found without parsing its cells.
//!
//! Why: a sheet's `<mergeCells>` come after its `<sheetData>` in the XML, so calamine's
//! `merge_cells_by_sheet_name` parses every cell of the sheet to reach them: on a
//! 100,000-row sheet that is a quarter of a second spent before the first row can be
//! handed out (rows are final only once the merges are known). Here the sheet's XML is
//! inflated and searched for the end of `<sheetData>` with a byte search, a few
//! kilobytes at a time, and only what follows it is parsed. It is also cheap enough to
//! run beside calamine's opening of the workbook, on the other core.
//!
//! Anything unexpected (no relationships, a sheet not found, a damaged archive) gives
//! `None`, and the caller asks calamine instead: this is a shortcut, never the only way.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::Dimensions;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// The merged regions of `sheet` (by default the workbook's first worksheet), with the
/// sheet's name as the workbook gives it.
pub(crate) fn find(bytes: &[u8], sheet: Option<&str>) -> Option<(String, Vec<Dimensions>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    // Part names are matched ignoring case, as Excel does.
    let entries: HashMap<String, String> =
        zip.file_names().flatten().map(|n| (n.to_ascii_lowercase(), n.into_owned())).collect();
    let mut read = |part: &str| -> Option<Vec<u8>> {
        let name = entries.get(&part.trim_start_matches('/').to_ascii_lowercase())?;
        let mut file = zip.by_name(name).ok()?;
        // The package's small parts only (relationships, the workbook).
        let mut out = Vec::new();
        file.by_ref().take(16 << 20).read_to_end(&mut out).ok()?;
        Some(out)
    };
    let workbook =
        relationships(&read("_rels/.rels")?, "").into_iter().find(|r| r.kind.ends_with("/officeDocument"))?.target;
    let (dir, file) = workbook.rsplit_once('/').unwrap_or(("", &workbook));
    let rels = relationships(&read(&format!("{dir}/_rels/{file}.rels"))?, dir);
    let sheets = workbook_sheets(&read(&workbook)?);
    let worksheet = |id: &str| rels.iter().find(|r| r.id == id && r.kind.ends_with("/worksheet"));
    let (name, rel) = match sheet {
        Some(wanted) => sheets
            .iter()
            .find(|(n, _)| n == wanted)
            .or_else(|| sheets.iter().find(|(n, _)| n.trim().eq_ignore_ascii_case(wanted.trim())))
            .and_then(|(n, id)| Some((n, worksheet(id)?)))?,
        None => sheets.iter().find_map(|(n, id)| Some((n, worksheet(id)?)))?,
    };
    let part = entries.get(&rel.target.trim_start_matches('/').to_ascii_lowercase())?;
    let reader = zip.by_name(part).ok()?;
    Some((name.clone(), merges(after_sheet_data(reader, TAIL_MAX)?)))
}

struct Relationship {
    id: String,
    kind: String,
    /// The part's name in the archive (resolved against the source's folder).
    target: String,
}

fn attr(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// The `<Relationship>`s of a `.rels` part; `dir`: the folder of the part they belong to.
fn relationships(xml: &[u8], dir: &str) -> Vec<Relationship> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(kind), Some(target)) = (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target")) {
                    // External targets (hyperlinks) are not parts.
                    if attr(&e, "TargetMode").as_deref() != Some("External") {
                        out.push(Relationship { id, kind, target: resolve(dir, &target) });
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// `target` relative to the folder `dir` (or absolute, from the package's root).
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') { Vec::new() } else { dir.split('/').collect() };
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("/")
}

/// The workbook's sheets in order: name and relationship id.
fn workbook_sheets(xml: &[u8]) -> Vec<(String, String)> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sheet" => {
                // `r:id`: the relationships namespace's `id` (not `sheetId`).
                let id = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
                    .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()));
                if let (Some(name), Some(id)) = (attr(&e, "name"), id) {
                    out.push((name, id));
                }
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// What may follow `<sheetData>` in a sheet and be kept to be parsed: merged cells,
/// conditional formats, validations, page setup. More is a damaged or hostile file (a
/// zip bomb past the cells): calamine, which streams, is asked instead.
const TAIL_MAX: usize = 32 << 20;

/// What follows the end of `<sheetData>` in a sheet's XML (read a chunk at a time,
/// nothing before it kept; `None` past `max` bytes). A literal `</sheetData>` can only be markup: `<` is always
/// escaped in text and attribute values. `None`: the XML could not be read, or holds
/// no end of `<sheetData>` (an empty `<sheetData/>`: the whole XML is small then, and
/// calamine reads it).
fn after_sheet_data(mut reader: impl Read, max: usize) -> Option<Vec<u8>> {
    const MARK: &[u8] = b"sheetData>";
    let finder = memchr::memmem::Finder::new(MARK);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
    let mut chunk = vec![0u8; 1 << 16];
    let mut found = false;
    loop {
        let n = reader.read(&mut chunk).ok()?;
        if n == 0 {
            return found.then_some(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if found {
            if buf.len() > max {
                return None;
            }
            continue;
        }
        // The last end tag `</sheetData>` or `</x:sheetData>` in what is held.
        let mut end = None;
        for at in finder.find_iter(&buf) {
            let before = &buf[..at];
            let open = before.iter().rposition(|&b| b == b'<');
            let is_end_tag = open.is_some_and(|o| {
                let between = &before[o + 1..];
                between.first() == Some(&b'/')
                    && (between.len() == 1
                        || (between.ends_with(b":")
                            && between[1..between.len() - 1].iter().all(|b| b.is_ascii_alphanumeric())))
            });
            if is_end_tag {
                end = Some(at + MARK.len());
            }
        }
        match end {
            Some(at) => {
                buf.drain(..at);
                found = true;
            }
            // Keep enough to see a tag cut between two chunks (`</` + a prefix + the mark).
            None => {
                let keep = buf.len().min(64);
                buf.drain(..buf.len() - keep);
            }
        }
    }
}

/// The `<mergeCell ref="A1:C2"/>` regions of a fragment of sheet XML.
fn merges(xml: Vec<u8>) -> Vec<Dimensions> {
    let mut reader = quick_xml::Reader::from_reader(&xml[..]);
    reader.config_mut().check_end_names = false;
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(d) = attr(&e, "ref").and_then(|r| dimensions(&r)) {
                    out.push(d);
                }
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// `A1:C2` (or a single `B4`) → 0-based (row, column) corners.
fn dimensions(reference: &str) -> Option<Dimensions> {
    let corner = |s: &str| -> Option<(u32, u32)> {
        let s = s.trim().trim_start_matches('$');
        let split = s.find(|c: char| !c.is_ascii_alphabetic())?;
        let (letters, digits) = s.split_at(split);
        if letters.is_empty() || letters.len() > 3 {
            return None;
        }
        let col =
            letters.bytes().try_fold(0u32, |acc, b| Some(acc * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1))?;
        let row: u32 = digits.trim_start_matches('$').parse().ok()?;
        Some((row.checked_sub(1)?, col - 1))
    };
    let (a, b) = reference.split_once(':').unwrap_or((reference, reference));
    Some(Dimensions { start: corner(a)?, end: corner(b)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader as _;

    #[test]
    fn references_and_paths() {
        assert_eq!(dimensions("A1:C2").map(|d| (d.start, d.end)), Some(((0, 0), (1, 2))));
        assert_eq!(dimensions("$AA$10").map(|d| (d.start, d.end)), Some(((9, 26), (9, 26))));
        assert!(dimensions("A0").is_none());
        assert!(dimensions("12").is_none());
        assert_eq!(resolve("xl", "worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl", "/xl/worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl/sub", "../worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }

    /// Regions as (top-left, bottom-right) corners, sorted.
    type Corners = Vec<((u32, u32), (u32, u32))>;

    /// calamine's answer, the reference.
    fn calamine_merges(bytes: &[u8], sheet: &str) -> Corners {
        let mut book = calamine::Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
        let mut v: Vec<_> =
            book.merge_cells_by_sheet_name(sheet).unwrap().into_iter().map(|d| (d.start, d.end)).collect();
        v.sort();
        v
    }

    fn ours(bytes: &[u8], sheet: Option<&str>) -> (String, Corners) {
        let (name, found) = find(bytes, sheet).expect("found without calamine");
        let mut v: Vec<_> = found.into_iter().map(|d| (d.start, d.end)).collect();
        v.sort();
        (name, v)
    }

    #[test]
    fn same_regions_as_calamine_on_every_sheet() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let f = Format::new();
        let s = wb.add_worksheet().set_name("Notes").unwrap();
        s.write(0, 0, "rien").unwrap();
        let s = wb.add_worksheet().set_name("Stock & prix <2026>").unwrap();
        s.merge_range(0, 0, 0, 4, "Inventaire au 31/12", &f).unwrap();
        for r in 2..3000u32 {
            s.write(r, 0, format!("REF-{r}")).unwrap();
            s.write(r, 1, "sheetData> </sheetData> en texte").unwrap();
        }
        s.merge_range(10, 5, 40, 5, "Fromages", &f).unwrap();
        s.merge_range(2999, 27, 3005, 30, "AB", &f).unwrap();
        wb.add_worksheet().set_name("Vide").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        for sheet in ["Notes", "Stock & prix <2026>", "Vide"] {
            let expected = calamine_merges(&bytes, sheet);
            match find(&bytes, Some(sheet)) {
                Some(_) => assert_eq!(ours(&bytes, Some(sheet)), (sheet.to_owned(), expected), "{sheet}"),
                // An empty sheet's `<sheetData/>`: left to calamine, which finds nothing.
                None => assert!(expected.is_empty(), "{sheet}"),
            }
        }
        assert_eq!(ours(&bytes, Some("stock & PRIX <2026> ")).1.len(), 3);
        assert_eq!(ours(&bytes, None).0, "Notes");
        assert!(find(&bytes, Some("Absente")).is_none());
        assert!(find(b"PK\x03\x04 pas une archive", None).is_none());
        // The import tests' workbook: title rows, merged cells, two sheets (a copy of
        // comptoir-core's tests/fixtures/shop.xlsx; its `write_fixture_source` writes both).
        let shop = include_bytes!("../tests/fixtures/shop.xlsx");
        let mut book = calamine::Xlsx::new(Cursor::new(shop.to_vec())).unwrap();
        for sheet in book.sheet_names() {
            let expected = calamine_merges(shop, &sheet);
            if let Some((name, _)) = find(shop, Some(&sheet)) {
                assert_eq!(ours(shop, Some(&sheet)), (name, expected), "{sheet}");
            } else {
                assert!(expected.is_empty(), "{sheet}");
            }
        }
        assert!(book.merge_cells_by_sheet_name(&book.sheet_names()[0]).is_ok());
    }

    #[test]
    fn end_of_sheet_data_found_across_chunks_and_with_a_prefix() {
        // Reads of 7 bytes: every cut of the end tag is met.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(7).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let xml = b"<x:worksheet><x:sheetData><x:row><x:c><x:is><x:t>sheetData&gt;</x:t></x:is></x:c></x:row></x:sheetData>\
                    <x:mergeCells count=\"2\"><x:mergeCell ref=\"A1:D1\"/><x:mergeCell ref=\"B3:B7\"/></x:mergeCells></x:worksheet>";
        let tail = after_sheet_data(Trickle(xml), TAIL_MAX).unwrap();
        assert!(tail.starts_with(b"<x:mergeCells"));
        let found: Vec<_> = merges(tail).into_iter().map(|d| (d.start, d.end)).collect();
        assert_eq!(found, vec![((0, 0), (0, 3)), ((2, 1), (6, 1))]);
        assert!(after_sheet_data(&b"<worksheet><sheetData/></worksheet>"[..], TAIL_MAX).is_none());
        // Too much after the cells: left to calamine.
        let mut long = b"<worksheet><sheetData></sheetData>".to_vec();
        long.extend(std::iter::repeat_n(b' ', 300_000));
        assert!(after_sheet_data(&long[..], 100_000).is_none());
        assert!(after_sheet_data(&long[..], 400_000).is_some());
    }
}
