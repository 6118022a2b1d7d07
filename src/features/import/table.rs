//! Reading a spreadsheet (`.csv` or `.xlsx`) into text cells, and finding columns by their many spellings.

use std::path::Path;

use calamine::{Data, Reader};

use super::limits::{self, Budget};
use super::ImportError;

/// A sheet as text: the header row and the data rows, each with its row number in the file.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The most rows one file may hold, so a wrong file cannot exhaust memory.
pub const MAX_ROWS: usize = limits::MAX_ROWS;

/// Reads `.csv` (UTF-8, `,` or `;` separated), `.xlsx` or `.ods` (first sheet) by the file's
/// extension, within [`limits`].
pub fn read(path: &Path) -> Result<Table, ImportError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !matches!(ext.as_str(), "csv" | "txt" | "xlsx" | "xlsm" | "ods") {
        return Err(ImportError::Format(ext));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| ImportError::Read(e.to_string()))?
        .len();
    if size > limits::MAX_FILE_BYTES {
        return Err(limits::OverLimit(format!(
            "the file is {} MiB; loa reads at most {} MiB",
            size / (1024 * 1024),
            limits::MAX_FILE_BYTES / (1024 * 1024)
        ))
        .into());
    }
    let bytes = std::fs::read(path).map_err(|e| ImportError::Read(e.to_string()))?;
    match ext.as_str() {
        "csv" | "txt" => read_csv(&bytes),
        "ods" => read_ods_bytes(&bytes),
        _ => read_xlsx_bytes(&bytes),
    }
}

/// Reads CSV in any encoding an office's computer saves (see [`super::decode`]), as NFC text.
pub fn read_csv(bytes: &[u8]) -> Result<Table, ImportError> {
    let (text, _source) = super::decode::decode(bytes).map_err(ImportError::Encoding)?;
    let bytes = text.as_bytes();
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(b"");
    // Vietnamese Excel exports often use `;` because `,` is the decimal separator; its
    // "Unicode text" (UTF-16) separates with tabs.
    let count = |sep: u8| first_line.iter().filter(|&&b| b == sep).count();
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|&sep| (count(sep), sep == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    from_rows(reader.records().enumerate().map(|(i, rec)| {
        let rec = rec.map_err(|e| ImportError::Read(e.to_string()))?;
        if rec.as_slice().len() > limits::MAX_RECORD_BYTES {
            return Err(limits::OverLimit(format!(
                "line {} is longer than {} KiB",
                i + 1,
                limits::MAX_RECORD_BYTES / 1024
            ))
            .into());
        }
        Ok((i + 1, rec.iter().map(|c| c.trim().to_string()).collect()))
    }))
}

/// A table from numbered rows of cells: the first row is the header, blank rows are left out,
/// and reading stops at [`MAX_ROWS`] or another of the [`limits`].
fn from_rows(
    rows: impl Iterator<Item = Result<(usize, Vec<String>), ImportError>>,
) -> Result<Table, ImportError> {
    let mut headers = None;
    let mut out = Vec::new();
    let mut budget = Budget::default();
    for row in rows {
        let (number, mut cells) = row?;
        // Trailing empty cells (a sheet's formatting) are no columns.
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        budget.take(number, &cells)?;
        // NUL and other control characters: no office means them, and PostgreSQL refuses NUL.
        for cell in &mut cells {
            if let std::borrow::Cow::Owned(clean) = crate::text::strip_controls(cell) {
                *cell = clean;
            }
        }
        if headers.is_none() {
            headers = Some(cells);
            continue;
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if out.len() >= MAX_ROWS {
            return Err(ImportError::TooLarge(MAX_ROWS));
        }
        out.push((number, cells));
    }
    Ok(Table {
        headers: headers.unwrap_or_default(),
        rows: out,
    })
}

/// A hostile file can make the spreadsheet reader panic (the fuzz pass found a cell reference
/// whose column overflows calamine's arithmetic): that is a file we cannot read, not a crash.
fn survive_reader_panics(
    read: impl FnOnce() -> Result<Table, ImportError>,
) -> Result<Table, ImportError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(ImportError::Read(
            "the spreadsheet is damaged: its reader could not go on".into(),
        ))
    })
}

/// Reads an `.xlsx` already in memory (a file, or an upload through the API), cell by cell:
/// only cells with a value cost anything, wherever they lie.
pub fn read_xlsx_bytes(bytes: &[u8]) -> Result<Table, ImportError> {
    survive_reader_panics(|| read_xlsx_unguarded(bytes))
}

fn read_xlsx_unguarded(bytes: &[u8]) -> Result<Table, ImportError> {
    limits::check_zip(std::io::Cursor::new(bytes))?;
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ImportError::Read(e.to_string()))?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| ImportError::Read("the workbook has no sheet".into()))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| ImportError::Read(e.to_string()))?;
    let mut rows: std::collections::BTreeMap<usize, Vec<(usize, String)>> = Default::default();
    let mut count = 0usize;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| ImportError::Read(e.to_string()))?
    {
        let value = Data::from(cell.get_value().clone());
        if matches!(value, Data::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let (row, col) = (r as usize + 1, c as usize);
        limits::check_row(row)?;
        limits::check_column(row, col)?;
        count += 1;
        if count > limits::MAX_CELLS {
            return Err(limits::OverLimit(format!(
                "the sheet has more than {} filled cells",
                limits::MAX_CELLS
            ))
            .into());
        }
        rows.entry(row).or_default().push((col, cell_text(&value)));
    }
    from_rows(rows.into_iter().map(|(number, cells)| {
        let width = cells.iter().map(|(c, _)| c + 1).max().unwrap_or(0);
        let mut row = vec![String::new(); width];
        for (c, text) in cells {
            row[c] = text;
        }
        Ok((number, row))
    }))
}

