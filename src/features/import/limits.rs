//! The bounds a spreadsheet is read within: rows, columns, cells, text, and what a zip may
//! unpack to. A commune's real files stay far below them (100,000 households are about 800,000
//! cells); a hostile or broken file meets one before it can take the server's memory, and its
//! importer answers with a refusal that names the limit, never an abort.
//!
//! `.xlsx` is read cell by cell (calamine's cell reader), so that a single cell at `XFD1048576`
//! costs one cell, not the dense sheet calamine's ranges would allocate. `.ods` is measured by a
//! pass over its XML before calamine, which expands it densely, reads it. Both are zips whose
//! entries must really unpack (counted, not as declared) to at most [`MAX_UNZIPPED_BYTES`], and an
//! `.xlsx` may not declare more shared strings than [`MAX_CELLS`].

use std::io::{Read, Seek};

use quick_xml::events::{BytesStart, Event};

use super::ImportError;

/// Largest file read at all (`loa import`; uploads stop at their own, smaller limit).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Data rows of one file.
pub const MAX_ROWS: usize = 2_000_000;
/// Columns of a sheet: the importers read at most ten.
pub const MAX_COLUMNS: usize = 200;
/// Cells with something in them, over the whole file.
pub const MAX_CELLS: usize = 5_000_000;
/// Text of all cells together.
pub const MAX_TEXT_BYTES: usize = 256 * 1024 * 1024;
/// One line of a CSV file (a record, quoted newlines included).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// What the entries of an `.xlsx` or `.ods` zip may unpack to, together.
pub const MAX_UNZIPPED_BYTES: u64 = 512 * 1024 * 1024;
/// Entries of such a zip (a workbook has a few dozen).
pub const MAX_ZIP_ENTRIES: usize = 10_000;

/// A bound the file went past: the text names it and, where known, where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OverLimit(pub String);

/// Counts what a table holds while it is read, refusing past the limits.
#[derive(Debug, Default)]
pub struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    /// Takes one row of cells (`row` as numbered in the file).
    pub fn take(&mut self, row: usize, cells: &[String]) -> Result<(), OverLimit> {
        if cells.len() > MAX_COLUMNS {
            return Err(OverLimit(format!(
                "row {row} has {} columns; loa reads at most {MAX_COLUMNS}",
                cells.len()
            )));
        }
        self.cells += cells.iter().filter(|c| !c.is_empty()).count();
        self.text += cells.iter().map(String::len).sum::<usize>();
        if self.cells > MAX_CELLS {
            return Err(OverLimit(format!(
                "the file has more than {MAX_CELLS} filled cells (at row {row})"
            )));
        }
        if self.text > MAX_TEXT_BYTES {
            return Err(OverLimit(format!(
                "the cells hold more than {} MiB of text (at row {row})",
                MAX_TEXT_BYTES / (1024 * 1024)
            )));
        }
        Ok(())
    }
}

/// A sheet cell's column must be one loa reads; `col` counts from 0.
pub fn check_column(row: usize, col: usize) -> Result<(), OverLimit> {
    if col >= MAX_COLUMNS {
        return Err(OverLimit(format!(
            "row {row} has a value in column {} ({}); loa reads at most {MAX_COLUMNS} columns",
            col + 1,
            column_name(col)
        )));
    }
    Ok(())
}

