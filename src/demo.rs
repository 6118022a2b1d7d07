//! Demo data: the sample spreadsheets in `demo/`, loaded by `loa serve --demo` so every keyword can be tried.

use crate::contacts;
use crate::db::Db;
use crate::features::areas::{self, Area, Level};
use crate::phone::Msisdn;

const PLACES: &str = include_str!("../demo/dia-ban.csv");
const HOUSEHOLDS: &str = include_str!("../demo/ho-gia-dinh.csv");
const STAFF: &str = include_str!("../demo/can-bo.csv");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo file {file}, row {row}: {problem}")]
    Row {
        file: &'static str,
        row: usize,
        problem: String,
    },
    #[error("demo file {file}: {source}")]
    Csv {
        file: &'static str,
        source: csv::Error,
    },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Loaded {
    pub areas: usize,
    pub contacts: usize,
}

/// Loads places and every phone number of the samples; running it twice changes nothing.
pub async fn load(db: &Db) -> Result<Loaded, DemoError> {
    let places = parse_places()?;
    let phones = parse_phones(HOUSEHOLDS, "ho-gia-dinh.csv", "Số điện thoại")?
        .into_iter()
        .chain(parse_phones(STAFF, "can-bo.csv", "Số điện thoại")?);
    let loaded_areas = places.len();
    areas::upsert_all(db, places).await?;
    let mut n = 0;
    for phone in phones {
        contacts::find_or_create(db, &phone).await?;
        n += 1;
    }
    Ok(Loaded {
        areas: loaded_areas,
        contacts: n,
    })
}

fn records(
    text: &'static str,
    file: &'static str,
) -> Result<(csv::StringRecord, Vec<csv::StringRecord>), DemoError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let csv_err = |source| DemoError::Csv { file, source };
    let headers = reader.headers().map_err(csv_err)?.clone();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(csv_err)?;
    Ok((headers, rows))
}

fn column(headers: &csv::StringRecord, name: &str, file: &'static str) -> Result<usize, DemoError> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or(DemoError::Row {
            file,
            row: 1,
            problem: format!("no column `{name}`"),
        })
}

fn parse_places() -> Result<Vec<Area>, DemoError> {
    const FILE: &str = "dia-ban.csv";
    let (h, rows) = records(PLACES, FILE)?;
    let [code, name, level, parent, difficult, region] = [
        "Mã",
        "Tên",
        "Cấp",
        "Mã cấp trên",
        "Đặc biệt khó khăn",
        "Khu vực",
    ]
    .map(|c| column(&h, c, FILE));
    let (code, name, level, parent, difficult, region) =
        (code?, name?, level?, parent?, difficult?, region?);
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let cell = |c: usize| r.get(c).unwrap_or("").trim().to_string();
            let lvl = Level::from_vietnamese(&cell(level)).ok_or_else(|| DemoError::Row {
                file: FILE,
                row: i + 2,
                problem: format!("unknown level `{}`", cell(level)),
            })?;
            let opt = |s: String| (!s.is_empty()).then_some(s);
            Ok(Area {
                code: cell(code),
                name: cell(name),
                level: lvl,
                parent_code: opt(cell(parent)),
                especially_difficult: crate::text::unaccent(&cell(difficult)).to_lowercase()
                    == "co",
                region: opt(cell(region)),
            })
        })
        .collect()
}

/// Every phone in `column` of `text`; a cell may hold several, separated by `;`.
fn parse_phones(
    text: &'static str,
    file: &'static str,
    column_name: &str,
) -> Result<Vec<Msisdn>, DemoError> {
    let (h, rows) = records(text, file)?;
    let col = column(&h, column_name, file)?;
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        for raw in r.get(col).unwrap_or("").split(';') {
            if raw.trim().is_empty() {
                continue;
            }
            let phone = Msisdn::parse(raw).map_err(|e| DemoError::Row {
                file,
                row: i + 2,
                problem: e.to_string(),
            })?;
            out.push(phone);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_parse() {
        let places = parse_places().expect("places");
        assert_eq!(places.len(), 10);
        assert!(places
            .iter()
            .any(|a| a.code == "01969" && a.level == Level::Commune));
        let phones = parse_phones(HOUSEHOLDS, "h", "Số điện thoại").expect("phones");
        assert!(phones.iter().any(|p| p.as_str() == "+84388001002"));
        assert!(phones.iter().any(|p| p.as_str() == "+84912001005"));
        assert_eq!(phones.len(), 8);
        assert_eq!(
            parse_phones(STAFF, "s", "Số điện thoại")
                .expect("staff")
                .len(),
            4
        );
    }
}