/// Reads an `.ods` in memory, once it is measured to fit (calamine lays sheets out densely).
pub fn read_ods_bytes(bytes: &[u8]) -> Result<Table, ImportError> {
    survive_reader_panics(|| read_ods_unguarded(bytes))
}

fn read_ods_unguarded(bytes: &[u8]) -> Result<Table, ImportError> {
    limits::check_zip(std::io::Cursor::new(bytes))?;
    limits::check_ods(std::io::Cursor::new(bytes))?;
    let mut book: calamine::Ods<_> = calamine::Reader::new(std::io::Cursor::new(bytes))
        .map_err(|e: calamine::OdsError| ImportError::Read(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::Read("the workbook has no sheet".into()))?
        .map_err(|e| ImportError::Read(e.to_string()))?;
    let start = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    from_rows(range.rows().enumerate().map(|(i, row)| {
        // Columns as in the sheet: a range that starts at C keeps A and B empty.
        let mut cells = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        Ok((start + i + 1, cells))
    }))
}

/// A cell as the office typed it: whole numbers without `.0` (a code typed as a number keeps
/// its digits), dates as dd/mm/yyyy.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => super::decode::nfc(s.trim()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| dt.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A header as compared: no diacritics, lower case, letters and digits only.
pub fn header_key(h: &str) -> String {
    crate::text::unaccent(h)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// One column a kind of import reads: its field name (used in `--map`), the header shown in
/// reports, whether it must be present, and the spellings recognized.
pub struct Field {
    pub name: &'static str,
    pub header: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

impl Field {
    /// A column every file must have. Its first spelling is the header reports show when the
    /// file spells it some other way, or lacks it.
    pub const fn required(name: &'static str, aliases: &'static [&'static str]) -> Field {
        Field {
            name,
            header: aliases[0],
            required: true,
            aliases,
        }
    }

    /// A column a file may leave out: its cells read as empty.
    pub const fn optional(name: &'static str, aliases: &'static [&'static str]) -> Field {
        Field {
            name,
            header: aliases[0],
            required: false,
            aliases,
        }
    }
}

/// Where each field is in this file (None: the optional column is absent).
pub struct Columns {
    pub index: Vec<Option<usize>>,
    pub headers: Vec<String>,
}

impl Columns {
    /// The column number of field `i` and the header to show for it.
    pub fn get<'a>(&self, row: &'a [String], i: usize) -> &'a str {
        self.index[i]
            .and_then(|c| row.get(c))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn header(&self, i: usize) -> &str {
        &self.headers[i]
    }
}

/// Finds each field's column; `extra` maps more header spellings to field names (`--map`).
/// A missing required column is reported with the field's usual header.
pub fn columns(
    table: &Table,
    fields: &[Field],
    extra: &[(String, String)],
) -> Result<Columns, Vec<&'static str>> {
    let keys: Vec<String> = table.headers.iter().map(|h| header_key(h)).collect();
    let mut index = Vec::new();
    let mut headers = Vec::new();
    let mut missing = Vec::new();
    for f in fields {
        let mut found = keys
            .iter()
            .position(|k| f.aliases.iter().any(|a| header_key(a) == *k) || *k == f.name);
        for (header, field) in extra {
            if field == f.name {
                if let Some(p) = keys.iter().position(|k| *k == header_key(header)) {
                    found = Some(p);
                }
            }
        }
        if found.is_none() && f.required {
            missing.push(f.header);
        }
        headers.push(found.map_or_else(|| f.header.to_string(), |p| table.headers[p].clone()));
        index.push(found);
    }
    if missing.is_empty() {
        Ok(Columns { index, headers })
    } else {
        Err(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_bom_and_blank_rows() {
        let t = read_csv("\u{feff}Mã hộ;Số điện thoại\nA;0912 001 001\n;\nB;\n".as_bytes())
            .expect("reads");
        assert_eq!(t.headers, vec!["Mã hộ", "Số điện thoại"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            t.rows[1].0, 4,
            "row numbers count the header and blank rows"
        );
    }

    #[test]
    fn other_spellings_map_to_fields_and_missing_columns_are_named() {
        const FIELDS: &[Field] = &[
            Field {
                name: "code",
                header: "Mã hộ",
                required: true,
                aliases: &["Mã hộ"],
            },
            Field {
                name: "phones",
                header: "Số điện thoại",
                required: false,
                aliases: &["SĐT"],
            },
        ];
        let t = read_csv("MÃ HỘ,Điện thoại liên hệ\nA,0912001001\n".as_bytes()).expect("reads");
        let c = columns(&t, FIELDS, &[])
            .map_err(|m| m.to_vec())
            .expect("code found");
        assert_eq!(c.index, vec![Some(0), None]);
        assert_eq!(c.header(1), "Số điện thoại");
        let map = [("điện thoại liên hệ".to_string(), "phones".to_string())];
        let c = columns(&t, FIELDS, &map)
            .map_err(|m| m.to_vec())
            .expect("mapped");
        assert_eq!(c.get(&t.rows[0].1, 1), "0912001001");
        assert_eq!(c.header(1), "Điện thoại liên hệ");
        let t = read_csv("Tên\nA\n".as_bytes()).expect("reads");
        assert_eq!(columns(&t, FIELDS, &[]).err(), Some(vec!["Mã hộ"]));
    }

    #[test]
    fn headers_match_without_diacritics_case_or_punctuation() {
        assert_eq!(header_key(" Thôn / Bản "), "thonban");
        assert_eq!(header_key("SỐ ĐIỆN THOẠI"), "sodienthoai");
    }
}
