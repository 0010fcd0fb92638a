use comptoir_core::import::{Control, map, read_bytes, stream_bytes, values};

/// Reads the bytes as a file named `name`, whole and streamed (the two must give the
/// same rows), then maps and parses every row the way an import does (without a
/// database): nothing may panic, whatever the input.
pub fn exercise(data: &[u8], name: &str) {
    let read = read_bytes(data, name, None, &Control::default());
    let mut streamed = Vec::new();
    let head = stream_bytes(data, name, None, &Control::default(), &mut |_, rows| {
        streamed.extend(rows);
        Ok(())
    });
    let Ok(source) = read else { return };
    // Cells out of row order are refused by the stream (import_file then reads whole).
    if let Ok(head) = head {
        assert_eq!((&head.sheet, &streamed), (&source.sheet, &source.rows));
    }
    let width = source.width().min(512);
    let Some(header) = map::find_header_row(&source.rows).and_then(|i| source.rows.get(i)).or(source.rows.first())
    else {
        return;
    };
    let mapping = map::auto_mapping(header, width);
    let cols = values::Columns::new(mapping, map::headers(header, width));
    for row in source.rows.iter().take(2000) {
        let r = values::read_record(row, &cols);
        for e in &r.errors {
            let _ = e.describe();
        }
    }
    let _ = map::layout_hash(&map::headers(header, width));
}

/// calamine panics on some damaged files (slice bounds in its XLS reader, say); the
/// readers catch those panics and call the file damaged, in French. libFuzzer's panic
/// hook aborts on every panic, caught or not: a quiet hook instead, so that only a panic
/// escaping the readers counts (libfuzzer-sys still aborts on those). Fuzz targets
/// only: tests keep the default hook.
#[allow(dead_code)]
pub fn quiet_caught_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}