/// A row number must be one loa reads.
pub fn check_row(row: usize) -> Result<(), OverLimit> {
    if row > MAX_ROWS + 1 {
        return Err(OverLimit(format!(
            "the sheet has a value in row {row}; loa reads at most {MAX_ROWS} rows"
        )));
    }
    Ok(())
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`, `16383` → `XFD`.
pub fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

/// The zip's entries must be few and unpack to at most [`MAX_UNZIPPED_BYTES`] together, as
/// they really unpack: the sizes a zip declares are not trusted (the Deflate reader does not stop
/// at them, so 20 MiB that declare kilobytes can inflate to gigabytes). Every entry is inflated
/// here, through a counter that stops at the limit, before calamine opens the workbook; on the
/// way the shared strings of an `.xlsx` are measured (see [`check_shared_strings`]).
pub fn check_zip<R: Read + Seek>(reader: R) -> Result<(), ImportError> {
    check_zip_within(reader, MAX_UNZIPPED_BYTES)
}

fn unreadable(e: impl std::fmt::Display) -> ImportError {
    ImportError::Read(format!("not a readable workbook (zip): {e}"))
}

fn check_zip_within<R: Read + Seek>(reader: R, limit: u64) -> Result<(), ImportError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(unreadable)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(OverLimit(format!(
            "the workbook has {} parts; at most {MAX_ZIP_ENTRIES}",
            zip.len()
        ))
        .into());
    }
    let mut left = limit;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(unreadable)?;
        // As calamine finds its parts: `\` for `/`, any case.
        let shared = entry
            .name()
            .replace('\\', "/")
            .eq_ignore_ascii_case("xl/sharedstrings.xml");
        let mut capped = Capped {
            inner: entry,
            left: &mut left,
            over: false,
        };
        let read = if shared {
            check_shared_strings(&mut capped).and_then(|()| drain(&mut capped).map_err(unreadable))
        } else {
            drain(&mut capped).map_err(unreadable)
        };
        if capped.over {
            return Err(OverLimit(format!(
                "the workbook unpacks to more than {} MiB",
                limit / (1024 * 1024)
            ))
            .into());
        }
        read?;
    }
    Ok(())
}

fn drain(r: &mut impl Read) -> std::io::Result<u64> {
    std::io::copy(r, &mut std::io::sink())
}

/// Reads at most `left` bytes (shared by all the entries of a zip); one more is an error, and
/// `over` says so.
struct Capped<'a, R> {
    inner: R,
    left: &'a mut u64,
    over: bool,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if *self.left == 0 {
            if self.inner.read(&mut [0u8; 1])? == 0 {
                return Ok(0);
            }
            self.over = true;
            return Err(std::io::Error::other("past the unpacked size limit"));
        }
        let max = buf
            .len()
            .min(usize::try_from(*self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        *self.left -= n as u64;
        Ok(n)
    }
}

/// calamine reserves room for the number of shared strings an `.xlsx` declares
/// (`<sst uniqueCount="…">`) before reading one: a count of 10^11 in a file of a few hundred
/// bytes is an allocation that fails, and a failed allocation aborts the process (it is no
/// panic to catch). The declared counts and the strings themselves must stay within
/// [`MAX_CELLS`]: a file cannot use more strings than it has cells.
fn check_shared_strings(xml: &mut impl Read) -> Result<(), ImportError> {
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(xml));
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut strings = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            ImportError::Read(format!("the workbook's shared strings are broken: {e}"))
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"sst" => declared_strings(&e)?,
                b"si" => {
                    strings += 1;
                    if strings > MAX_CELLS {
                        return Err(too_many_strings(strings as u128));
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn declared_strings(sst: &BytesStart<'_>) -> Result<(), ImportError> {
    for a in sst.attributes().flatten() {
        if !matches!(a.key.local_name().as_ref(), b"count" | b"uniqueCount") {
            continue;
        }
        let n = std::str::from_utf8(&a.value)
            .ok()
            .and_then(|v| v.trim().parse::<u128>().ok());
        if let Some(n) = n.filter(|n| *n > MAX_CELLS as u128) {
            return Err(too_many_strings(n));
        }
    }
    Ok(())
}

fn too_many_strings(n: u128) -> ImportError {
    OverLimit(format!(
        "the workbook declares or holds {n} shared strings; loa reads at most {MAX_CELLS}"
    ))
    .into()
}

/// Measures an `.ods` before calamine reads it (calamine lays every sheet out densely, repeats
/// expanded): each sheet's span of rows with values times its widest such row must fit in
/// [`MAX_CELLS`], and no value may lie past [`MAX_COLUMNS`] or [`MAX_ROWS`].
pub fn check_ods<R: Read + Seek>(reader: R) -> Result<(), ImportError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(unreadable)?;
    let content = zip
        .by_name("content.xml")
        .map_err(|e| ImportError::Read(format!("not an OpenDocument spreadsheet: {e}")))?;
    let mut xml =
        quick_xml::Reader::from_reader(std::io::BufReader::new(content.take(MAX_UNZIPPED_BYTES)));
    let mut buf = Vec::new();
    let mut sheet = OdsSheet::default();
    let mut dense = 0usize;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| ImportError::Read(format!("the spreadsheet's XML is broken: {e}")))?;
        match event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"table:table" => sheet = OdsSheet::default(),
                b"table:table-row" => sheet.start_row(repeat(&e, b"table:number-rows-repeated")),
                b"table:table-cell" | b"table:covered-table-cell" => {
                    let n = repeat(&e, b"table:number-columns-repeated");
                    sheet.cell(n, has_value(&e))?;
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                b"table:table-row" => sheet.end_row()?,
                b"table:table" => {
                    dense = dense.saturating_add(sheet.dense());
                    if dense > MAX_CELLS {
                        return Err(OverLimit(format!(
                            "the spreadsheet spans more than {MAX_CELLS} cells"
                        ))
                        .into());
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// One sheet of an `.ods` as [`check_ods`] measures it.
#[derive(Default)]
struct OdsSheet {
    /// Rows before the current one (repeats counted).
    row: usize,
    repeats: usize,
    col: usize,
    /// Columns up to the last value in the current row.
    width: usize,
    first: Option<usize>,
    last: usize,
    widest: usize,
}

impl OdsSheet {
    fn start_row(&mut self, repeats: usize) {
        self.repeats = repeats.max(1);
        self.col = 0;
        self.width = 0;
    }

    fn cell(&mut self, repeats: usize, value: bool) -> Result<(), OverLimit> {
        let repeats = repeats.max(1);
        self.col = self.col.saturating_add(repeats);
        if value {
            check_column(self.row + 1, self.col - 1)?;
            self.width = self.col;
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), OverLimit> {
        if self.width > 0 {
            let last = self.row.saturating_add(self.repeats);
            check_row(last)?;
            self.first.get_or_insert(self.row);
            self.last = last;
            self.widest = self.widest.max(self.width);
        }
        self.row = self.row.saturating_add(self.repeats);
        Ok(())
    }

    fn dense(&self) -> usize {
        match self.first {
            Some(first) => (self.last - first).saturating_mul(self.widest),
            None => 0,
        }
    }
}

fn repeat(e: &BytesStart<'_>, name: &[u8]) -> usize {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok())
        .unwrap_or(1)
}

fn has_value(e: &BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| {
        matches!(
            a.key.as_ref(),
            b"office:value-type" | b"calcext:value-type" | b"table:formula"
        )
    })
}

/// Hostile and sparse workbooks, for the tests here and the fuzz test.
#[cfg(test)]
pub(crate) mod samples {
    use std::io::Write;

    /// An `.xlsx` with a header row and `cells` more values at (row, column), counted from 0.
    pub fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Mã").expect("cell");
        for (r, c, v) in cells {
            sheet.write_string(*r, *c, *v).expect("cell");
        }
        book.save_to_buffer().expect("xlsx")
    }

    /// An `.ods` whose first sheet is `rows` (raw `table:table-row` elements).
    pub fn ods(rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).expect("zip");
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .expect("zip");
        zip.start_file("META-INF/manifest.xml", stored)
            .expect("zip");
        zip.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        )
        .expect("zip");
        zip.start_file("content.xml", stored).expect("zip");
        zip.write_all(content.as_bytes()).expect("zip");
        zip.finish().expect("zip");
        out.into_inner()
    }

    /// `xlsx` (a workbook from [`xlsx`]) with each part passed through `change(name, body)`.
    pub fn rezip(xlsx: &[u8], change: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
        use std::io::Read;
        let mut from = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("zip");
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for i in 0..from.len() {
            let mut entry = from.by_index(i).expect("entry");
            let name = entry.name().to_string();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).expect("read");
            zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .expect("zip");
            zip.write_all(&change(&name, body)).expect("zip");
        }
        zip.finish().expect("zip");
        out.into_inner()
    }

    /// A small `.xlsx` whose shared strings declare `unique` of them (it holds one).
    pub fn xlsx_declaring_strings(unique: &str) -> Vec<u8> {
        rezip(&xlsx(&[(1, 0, "x")]), |name, body| {
            if name != "xl/sharedStrings.xml" {
                return body;
            }
            let text = String::from_utf8(body).expect("xml");
            let at = text.find("uniqueCount=\"").expect("uniqueCount") + 13;
            let end = at + text[at..].find('"').expect("quote");
            format!("{}{unique}{}", &text[..at], &text[end..]).into_bytes()
        })
    }

    /// A zip with one Deflate entry of `real` zero bytes whose headers say it unpacks to
    /// `declared`.
    pub fn lying_zip(real: usize, declared: u32) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("zip");
        zip.write_all(&vec![0u8; real]).expect("zip");
        zip.finish().expect("zip");
        let mut bytes = out.into_inner();
        // The uncompressed size: at 22 in the local header, at 24 in the central directory's.
        for (signature, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let start = bytes
                .windows(4)
                .position(|w| w == signature)
                .expect("header");
            bytes[start + at..start + at + 4].copy_from_slice(&declared.to_le_bytes());
        }
        bytes
    }

    /// One ODS row of `n` string cells `v`, itself repeated `times`.
    pub fn ods_row(times: usize, n: usize, v: &str) -> String {
        format!(
            r#"<table:table-row table:number-rows-repeated="{times}"><table:table-cell table:number-columns-repeated="{n}" office:value-type="string"><text:p>{v}</text:p></table:table-cell></table:table-row>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{ods, ods_row, xlsx};
    use super::*;
    use crate::features::import::table;
    use crate::features::import::ImportError;
    use std::time::{Duration, Instant};

    fn over(r: Result<table::Table, ImportError>) -> String {
        match r {
            Err(ImportError::OverLimit(e)) => e.0,
            Err(e) => panic!("another error: {e}"),
            Ok(t) => panic!("read {} rows", t.rows.len()),
        }
    }

    #[test]
    fn one_cell_at_the_far_corner_is_refused_not_allocated() {
        let started = Instant::now();
        let e = over(table::read_xlsx_bytes(&xlsx(&[(1_048_575, 16_383, "x")])));
        assert!(e.contains("XFD"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_sparse_sheet_costs_its_cells_only() {
        // CV400000: within the limits, and one cell, not 40 million.
        let started = Instant::now();
        let t = table::read_xlsx_bytes(&xlsx(&[(1, 0, "a"), (399_999, 99, "x")])).expect("reads");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].0, 400_000);
        assert_eq!(t.rows[1].1.len(), 100);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn an_ods_wider_or_denser_than_the_limits_is_refused_before_calamine() {
        let e = over(table::read_ods_bytes(&ods(&ods_row(1, 16_384, "x"))));
        assert!(e.contains("columns"), "{e}");
        let rows = format!("{}{}", ods_row(1, 3, "h"), ods_row(1_000_000, 100, "x"));
        let e = over(table::read_ods_bytes(&ods(&rows)));
        assert!(e.contains("cells") || e.contains("rows"), "{e}");
        let small = format!("{}{}", ods_row(1, 2, "Mã"), ods_row(3, 2, "x"));
        let t = table::read_ods_bytes(&ods(&small)).expect("a small sheet reads");
        assert_eq!(t.rows.len(), 3);
    }

    #[test]
    fn csv_lines_and_fields_are_bounded() {
        let wide = format!("a{}\n", ",x".repeat(MAX_COLUMNS + 5));
        assert!(over(table::read_csv(wide.as_bytes())).contains("columns"));
        let long = format!("Mã\n{}\n", "y".repeat(MAX_RECORD_BYTES + 1));
        assert!(over(table::read_csv(long.as_bytes())).contains("line 2"));
    }

    #[test]
    fn not_a_zip_is_a_read_error_not_a_crash() {
        assert!(table::read_xlsx_bytes(b"PK\x03\x04garbage").is_err());
        assert!(table::read_ods_bytes(b"").is_err());
    }

    #[test]
    fn a_huge_declared_count_of_shared_strings_is_refused_before_calamine() {
        use super::samples::xlsx_declaring_strings;
        // calamine would reserve 24 bytes per declared string and abort the process.
        for count in ["100000000000", "5000001", "99999999999999999999999999"] {
            let e = over(table::read_xlsx_bytes(&xlsx_declaring_strings(count)));
            assert!(e.contains("shared strings"), "{count}: {e}");
        }
        let t = table::read_xlsx_bytes(&xlsx_declaring_strings("5000000")).expect("at the limit");
        assert_eq!(t.rows.len(), 1);
        // Not a number calamine can read: it reserves nothing, and neither is it refused.
        table::read_xlsx_bytes(&xlsx_declaring_strings("lots")).expect("reads");
    }

    #[test]
    fn a_zip_is_measured_as_it_unpacks_not_as_it_declares() {
        use super::samples::lying_zip;
        let mib = 1024 * 1024;
        // It declares 100 bytes and unpacks to 2 MiB: past a limit of 1 MiB however it lies.
        let e = match check_zip_within(std::io::Cursor::new(lying_zip(2 * mib, 100)), mib as u64) {
            Err(ImportError::OverLimit(e)) => e.0,
            other => panic!("{other:?}"),
        };
        assert!(e.contains("unpacks to more than 1 MiB"), "{e}");
        check_zip_within(std::io::Cursor::new(lying_zip(mib / 2, 100)), mib as u64)
            .expect("within the limit, whatever it declares");
        check_zip_within(std::io::Cursor::new(lying_zip(mib, 100)), mib as u64)
            .expect("exactly at the limit");
    }

    #[test]
    fn column_names_as_a_spreadsheet_shows_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(99), "CV");
        assert_eq!(column_name(16383), "XFD");
    }

    #[test]
    fn a_row_too_wide_or_too_many_cells_is_refused() {
        let mut b = Budget::default();
        let wide = vec!["x".to_string(); MAX_COLUMNS + 1];
        assert!(b.take(2, &wide).unwrap_err().0.contains("row 2"));
        let row = vec!["x".to_string(); 100];
        let mut b = Budget::default();
        let mut refused = None;
        for r in 0..(MAX_CELLS / 100 + 2) {
            if let Err(e) = b.take(r, &row) {
                refused = Some(e);
                break;
            }
        }
        assert!(refused.is_some_and(|e| e.0.contains("filled cells")));
    }
}
