//! Reading a spreadsheet (`.csv` or `.xlsx`) into text cells, and finding columns by their many spellings.

use std::path::Path;

use calamine::{Data, Reader};

use super::ImportError;

/// A sheet as text: the header row and the data rows, each with its row number in the file.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The most rows one file may hold, so a wrong file cannot exhaust memory.
pub const MAX_ROWS: usize = 2_000_000;

/// Reads `.csv` (UTF-8, `,` or `;` separated) or `.xlsx` (first sheet) by the file's extension.
pub fn read(path: &Path) -> Result<Table, ImportError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| ImportError::Read(e.to_string()))?;
            read_csv(&bytes)
        }
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(path),
        other => Err(ImportError::Format(other.to_string())),
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
        Ok((i + 1, rec.iter().map(|c| c.trim().to_string()).collect()))
    }))
}

/// A table from numbered rows of cells: the first row is the header, blank rows are left out,
/// and reading stops at [`MAX_ROWS`].
fn from_rows(
    rows: impl Iterator<Item = Result<(usize, Vec<String>), ImportError>>,
) -> Result<Table, ImportError> {
    let mut headers = None;
    let mut out = Vec::new();
    for row in rows {
        let (number, cells) = row?;
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

fn read_xlsx(path: &Path) -> Result<Table, ImportError> {
    let book = calamine::open_workbook_auto(path).map_err(|e| ImportError::Read(e.to_string()))?;
    read_book(book)
}

/// Reads a workbook already in memory (an upload through the API).
pub fn read_xlsx_bytes(bytes: &[u8]) -> Result<Table, ImportError> {
    let book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| ImportError::Read(e.to_string()))?;
    read_book(book)
}

fn read_book<RS: std::io::Read + std::io::Seek>(
    mut book: calamine::Sheets<RS>,
) -> Result<Table, ImportError> {
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::Read("the workbook has no sheet".into()))?
        .map_err(|e| ImportError::Read(e.to_string()))?;
    let start = range.start().map_or(0, |(r, _)| r as usize);
    from_rows(
        range
            .rows()
            .enumerate()
            .map(|(i, row)| Ok((start + i + 1, row.iter().map(cell_text).collect()))),
    )
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
