//! Figures for monitoring, without personal data: requests by month, commune, category and status.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::store::{self, FigureRow};
use crate::db::Db;

/// A month as `YYYY-MM`.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()
}

/// The first instant of local day `day` in `tz`.
fn start_of(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Month, province, commune, category, status.
type Cell = (String, Option<String>, Option<String>, String, String);

/// Counts of requests created in local month `month` (every month when None), one row per
/// month, province, commune, category and status, in that order.
pub async fn figures(
    db: &Db,
    tz: Tz,
    month: Option<NaiveDate>,
) -> Result<Vec<FigureRow>, sqlx::Error> {
    let range = month.map(|m| {
        let next = m
            .with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .unwrap_or(m);
        (start_of(tz, m), start_of(tz, next))
    });
    let (from, to) = range.unwrap_or((None, None));
    let mut counts: BTreeMap<Cell, i64> = BTreeMap::new();
    for (created, province, commune, category, status) in store::facts(db, from, to).await? {
        let month = created.with_timezone(&tz).format("%Y-%m").to_string();
        *counts
            .entry((month, province, commune, category, status))
            .or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(
            |((month, province, commune, category, status), requests)| FigureRow {
                month,
                province,
                commune,
                category,
                status,
                requests,
            },
        )
        .collect())
}

/// Requests of one commune (or of none: a phone in no household), open and closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommuneRequests {
    pub commune: Option<String>,
    pub province: Option<String>,
    pub open: i64,
    pub closed: i64,
}

/// Requests created since `since`, by commune (most requests first), without personal data.
pub async fn by_commune(
    db: &Db,
    since: DateTime<Utc>,
) -> Result<Vec<CommuneRequests>, sqlx::Error> {
    let mut places: BTreeMap<(Option<String>, Option<String>), (i64, i64)> = BTreeMap::new();
    for (commune, province, status, n) in store::count_by_place(db, since).await? {
        let closed = super::Status::from_db(&status).is_some_and(super::Status::is_closed);
        let slot = places.entry((commune, province)).or_default();
        if closed {
            slot.1 += n;
        } else {
            slot.0 += n;
        }
    }
    let mut out: Vec<CommuneRequests> = places
        .into_iter()
        .map(|((commune, province), (open, closed))| CommuneRequests {
            commune,
            province,
            open,
            closed,
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.open + c.closed));
    Ok(out)
}

/// The figures as CSV (`loa report legal-aid`), a header line first.
pub fn to_csv(rows: &[FigureRow]) -> String {
    use crate::text::csv_cell;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "month", "province", "commune", "category", "status", "requests",
    ]);
    for r in rows {
        // Area codes come from spreadsheets: quoted by the writer, formula-looking ones neutralised.
        let _ = w.write_record([
            csv_cell(&r.month).into_owned(),
            csv_cell(r.province.as_deref().unwrap_or("")).into_owned(),
            csv_cell(r.commune.as_deref().unwrap_or("")).into_owned(),
            csv_cell(&r.category).into_owned(),
            csv_cell(&r.status).into_owned(),
            r.requests.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_looking_code_is_neutralised_and_commas_quoted() {
        let row = FigureRow {
            month: "2026-11".into(),
            province: Some("19".into()),
            commune: Some("=HYPERLINK(\"x\",\"y\")".into()),
            category: "land".into(),
            status: "received".into(),
            requests: 2,
        };
        let csv = to_csv(&[row]);
        let line = csv.lines().nth(1).expect("a row");
        assert!(line.contains("'=HYPERLINK"), "{line}");
        assert!(
            line.starts_with("2026-11,19,\""),
            "the comma-bearing cell is quoted: {line}"
        );
    }

    #[test]
    fn months_are_read_as_written() {
        assert_eq!(parse_month("2026-05"), NaiveDate::from_ymd_opt(2026, 5, 1));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("May"), None);
    }
}
